"""The desk over JSON: the contract, Idempotency-Key, and the authorization matrix; a denied call changes
nothing."""

import json

import pytest

from ansinh.core.services import token_create
from ansinh.enrollment.models import Enrollment
from ansinh.payments.models import Receipt
from ansinh.payments.vietqr import parse
from factories import make_user


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=None, user=user)[1]}"}


def post(client, url, data, headers, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, data=json.dumps(data), content_type="application/json", **headers, **extra)


@pytest.fixture
def body(desk):
    return {
        "scheme": "hi_household",
        "person_ids": [p.pk for p in desk["members"]],
        "months": 12,
        "payment": {"method": "cash"},
    }


def test_a_cash_enrollment_completes_in_one_call_with_receipt_coverage_and_cards(client, desk, body):
    response = post(client, "/api/v1/enrollments", body, bearer(desk["agent"]), key="api-key-0001")
    assert response.status_code == 201, response.content
    data = response.json()
    assert {"id", "total_payable", "receipt", "coverage", "cards"} <= set(data)
    assert data["receipt"]["number"].endswith("0000001") and len(data["cards"]) == 3
    assert data["total_payable"] == sum(m["payable"] for m in data["members"])
    again = post(client, "/api/v1/enrollments", body, bearer(desk["agent"]), key="api-key-0001")
    assert again.json()["id"] == data["id"] and again.json()["replayed"] is True
    assert Receipt.objects.count() == 1


def test_without_an_idempotency_key_nothing_is_done(client, desk, body):
    response = post(client, "/api/v1/enrollments", body, bearer(desk["agent"]))
    assert response.status_code == 422 and response.json()["field"] == "Idempotency-Key"
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    "kind, status", [("anonymous", 401), ("other_area", 404), ("viewer", 403), ("agent", 201)]
)
def test_enrolling_matrix(client, desk, body, communes, kind, status):
    headers = {
        "anonymous": lambda: {},
        "other_area": lambda: bearer(make_user(role="collection_agent", areas=[communes["other"].code])),
        "viewer": lambda: bearer(make_user(role="viewer", areas=[desk["commune"].code])),
        "agent": lambda: bearer(desk["agent"]),
    }[kind]()
    response = post(client, "/api/v1/enrollments", body, headers, key=f"matrix-{kind}")
    assert response.status_code == status
    assert Enrollment.objects.count() == (1 if status == 201 else 0)


def test_a_bank_transfer_returns_a_vietqr_and_completes_on_confirm(client, desk, body):
    headers = bearer(desk["agent"])
    body["payment"] = {"method": "bank_transfer"}
    data = post(client, "/api/v1/enrollments", body, headers, key="api-transfer-1").json()
    qr = parse(data["payment"]["vietqr"])
    assert qr.amount == data["total_payable"] and data["receipt"] is None
    bad = post(
        client, f"/api/v1/enrollments/{data['id']}/confirm-payment", {"qr_payload": "00020101"}, headers
    )
    assert bad.status_code == 422 and bad.json()["field"] == "qr_payload"
    ok = post(
        client,
        f"/api/v1/enrollments/{data['id']}/confirm-payment",
        {"amount": data["total_payable"]},
        headers,
    )
    assert (
        ok.status_code == 200
        and ok.json()["status"] == "completed"
        and ok.json()["receipt"]["method"] == "bank_transfer"
    )


@pytest.mark.parametrize(
    "kind, status", [("anonymous", 401), ("other_area", 404), ("viewer", 403), ("manager", 200)]
)
def test_voiding_matrix_and_a_denied_call_changes_nothing(client, desk, body, communes, kind, status):
    data = post(client, "/api/v1/enrollments", body, bearer(desk["agent"]), key="to-void-1").json()
    headers = {
        "anonymous": lambda: {},
        "other_area": lambda: bearer(make_user(role="manager", areas=[communes["other"].code])),
        "viewer": lambda: bearer(make_user(role="viewer", areas=[desk["commune"].code])),
        "manager": lambda: bearer(make_user(role="manager", areas=[desk["commune"].code])),
    }[kind]()
    response = post(
        client, f"/api/v1/receipts/{data['receipt']['id']}/void", {"reason": "Sai số tiền"}, headers
    )
    assert response.status_code == status
    assert Receipt.objects.get().is_void == (status == 200)


def test_a_quote_expires_and_an_expired_quote_is_refused(client, desk, body):
    from django.utils import timezone

    from ansinh.enrollment.models import Quote

    headers = bearer(desk["agent"])
    quote = post(client, "/api/v1/quotes", {k: v for k, v in body.items() if k != "payment"}, headers).json()
    assert quote["total_payable"] > 0 and quote["id"]
    Quote.objects.filter(pk=quote["id"]).update(expires_at=timezone.now())
    response = post(
        client, "/api/v1/enrollments", {**body, "quote_id": quote["id"]}, headers, key="expired-q-1"
    )
    assert response.status_code == 409 and response.json()["field"] == "quote_id"
    assert not Enrollment.objects.exists()


def test_the_day_close_counts_cash_against_receipts(client, desk, body):
    headers = bearer(desk["agent"])
    data = post(client, "/api/v1/enrollments", body, headers, key="close-day-1").json()
    close = post(
        client,
        "/api/v1/day-close",
        {
            "point_id": desk["point"].pk,
            "cash_counted": data["total_payable"] - 1000,
            "received_by": "Kế toán Lan",
        },
        headers,
    )
    assert close.status_code == 201, close.content
    assert close.json()["cash_expected"] == data["total_payable"] and close.json()["difference"] == -1000


def test_one_cash_enrollment_runs_a_fixed_small_number_of_statements(client, desk, body):
    """Issue 4 (desk throughput): every statement of the desk's one call is counted here, so that none creeps
    back. After the token lookup (its last use is written at most once a minute), in one transaction: the
    actor's areas; the person, locked as read; the agent's point; the household's current members, then the
    coverage they already hold, read by person (with the latest card's facility); the commune's health station,
    for a first card (a renewal keeps the facility read with its coverage); the enrollment (completed at once),
    its member and the payment;
    an SI number for a person who has none (the sequence row and the person); the coverage and its card; the
    new-or-renewal flag (ADR 0008) and the coverage periods (ADR 0010: delete, read, write); whether the agent has
    closed the day at the point (no money after the handover); the receipt number, the receipt; every audit event
    in one INSERT. The answer is built from the rows in hand, with nothing read back."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    headers = bearer(desk["agent"])
    head, spouse = desk["members"][:2]
    warm = post(client, "/api/v1/enrollments", {**body, "person_ids": [spouse.pk]}, headers, key="count-0001")
    assert warm.status_code == 201
    assert head.si_number is None
    with CaptureQueriesContext(connection) as first_card:
        response = post(
            client, "/api/v1/enrollments", {**body, "person_ids": [head.pk]}, headers, key="count-0002"
        )
    assert response.status_code == 201 and response.json()["receipt"]["number"].endswith("0000002")
    statements = [q["sql"] for q in first_card.captured_queries]
    assert len(statements) == 24, "\n".join(statements)
    # A person who already has an SI number: two statements fewer.
    desk["members"][2].si_number = "1599999999"
    desk["members"][2].save(update_fields=["si_number"])
    with CaptureQueriesContext(connection) as renewal:
        post(
            client,
            "/api/v1/enrollments",
            {**body, "person_ids": [desk["members"][2].pk]},
            headers,
            key="count-0003",
        )
    assert len(renewal.captured_queries) == 22, "\n".join(q["sql"] for q in renewal.captured_queries)
