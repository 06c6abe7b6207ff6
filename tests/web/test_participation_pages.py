"""The person page and the household page list the person's whole record (cards and their state, payments and
receipts with their PDFs, VSI months, outcomes), in Vietnamese; the printed history opens from the person page.
Who may read it: anonymous / other area / own area without the permission / own area with it."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from ansinh.enrollment.services import enrollment_create, receipt_void
from ansinh.payments.models import Receipt
from ansinh.registry.services import household_add_member
from factories import make_hi_coverage, make_household, make_person, make_point, make_user

TODAY = dt.date.today()


@pytest.fixture
def family(communes, tmp_path, monkeypatch):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path / "keys"))
    commune = communes["a"]
    agent = make_user(role="collection_agent", areas=[commune.code])
    make_point(area=commune, agents=[agent])
    head = make_person(agent, area_code=commune.code, full_name="Lò Văn Páo", sex="m", birth_date="1968")
    household = make_household(agent, head=head)
    wife = make_person(agent, area_code=commune.code, full_name="Giàng Thị Mỷ", sex="f", birth_date="1971")
    child = make_person(agent, area_code=commune.code, full_name="Lò Thị Dung", sex="f", birth_date="2001")
    for p in (wife, child):
        household_add_member(actor=agent, household=household, person=p, relation="other")
    enrollment, _ = enrollment_create(
        actor=agent, idempotency_key="pages-family-1", scheme="hi_household", person_ids=[head.pk, wife.pk]
    )
    make_hi_coverage(head, dt.date(2024, 1, 1), dt.date(2024, 12, 31), group="poor")
    users = {
        "other_area": make_user(role="collection_agent", areas=[communes["other"].code]),
        "own_area_viewer": make_user(role="viewer", areas=[commune.code]),
        "own_area_agent": agent,
    }
    return {
        "head": head,
        "wife": wife,
        "child": child,
        "household": household,
        "enrollment": enrollment,
        "users": users,
        "agent": agent,
    }


def test_the_person_page_lists_cards_payments_and_receipts_in_vietnamese(client, family):
    client.force_login(family["agent"])
    receipt = Receipt.objects.get(enrollment=family["enrollment"])
    html = client.get(f"/persons/{family['head'].pk}/").content.decode()
    assert "Quá trình tham gia" in html
    assert "01/01/2024 – 31/12/2024" in html and "hết hạn" in html and "Hộ nghèo" in html
    first_day = (TODAY + dt.timedelta(days=30)).strftime("%d/%m/%Y")
    assert first_day in html and "chưa có hiệu lực" in html
    assert receipt.display_number in html and f"/desk/receipts/{receipt.pk}/pdf/" in html
    card = family["enrollment"].hi_coverage.get(person=family["head"]).card
    assert f"/cards/{card.pk}.pdf" in html
    assert f"/persons/{family['head'].pk}/history.pdf" in html
    assert "Chưa có tháng đóng BHXH tự nguyện." in html


def test_a_voided_receipt_shows_as_void_and_its_card_is_no_longer_offered(client, family):
    receipt = Receipt.objects.get(enrollment=family["enrollment"])
    receipt_void(actor=family["agent"], receipt=receipt, reason="Sai số tiền")
    client.force_login(family["agent"])
    html = client.get(f"/persons/{family['wife'].pk}/").content.decode()
    assert "đã huỷ" in html and "Sai số tiền" in html
    card = family["enrollment"].hi_coverage.get(person=family["wife"]).card
    assert f"/cards/{card.pk}.pdf" not in html


def test_the_household_page_shows_each_members_card_and_a_link_to_their_record(client, family):
    client.force_login(family["agent"])
    html = client.get(f"/households/{family['household'].pk}/").content.decode()
    for person in (family["head"], family["wife"], family["child"]):
        assert f'href="/persons/{person.pk}/#participation"' in html
    assert html.count("chưa có hiệu lực") == 2  # the head's and his wife's new cards
    assert "Chưa có thẻ BHYT." in html  # the daughter's


@pytest.mark.parametrize(
    "kind, status",
    [("anonymous", 302), ("other_area", 404), ("own_area_viewer", 403), ("own_area_agent", 200)],
)
def test_the_printed_history_matrix(client, family, kind, status):
    if kind != "anonymous":
        client.force_login(family["users"][kind])
    response = client.get(f"/persons/{family['head'].pk}/history.pdf")
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        assert "QUÁ TRÌNH THAM GIA BHXH, BHYT" in text and "Lò Văn Páo" in text and "Hộ nghèo" in text


def test_a_viewer_reads_the_person_and_household_pages_without_the_record(client, family):
    client.force_login(family["users"]["own_area_viewer"])
    person = client.get(f"/persons/{family['head'].pk}/").content.decode()
    household = client.get(f"/households/{family['household'].pk}/").content.decode()
    assert "Lò Văn Páo" in person and "Quá trình tham gia" not in person and "history.pdf" not in person
    assert "Lò Văn Páo" in household and "chưa có hiệu lực" not in household
