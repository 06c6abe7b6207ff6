"""The outreach world fixture (see world.py for the helpers)."""

from __future__ import annotations

import pytest

from ansinh.areas.services import village_create
from ansinh.registry.services import person_update
from factories import make_point, make_user
from outreach.world import ON, cover, days, head, member, vsi_paid

__all__ = ["ON"]


@pytest.fixture
def world(communes):
    """Commune a with villages Bản Một and Bản Hai.

    Bản Một:
      H1 (mixed): An insured, Bình uninsured (never covered)
      H2: Cường lapsed 100 days ago; Dũng lapsed 10 days ago
      H3: Em expiring in 20 days (household card); Giang expiring in 20 days but already renewed; Quân expiring
          in 20 days, asked not to be contacted
    Bản Hai:
      H4: Hà VSI paid up to this month; Khánh pensioner paid in cash; Lan pensioner paid to an account
      H5: Nam asked not to be contacted, uninsured; Minh deceased (his card ends in 20 days); Oanh has a void card
          only
    Elsewhere: Phúc in commune b, uninsured (outside the list's areas).
    """
    a, b = communes["a"], communes["b"]
    admin = make_user(role="administrator", areas=[a.province_code])
    v1 = village_create(actor=admin, commune=a, name="Bản Một")
    v2 = village_create(actor=admin, commune=a, name="Bản Hai")
    officer = make_user(role="communication_officer", areas=[a.code])
    agent = make_user(role="collection_agent", areas=[a.code])
    point = make_point(area=a, agents=[agent])
    p = {}
    p["an"], h1 = head(admin, a, v1, "Nguyễn Văn An", sex="m", phone="0912000001")
    cover(p["an"], days(-100), days(200))
    p["binh"] = member(admin, h1, a, v1, "Trần Thị Bình", sex="f", phone="0912000002")
    p["cuong"], h2 = head(admin, a, v1, "Lê Văn Cường", sex="m")
    cover(p["cuong"], days(-465), days(-100))
    p["dung"] = member(admin, h2, a, v1, "Lê Văn Dũng", sex="m")
    cover(p["dung"], days(-375), days(-10))
    p["em"], h3 = head(admin, a, v1, "Phạm Thị Em", sex="f", phone="0912000005")
    cover(p["em"], days(-345), days(20))
    p["giang"] = member(admin, h3, a, v1, "Phạm Văn Giang", sex="m", phone="0912000006")
    cover(p["giang"], days(-345), days(20))
    cover(p["giang"], days(21), days(385))
    p["quan"] = member(admin, h3, a, v1, "Phạm Văn Quân", sex="m", phone="0912000012", do_not_contact=True)
    cover(p["quan"], days(-345), days(20))
    p["ha"], h4 = head(admin, a, v2, "Đỗ Thị Hà", sex="f", phone="0912000007")
    cover(p["ha"], days(-100), days(300))
    vsi_paid(p["ha"], point=point, last_month=ON.replace(day=1))  # paid up to this month: next one due
    p["khanh"] = member(
        admin,
        h4,
        a,
        v2,
        "Đỗ Văn Khánh",
        sex="m",
        pension_recipient=True,
        payout_method="cash",
        birth_date="1950-02-02",
    )
    cover(p["khanh"], days(-100), days(300), group="pensioner")
    p["lan"] = member(
        admin,
        h4,
        a,
        v2,
        "Đỗ Thị Lan",
        sex="f",
        pension_recipient=True,
        payout_method="account",
        birth_date="1952-02-02",
    )
    cover(p["lan"], days(-100), days(300), group="pensioner")
    p["nam"], h5 = head(admin, a, v2, "Vũ Văn Nam", sex="m", do_not_contact=True, phone="0912000010")
    p["minh"] = member(admin, h5, a, v2, "Vũ Văn Minh", sex="m", birth_date="1940-01-01", phone="0912000011")
    cover(p["minh"], days(-345), days(20))  # would be reminded, were he alive
    p["minh"] = person_update(actor=admin, person=p["minh"], data={"died_on": str(days(-30))})
    p["oanh"] = member(admin, h5, a, v2, "Vũ Thị Oanh", sex="f")
    cover(p["oanh"], days(-100), days(200), void=True)
    p["phuc"], _h6 = head(admin, b, None, "Hoàng Văn Phúc", sex="m")
    return {
        "a": a,
        "b": b,
        "v1": v1,
        "v2": v2,
        "admin": admin,
        "officer": officer,
        "agent": agent,
        "point": point,
        "p": p,
        "h": {"h1": h1, "h2": h2, "h3": h3, "h4": h4, "h5": h5},
    }
