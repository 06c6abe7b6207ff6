"""Money at the table (issue 11): the cash handed over is part of the payment. Less than the amount due is refused
with the shortfall and nothing is written; more shows the change and is recorded on the receipt."""

import json
import uuid

import pytest
from django.utils import translation

from ansinh.core.errors import ApplicationError
from ansinh.core.money import format_vnd
from ansinh.enrollment.models import Enrollment, HICoverage
from ansinh.enrollment.services import enrollment_create, quote_create
from ansinh.payments.models import Receipt


def counts():
    return (Enrollment.objects.count(), HICoverage.objects.count(), Receipt.objects.count())


def test_cash_below_the_amount_due_is_refused_with_the_shortfall_and_nothing_is_written(desk):
    person = desk["members"][0]
    total = quote_create(actor=desk["agent"], scheme="hi_household", person_ids=[person.pk]).total_payable
    before = counts()
    with translation.override("en"), pytest.raises(ApplicationError) as e:
        enrollment_create(
            actor=desk["agent"], idempotency_key="tendered-short", scheme="hi_household", person_ids=[person.pk],
            tendered=total - 100_000,
        )  # fmt: skip
    assert e.value.field == "payment.tendered" and "100.000" in e.value.message and "short" in e.value.message
    assert counts() == before


def test_more_cash_records_what_was_given_and_the_change_on_the_receipt(desk):
    person = desk["members"][0]
    enrollment, _ = enrollment_create(
        actor=desk["agent"], idempotency_key="tendered-more", scheme="hi_household", person_ids=[person.pk],
        tendered=2_000_000,
    )  # fmt: skip
    receipt = Receipt.objects.get(enrollment=enrollment)
    assert receipt.tendered == 2_000_000 and receipt.change == 2_000_000 - enrollment.total_payable > 0


def test_the_api_takes_the_cash_tendered(client, desk):
    from ansinh.core.services import token_create

    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(actor=None, user=desk['agent'])[1]}"}
    body = {"scheme": "hi_household", "person_ids": [desk["members"][1].pk], "payment": {"tendered": 1_000}}
    short = client.post(
        "/api/v1/enrollments", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="api-tend-1",
        **headers,
    )  # fmt: skip
    assert short.status_code == 422 and short.json()["field"] == "payment.tendered"
    assert not Enrollment.objects.exists()
    body["payment"]["tendered"] = 5_000_000
    ok = client.post(
        "/api/v1/enrollments", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="api-tend-2",
        **headers,
    )  # fmt: skip
    assert ok.status_code == 201, ok.content
    receipt = ok.json()["receipt"]
    assert receipt["tendered"] == 5_000_000 and receipt["change"] == 5_000_000 - ok.json()["total_payable"]


def test_the_desk_form_sends_the_cash_given_and_a_short_payment_issues_no_receipt(client, desk):
    person = desk["members"][0]
    client.force_login(desk["agent"])
    page = client.post(
        f"/desk/person/{person.pk}/quote/", {"scheme": "hi_household", "person_ids": [person.pk], "months": "12"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="tendered"' in html
    quote = page.context["quote"]
    form = {
        "idempotency_key": uuid.uuid4().hex, "quote_id": str(quote.id), "scheme": "hi_household", "months": "12",
        "person_ids": [person.pk], "method": "cash", "tendered": "100.000",
    }  # fmt: skip
    refused = client.post("/desk/pay/", form, follow=True)
    assert not Receipt.objects.exists()
    assert "payment.tendered" not in refused.content.decode()  # told in words, not as a field name
    messages = [str(m) for m in refused.context["messages"]]
    short = format_vnd(quote.total_payable - 100_000)
    assert messages and any(short in m for m in messages)
    form["idempotency_key"] = uuid.uuid4().hex
    form["tendered"] = "2.000.000"
    done = client.post("/desk/pay/", form)
    assert done.status_code == 302
    assert Receipt.objects.get().tendered == 2_000_000
