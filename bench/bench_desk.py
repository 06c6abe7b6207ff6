"""Desk benchmark: enrollments per second through the HTTP API at 16 concurrent clients, beside the same writes
as raw SQL (the reference), and card PDFs per second.

Run: ``python bench/bench_desk.py`` (``make bench``). Quick mode for development:
``ANSINH_BENCH_PERSONS=20000 ANSINH_BENCH_ENROLLMENTS=500 python bench/bench_desk.py``. Environment:

* ``ANSINH_BENCH_DESK_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/ansinh_bench_desk``): the
  database is DROPPED and created again, migrated, and dropped at the end, also on failure (keep it with
  ``ANSINH_BENCH_KEEP=1``);
* ``ANSINH_BENCH_PERSONS`` (default 1,000,000): people generated in Lào Cai (current province 15);
* ``ANSINH_BENCH_ENROLLMENTS`` (default 3,000): timed enrollments per configuration, after a warm-up of 100;
* ``ANSINH_BENCH_PROCESSES`` (default ``1,2,4``): the server configurations tried, in waitress processes;
* ``ANSINH_BENCH_THREADS`` (default: 16 / processes, at least 4): waitress threads per process;
* ``ANSINH_BENCH_CARDS`` (default 1,000): cards in the PDF batch.

What is measured:

1. ``POST /api/v1/enrollments`` (one person, household HI, 12 months, cash: quote + payment + receipt +
   coverage + card in one call, each with its own ``Idempotency-Key``) by 16 client threads, each on its own
   keep-alive connection, against ``ansinh serve`` (waitress) subprocesses; with several processes each client
   thread stays on one of them (client-side round robin: thread i talks to process i mod P). Enrollments per
   second over the timed part, p50 and p99 latency. Afterwards: exactly one enrollment per key, a replay of
   some keys returns the same enrollment, and the receipt numbers of the book are unique and gap-free.
2. The reference: the same rows written by 16 threads as one raw SQL transaction per enrollment through psycopg,
   with the receipt book's row locked where the app locks it — last, just before the receipt and the commit
   (like for like: the one lock all agents share held as briefly as in the app); beside it, the same with the
   book locked first, as a hand-written transaction often would (it holds the shared lock longer, so it is
   slower and not the reference).
3. ``cards.pdf.cards_pdf_a4`` and ``cards.pdf.card_pdf`` over 1,000 of the cards issued above (QR cache
   emptied before each run).

Both sides of 1 and 2 run the same way: the same warm-up of 100 enrollments, then the same timed count, on the
same 16 threads (``run_threads``); the database's life cycle, CPU accounting, machine line and docs writer are
``harness.py``'s.

It prints a markdown table and writes (or replaces) the "Desk" section of docs/benchmarks.md.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psycopg
from harness import (
    analyze,
    database_cpu,
    database_cpu_since,
    database_url,
    env_int,
    fresh_database,
    log,
    machine,
    machine_cpu,
    merge_docs,
    migrate,
    percentile,
    proc_cpu,
)
from psycopg import sql
from psycopg.types.json import Jsonb

SECTION = "## Desk"
CLIENTS = 16
WARMUP = 100
REPLAYS = 50
BODY = {"scheme": "hi_household", "months": 12, "payment": {"method": "cash"}}


# --------------------------------------------------------------------------------------------------------
# The desk: a point, a receipt book, 16 agents with API tokens
# --------------------------------------------------------------------------------------------------------


def setup_desk() -> dict:
    from ansinh.areas.models import Area, Level
    from ansinh.core.services import token_create, user_create
    from ansinh.payments.services import book_create, point_assign_agent, point_create

    province = Area.objects.get(level=Level.PROVINCE, code="15")
    office = user_create(actor=None, username="bench-office", role="administrator", area_codes=["15"])
    point = point_create(
        actor=office,
        code="BENCH-DESK",
        name="Điểm thu bench",
        kind="event_desk",
        area=province,
        bank_bin="970436",
        bank_account="0011004321",
        bank_account_name="BHXH TINH LAO CAI",
    )
    book = book_create(actor=office, point=point, series="BL15", first_number=1, last_number=9_999_999)
    agents, tokens = [], []
    for i in range(CLIENTS):
        agent = user_create(
            actor=None, username=f"bench-agent-{i:02d}", role="collection_agent", area_codes=["15"]
        )
        point_assign_agent(actor=office, point=point, agent=agent)
        agents.append(agent.pk)
        tokens.append(token_create(actor=None, user=agent, name="bench")[1])
    return {"point": point.pk, "book": book.pk, "agents": agents, "tokens": tokens}


def pick_persons(url: str, count: int) -> list[int]:
    """Distinct living people in random order (seeded), none enrolled yet."""
    with psycopg.connect(url) as conn:
        conn.execute("SELECT setseed(0.42)")
        rows = conn.execute(
            "SELECT id FROM registry_person WHERE died_on IS NULL AND province_code = '15'"
            " ORDER BY random() LIMIT %s",
            [count],
        ).fetchall()
    if len(rows) < count:
        raise SystemExit(
            f"bench: {count:,} people needed, {len(rows):,} available; raise ANSINH_BENCH_PERSONS"
        )
    return [r[0] for r in rows]


# --------------------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ansinh_command() -> list[str]:
    script = Path(sys.executable).parent / "ansinh"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from ansinh.cli import cli; cli()"]


def server_env(url: str, keys_dir: Path, var_dir: Path) -> dict:
    env = dict(os.environ)
    env.update(
        ANSINH_DATABASE_URL=url,
        ANSINH_ALLOWED_HOSTS="127.0.0.1",
        ANSINH_KEYS_DIR=str(keys_dir),
        ANSINH_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="ansinh.config.settings.base",
    )
    env.pop("ANSINH_DEBUG", None)
    return env


class Servers:
    """``ansinh serve`` subprocesses on free ports; stopped (by their own ids) on exit."""

    def __init__(self, env: dict, processes: int, threads: int, log_dir: Path):
        self.env, self.processes, self.threads, self.log_dir = env, processes, threads, log_dir
        self.procs: list[subprocess.Popen] = []
        self.ports: list[int] = []

    def __enter__(self) -> Servers:
        try:
            for i in range(self.processes):
                port = _free_port()
                with open(self.log_dir / f"serve-{self.processes}-{i}.log", "wb") as out:
                    proc = subprocess.Popen(  # noqa: S603 (our own command)
                        [*_ansinh_command(), "serve", "--port", str(port), "--threads", str(self.threads)],
                        env=self.env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                    )
                self.procs.append(proc)
                self.ports.append(port)
            deadline = time.monotonic() + 60
            for proc, port in zip(self.procs, self.ports, strict=True):
                while True:
                    if proc.poll() is not None:
                        raise RuntimeError(f"ansinh serve exited with {proc.returncode}; see {self.log_dir}")
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                        break
                    except OSError:
                        if time.monotonic() > deadline:
                            raise RuntimeError("ansinh serve did not start within 60 s") from None
                        time.sleep(0.2)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs = []

    def cpu_seconds(self) -> float:
        return sum(proc_cpu(p.pid) for p in self.procs)


# --------------------------------------------------------------------------------------------------------
# Load: 16 threads over a shared list of jobs
# --------------------------------------------------------------------------------------------------------


def run_threads(worker_factory, jobs: list, clients: int = CLIENTS) -> dict:
    """Runs ``jobs`` on ``clients`` threads (each builds its worker once, e.g. its connection, before the clock
    starts); returns wall seconds, per-job latencies, errors and the workers' results."""
    ready = threading.Barrier(clients + 1)
    lock = threading.Lock()
    cursor = iter(range(len(jobs)))
    latencies: list[float] = []
    results: list = [None] * len(jobs)
    errors: list[str] = []

    def body(index: int) -> None:
        worker = None
        try:
            worker = worker_factory(index)
        finally:
            ready.wait()
        try:
            while True:
                with lock:
                    i = next(cursor, None)
                if i is None:
                    return
                start = time.perf_counter()
                try:
                    results[i] = worker(jobs[i])
                except Exception as e:  # noqa: BLE001 (counted and reported)
                    with lock:
                        errors.append(f"{type(e).__name__}: {e}"[:300])
                    continue
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
        finally:
            worker.close()

    threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    cpu0 = machine_cpu()
    start = time.perf_counter()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - start
    cpu1 = machine_cpu()
    return {
        "seconds": seconds,
        "latencies": latencies,
        "results": results,
        "errors": errors,
        "machine_busy": cpu1[0] - cpu0[0],
        "machine_total": cpu1[1] - cpu0[1],
    }


