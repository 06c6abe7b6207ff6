"""Every HI card group code is two capital letters (YAML reads a bare NO as false: the agricultural group's
code was written as 'False' and PostgreSQL refused the coverage row)."""

import re

from ansinh.rules import params


def test_every_card_group_code_is_two_capital_letters():
    p = params.default()
    names = p.family("cards.card_codes")
    assert "agricultural_average" in names
    for name in names:
        for dated in p.parameter(f"cards.card_codes.{name}").values:
            code = dated.value["code"]
            assert isinstance(code, str) and re.fullmatch(r"[A-Z]{2}", code), (name, code)
