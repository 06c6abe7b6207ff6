"""A person's whole participation record (records.history): every card span with its state on a day, every
payment and receipt, voluntary-SI months and the support used, campaign outcomes; scoped like the registry, in a
number of queries that does not grow with the record; the API's contract and authorization matrix; the printed
history read back with pypdf."""

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from ansinh.campaigns.services import activity_create, campaign_create, outcome_record
from ansinh.core.errors import ApplicationError
from ansinh.core.services import token_create
from ansinh.enrollment.models import HICoverage
from ansinh.enrollment.services import enrollment_confirm_payment, enrollment_create, receipt_void
from ansinh.outreach.services import door_outcome_record, target_list_create
from ansinh.payments.models import Receipt
from ansinh.records.history import household_cards, person_history
from ansinh.records.pdf import history_pdf
from ansinh.registry.services import household_add_member
from factories import make_hi_coverage, make_household, make_person, make_point, make_user

TODAY = dt.date.today()


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.fixture
def desk(communes, tmp_path, monkeypatch):
    """An agent at a desk in commune a; a household of three adults there."""
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path / "keys"))
    commune = communes["a"]
    agent = make_user(role="collection_agent", areas=[commune.code])
    point = make_point(area=commune, agents=[agent])
    head = make_person(
        agent, area_code=commune.code, full_name="Nguyễn Văn An", sex="m", birth_date="1970-01-01"
    )
    household = make_household(agent, head=head)
    members = [head]
    for name, sex, born in (("Trần Thị Bình", "f", "1972-05-05"), ("Nguyễn Thị Huyền", "f", "1997-03-12")):
        person = make_person(agent, area_code=commune.code, full_name=name, sex=sex, birth_date=born)
        household_add_member(actor=agent, household=household, person=person, relation="other")
        members.append(person)
    return {"agent": agent, "point": point, "household": household, "members": members, "commune": commune}


def buy_cards(desk, key, person_ids=None, **kw):
    ids = person_ids or [p.pk for p in desk["members"]]
    return enrollment_create(
        actor=desk["agent"], idempotency_key=key, scheme="hi_household", person_ids=ids, months=12, **kw
    )[0]


# ------------------------------------------------------------------------------------------ the selector


def test_a_household_purchase_shows_on_each_members_record_with_card_payment_and_receipt(desk):
    enrollment = buy_cards(desk, "history-buy-1")
    huyen = desk["members"][2]
    huyen.refresh_from_db()  # the SI number is given with the first card
    record = person_history(user=desk["agent"], person_id=huyen.pk)

    [span] = record["spans"]
    cover = HICoverage.objects.get(enrollment=enrollment, person=huyen)
    assert span["valid_from"] == days(30) and span["valid_to"] == cover.valid_to
    assert span["state"] == "not_yet_in_force"  # a first card waits 30 days
    assert span["group"] == "household" and span["group_name"]
    assert span["card_number"] == huyen.si_number and span["card_id"] == cover.card.pk
    assert span["card_code"] == cover.card_code and span["facility"] is None
    assert record["current"]["id"] == span["id"]

    [payment] = record["payments"]
    receipt = Receipt.objects.get(enrollment=enrollment)
    third_member = enrollment.quote["members"][2]["payable"]
    assert (payment["amount"], payment["share"]) == (enrollment.total_payable, third_member)
    assert payment["share"] < payment["amount"]  # the third member of a household pays less than the whole
    assert payment["method"] == "cash" and payment["receipt_number"] == receipt.display_number
    [r] = record["receipts"]
    assert (r["number"], r["amount"], r["void"], r["pdf_allowed"]) == (
        receipt.display_number,
        receipt.amount,
        False,
        True,
    )
    assert r["card_id"] == cover.card.pk
    assert record["vsi_months"] == [] and record["vsi_support_months_used"] == 0