class HttpClient:
    """One keep-alive connection; POSTs an enrollment and returns (key, status, body)."""

    def __init__(self, port: int, token: str):
        self.port, self.token = port, token
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def __call__(self, job: tuple[str, int]) -> tuple[str, int, dict]:
        key, person_id = job
        body = json.dumps({**BODY, "person_ids": [person_id]})
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
            "Host": "127.0.0.1",
        }
        for attempt in range(2):
            try:
                self.conn.request("POST", "/api/v1/enrollments", body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # a closed keep-alive connection: reconnect and resend (the key makes a resend safe)
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        if response.status not in (200, 201):
            raise RuntimeError(f"HTTP {response.status}: {data[:200]!r}")
        return key, response.status, json.loads(data)

    def close(self) -> None:
        self.conn.close()


def bench_http(
    env: dict,
    desk: dict,
    persons: list[int],
    processes: int,
    threads: int,
    total: int,
    log_dir: Path,
    label: str,
) -> dict:
    jobs = [(f"bench-{label}-{i:07d}-{uuid.uuid4().hex[:8]}", pid) for i, pid in enumerate(persons)]
    warm, timed = jobs[:WARMUP], jobs[WARMUP : WARMUP + total]
    with Servers(env, processes, threads, log_dir) as servers:

        def factory(i: int) -> HttpClient:
            return HttpClient(servers.ports[i % processes], desk["tokens"][i])

        log(f"  {processes} process(es) x {threads} threads on {servers.ports}: warm-up {len(warm)}")
        warmed = run_threads(factory, warm)
        if warmed["errors"]:
            raise RuntimeError(f"warm-up failed: {warmed['errors'][:3]}")
        cpu0 = servers.cpu_seconds()
        client0 = time.process_time()
        database0 = database_cpu(env["ANSINH_DATABASE_URL"])
        run = run_threads(factory, timed)
        run["server_cpu"] = servers.cpu_seconds() - cpu0
        run["client_cpu"] = time.process_time() - client0
        run["database_cpu"] = database_cpu_since(env["ANSINH_DATABASE_URL"], database0)
        log(
            f"  {len(run['latencies']):,} in {run['seconds']:.1f}s = {len(run['latencies']) / run['seconds']:.1f}/s,"
            f" {len(run['errors'])} errors"
        )
        # Replays: the same keys again return the same enrollment and write nothing.
        sample = [r for r in run["results"] if r is not None][:REPLAYS]
        replay_jobs = [(key, body["members"][0]["person_id"]) for key, _s, body in sample]
        replayed = run_threads(factory, replay_jobs)
        replay_ok = sum(
            1
            for (_key, _s, first), again in zip(sample, replayed["results"], strict=True)
            if again is not None and again[2]["id"] == first["id"] and again[2]["replayed"] is True
        )
    done = [r for r in warmed["results"] + run["results"] if r is not None]
    count = len(run["latencies"])
    return {
        "processes": processes,
        "threads": threads,
        "count": count,
        "seconds": run["seconds"],
        "rate": count / run["seconds"],
        "p50": percentile(run["latencies"], 0.50) * 1000,
        "p99": percentile(run["latencies"], 0.99) * 1000,
        "errors": run["errors"],
        "keys": [k for k, _p in warm + timed],
        "ok_keys": [r[0] for r in done],
        "receipts": [r[2]["receipt"]["number"] for r in done if r[2].get("receipt")],
        "replays": len(replay_jobs),
        "replay_ok": replay_ok,
        "server_cpu_ms": run["server_cpu"] / max(count, 1) * 1000,
        "client_cpu_ms": run["client_cpu"] / max(count, 1) * 1000,
        "database_cpu_ms": run["database_cpu"] / max(count, 1) * 1000,
        "machine_busy": run["machine_busy"] / run["machine_total"] if run["machine_total"] else float("nan"),
        "machine_cpu_ms": run["machine_busy"] / max(count, 1) * 1000,
    }


def verify(url: str, desk: dict, http_runs: list[dict]) -> dict:
    """Exactly one enrollment per key; receipt numbers of the book unique and gap-free."""
    keys = [k for run in http_runs for k in run["keys"]]
    ok_keys = {k for run in http_runs for k in run["ok_keys"]}
    with psycopg.connect(url) as conn:
        per_key = dict(
            conn.execute(
                "SELECT idempotency_key, count(*) FROM enrollment_enrollment"
                " WHERE idempotency_key = ANY(%s) GROUP BY idempotency_key",
                [keys],
            ).fetchall()
        )
        numbers = [
            r[0]
            for r in conn.execute(
                "SELECT number FROM payments_receipt WHERE book_id = %s ORDER BY number", [desk["book"]]
            ).fetchall()
        ]
        next_number = conn.execute(
            "SELECT next_number FROM payments_receiptbook WHERE id = %s", [desk["book"]]
        ).fetchone()[0]
        enrollments = conn.execute("SELECT count(*) FROM enrollment_enrollment").fetchone()[0]
        incomplete = conn.execute(
            "SELECT count(*) FROM enrollment_enrollment WHERE status <> 'completed'"
        ).fetchone()[0]
        cards = conn.execute("SELECT count(*) FROM cards_card").fetchone()[0]
        coverage = conn.execute("SELECT count(*) FROM enrollment_hicoverage").fetchone()[0]
    http_numbers = [n for run in http_runs for n in run["receipts"]]
    return {
        "keys": len(keys),
        "one_per_key": sum(1 for k in keys if per_key.get(k) == 1),
        "missing": sum(1 for k in keys if k not in per_key),
        "duplicated": sum(1 for k in keys if per_key.get(k, 0) > 1),
        "acknowledged_but_missing": sum(1 for k in ok_keys if k not in per_key),
        "receipts": len(numbers),
        "receipts_unique": len(set(numbers)) == len(numbers),
        "receipts_gap_free": numbers == list(range(1, len(numbers) + 1)) and next_number == len(numbers) + 1,
        "http_numbers_unique": len(set(http_numbers)) == len(http_numbers),
        "enrollments": enrollments,
        "incomplete": incomplete,
        "cards": cards,
        "coverage": coverage,
    }


# --------------------------------------------------------------------------------------------------------
# The reference: the same rows as one raw SQL transaction per enrollment
# --------------------------------------------------------------------------------------------------------


# Tables written for one enrollment, and the column that ties a template row to the first API enrollment.
RAW_TABLES = {
    "enrollment_enrollment": "id",
    "enrollment_enrollmentmember": "enrollment_id",
    "payments_payment": "enrollment_id",
    "payments_receipt": "enrollment_id",
    "enrollment_hicoverage": "enrollment_id",
    "cards_card": "coverage_id",
    "core_auditevent": None,
}


FLAGS_SQL = """
UPDATE enrollment_enrollmentmember m
   SET is_new = NOT EXISTS (
       SELECT 1 FROM enrollment_hicoverage h
        WHERE h.person_id = m.person_id AND NOT h.is_void
          AND h.valid_from <= m.lookback_to AND h.valid_to >= m.lookback_from
          AND h.enrollment_id IS DISTINCT FROM m.enrollment_id)
 WHERE m.person_id = %s
"""
PERIODS_SQL = """
INSERT INTO reports_coverageperiod (person_id, scheme, valid_from, valid_to, span_from, span_to, province_code,
                                    commune_id, village_id)
SELECT p.id, 'hi', greatest(min(s.valid_from), p.birth_date), least(max(s.valid_to), coalesce(p.died_on - 1,
       max(s.valid_to))), min(s.valid_from), max(s.valid_to), p.province_code, p.commune_id, p.village_id
  FROM (SELECT person_id, valid_from, valid_to, sum(starts) OVER (ORDER BY valid_from, valid_to) AS period
          FROM (SELECT person_id, valid_from, valid_to,
                       CASE WHEN valid_from <= max(valid_to) OVER (ORDER BY valid_from, valid_to
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) + 1 THEN 0 ELSE 1 END AS starts
                  FROM enrollment_hicoverage WHERE person_id = %s AND NOT is_void) spans) s
  JOIN registry_person p ON p.id = s.person_id
 GROUP BY p.id, s.period
"""


class RawWriter:
    """What ``enrollment_create`` writes for one person, household HI, cash, by hand: the person locked; the
    receipt book locked and its number taken (first, or last with ``book_last``); the enrollment (completed at
    once), its member, the payment; an SI number if the person has none (sequence row locked, person updated);
    the coverage and its card (a constant token); the member's new/renewal flag and the person's coverage
    periods recomputed; the receipt; the same audit events as the service (4, or 5 with an SI number). Columns
    not set here (e.g. ones added later) are copied from a row the API wrote, so the
    rows keep the shape the service gives them."""

    def __init__(self, url: str, desk: dict, template: dict, agent: int, book_last: bool):
        self.conn = psycopg.connect(url)
        self.desk, self.t, self.agent, self.book_last = desk, template, agent, book_last
        self.backend = self.conn.info.backend_pid
        self.backend_cpu, self.database_cpu = proc_cpu(self.backend), 0.0
        self.statements: dict[tuple[str, tuple[str, ...]], sql.Composed] = {}

    def close(self) -> None:
        self.database_cpu = proc_cpu(self.backend) - self.backend_cpu  # this connection's backend, this run
        self.conn.close()

    def _insert(self, cur, table: str, values: dict) -> int:
        row = {**self.t["rows"][table], **values}
        cols = tuple(row)
        statement = self.statements.get((table, cols))
        if statement is None:
            statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
                sql.Identifier(table),
                sql.SQL(", ").join(map(sql.Identifier, cols)),
                sql.SQL(", ").join(sql.Placeholder() * len(cols)),
            )
            self.statements[(table, cols)] = statement
        cur.execute(statement, [Jsonb(v) if isinstance(v, dict | list) else v for v in row.values()])
        return cur.fetchone()[0]

    def _take_number(self, cur) -> tuple[int, str, int]:
        cur.execute(
            "SELECT id, series, next_number FROM payments_receiptbook"
            " WHERE point_id = %s AND closed_at IS NULL AND next_number <= last_number"
            " ORDER BY opened_at, first_number LIMIT 1 FOR UPDATE",
            [self.desk["point"]],
        )
        book_id, series, number = cur.fetchone()
        cur.execute("UPDATE payments_receiptbook SET next_number = %s WHERE id = %s", [number + 1, book_id])
        return book_id, series, number

    def _si_number(self, cur, person_id: int, province: str) -> str:
        prefix = province[-2:].zfill(2)
        cur.execute(
            "INSERT INTO registry_sinumbersequence (province_code, next_serial) VALUES (%s, 1)"
            " ON CONFLICT (province_code) DO NOTHING",
            [prefix],
        )
        cur.execute(
            "SELECT next_serial FROM registry_sinumbersequence WHERE province_code = %s FOR UPDATE", [prefix]
        )
        serial = cur.fetchone()[0]
        while True:
            candidate = f"{prefix}{serial:08d}"
            serial += 1
            cur.execute("SELECT 1 FROM registry_person WHERE si_number = %s", [candidate])
            if cur.fetchone() is None:
                break
        cur.execute(
            "UPDATE registry_sinumbersequence SET next_serial = %s WHERE province_code = %s", [serial, prefix]
        )
        cur.execute(
            "UPDATE registry_person SET si_number = %s, updated_at = now() WHERE id = %s",
            [candidate, person_id],
        )
        return candidate

    def __call__(self, job: tuple[str, int]) -> int:
        key, person_id = job
        t = self.t
        now = dt.datetime.now(dt.UTC)
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                "SELECT full_name, si_number, province_code FROM registry_person WHERE id = %s FOR UPDATE",
                [person_id],
            )
            full_name, si_number, province = cur.fetchone()
            taken = None if self.book_last else self._take_number(cur)
            quote = dict(t["quote"])
            quote["members"] = [{**t["quote"]["members"][0], "person_id": person_id, "full_name": full_name}]
            enrollment_id = self._insert(
                cur,
                "enrollment_enrollment",
                {
                    "idempotency_key": key,
                    "fingerprint": uuid.uuid4().hex + uuid.uuid4().hex,
                    "status": "completed",
                    "point_id": self.desk["point"],
                    "quote": quote,
                    "province_code": province,
                    "created_by_id": self.agent,
                    "created_at": now,
                    "completed_at": now,
                },
            )
            self._insert(
                cur,
                "enrollment_enrollmentmember",
                {
                    "enrollment_id": enrollment_id,
                    "person_id": person_id,
                    "province_code": province,
                },
            )
            self._insert(
                cur,
                "payments_payment",
                {
                    "enrollment_id": enrollment_id,
                    "reference": f"BHXH {province[-2:]}{enrollment_id:09d}",
                    "province_code": province,
                    "created_at": now,
                    "confirmed_at": now,
                    "confirmed_by_id": self.agent,
                },
            )
            audits = [
                (
                    "enrollment_create",
                    "enrollment.enrollment",
                    enrollment_id,
                    {
                        "scheme": "hi_household",
                        "persons": [person_id],
                        "total_payable": t["total"],
                        "paid_on": t["paid_on"].isoformat(),
                        "backdated": False,
                        "method": "cash",
                    },
                ),
            ]
            if not si_number:
                si_number = self._si_number(cur, person_id, province)
                audits.append(("si_number_assign", "registry.person", person_id, {"si_number": si_number}))
            c = t["rows"]["enrollment_hicoverage"]
            coverage_id = self._insert(
                cur,
                "enrollment_hicoverage",
                {
                    "person_id": person_id,
                    "enrollment_id": enrollment_id,
                    "province_code": province,
                    "card_code": f"{c['group_code']}{c['benefit_level']}{province[-2:]}{si_number}",
                    "created_at": now,
                },
            )
            card_id = self._insert(
                cur,
                "cards_card",
                {
                    "coverage_id": coverage_id,
                    "number": si_number,
                    "province_code": province,
                    "issued_at": now,
                },
            )
            # The member's new/renewal flag (ADR 0008) and the person's coverage periods (ADR 0010), as the
            # service keeps them: one UPDATE; one DELETE and one INSERT of the merged periods.
            cur.execute(FLAGS_SQL, [person_id])
            cur.execute(
                "DELETE FROM reports_coverageperiod WHERE person_id = %s AND scheme = 'hi'", [person_id]
            )
            cur.execute(PERIODS_SQL, [person_id])
            audits.append(
                (
                    "card_issue",
                    "cards.card",
                    card_id,
                    {"coverage": coverage_id, "number": si_number, "key_id": t["key_id"]},
                )
            )
            if taken is None:  # the book last: the one lock every agent shares is held only for the commit
                taken = self._take_number(cur)
            book_id, series, number = taken
            receipt_id = self._insert(
                cur,
                "payments_receipt",
                {
                    "book_id": book_id,
                    "series": series,
                    "number": number,
                    "point_id": self.desk["point"],
                    "enrollment_id": enrollment_id,
                    "payer_name": full_name[:150],
                    "province_code": province,
                    "issued_at": now,
                    "issued_by_id": self.agent,
                },
            )
            issued = {"number": f"{series}-{number:07d}", "amount": t["total"], "method": "cash"}
            audits.insert(1, ("receipt_issue", "payments.receipt", receipt_id, issued))
            audits.append(
                ("enrollment_complete", "enrollment.enrollment", enrollment_id, {"status": "completed"})
            )
            for action, object_type, object_id, after in audits:
                self._insert(
                    cur,
                    "core_auditevent",
                    {
                        "at": now,
                        "actor_id": self.agent,
                        "action": action,
                        "object_type": object_type,
                        "object_id": str(object_id),
                        "province_code": province,
                        "before": None,
                        "after": after,
                    },
                )
        return enrollment_id


