"""The desk's end of day: the page shows the same figures the day close records, and today's cards print."""

from ansinh.enrollment.services import enrollment_create, receipt_void
from ansinh.payments.models import DayClose, Receipt
from factories import make_person


def test_the_close_page_and_the_day_close_count_the_same_receipts(client, desk):
    agent = desk["agent"]
    first, _ = enrollment_create(
        actor=agent,
        idempotency_key="desk-page-0001",
        scheme="hi_household",
        person_ids=[desk["members"][0].pk],
        months=12,
    )
    second, _ = enrollment_create(
        actor=agent,
        idempotency_key="desk-page-0002",
        scheme="hi_household",
        person_ids=[desk["members"][1].pk],
        months=12,
    )
    receipt_void(actor=agent, receipt=Receipt.objects.get(enrollment=second), reason="Nhập nhầm")
    client.force_login(agent)
    page = client.get("/desk/close/")
    assert page.context["cash"] == first.total_payable
    assert len(page.context["receipts"]) == 2
    response = client.post(
        "/desk/close/", {"cash_counted": str(first.total_payable), "received_by": "Kế toán"}
    )
    assert response.status_code == 302
    close = DayClose.objects.get()
    assert (close.receipts, close.voided, close.cash_expected) == (1, 1, first.total_payable)


def test_todays_cards_of_the_point_print_as_one_pdf(client, desk):
    enrollment_create(
        actor=desk["agent"],
        idempotency_key="desk-page-0003",
        scheme="hi_household",
        person_ids=[p.pk for p in desk["members"]],
        months=12,
    )
    client.force_login(desk["agent"])
    home = client.get("/desk/").content.decode()
    link = home.split('action="/cards/batch.pdf?')[1].split('"')[0].replace("&amp;", "&")
    from ansinh.core.models import AuditEvent

    looked = client.get(f"/cards/batch.pdf?{link}")  # opening the PDF is not printing it
    assert looked.status_code == 200 and looked.content[:5] == b"%PDF-"
    assert not AuditEvent.objects.filter(action="card_print").exists()
    printed = client.post(f"/cards/batch.pdf?{link}")
    assert printed.status_code == 200 and printed.content[:5] == b"%PDF-"
    assert AuditEvent.objects.filter(action="card_print").count() == 3


def test_the_desk_home_totals_the_days_receipts_without_the_void_ones(client, desk):
    agent = desk["agent"]
    kept, _ = enrollment_create(
        actor=agent,
        idempotency_key="desk-page-0004",
        scheme="hi_household",
        person_ids=[desk["members"][0].pk],
    )
    voided, _ = enrollment_create(
        actor=agent,
        idempotency_key="desk-page-0005",
        scheme="hi_household",
        person_ids=[desk["members"][1].pk],
    )
    receipt_void(actor=agent, receipt=Receipt.objects.get(enrollment=voided), reason="Nhập nhầm")
    client.force_login(agent)
    page = client.get("/desk/")
    assert page.context["total"] == kept.total_payable
    assert [r.enrollment_id for r in page.context["receipts"]] == [voided.pk, kept.pk]  # the latest first


def test_cash_counted_may_be_typed_with_thousands_dots(client, desk):
    first, _ = enrollment_create(
        actor=desk["agent"],
        idempotency_key="desk-page-0006",
        scheme="hi_household",
        person_ids=[desk["members"][0].pk],
    )
    client.force_login(desk["agent"])
    typed = f"{first.total_payable:,}".replace(",", ".")
    assert "." in typed
    client.post("/desk/close/", {"cash_counted": typed, "received_by": "Kế toán"})
    assert DayClose.objects.get().cash_counted == first.total_payable


def test_the_desk_preselects_the_most_supported_group(client, desk):
    agent, commune = desk["agent"], desk["commune"]
    person = make_person(
        agent,
        area_code=commune.code,
        birth_date="1990-02-02",
        poverty="near_poor",
        poverty_year=2024,
        ethnicity="02",
        ethnic_minority_listed_commune=True,
    )
    client.force_login(agent)
    page = client.get(f"/desk/person/{person.pk}/")
    # near-poor alone would be 70 % state support; an ethnic minority in a listed commune is 100 %
    assert page.context["default_group"] == "ethnic_minority_listed_commune"


