"""What every benchmark of ansinh shares, so that each ``bench_*.py`` is only what it measures and its reference.

* the benchmark database: created fresh, migrated, dropped at the end, also on failure (``fresh_database``;
  keep it with ``ANSINH_BENCH_KEEP=1``);
* timing (``measure``): both sides of a comparison are timed the same way — the same warm-up calls (not timed),
  the same number of timed calls, reported as the median with the spread (fastest and slowest); ``interleaved``
  alternates the sides so that a burst of load elsewhere on a shared machine does not favour one;
* CPU accounting read from /proc: a process, the PostgreSQL backends of a database, the whole machine;
* the machine line printed with every result; other benchmarks running at the same time;
* the statements a call sends, with their ``EXPLAIN ANALYZE`` times, dumped to a file (``profile``);
* the docs writer (``merge_docs``): each benchmark writes (or replaces) its own section of docs/benchmarks.md;
  ``ANSINH_BENCH_NO_WRITE=1`` only prints it.
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DOCS = ROOT / "docs" / "benchmarks.md"
sys.path[:0] = [p for p in (str(ROOT / "src"), str(HERE)) if p not in sys.path]

_STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


# --------------------------------------------------------------------------------------------------------
# Timing: the same for both sides
# --------------------------------------------------------------------------------------------------------

WARMUP = 1  # untimed calls before the timed ones (caches, plans, imports)
REPEAT = 5  # timed calls; ANSINH_BENCH_REPEAT overrides it where a benchmark says so


@dataclass
class Timing:
    """Timed calls of one side: seconds per call, with the median and the spread."""

    samples: list[float] = field(default_factory=list)
    result: Any = None  # what the first warm-up call (or the first timed call) returned

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def fastest(self) -> float:
        return min(self.samples)

    @property
    def slowest(self) -> float:
        return max(self.samples)

    @property
    def ms(self) -> float:
        return self.median * 1000

    def spread_ms(self) -> str:
        """'12–15' (fastest–slowest, ms), to print beside the median."""
        return f"{self.fastest * 1000:.0f}–{self.slowest * 1000:.0f}"

    def spread_s(self) -> str:
        return f"{self.fastest:.3f}–{self.slowest:.3f}"

    def add(self, other: Timing) -> Timing:
        return Timing(self.samples + other.samples, self.result if self.result is not None else other.result)


def measure(
    fn: Callable[..., Any],
    *,
    repeat: int = REPEAT,
    warmup: int = WARMUP,
    setup: Callable[[], Any] | None = None,
) -> Timing:
    """``warmup`` untimed calls, then ``repeat`` timed calls of ``fn``. With ``setup``, each call is
    ``fn(setup())`` and only ``fn`` is timed (e.g. a simulation built, then only its calculation timed)."""
    timing = Timing()
    for i in range(warmup + repeat):
        prepared = (setup(),) if setup is not None else ()
        start = time.perf_counter()
        out = fn(*prepared)
        elapsed = time.perf_counter() - start
        if i == 0:
            timing.result = out
        if i >= warmup:
            timing.samples.append(elapsed)
    return timing


def interleaved(
    sides: dict[str, Callable[[], Any]], *, repeat: int = REPEAT, rounds: int = 2
) -> dict[str, Timing]:
    """Each side measured ``rounds`` times in turn (same warm-up and repeats), the samples pooled."""
    out = {name: Timing() for name in sides}
    for _ in range(rounds):
        for name, fn in sides.items():
            out[name] = out[name].add(measure(fn, repeat=repeat))
    return out


def percentile(samples: list[float], p: float) -> float:
    s = sorted(samples)
    return s[min(len(s) - 1, round(p * (len(s) - 1)))] if s else float("nan")


# --------------------------------------------------------------------------------------------------------
# CPU accounting (/proc)
# --------------------------------------------------------------------------------------------------------


def proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def database_cpu(url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to the benchmark's database (by pid). The machine
    is shared, so the whole machine's busy time also counts other people's work; these backends' own CPU does
    not."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        pids = [
            r[0]
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        ]
    return {pid: proc_cpu(pid) for pid in pids}


def database_cpu_since(url: str, before: dict[int, float]) -> float:
    after = database_cpu(url)
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    try:
        values = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    tick = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / tick, sum(values) / tick


# --------------------------------------------------------------------------------------------------------
# The benchmark database
# --------------------------------------------------------------------------------------------------------


def _maintenance_url(url: str) -> tuple[str, str]:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"bench: unexpected database name in {url!r}")
    return urlunparse(parts._replace(path="/postgres")), name


def recreate_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    admin_url, name = _maintenance_url(url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    admin_url, name = _maintenance_url(url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def setup_django(url: str, **env: str) -> None:
    """Django on the benchmark database (once per process); ``env``: more ANSINH_* settings."""
    os.environ["ANSINH_DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "ansinh.config.settings.base"
    os.environ.update(env)
    os.environ.setdefault("ANSINH_VAR_DIR", str(ROOT / "var"))
    import django

    django.setup()


def database_url(variable: str, name: str) -> str:
    return os.environ.get(variable, f"postgresql://postgres@127.0.0.1:5432/{name}")


def migrate(*, areas: bool = True) -> float:
    """The schema, and the official areas; returns the seconds the areas took to load."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not areas:
        return 0.0
    from ansinh.areas.services import areas_load_official

    start = time.perf_counter()
    areas_load_official()
    return time.perf_counter() - start


def close_connections() -> None:
    from django.db import connections

    connections.close_all()


