"""Issuing cards, and the doors onto them: the JSON API (scoped, with the public verify), the verify page and
the command line."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from ansinh.cards import signing
from ansinh.cards.commands import register
from ansinh.cards.models import Card
from ansinh.cards.selectors import card_get, cards_for_batch
from ansinh.cards.services import card_issue, card_mark_printed
from ansinh.core.errors import ApplicationError
from ansinh.core.models import AuditEvent
from ansinh.core.services import token_create
from factories import make_user


def bearer(user):
    _token, raw = token_create(actor=None, user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.fixture
def card(agent, make_coverage):
    return card_issue(
        actor=agent, coverage=make_coverage(full_name="Nguyễn Thị Huyền", birth_date="1997-03-12")
    )


def test_issuing_a_card_signs_the_holders_facts_and_is_audited(card):
    result = signing.verify_token(card.token)
    person = card.coverage.person
    assert result["valid"] and result["number"] == person.si_number == card.number and len(card.number) == 10
    assert (result["name"], result["birth_date"]) == ("Nguyễn Thị Huyền", "12/03/1997")
    assert (result["valid_from"], result["valid_to"]) == ("2025-05-13", "2026-05-12")
    assert card.key_id == result["key_id"] and card.province_code == person.province_code
    assert AuditEvent.objects.filter(action="card_issue", object_id=str(card.pk)).count() == 1


def test_issuing_twice_returns_the_same_card(agent, card):
    again = card_issue(actor=agent, coverage=card.coverage)
    assert again.pk == card.pk and again.token == card.token
    assert Card.objects.filter(coverage=card.coverage).count() == 1
    assert AuditEvent.objects.filter(action="card_issue").count() == 1


def test_a_cancelled_coverage_gets_no_card(agent, make_coverage):
    coverage = make_coverage()
    coverage.is_void = True
    coverage.save()
    with pytest.raises(ApplicationError) as e:
        card_issue(actor=agent, coverage=coverage)
    assert e.value.code == "conflict" and not Card.objects.exists()


def test_an_agent_of_another_area_cannot_issue_or_read_a_card(communes, make_coverage, card):
    stranger = make_user(role="collection_agent", areas=[communes["other"].code])
    with pytest.raises(ApplicationError) as e:
        card_issue(actor=stranger, coverage=make_coverage())
    assert e.value.code == "not_found"
    with pytest.raises(ApplicationError) as e:
        card_get(user=stranger, card_id=card.pk)
    assert e.value.code == "not_found"


def test_printing_counts_and_is_audited(agent, card):
    card_mark_printed(actor=agent, cards=[card])
    card_mark_printed(actor=agent, cards=[card])
    card.refresh_from_db()
    assert card.printed == 2
    assert AuditEvent.objects.filter(action="card_print", object_id=str(card.pk)).count() == 2


def test_a_batch_is_the_cards_of_a_point_and_day(agent, point, communes, make_receipt):
    from factories import make_person

    people = [make_person(agent, area_code=communes["a"].code) for _ in range(3)]
    receipt = make_receipt(people, [100_000, 70_000, 60_000])
    cards = [card_issue(actor=agent, coverage=c) for c in receipt.enrollment.hi_coverage.order_by("pk")]
    assert list(cards_for_batch(user=agent, point=point, day=receipt.paid_on)) == cards
    assert list(cards_for_batch(user=agent, point=point, day=receipt.paid_on.replace(year=2024))) == []


# ---- JSON API


def test_a_batch_of_a_point_outside_ones_areas_is_not_found_like_a_missing_point(
    client, agent, point, communes, make_receipt
):
    from factories import make_person

    receipt = make_receipt([make_person(agent, area_code=communes["a"].code)], [100_000])
    card = card_issue(actor=agent, coverage=receipt.enrollment.hi_coverage.get())
    outsider = bearer(make_user(role="manager", areas=[communes["other"].code]))
    day = receipt.paid_on.isoformat()
    foreign = client.get("/api/v1/cards/batch/pdf", {"point_id": point.pk, "day": day}, **outsider)
    missing = client.get("/api/v1/cards/batch/pdf", {"point_id": point.pk + 1000, "day": day}, **outsider)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()  # the answer does not tell that the point exists
    card.refresh_from_db()
    assert card.printed == 0
    own = client.get("/api/v1/cards/batch/pdf", {"point_id": point.pk, "day": day}, **bearer(agent))
    assert own.status_code == 200 and own.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "kind, status",
    [("anonymous", 401), ("other_area", 404), ("own_area_viewer", 200), ("own_area_agent", 200)],
)
def test_reading_a_card_matrix(client, communes, card, kind, status):
    headers = {
        "anonymous": {},
        "other_area": lambda: bearer(make_user(role="collection_agent", areas=[communes["other"].code])),
        "own_area_viewer": lambda: bearer(make_user(role="viewer", areas=[communes["a"].code])),
        "own_area_agent": lambda: bearer(make_user(role="collection_agent", areas=[communes["a"].code])),
    }[kind]
    headers = headers() if callable(headers) else headers
    response = client.get(f"/api/v1/cards/{card.pk}", **headers)
    assert response.status_code == status
    if status == 200:
        assert response.json()["number"] == card.number and response.json()["token"] == card.token
    pdf_response = client.get(f"/api/v1/cards/{card.pk}/pdf", **headers)
    assert pdf_response.status_code == status
    card.refresh_from_db()
    if status == 200:
        assert pdf_response["Content-Type"] == "application/pdf" and pdf_response.content.startswith(b"%PDF")
        assert card.printed == 1
    else:
        assert card.printed == 0  # a denied call changes nothing


def test_verify_is_public_and_says_valid(client, card):
    response = client.get("/api/v1/cards/verify", {"token": card.token})
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True and body["name"] == "Nguyễn Thị Huyền" and body["number"] == card.number


@pytest.mark.parametrize("token", ["", "garbage", "a.b"])
def test_verify_refuses_garbage_with_a_reason(client, token):
    body = client.get("/api/v1/cards/verify", {"token": token}).json()
    assert body["valid"] is False and body["reason"] == "malformed" and body["message"]


def test_verify_refuses_a_tampered_card(client, card):
    body_text, signature = card.token.split(".")
    tampered = body_text[:-2] + ("A" if body_text[-2] != "A" else "B") + body_text[-1] + "." + signature
    body = client.get("/api/v1/cards/verify", {"token": tampered}).json()
    assert body["valid"] is False


def test_verify_refuses_the_card_of_a_cancelled_coverage(client, card):
    card.coverage.is_void = True
    card.coverage.save()
    body = client.get("/api/v1/cards/verify", {"token": card.token}).json()
    assert body["valid"] is False and body["reason"] == "revoked"


# ---- the page


def test_the_verify_page_needs_no_sign_in_and_shows_an_expired_card_as_expired(client, card):
    response = client.post("/verify/", {"token": card.token})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="expired"' in html and "verdict invalid" in html
    assert "Nguyễn Thị Huyền" in html and "13/05/2025" in html and "13/05/2026" in html  # expired since


def _card_between(agent, make_coverage, start, end):
    return card_issue(actor=agent, coverage=make_coverage(valid_from=start, valid_to=end))


@pytest.mark.parametrize(
    "offsets, state, css, since",
    [
        ((-10, 300), "in_force", "verdict valid", None),
        ((0, 300), "in_force", "verdict valid", None),  # the first day counts
        ((20, 385), "not_yet_in_force", "verdict pending", 20),  # a first card waits 30 days
        ((-400, -1), "expired", "verdict invalid", 0),
    ],
)
def test_verify_shows_each_state_plainly(client, agent, make_coverage, offsets, state, css, since):
    from ansinh.core.dates import format_date, today

    day = today()
    card = _card_between(agent, make_coverage, day + dt.timedelta(offsets[0]), day + dt.timedelta(offsets[1]))
    body = client.get("/api/v1/cards/verify", {"token": card.token}).json()
    assert body["state"] == state and body["valid"] is True
    assert body["in_force_today"] is (state == "in_force")
    html = client.post("/verify/", {"token": card.token}).content.decode()
    assert f'data-state="{state}"' in html and css in html
    if since is not None:
        assert format_date(day + dt.timedelta(since)) in html


def test_verify_says_void_and_tampered(client, card):
    body_text, signature = card.token.split(".")
    tampered = body_text[:-2] + ("A" if body_text[-2] != "A" else "B") + body_text[-1] + "." + signature
    assert client.get("/api/v1/cards/verify", {"token": tampered}).json()["state"] == "tampered"
    card.coverage.is_void = True
    card.coverage.save()
    assert client.get("/api/v1/cards/verify", {"token": card.token}).json()["state"] == "void"
    html = client.post("/verify/", {"token": card.token}).content.decode()
    assert 'data-state="void"' in html


def test_the_verify_page_shows_not_valid_in_vietnamese(client):
    response = client.get("/verify/", {"token": "not-a-card"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    assert "verdict invalid" in response.content.decode()


# ---- the command line


@pytest.fixture
def cli():
    import click

    @click.group()
    def group():
        pass

    register(group)
    return group


def test_card_verify_exits_0_for_a_valid_card_and_1_otherwise(cli, card):
    ok = CliRunner().invoke(cli, ["card", "verify", card.token, "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["number"] == card.number
    bad = CliRunner().invoke(cli, ["card", "verify", card.token[:-3] + "AAA"])
    assert bad.exit_code == 1 and "NOT VALID" in bad.output


def test_keys_init_makes_a_key_and_refuses_to_overwrite_without_force(cli, keys_dir):
    first = CliRunner().invoke(cli, ["keys", "init"])
    assert first.exit_code == 0 and (keys_dir / signing.PRIVATE_NAME).exists()
    again = CliRunner().invoke(cli, ["keys", "init"])
    assert again.exit_code == 2 and "--force" in again.output
    forced = CliRunner().invoke(cli, ["keys", "init", "--force"])
    assert forced.exit_code == 0