def test_each_state_of_a_card_on_the_day_and_the_one_that_speaks_for_the_person(desk):
    person = desk["members"][0]
    old = make_hi_coverage(person, days(-800), days(-436))
    now = make_hi_coverage(person, days(-100), days(265))
    later = make_hi_coverage(person, days(266), days(630))
    voided = make_hi_coverage(person, days(-400), days(-200), void=True)
    record = person_history(user=desk["agent"], person_id=person.pk)
    states = {s["id"]: s["state"] for s in record["spans"]}
    assert states == {
        old.pk: "expired",
        now.pk: "in_force",
        later.pk: "not_yet_in_force",
        voided.pk: "void",
    }
    assert [s["id"] for s in record["spans"]] == [later.pk, now.pk, voided.pk, old.pk]  # newest first
    assert record["current"]["id"] == now.pk
    # On another day, another state: the day after the current card ends the next one is in force.
    on = days(266)
    record = person_history(user=desk["agent"], person_id=person.pk, on=on)
    assert record["current"]["id"] == later.pk and record["on"] == on
    assert {s["id"]: s["state"] for s in record["spans"]}[now.pk] == "expired"


def test_a_voided_receipt_voids_the_card_and_the_payment_on_the_record(desk):
    enrollment = buy_cards(desk, "history-void-1")
    receipt = Receipt.objects.get(enrollment=enrollment)
    receipt_void(actor=desk["agent"], receipt=receipt, reason="Ghi sai tên")
    record = person_history(user=desk["agent"], person_id=desk["members"][0].pk)
    assert [s["state"] for s in record["spans"]] == ["void"]
    assert record["payments"][0]["void"] and record["payments"][0]["status"] == "void"
    assert record["receipts"][0]["void"] and record["receipts"][0]["void_reason"] == "Ghi sai tên"
    assert record["receipts"][0]["voided_on"] == TODAY


def test_a_transfer_waiting_for_the_bank_is_a_payment_without_a_receipt_until_confirmed(desk):
    enrollment = buy_cards(
        desk, "history-transfer-1", person_ids=[desk["members"][1].pk], method="bank_transfer"
    )
    record = person_history(user=desk["agent"], person_id=desk["members"][1].pk)
    [payment] = record["payments"]
    assert payment["payment_status"] == "pending" and payment["receipt_id"] is None
    assert record["receipts"] == [] and record["spans"] == []
    enrollment_confirm_payment(actor=desk["agent"], enrollment=enrollment, amount=enrollment.total_payable)
    record = person_history(user=desk["agent"], person_id=desk["members"][1].pk)
    assert record["payments"][0]["payment_status"] == "confirmed" and len(record["receipts"]) == 1
    assert len(record["spans"]) == 1


def test_voluntary_si_months_and_the_months_of_state_support_used(desk):
    huyen = desk["members"][2]
    # a manager may record a payment of an earlier day
    manager = make_user(role="manager", areas=[desk["commune"].code])
    make_point(area=desk["commune"], agents=[manager], series="BL16")
    for key, months, paid_on in (("history-vsi-1", 3, days(-130)), ("history-vsi-2", 6, TODAY)):
        enrollment_create(
            actor=manager,
            idempotency_key=key,
            scheme="vsi",
            person_ids=[huyen.pk],
            months=months,
            income=3_000_000,
            paid_on=paid_on,
        )
    record = person_history(user=desk["agent"], person_id=huyen.pk)
    assert [v["months"] for v in record["vsi_months"]] == [6, 3]  # newest first
    newest, first = record["vsi_months"]
    assert first["last_month"] < newest["first_month"]
    assert newest["monthly_contribution"] > 0 and newest["monthly_support"] > 0
    assert record["vsi_months_paid"] == 9
    assert record["vsi_support_months_used"] == 9 == sum(v["supported_months"] for v in record["vsi_months"])
    assert record["vsi_support_months_limit"] == 120
    # before voluntary SI as ansinh knows it (2016) the limit has no value: the record says none, not a failure
    assert (
        person_history(user=desk["agent"], person_id=huyen.pk, on=dt.date(2015, 6, 1))[
            "vsi_support_months_limit"
        ]
        is None
    )
    assert {p["scheme"] for p in record["payments"]} == {"vsi"}