def test_the_desk_quotes_voluntary_si_with_the_registrys_groups_not_the_hi_list(client, desk, settings):
    from ansinh.enrollment.services import compute_quote
    from ansinh.registry.models import Person

    person = desk["members"][2]
    Person.objects.filter(pk=person.pk).update(poverty="near_poor", island_commune=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(desk["agent"])
    data = {
        "scheme": "vsi",
        "person_ids": [person.pk],
        "months": "12",
        "income": "2.000.000",
        "group": "near_poor",
    }
    page = client.post(f"/desk/person/{person.pk}/quote/", data)
    expected = compute_quote(
        scheme="vsi",
        persons=[Person.objects.get(pk=person.pk)],
        months=12,
        on=__import__("ansinh.core.dates", fromlist=["today"]).today(),
        income=2_000_000,
    )
    assert page.status_code == 200 and page.context["result"]["total_payable"] == expected["total_payable"]
    assert expected["members"][0]["group"] == "island"  # the highest support, not the HI list's choice
    assert ">island<" not in page.content.decode()  # the group by its name
    bad = client.post(f"/desk/person/{person.pk}/quote/", {**data, "months": "12 tháng"})
    assert bad.status_code == 422 and "Choose the number of months." in bad.content.decode()  # on the quote
    paid = client.post("/desk/pay/", {**data, "months": "12 tháng", "idempotency_key": "k-months-1"})
    assert paid.status_code == 302 and paid["Location"] == f"/desk/person/{person.pk}/"


def test_a_member_whose_household_is_in_another_area_is_served_alone_and_the_point_can_be_changed(
    client, desk, communes
):
    from factories import make_household, make_user

    manager = make_user(role="manager", areas=["15"])
    other_head = make_person(manager, area_code=communes["b"].code)
    theirs = make_household(manager, head=other_head)
    mine = make_person(manager, area_code=desk["commune"].code)
    from ansinh.registry.services import household_add_member

    household_add_member(actor=manager, household=theirs, person=mine, relation="other")
    client.force_login(desk["agent"])
    page = client.get(f"/desk/person/{mine.pk}/")
    assert page.status_code == 200 and other_head.full_name not in page.content.decode()
    # an agent of two points: "change" (an empty point) goes back to the choice of point
    from factories import make_point

    make_point(area=desk["commune"], agents=[desk["agent"]], series="BL16")
    client.get("/desk/", {"point": str(desk["point"].pk)})
    assert client.session.get("desk_point_id") == desk["point"].pk
    client.get("/desk/", {"point": ""})
    assert client.session.get("desk_point_id") is None


def test_a_bad_follow_up_date_is_told_in_the_agents_language(client, desk):
    from ansinh.campaigns.models import Outcome
    from ansinh.campaigns.services import activity_create, campaign_create
    from ansinh.core.dates import today
    from factories import make_user

    officer = make_user(role="communication_officer", areas=[desk["commune"].code])
    campaign = campaign_create(
        actor=officer, name="Tuần vận động", kind="month_of_promotion", starts_on=today(), ends_on=today(),
        area_codes=[desk["commune"].code],
    )  # fmt: skip
    activity = activity_create(
        actor=officer, campaign=campaign, kind="art_performance", title="Văn nghệ", starts_on=today(),
        ends_on=today(), area_code=desk["commune"].code,
    )  # fmt: skip
    client.force_login(desk["agent"])
    client.get("/desk/", {"activity": str(activity.pk)})  # the activity the agent works at today
    person = desk["members"][0]
    response = client.post(
        f"/desk/person/{person.pk}/outcome/", {"kind": "follow_up", "follow_up_on": "31/02/2026"}
    )
    assert response.status_code == 302
    shown = client.get(response["Location"]).content.decode()
    assert "Ngày 31/02/2026 không tồn tại." in shown and "isoformat" not in shown
    assert not Outcome.objects.exists()


def test_the_desk_offers_the_months_the_parameters_allow(client, desk):
    from ansinh.core.dates import today
    from ansinh.rules import params

    client.force_login(desk["agent"])
    page = client.get(f"/desk/person/{desk['members'][0].pk}/")
    offered = [n for n, _vsi_only in page.context["months"]]
    allowed = set(params.get("hi.payment_periods", today()).value) | set(
        params.get("vsi.payment_modes", today()).value
    )
    assert sorted(offered) == sorted(allowed)
    html = page.content.decode()
    assert all(f'<option value="{n}"' in html for n in offered)
    floor = params.get("poverty_line_rural", today()).value
    assert f'placeholder="{floor:,}"'.replace(",", ".") in html  # the income hint is the law's floor on the day