@contextlib.contextmanager
def fresh_database(url: str, *, django: bool = True, **env: str) -> Iterator[str]:
    """A freshly created database for the block (Django set up on it), dropped afterwards, also on failure,
    unless ``ANSINH_BENCH_KEEP=1``."""
    log(f"bench: fresh database {urlparse(url).path.lstrip('/')} at {urlparse(url).hostname}")
    recreate_database(url)
    if django:
        setup_django(url, **env)
    try:
        yield url
    finally:
        if django:
            close_connections()
        if os.environ.get("ANSINH_BENCH_KEEP") != "1":
            drop_database(url)


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def set_jit(cur, enabled: bool) -> None:
    """PostgreSQL's JIT compilation on (its default) or off, for a psycopg session and Django's."""
    from django.db import connection

    statement = "RESET jit" if enabled else "SET jit = off"
    cur.execute(statement)
    with connection.cursor() as django_cur:
        django_cur.execute(statement)


# --------------------------------------------------------------------------------------------------------
# The machine, and who else is running
# --------------------------------------------------------------------------------------------------------


def machine(*, database: bool = True, packages: tuple[str, ...] = ()) -> str:
    """One line: the system, CPU, cores, memory, PostgreSQL (when ``database``), Python and ``packages``."""
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError, StopIteration, ValueError):
        line = next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal"))
        mem = f", {int(line.split()[1]) / 1024 / 1024:.0f} GiB RAM"
    parts = [f"`{' '.join(x for x in platform.uname() if x)}`; CPU {cpu}, {os.cpu_count()} cores{mem}"]
    if database:
        import psycopg

        with psycopg.connect(os.environ["ANSINH_DATABASE_URL"]) as conn:
            pg = conn.execute("SHOW server_version").fetchone()[0]
            sync = conn.execute("SHOW synchronous_commit").fetchone()[0]
        parts.append(f"PostgreSQL {pg} (local, default settings, synchronous_commit={sync})")
    parts.append(f"Python {platform.python_version()}")
    for name in packages:
        try:
            parts.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            parts.append(f"{name} not installed")
    return "; ".join(parts)


def other_benchmarks() -> list[str]:
    """Other benchmark processes on the machine (their load skews the figures)."""
    mine = os.getpid()
    me = Path(sys.argv[0]).name
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == mine:
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "bench/bench_" in cmd and "python" in cmd and "run.py" not in cmd and me not in cmd:
            found.append(cmd.split("bench/")[-1].strip())
    return found


# --------------------------------------------------------------------------------------------------------
# What a call sends to the database
# --------------------------------------------------------------------------------------------------------


def profile(url: str, fn: Callable[[], object], dump_name: str) -> list[dict]:
    """Each SELECT the call sends, with its EXPLAIN ANALYZE time and plan; the plans are written to
    ``/tmp/<dump_name>`` (or ``ANSINH_BENCH_PLANS``)."""
    import psycopg
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    out = []
    with psycopg.connect(url, autocommit=True) as conn:
        for q in ctx.captured_queries:
            text = q["sql"]
            if not text.lstrip().upper().startswith("SELECT"):
                continue
            plan = [r[0] for r in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {text}").fetchall()]  # type: ignore[arg-type]
            ms = next(
                (float(line.split(":")[1].split()[0]) for line in plan if line.startswith("Execution Time")),
                0.0,
            )
            out.append({"sql": text, "ms": ms, "plan": plan})
    dump = Path(os.environ.get("ANSINH_BENCH_PLANS", f"/tmp/{dump_name}"))  # noqa: S108
    dump.write_text("\n\n".join(f"-- {q['ms']:.1f} ms\n{q['sql']}\n" + "\n".join(q["plan"]) for q in out))
    log(f"  {len(out)} statements, {sum(q['ms'] for q in out):.0f} ms in EXPLAIN ANALYZE; plans in {dump}")
    return out


def try_indexes(url: str, ddls: list[str], sides: dict[str, Callable[[], Any]], *, repeat: int) -> list[dict]:
    """Each side measured again after creating each candidate index (cumulatively, in the benchmark database
    only), then the indexes dropped: [{ddl, name, <side>_ms...}]."""
    import psycopg

    steps = []
    with psycopg.connect(url, autocommit=True) as conn:
        for ddl in ddls:
            conn.execute(ddl)  # type: ignore[arg-type]
            conn.execute("VACUUM ANALYZE")
            step: dict[str, Any] = {"ddl": ddl, "name": ddl.split()[2]}
            for side, fn in sides.items():
                step[f"{side}_ms"] = measure(fn, repeat=repeat).ms
            steps.append(step)
            log(f"  with {step['name']}: " + ", ".join(f"{s} {step[f'{s}_ms']:.0f} ms" for s in sides))
        for step in steps:
            conn.execute(f"DROP INDEX {step['name']}")  # type: ignore[arg-type]
    return steps


# --------------------------------------------------------------------------------------------------------
# docs/benchmarks.md
# --------------------------------------------------------------------------------------------------------


def merge_docs(section: str) -> None:
    """Prints ``section``, then writes (or replaces) it in docs/benchmarks.md — the section headed by its first
    line — keeping every other section; with ``ANSINH_BENCH_NO_WRITE=1`` only prints it."""
    print(section)
    if os.environ.get("ANSINH_BENCH_NO_WRITE") == "1":
        log("ANSINH_BENCH_NO_WRITE=1: docs/benchmarks.md left as it is")
        return
    title = section.split("\n", 1)[0]
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n\nWritten by `make bench`.\n"
    start = text.find(title + "\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(title))
        text = text[:start] + section + ("\n" + text[end + 1 :] if end != -1 else "")
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text.rstrip("\n") + "\n", encoding="utf-8")
    log(f"wrote {DOCS.relative_to(ROOT)}")