def raw_template(url: str) -> dict:
    """Rows the API wrote for its first enrollment (all columns but ``id``): the raw writes copy every column
    they do not set themselves (amounts, dates, the frozen quote, a card token)."""
    rows: dict[str, dict] = {}
    with psycopg.connect(url) as conn:
        first = conn.execute("SELECT min(id) FROM enrollment_enrollment").fetchone()[0]
        coverage = conn.execute(
            "SELECT min(id) FROM enrollment_hicoverage WHERE enrollment_id = %s", [first]
        ).fetchone()[0]
        for table, column in RAW_TABLES.items():
            query = sql.SQL("SELECT * FROM {} {} ORDER BY id LIMIT 1").format(
                sql.Identifier(table),
                sql.SQL("WHERE {} = %s").format(sql.Identifier(column)) if column else sql.SQL(""),
            )
            cur = conn.execute(query, [coverage if table == "cards_card" else first] if column else [])
            values = cur.fetchone()
            rows[table] = {d.name: v for d, v in zip(cur.description, values, strict=True) if d.name != "id"}
    enrollment = rows["enrollment_enrollment"]
    return {
        "rows": rows,
        "quote": enrollment["quote"],
        "total": enrollment["total_payable"],
        "paid_on": enrollment["paid_on"],
        "key_id": rows["cards_card"]["key_id"],
    }


