"""Input hygiene (issue 12): names and titles refuse invisible characters, titles have a length, dates and receipt
numbers stay in the range a person means; each refusal names the field and writes nothing."""

import datetime as dt

import pytest

from ansinh.campaigns.models import Activity, Campaign
from ansinh.campaigns.services import activity_create, campaign_create
from ansinh.core.errors import ApplicationError
from ansinh.core.text import has_invisible
from ansinh.payments.models import DayClose, ReceiptBook
from ansinh.payments.services import book_create, day_close_create
from ansinh.registry.models import Person
from factories import make_person, make_point, make_user


@pytest.mark.parametrize(
    "text", ["Nguyễn\u202eVăn", "Nguyễn\u200bVăn", "Nguyễn\u0007Văn", "Nguyễn\ufeffVăn", "Nguyễn\u2066Văn"]
)
def test_invisible_characters_are_found(text):
    assert has_invisible(text)


def test_ordinary_vietnamese_is_not_invisible():
    assert not has_invisible("Nguyễn Thị Hường, Đắk Lắk — Bản Phiệt (thôn 3)")


def test_a_person_whose_name_hides_a_direction_override_is_refused(communes):
    agent = make_user(role="collection_agent", areas=[communes["a"].code])
    with pytest.raises(ApplicationError) as e:
        make_person(agent, area_code=communes["a"].code, full_name="Nguyễn Văn\u202e nÁ")
    assert e.value.field == "full_name" and not Person.objects.exists()


@pytest.fixture
def manager(communes):
    return make_user(role="manager", areas=[communes["a"].code])


def campaign(manager, communes, **kw):
    data = {
        "name": "Tháng vận động",
        "kind": "month_of_promotion",
        "starts_on": dt.date(2026, 5, 1),
        "ends_on": dt.date(2026, 5, 31),
        "area_codes": [communes["a"].code],
    }
    return campaign_create(actor=manager, **{**data, **kw})


@pytest.mark.parametrize(
    "change, field",
    [
        ({"name": "x" * 100_000}, "name"),
        ({"name": "Tháng\u200b vận động"}, "name"),
        ({"starts_on": dt.date(1, 1, 1)}, "starts_on"),
        ({"starts_on": dt.date(9999, 12, 1), "ends_on": dt.date(9999, 12, 31)}, "starts_on"),
    ],
)
def test_a_campaign_refuses_absurd_names_and_years(manager, communes, change, field):
    with pytest.raises(ApplicationError) as e:
        campaign(manager, communes, **change)
    assert e.value.field == field and not Campaign.objects.exists()


def test_an_activity_title_with_a_control_character_is_refused(manager, communes):
    c = campaign(manager, communes)
    with pytest.raises(ApplicationError) as e:
        activity_create(
            actor=manager, campaign=c, kind="livestream", title="Livestream\u0000", starts_on=dt.date(2026, 5, 2),
            ends_on=dt.date(2026, 5, 2), area_code=communes["a"].code,
        )  # fmt: skip
    assert e.value.field == "title" and not Activity.objects.exists()


def test_a_receipt_book_beyond_seven_digits_and_a_day_close_in_year_one_are_refused(communes):
    agent = make_user(role="collection_agent", areas=[communes["a"].code])
    point = make_point(area=communes["a"], agents=[agent])
    office = make_user(role="administrator", areas=["15"])
    books = ReceiptBook.objects.count()
    with pytest.raises(ApplicationError) as e:
        book_create(actor=office, point=point, series="BL99", first_number=1, last_number=2**31)
    assert e.value.field == "last_number" and ReceiptBook.objects.count() == books
    with pytest.raises(ApplicationError) as e:
        day_close_create(actor=agent, point=point, day=dt.date(1, 1, 1), cash_counted=0, received_by="Kế toán")
    assert e.value.field == "day" and not DayClose.objects.exists()


def test_a_file_name_keeps_every_letter_of_a_vietnamese_title():
    from ansinh.core.text import file_slug

    assert file_slug("Tháng vận động BHXH toàn dân — Đợt 2") == "thang-van-dong-bhxh-toan-dan-dot-2"
    assert file_slug("=HYPERLINK(\"x\")") == "hyperlink-x"
    assert len(file_slug("ă" * 200)) == 60
