"""Nothing lost or duplicated when the server dies or the database drops its connections in the middle of the
day's sales (issue 12). Runs in the PostgreSQL pass of .ci/run (the database that a province server runs on and
whose connections can be terminated one by one).

Four agents sell household cards at once through the JSON API of a real server process. While requests are in
flight the server is killed (SIGKILL: no clean-up) and started again, and PostgreSQL terminates every connection
of the server three times. An agent whose request got no answer sends it again with the same Idempotency-Key, as
the desk does. Afterwards the same checks as the field tests: one enrollment per key, receipt numbers without a
gap, no coverage and no card without a completed payment, and every agent's last answer equal to what the
database holds. Every wait is on a condition, never on a clock."""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from urllib.parse import urlsplit

import pytest
from django.db import connection

from ansinh.cards import signing
from ansinh.core.services import token_create
from ansinh.enrollment.models import Enrollment, HICoverage
from ansinh.enrollment.selectors import enrollment_json
from ansinh.payments.models import PaymentStatus, Receipt
from factories import make_person, make_point, make_user
from live import serve, server_env, stop

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: runs in the PostgreSQL pass of .ci/run"
)

PEOPLE = 48
AGENTS = 4
GIVE_UP = (
    120.0  # seconds without any server before the test says so (a safety net, never reached when it works)
)


class Office:
    """The server process, restarted on demand; the agents wait for it on a condition."""

    def __init__(self, env):
        self.env = env
        self.state = threading.Condition()
        self.server = None
        self.url: str | None = None
        self.generation = 0
        self.done = 0
        self.in_flight = 0
        self.refused_connections = 0
        self.server_errors = 0

    def start(self):
        server, url = serve(self.env)
        with self.state:
            self.server, self.url = server, url
            self.generation += 1
            self.state.notify_all()

    def kill(self):
        with self.state:
            self.url = None
            self.server.kill()
        self.server.wait(timeout=30)
        stop(self.server)

    def address(self, newer_than: int) -> tuple[str, int]:
        with self.state:
            came = self.state.wait_for(
                lambda: self.url is not None and self.generation > newer_than, timeout=GIVE_UP
            )
            assert came, "no server came back"
            self.in_flight += 1
            return self.url, self.generation

    def answered(self, *, final: bool):
        with self.state:
            self.in_flight -= 1
            self.done += final
            self.state.notify_all()

    def wait_until(self, done: int):
        """Until ``done`` sales are answered and at least two requests are in flight: the fault hits them."""
        with self.state:
            came = self.state.wait_for(lambda: self.done >= done and self.in_flight >= 2, timeout=GIVE_UP)
            assert came, f"the sales stopped at {self.done}"


def _post(url: str, path: str, token: str, key: str, body: dict) -> tuple[int, dict]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.request(
            "POST",
            path,
            body=json.dumps(body),
            headers={
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": key,
                "Content-Type": "application/json",
            },
        )
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read() or b"null")
    finally:
        conn.close()


def _agent(office: Office, token: str, point_id: int, persons: list[int], answers: dict):
    for person_id in persons:
        key = f"fault-{uuid.uuid4()}"
        body = {
            "scheme": "hi_household",
            "person_ids": [person_id],
            "point_id": point_id,
            "payment": {"method": "cash"},
        }
        failed_on, errors = 0, 0
        while True:
            url, generation = office.address(newer_than=failed_on)
            try:
                status, answer = _post(url, "/api/v1/enrollments", token, key, body)
            except (OSError, http.client.HTTPException):  # the server died under the request: the next one
                failed_on = generation
                with office.state:
                    office.refused_connections += 1
                office.answered(final=False)
                continue
            if status >= 500:  # the database dropped the connection under the request: send it again
                errors += 1
                with office.state:
                    office.server_errors += 1
                office.answered(final=False)
                assert errors < 10, answer
                failed_on = generation - 1
                continue
            answers[key] = (person_id, status, answer)
            office.answered(final=True)
            break


def _terminate_the_servers_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def test_sales_under_a_killed_server_and_dropped_connections_lose_and_duplicate_nothing(
    transactional_areas, tmp_path
):
    keys = tmp_path / "keys"
    signing.keys_init(keys)
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    agents = [make_user(role="collection_agent", areas=[commune.code]) for _ in range(AGENTS)]
    point = make_point(area=commune, agents=agents)
    people = [make_person(agents[0], area_code=commune.code).pk for _ in range(PEOPLE)]
    tokens = [token_create(actor=None, user=a)[1] for a in agents]
    office = Office(server_env(tmp_path, keys))
    office.start()
    answers: dict[str, tuple[int, int, dict]] = {}
    threads = [
        threading.Thread(target=_agent, args=(office, tokens[i], point.pk, people[i::AGENTS], answers))
        for i in range(AGENTS)
    ]
    try:
        for t in threads:
            t.start()
        office.wait_until(done=8)
        office.kill()
        office.start()
        terminated = 0
        for done in (16, 22, 28):
            office.wait_until(done=done)
            terminated += _terminate_the_servers_connections()
        office.wait_until(done=36)
        office.kill()
        office.start()
        for t in threads:
            t.join()
    finally:
        stop(office.server)

    assert terminated >= 3
    # each agent's sale was answered once in the end, and every answer is a sale made
    assert len(answers) == PEOPLE and {status for _p, status, _a in answers.values()} == {201}
    # one enrollment per key, one per person
    assert Enrollment.objects.count() == PEOPLE
    assert sorted(Enrollment.objects.values_list("idempotency_key", flat=True)) == sorted(answers)
    # receipt numbers without a gap, one per sale
    assert sorted(Receipt.objects.values_list("number", flat=True)) == list(range(1, PEOPLE + 1))
    # no coverage and no card without a completed payment
    assert not HICoverage.objects.exclude(enrollment__payment__status=PaymentStatus.CONFIRMED).exists()
    assert HICoverage.objects.filter(card__isnull=False).count() == PEOPLE
    # every agent's answer is what the database holds (a replayed answer included)
    for key, (person_id, _status, answer) in answers.items():
        enrollment = Enrollment.objects.get(idempotency_key=key)
        held = enrollment_json(enrollment)
        assert {k: v for k, v in answer.items() if k != "replayed"} == held
        assert [m["person_id"] for m in held["members"]] == [person_id]
    # the faults did hit requests in flight (or this test proved nothing)
    assert office.refused_connections >= 1
