"""Every legal reference of the parameter files reads in Vietnamese on a Vietnamese page (issue 15): a citation by
its form, a title that says more from the table; a new title left in English fails here."""

import re

import pytest

from ansinh.core.legal_titles import title_in, title_vi
from ansinh.rules.params import default

ENGLISH = re.compile(
    r"\b(the|of|for|on|by|in|to|from|and|at|least|most|keeps|household|new|group|state|pays|support|only|limit|"
    r"payment|modes|poverty|standard|communes?|students?|pupils|card|codes|labour|force|about|above|average|"
    r"monthly|investment|return|fund|announced|summary|quoted|excludes|pension|benefit|recipients|coefficients|"
    r"near-poor|poor|districts|facility|change|quarter|beneficiaries|laws|elderly|disability|assistance|ethnic|"
    r"minorities|list|months?|years?|missing|paid|separate|other|share|applies|applied|Decree|Decision|Law|"
    r"Circular|Resolution|Notice|Art)\b"
)


def _titles() -> set[str]:
    p = default()
    return {r.title for name in p.names() for v in p.parameter(name).values for r in v.references}


@pytest.mark.parametrize("title", sorted(_titles()))
def test_each_reference_reads_in_vietnamese(title):
    assert not ENGLISH.search(title_vi(title)), title_vi(title)


def test_citations_are_translated_by_their_form_and_english_pages_keep_the_file():
    assert title_vi("Decree 146/2018/ND-CP Art. 7(1)(e)") == "Nghị định 146/2018/NĐ-CP Điều 7 khoản 1 điểm e"
    assert title_vi("Decree 47/2016/ND-CP (in force 2016-07-15, applied from 2016-05-01)") == (
        "Nghị định 47/2016/NĐ-CP (hiệu lực 15/07/2016, áp dụng từ 01/05/2016)"
    )
    assert title_in("en", "Decree 73/2024/ND-CP") == "Decree 73/2024/ND-CP"
    assert title_in("vi", "Decree 73/2024/ND-CP") == "Nghị định 73/2024/NĐ-CP"


def test_every_parameter_has_a_vietnamese_heading():
    from ansinh.core.legal_titles import parameter_title

    p = default()
    missing = [n for n in p.names() if parameter_title("vi", n, None) == n]
    assert not missing, f"add these to core/data/parameter_titles_vi.yaml: {missing}"
