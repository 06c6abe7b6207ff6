"""The parameter loader refuses malformed files and names the file and the line."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from ansinh.rules.errors import ParameterError, RuleError
from ansinh.rules.params import default, load_dir, load_reform

GOOD = """\
description: a figure
unit: VND
last_checked: 2026-01-01
values:
  2020-01-01:
    value: 100
    reference: {title: Decree 1/2020}
  2021-01-01:
    value: 4.5%
    reference: {title: Decree 2/2021, href: "https://example.org/2"}
  2022-01-01:
    value: null
    reference: {title: Decree 3/2022 repeals it}
"""


def _write(tmp_path: Path, text: str, name: str = "fig.yaml") -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def _error(tmp_path: Path, text: str) -> ParameterError:
    _write(tmp_path, text)
    with pytest.raises(ParameterError) as exc:
        load_dir(tmp_path)
    return exc.value


def test_a_good_file_loads_exact_values_and_ends_on_null(tmp_path: Path) -> None:
    _write(tmp_path, GOOD)
    p = load_dir(tmp_path)
    assert p.get("fig", date(2020, 6, 1)).value == 100
    assert p.get("fig", date(2021, 6, 1)).value == Fraction(9, 200)
    with pytest.raises(RuleError) as exc:
        p.get("fig", date(2022, 1, 1))
    assert exc.value.code == "parameter.ended"
    with pytest.raises(RuleError) as exc:
        p.get("fig", date(2019, 12, 31))
    assert exc.value.code == "parameter.not_in_force"


def test_a_bad_date_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD.replace("2021-01-01:", "2021-13-01:"))
    assert err.file.endswith("fig.yaml") and err.line == 8
    assert "2021-13-01" in str(err) and "fig.yaml:8" in str(err)


def test_a_non_iso_date_is_an_error(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD.replace("2021-01-01:", "2021-1-1:"))
    assert err.line == 8


def test_an_unknown_key_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD.replace("    value: 100\n", "    value: 100\n    valeu: 3\n"))
    assert err.line == 7 and "valeu" in str(err)


def test_an_unknown_top_level_key_is_an_error(tmp_path: Path) -> None:
    err = _error(tmp_path, "colour: red\n" + GOOD)
    assert err.line == 1 and "colour" in str(err)


def test_a_duplicate_key_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    dup = GOOD.replace(
        "  2022-01-01:", "  2020-01-01:\n    value: 1\n    reference: {title: x}\n  2022-01-01:"
    )
    err = _error(tmp_path, dup)
    assert err.line == 11 and "duplicate" in str(err) and "line 5" in str(err)


def test_a_missing_reference_is_an_error_naming_file_and_line(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD.replace("    reference: {title: Decree 1/2020}\n", ""))
    assert err.line == 6 and "reference" in str(err)


def test_a_reference_without_title_is_an_error(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD.replace("{title: Decree 1/2020}", "{href: 'https://x'}"))
    assert err.line == 7 and "title" in str(err)


def test_an_unconfirmed_value_needs_a_note(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD.replace("    value: 100\n", "    value: 100\n    unconfirmed: true\n"))
    assert err.line == 6 and "note" in str(err)


def test_a_missing_unit_is_an_error(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD.replace("unit: VND\n", ""))
    assert "unit" in str(err)


def test_an_unquoted_comma_in_a_flow_title_is_caught(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD.replace("{title: Decree 1/2020}", "{title: Law 1, Art. 2}"))
    assert err.line == 7 and "Art. 2" in str(err)


def test_yaml_syntax_errors_name_the_line(tmp_path: Path) -> None:
    err = _error(tmp_path, GOOD.replace("    value: 100\n", "    value: [100\n"))
    assert err.line is not None and err.file.endswith("fig.yaml")


def test_a_family_file_names_members_and_inherits_unit(tmp_path: Path) -> None:
    (tmp_path / "fam").mkdir()
    _write(
        tmp_path,
        "unit: rate\nlast_checked: 2026-01-01\nparameters:\n  a:\n    values:\n      2020-01-01:\n"
        "        value: 30%\n        reference: {title: D}\n",
        "fam/x.yaml",
    )
    p = load_dir(tmp_path)
    assert p.family("fam.x") == ["a"]
    assert p.get("fam.x.a", date(2020, 1, 1)).value == Fraction(3, 10)
    assert p.parameter("fam.x.a").unit == "rate"


def test_floats_never_appear(tmp_path: Path) -> None:
    _write(tmp_path, GOOD.replace("value: 100", "value: 0.1"))
    v = load_dir(tmp_path).get("fig", date(2020, 1, 1)).value
    assert v == Fraction(1, 10) and not isinstance(v, float)


def test_a_reform_file_adds_dated_values(tmp_path: Path) -> None:
    f = _write(
        tmp_path,
        "parameters:\n  provinces.hi_topup.01:\n    unit: rate\n    values:\n      2027-01-01:\n"
        "        value: {near_poor: 20%}\n        reference: {title: reform}\n",
        "reform.yaml",
    )
    law = default().overlay(load_reform(f))
    assert law.get("provinces.hi_topup.01", date(2027, 1, 1)).value == {"near_poor": Fraction(1, 5)}


def test_the_shipped_parameters_load_and_every_value_has_a_reference() -> None:
    p = default()
    assert len(p.names()) > 30
    for name in p.names():
        param = p.parameter(name)
        assert param.unit and param.last_checked
        for v in param.values:
            assert v.references and all(r.title for r in v.references), name
            assert not isinstance(v.value, float)
            if v.unconfirmed:
                assert v.note, name