def bench_raw(url: str, desk: dict, persons: list[int], total: int, book_last: bool, label: str) -> dict:
    template = raw_template(url)
    jobs = [(f"raw-{label}-{i:07d}-{uuid.uuid4().hex[:8]}", pid) for i, pid in enumerate(persons)]
    warm, timed = jobs[:WARMUP], jobs[WARMUP : WARMUP + total]

    writers: list[RawWriter] = []

    def factory(i: int) -> RawWriter:
        writer = RawWriter(url, desk, template, desk["agents"][i], book_last)
        writers.append(writer)
        return writer

    warmed = run_threads(factory, warm)
    if warmed["errors"]:
        raise RuntimeError(f"raw warm-up failed: {warmed['errors'][:3]}")
    writers.clear()
    run = run_threads(factory, timed)
    count = len(run["latencies"])
    log(
        f"  raw ({'book last' if book_last else 'book first'}): {count:,} in {run['seconds']:.1f}s = "
        f"{count / run['seconds']:.1f}/s, {len(run['errors'])} errors"
    )
    return {
        "book_last": book_last,
        "count": count,
        "seconds": run["seconds"],
        "rate": count / run["seconds"],
        "p50": percentile(run["latencies"], 0.50) * 1000,
        "p99": percentile(run["latencies"], 0.99) * 1000,
        "errors": run["errors"],
        "machine_busy": run["machine_busy"] / run["machine_total"] if run["machine_total"] else float("nan"),
        "machine_cpu_ms": run["machine_busy"] / max(count, 1) * 1000,
        "database_cpu_ms": sum(w.database_cpu for w in writers) / max(count, 1) * 1000,
    }


