"""/healthz and /readyz for a load balancer, and a server that survives PostgreSQL dropping its connections
(issue 12)."""

import urllib.request

import pytest
from django.db import connection

from ansinh.cards import signing
from live import serve, server_env, stop


def test_healthz_answers_without_a_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_the_database_the_migrations_and_the_signing_key(client, db, tmp_path, monkeypatch):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path / "keys"))
    missing = client.get("/readyz")
    assert missing.status_code == 503
    assert missing.json()["checks"] == {"database": True, "migrations": True, "signing_key": False}
    signing.keys_init(tmp_path / "keys")
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: runs in the PostgreSQL pass of .ci/run"
)
def test_after_postgresql_drops_every_connection_the_next_requests_all_succeed(transactional_db, tmp_path):
    """A real server (waitress, 4 threads, connections kept between requests) answers; PostgreSQL terminates all
    its connections; every following request still answers 200 (each thread's stale connection is checked and
    replaced) — before CONN_HEALTH_CHECKS each thread answered one 500."""
    signing.keys_init(tmp_path / "keys")
    server, url = serve(server_env(tmp_path, tmp_path / "keys"))
    try:

        def statuses(n: int) -> list[int]:
            out = []
            for _ in range(n):
                try:
                    with urllib.request.urlopen(f"{url}/readyz", timeout=30) as response:  # noqa: S310
                        out.append(response.status)
                except urllib.error.HTTPError as e:
                    out.append(e.code)
            return out

        assert set(statuses(12)) == {200}  # every thread has opened and kept its connection
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= 1
        assert statuses(24) == [200] * 24
    finally:
        stop(server)
