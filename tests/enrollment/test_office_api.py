"""Office endpoints (collection points, receipt books, reconciliation): authorization matrix; a denied call
changes nothing."""

import json

import pytest

from ansinh.core.models import AuditEvent
from ansinh.core.services import token_create
from ansinh.payments.models import CollectionPoint, ReceiptBook
from factories import make_user


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=None, user=user)[1]}"}


def who(kind, desk, communes):
    return {
        "anonymous": lambda: {},
        "other_area": lambda: bearer(make_user(role="manager", areas=[communes["other"].code])),
        "agent": lambda: bearer(desk["agent"]),
        "manager": lambda: bearer(make_user(role="manager", areas=[desk["commune"].code])),
    }[kind]()


@pytest.mark.parametrize(
    "kind, status", [("anonymous", 401), ("other_area", 404), ("agent", 403), ("manager", 201)]
)
def test_creating_a_collection_point_matrix(client, desk, communes, kind, status):
    headers = who(kind, desk, communes)
    before = (CollectionPoint.objects.count(), AuditEvent.objects.count())
    body = {
        "code": f"NEW-{kind}",
        "name": "Bưu điện xã",
        "kind": "post_office",
        "area_code": desk["commune"].code,
    }
    response = client.post(
        "/api/v1/collection-points", json.dumps(body), content_type="application/json", **headers
    )
    assert response.status_code == status
    if status != 201:
        assert (CollectionPoint.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.parametrize(
    "kind, status", [("anonymous", 401), ("other_area", 404), ("agent", 403), ("manager", 201)]
)
def test_adding_a_receipt_book_matrix(client, desk, communes, kind, status):
    headers = who(kind, desk, communes)
    books = ReceiptBook.objects.count()
    body = {"series": "BL16", "first_number": 1, "last_number": 500}
    response = client.post(
        f"/api/v1/collection-points/{desk['point'].pk}/books",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == status
    assert ReceiptBook.objects.count() == books + (1 if status == 201 else 0)


def test_overlapping_receipt_books_are_refused(client, desk, communes):
    headers = who("manager", desk, communes)
    body = {"series": "BL15", "first_number": 900, "last_number": 1200}  # the desk's book is BL15 1-1000
    response = client.post(
        f"/api/v1/collection-points/{desk['point'].pk}/books",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 409 and response.json()["field"] == "first_number"


@pytest.mark.parametrize("kind, status", [("anonymous", 401), ("agent", 403), ("manager", 200)])
def test_reconciling_transfers_matrix(client, desk, communes, kind, status):
    response = client.post(
        "/api/v1/transfers/reconcile",
        json.dumps({"lines": []}),
        content_type="application/json",
        **who(kind, desk, communes),
    )
    assert response.status_code == status


def test_a_bank_statement_is_matched_against_pending_transfers(client, desk, communes):
    from ansinh.enrollment.services import enrollment_create

    enrollment, _ = enrollment_create(
        actor=desk["agent"],
        idempotency_key="statement-0001",
        scheme="hi_household",
        person_ids=[desk["members"][0].pk],
        months=12,
        method="bank_transfer",
    )
    ref, amount = enrollment.payment.reference, enrollment.payment.amount
    lines = [
        {"reference": ref.lower(), "amount": amount},
        {"reference": ref, "amount": amount - 1},
        {"reference": "BHXH 00000000000", "amount": 5},
    ]
    body = client.post(
        "/api/v1/transfers/reconcile",
        json.dumps({"lines": lines}),
        content_type="application/json",
        **who("manager", desk, communes),
    ).json()
    assert [m["enrollment_id"] for m in body["matched"]] == [enrollment.pk]
    assert len(body["mismatched"]) == 1 and body["mismatched"][0]["expected"] == amount
    assert len(body["unknown"]) == 1