# --------------------------------------------------------------------------------------------------------
# Queries per enrollment (one call through Django's test client, in this process)
# --------------------------------------------------------------------------------------------------------


def count_queries(url: str, desk: dict, candidates: list[int]) -> list[dict]:
    """Statements of one enrollment through the API, once the database has had its first one (which also
    creates the province's SI number sequence and writes the token's first use): for a person who already has
    an SI number and for one who is given one, when the candidates have both."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1")

    def enroll(person_id: int):
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(
                "/api/v1/enrollments",
                data=json.dumps({**BODY, "person_ids": [person_id]}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {desk['tokens'][0]}",
                HTTP_IDEMPOTENCY_KEY=f"queries-{person_id}",
            )
        if response.status_code != 201:
            raise RuntimeError(f"query count call: HTTP {response.status_code} {response.content[:200]!r}")
        return ctx.captured_queries

    enroll(candidates[0])
    with psycopg.connect(url) as conn:
        has_number = dict(
            conn.execute(
                "SELECT id, si_number IS NOT NULL FROM registry_person WHERE id = ANY(%s)", [candidates[1:]]
            ).fetchall()
        )
    counted = []
    for with_number in (True, False):
        person_id = next((pid for pid in candidates[1:] if has_number[pid] == with_number), None)
        if person_id is None:
            continue
        kinds: dict[str, int] = {}
        captured = enroll(person_id)
        for q in captured:
            sql_text = q["sql"].lstrip()
            word = sql_text.split(" ", 1)[0].upper()
            word = {"SAVEPOINT": "SAVEPOINT/RELEASE", "RELEASE": "SAVEPOINT/RELEASE"}.get(word, word)
            if word == "SELECT" and "FOR UPDATE" in sql_text:
                word = "SELECT … FOR UPDATE"
            kinds[word] = kinds.get(word, 0) + 1
        counted.append({"si_number": with_number, "total": len(captured), "kinds": kinds})
    return counted


# --------------------------------------------------------------------------------------------------------
# Card PDFs
# --------------------------------------------------------------------------------------------------------


def bench_pdf(count: int) -> list[dict]:
    from ansinh.cards import pdf
    from ansinh.cards.models import Card

    cards = list(  # cards issued through the API (the raw SQL ones share one token)
        Card.objects.filter(coverage__enrollment__idempotency_key__startswith="bench-").order_by("pk")[:count]
    )
    rows = []
    for name, fn in (("cards_pdf_a4", pdf.cards_pdf_a4), ("card_pdf", pdf.card_pdf)):
        fn(cards[:10])  # fonts and imports warm; not timed
        pdf.qr_path.cache_clear()  # every QR code encoded afresh, as for new cards
        start = time.perf_counter()
        content = fn(cards)
        seconds = time.perf_counter() - start
        rows.append(
            {
                "name": name,
                "cards": len(cards),
                "seconds": seconds,
                "rate": len(cards) / seconds,
                "bytes": len(content),
            }
        )
        log(f"  {name}: {len(cards):,} cards in {seconds:.2f}s = {len(cards) / seconds:.0f}/s")
    return rows


# --------------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------------


def _pct(x: float) -> str:
    return f"{x:.0%}" if x == x else "–"  # NaN-safe


def report(
    persons: int,
    total: int,
    gen_seconds: float,
    http_runs: list[dict],
    raws: list[dict],
    checks: dict,
    queries: list[dict],
    pdfs: list[dict],
) -> str:
    reference = next(r for r in raws if r["book_last"])  # the book locked where the app locks it
    best = max(http_runs, key=lambda r: r["rate"])
    lines = [
        SECTION,
        "",
        f"Run {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} by `bench/bench_desk.py` "
        f"({persons:,} persons in Lào Cai, seed 1, generated in {gen_seconds:.0f} s; {CLIENTS} clients; "
        f"{total:,} timed enrollments per configuration after a warm-up of {WARMUP}).",
        "",
        f"Machine: {machine(packages=('django', 'waitress'))}. Servers, clients and PostgreSQL share the same "
        "cores.",
        "",
        "### Enrollments (`POST /api/v1/enrollments`: quote + payment + receipt + coverage + card)",
        "",
        "One person per enrollment (household HI, 12 months, cash), each with its own `Idempotency-Key`; "
        f"{CLIENTS} client threads, each with its own keep-alive `http.client` connection and its own agent "
        "token (16 agents at one collection point, one receipt book). Servers: `ansinh serve` (waitress) "
        "subprocesses; with more than one process the clients split across them (client thread *i* talks to "
        "process *i* mod P: a client-side round robin, no load balancer, since gunicorn is not installed). "
        "Reference: the same rows (enrollment, member, payment, receipt and book update, SI number when missing, "
        "coverage, card with a constant token, the member's new/renewal flag and the person's coverage periods "
        "recomputed, the same audit events) written as one raw SQL transaction per "
        "enrollment through psycopg, 16 threads with a connection each, the receipt book locked where the app "
        "locks it (last, before the receipt: like for like); beside it the same with the book locked first, "
        "which holds the lock every agent shares for the whole transaction. CPU ms per enrollment is the whole "
        "machine's busy time (servers, clients and PostgreSQL) divided by the enrollments; in brackets the "
        "CPU of the servers, of the PostgreSQL backends serving this database and of the client threads, each "
        "read from /proc, which other work on a shared machine does not inflate.",
        "",
        "| what | enrollments | seconds | enrollments / s | p50 ms | p99 ms | errors | machine CPU busy | "
        "CPU ms / enrollment | % of reference |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in http_runs:
        lines.append(
            f"| HTTP, {r['processes']} waitress process{'es' if r['processes'] > 1 else ''} × {r['threads']} "
            f"threads | {r['count']:,} | {r['seconds']:.1f} | **{r['rate']:.1f}** | {r['p50']:.0f} | "
            f"{r['p99']:.0f} | {len(r['errors'])} | {_pct(r['machine_busy'])} | {r['machine_cpu_ms']:.1f} "
            f"(servers {r['server_cpu_ms']:.1f}, PostgreSQL {r['database_cpu_ms']:.1f}, "
            f"clients {r['client_cpu_ms']:.1f}) | "
            f"{r['rate'] / reference['rate']:.0%} |"
        )
    for r in raws:
        what = (
            "reference: raw SQL, receipt book locked where the app locks it (last, before the receipt)"
            if r["book_last"]
            else "raw SQL, receipt book locked first (the lock held for the whole transaction)"
        )
        lines.append(
            f"| {what} | {r['count']:,} | {r['seconds']:.1f} | **{r['rate']:.1f}** | {r['p50']:.1f} | "
            f"{r['p99']:.1f} | {len(r['errors'])} | {_pct(r['machine_busy'])} | {r['machine_cpu_ms']:.1f} "
            f"(PostgreSQL {r['database_cpu_ms']:.1f}) | {r['rate'] / reference['rate']:.0%} |"
        )
    met_rate = best["rate"] >= 200
    met_ratio = best["rate"] >= 0.25 * reference["rate"]
    own = best["server_cpu_ms"] + best["database_cpu_ms"] + best["client_cpu_ms"]
    lines += [
        "",
        f"Own CPU per enrollment (servers + PostgreSQL + clients): {own:.1f} ms through HTTP "
        f"({best['processes']} process{'es' if best['processes'] > 1 else ''}), "
        f"{reference['database_cpu_ms']:.1f} ms of PostgreSQL for the raw SQL reference; on 2 cores that is at most "
        f"{2000 / own:.0f} enrollments/s through HTTP with nothing else running.",
        f"Targets (issue 4): ≥ 200 enrollments/s through HTTP — **{'met' if met_rate else 'not met'}** "
        f"(best {best['rate']:.1f}/s, {best['processes']} process{'es' if best['processes'] > 1 else ''}); "
        f"≥ 25 % of the raw-SQL reference's rate — **{'met' if met_ratio else 'not met'}** "
        f"({best['rate'] / reference['rate']:.0%} of {reference['rate']:.0f}/s).",
        "",
        f"Checks after the runs: {checks['one_per_key']:,} of {checks['keys']:,} keys sent have exactly one "
        f"enrollment ({checks['missing']} missing, {checks['duplicated']} duplicated; "
        f"{checks['acknowledged_but_missing']} acknowledged but missing); "
        f"{sum(r['replay_ok'] for r in http_runs)} of {sum(r['replays'] for r in http_runs)} replayed keys "
        'returned the first enrollment with `"replayed": true`; the book\'s '
        f"{checks['receipts']:,} receipt numbers (HTTP and raw SQL) are "
        f"{'unique' if checks['receipts_unique'] else 'NOT unique'} and "
        f"{'gap-free (1…n, next number n + 1)' if checks['receipts_gap_free'] else 'NOT gap-free'}; "
        f"{checks['incomplete']} enrollments not completed; {checks['coverage']:,} coverage rows, "
        f"{checks['cards']:,} cards.",
        "",
        "One enrollment through the API (Django test client, same database, after the database's first one) "
        "runs "
        + "; ".join(
            f"{q['total']} SQL statements for a person who {'has' if q['si_number'] else 'is given'} an SI number"
            f" ({', '.join(f'{n} {k}' for k, n in sorted(q['kinds'].items(), key=lambda kv: -kv[1]))})"
            for q in queries
        )
        + ".",
        "",
    ]
    errors = [e for r in http_runs for e in r["errors"]] + [e for r in raws for e in r["errors"]]
    if errors:
        lines += [f"First errors: {'; '.join(f'`{e}`' for e in errors[:3])}.", ""]
    lines += [
        "### Card PDFs (`cards.pdf`, QR cache emptied before each run)",
        "",
        "| function | cards | seconds | cards / s | PDF size |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in pdfs:
        lines.append(
            f"| `{r['name']}` | {r['cards']:,} | {r['seconds']:.2f} | **{r['rate']:.0f}** | "
            f"{r['bytes'] / 1024 / 1024:.1f} MiB |"
        )
    worst = min(pdfs, key=lambda r: r["rate"])
    lines += [
        "",
        f"Target ≥ 300 cards/s: **{'met' if worst['rate'] >= 300 else 'not met'}** "
        f"(slowest: `{worst['name']}`, {worst['rate']:.0f}/s).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    persons = env_int("ANSINH_BENCH_PERSONS", 1_000_000)
    total = env_int("ANSINH_BENCH_ENROLLMENTS", 3000)
    processes = [int(x) for x in os.environ.get("ANSINH_BENCH_PROCESSES", "1,2,4").split(",") if x.strip()]
    threads_env = os.environ.get("ANSINH_BENCH_THREADS")
    card_count = env_int("ANSINH_BENCH_CARDS", 1000)
    tmp = Path(tempfile.mkdtemp(prefix="ansinh-bench-desk-"))
    keys_dir, var_dir = tmp / "keys", tmp / "var"
    var_dir.mkdir()
    url = database_url("ANSINH_BENCH_DESK_DATABASE_URL", "ansinh_bench_desk")
    try:
        with fresh_database(url, ANSINH_KEYS_DIR=str(keys_dir), ANSINH_VAR_DIR=str(var_dir)):
            from django.db import connections

            from ansinh.demo.population import demo_generate

            env = server_env(url, keys_dir, var_dir)
            migrate()
            subprocess.run(  # noqa: S603 (our own command)
                [*_ansinh_command(), "keys", "init"], env=env, check=True, stdout=subprocess.DEVNULL
            )
            log(f"generating {persons:,} persons")
            start = time.perf_counter()
            demo_generate(province_code="15", persons=persons, seed=1)
            gen_seconds = time.perf_counter() - start
            log(f"generated in {gen_seconds:.1f}s; ANALYZE")
            analyze()
            desk = setup_desk()
            per_run = WARMUP + total
            # the HTTP configurations and the two raw SQL runs, each with its own people
            runs = len(processes) + 2
            people = pick_persons(url, per_run * runs + 9)  # the last 9 for counting statements
            chunks = [people[i * per_run : (i + 1) * per_run] for i in range(runs)]
            queries = count_queries(url, desk, people[-9:])
            connections.close_all()
            log(f"one enrollment = {' / '.join(str(q['total']) for q in queries)} statements")
            http_runs = []
            for n, chunk in zip(processes, chunks, strict=False):
                threads = int(threads_env) if threads_env else max(4, CLIENTS // n)
                log(f"HTTP, {n} process(es)")
                http_runs.append(bench_http(env, desk, chunk, n, threads, total, tmp, label=f"p{n}"))
            log("raw SQL reference")
            raws = [
                bench_raw(url, desk, chunks[-2], total, book_last=True, label="last"),
                bench_raw(url, desk, chunks[-1], total, book_last=False, label="first"),
            ]
            checks = verify(url, desk, http_runs)
            log(f"checks: {checks}")
            log("card PDFs")
            pdfs = bench_pdf(card_count)
            merge_docs(report(persons, total, gen_seconds, http_runs, raws, checks, queries, pdfs))
        shutil.rmtree(tmp, ignore_errors=True)  # the server logs
    finally:
        shutil.rmtree(keys_dir, ignore_errors=True)  # the signing key, always; the logs are kept on failure


if __name__ == "__main__":
    main()