@pytest.fixture
def campaign(desk):
    manager = make_user(role="manager", areas=[desk["commune"].code])
    campaign = campaign_create(
        actor=manager,
        name="Tháng vận động BHXH",
        kind="month_of_promotion",
        starts_on=days(-5),
        ends_on=days(5),
        area_codes=[desk["commune"].code],
    )
    activity = activity_create(
        actor=manager,
        campaign=campaign,
        kind="small_group_visit",
        title="Đi từng hộ thôn 1",
        starts_on=days(-5),
        ends_on=days(5),
        area_code=desk["commune"].code,
    )
    return {"manager": manager, "campaign": campaign, "activity": activity}


def test_campaign_outcomes_the_desks_ticks_and_door_outcomes_are_on_the_record(desk, campaign):
    an, binh, huyen = desk["members"]
    # The desk's tick without an activity belongs to the enrollment's first member only.
    buy_cards(desk, "history-ticks-1", person_ids=[an.pk, binh.pk], vssid_install_assisted=True)
    outcome_record(
        actor=campaign["manager"],
        activity=campaign["activity"],
        person=huyen,
        kind="vssid_install_assisted",
        on=TODAY,
    )
    target_list = target_list_create(
        actor=campaign["manager"],
        name="Chưa có thẻ",
        area_codes=[desk["commune"].code],
        criteria=["uninsured"],
        activity_id=campaign["activity"].pk,
    )
    row = target_list.households.get(household=desk["household"])
    door_outcome_record(actor=campaign["manager"], row=row, status="consulted", note="Hẹn tháng sau")

    an_kinds = {
        (o["source"], o["kind"]) for o in person_history(user=desk["agent"], person_id=an.pk)["outcomes"]
    }
    binh_kinds = {
        (o["source"], o["kind"]) for o in person_history(user=desk["agent"], person_id=binh.pk)["outcomes"]
    }
    huyen_rows = person_history(user=desk["agent"], person_id=huyen.pk)["outcomes"]
    assert ("desk", "vssid_install_assisted") in an_kinds
    assert ("desk", "vssid_install_assisted") not in binh_kinds
    huyen_kinds = {(o["source"], o["kind"]) for o in huyen_rows}
    # the door outcome for the whole household reached Huyền (on the list: no card), and the campaign outcome it
    # produced is listed once, as the door outcome
    assert huyen_kinds == {("campaign", "vssid_install_assisted"), ("door", "consulted")}
    door = next(o for o in huyen_rows if o["source"] == "door")
    assert door["campaign"] == "Tháng vận động BHXH" and door["note"] == "Hẹn tháng sau"


def test_the_number_of_queries_does_not_grow_with_the_record(desk, campaign):
    person = desk["members"][0]

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            person_history(user=desk["agent"], person_id=person.pk)
        return len(queries)

    buy_cards(desk, "history-q-1", person_ids=[person.pk], vssid_install_assisted=True)
    outcome_record(
        actor=campaign["manager"], activity=campaign["activity"], person=person, kind="consulted", on=TODAY
    )
    small = count()
    for year in range(2, 8):
        make_hi_coverage(person, dt.date(2010 + year, 1, 1), dt.date(2010 + year, 12, 31))
    receipt_void(actor=desk["agent"], receipt=Receipt.objects.get(), reason="Thử lại")
    buy_cards(desk, "history-q-2", person_ids=[person.pk])
    outcome_record(
        actor=campaign["manager"],
        activity=campaign["activity"],
        person=person,
        kind="follow_up",
        on=TODAY,
        follow_up_on=days(3),
    )
    record = person_history(user=desk["agent"], person_id=person.pk)
    assert len(record["spans"]) == 8 and len(record["receipts"]) == 2 and len(record["outcomes"]) == 3
    assert count() == small


def test_a_person_outside_the_users_areas_is_not_found_and_a_viewer_may_not_read_the_record(desk, communes):
    person = desk["members"][0]
    elsewhere = make_user(role="collection_agent", areas=[communes["other"].code])
    with pytest.raises(ApplicationError) as hidden:
        person_history(user=elsewhere, person_id=person.pk)
    with pytest.raises(ApplicationError) as missing:
        person_history(user=elsewhere, person_id=99_999_999)
    assert hidden.value.code == missing.value.code == "not_found"
    assert hidden.value.message == missing.value.message
    viewer = make_user(role="viewer", areas=[desk["commune"].code])
    with pytest.raises(ApplicationError) as denied:
        person_history(user=viewer, person_id=person.pk)
    assert denied.value.code == "permission_denied"
    assert household_cards(user=viewer, persons=desk["members"]) == {}


def test_the_household_shows_each_members_current_card_in_one_query(desk, communes):
    an, binh, huyen = desk["members"]
    make_hi_coverage(an, days(-100), days(265))
    make_hi_coverage(binh, days(-500), days(-136))
    with CaptureQueriesContext(connection) as queries:
        cards = household_cards(user=desk["agent"], persons=desk["members"])
    assert len(queries) == 1
    assert cards[an.pk]["state"] == "in_force" and cards[binh.pk]["state"] == "expired"
    assert cards[huyen.pk] is None
    elsewhere = make_user(role="collection_agent", areas=[communes["b"].code])
    assert household_cards(user=elsewhere, persons=desk["members"]) == {}


# ----------------------------------------------------------------------------------------------- the API


def bearer(user):
    _token, raw = token_create(actor=None, user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


CONTRACT = {
    "on",
    "person",
    "current",
    "spans",
    "payments",
    "receipts",
    "vsi_months",
    "vsi_months_paid",
    "vsi_support_months_used",
    "vsi_support_months_limit",
    "outcomes",
}
SPAN = {
    "id",
    "group",
    "group_name",
    "valid_from",
    "valid_to",
    "card_code",
    "card_number",
    "card_pdf",
    "state",
    "state_name",
    "void",
    "facility",
}


def test_the_history_answers_with_the_contract_field_names_in_vietnamese(client, desk):
    enrollment = buy_cards(desk, "history-api-1")
    huyen = desk["members"][2]
    body = client.get(f"/api/v1/persons/{huyen.pk}/history", **bearer(desk["agent"])).json()
    assert set(body) == CONTRACT
    assert body["person"]["id"] == huyen.pk and body["person"]["full_name"] == "Nguyễn Thị Huyền"
    [span] = body["spans"]
    assert set(span) >= SPAN
    assert span["valid_from"] == days(30).isoformat() and span["state"] == "not_yet_in_force"
    assert span["state_name"] == "chưa có hiệu lực" and span["group_name"] == "Tham gia theo hộ gia đình"
    assert span["facility"] is None
    card = HICoverage.objects.get(enrollment=enrollment, person=huyen).card
    assert span["card_pdf"] == f"/api/v1/cards/{card.pk}/pdf"
    [receipt] = body["receipts"]
    assert receipt["pdf"] == f"/api/v1/receipts/{receipt['id']}/pdf"
    assert receipt["card_pdf"] == span["card_pdf"]
    # the links open the documents
    assert client.get(receipt["pdf"], **bearer(desk["agent"]))["Content-Type"] == "application/pdf"
    assert client.get(span["card_pdf"], **bearer(desk["agent"]))["Content-Type"] == "application/pdf"
    assert body["payments"][0]["share"] == enrollment.quote["members"][2]["payable"]


@pytest.mark.parametrize(
    "kind, status",
    [("anonymous", 401), ("other_area", 404), ("own_area_viewer", 403), ("own_area_agent", 200)],
)
def test_reading_the_history_matrix(client, desk, communes, kind, status):
    buy_cards(desk, "history-matrix-1")
    person = desk["members"][0]
    headers = {
        "anonymous": {},
        "other_area": lambda: bearer(make_user(role="collection_agent", areas=[communes["other"].code])),
        "own_area_viewer": lambda: bearer(make_user(role="viewer", areas=[desk["commune"].code])),
        "own_area_agent": lambda: bearer(make_user(role="collection_agent", areas=[desk["commune"].code])),
    }[kind]
    headers = headers() if callable(headers) else headers
    for url in (f"/api/v1/persons/{person.pk}/history", f"/api/v1/persons/{person.pk}/history/pdf"):
        response = client.get(url, **headers)
        assert response.status_code == status
        if status == 200:
            assert person.full_name in (
                response.json()["person"]["full_name"] if "pdf" not in url else person.full_name
            )
        else:
            assert "Nguyễn" not in response.content.decode("utf-8", "replace")


def test_other_area_and_missing_look_the_same(client, desk, communes):
    headers = bearer(make_user(role="collection_agent", areas=[communes["other"].code]))
    hidden = client.get(f"/api/v1/persons/{desk['members'][0].pk}/history", **headers)
    missing = client.get("/api/v1/persons/99999999/history", **headers)
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()


def test_a_bad_day_is_a_422_naming_the_field(client, desk):
    response = client.get(
        f"/api/v1/persons/{desk['members'][0].pk}/history?on=31-02-2026", **bearer(desk["agent"])
    )
    assert response.status_code == 422 and response.json()["field"] == "on"


# ------------------------------------------------------------------------------------- the printed history


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_printed_history_lists_cards_vsi_months_and_payments_in_vietnamese(desk):
    enrollment = buy_cards(desk, "history-pdf-1")
    huyen = desk["members"][2]
    make_hi_coverage(huyen, dt.date(2023, 1, 1), dt.date(2023, 12, 31), group="poor")
    enrollment_create(
        actor=desk["agent"],
        idempotency_key="history-pdf-vsi",
        scheme="vsi",
        person_ids=[huyen.pk],
        months=3,
        income=3_000_000,
    )
    receipt = Receipt.objects.get(enrollment=enrollment)
    receipt_void(actor=desk["agent"], receipt=receipt, reason="Đóng nhầm")
    huyen.refresh_from_db()
    record = person_history(user=desk["agent"], person_id=huyen.pk)
    text = pdf_text(history_pdf(record, user=desk["agent"], printed_on=TODAY))
    assert "QUÁ TRÌNH THAM GIA BHXH, BHYT" in text
    assert "Nguyễn Thị Huyền" in text and huyen.si_number in text
    assert "01/01/2023" in text and "31/12/2023" in text and "Hộ nghèo" in text and "Hết hạn" in text
    assert days(30).strftime("%d/%m/%Y") in text and "Đã huỷ" in text  # the voided household card
    assert receipt.display_number in text and "ĐÃ HUỶ" in text
    assert "Bảo hiểm xã hội tự nguyện" in text and "Số tháng đã được Nhà nước hỗ trợ: 3 / tối đa 120" in text
    assert f"Ngày in: {TODAY:%d/%m/%Y}" in text and "Trang 1/1" in text
    # oldest first, like VssID's
    assert text.index("01/01/2023") < text.index(days(30).strftime("%d/%m/%Y"))


def test_the_printed_history_of_a_person_without_any_participation_says_so(desk):
    record = person_history(user=desk["agent"], person_id=desk["members"][1].pk)
    text = pdf_text(history_pdf(record, user=desk["agent"], printed_on=TODAY))
    assert "Thẻ BHYT: chưa có thẻ." in text
    assert "Chưa có thời gian tham gia bảo hiểm y tế." in text and "Chưa có lần đóng tiền nào." in text
