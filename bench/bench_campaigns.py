"""Campaign-report benchmark: ``reports.campaign_figures.campaign_report`` for a province of 1,000,000 persons with
100,000 campaign outcomes and 50,000 attributed enrollments, beside the best hand-written SQL for the same figures.

Run: ``python bench/bench_campaigns.py`` (part of ``make bench``). Environment:

* ``ANSINH_BENCH_CAMPAIGNS_DATABASE_URL`` (default
  ``postgresql://postgres@127.0.0.1:5432/ansinh_bench_campaigns``): DROPPED and created again, migrated, and
  dropped at the end (keep it with ``ANSINH_BENCH_KEEP=1``);
* ``ANSINH_BENCH_PERSONS`` (default 1,000,000): people in Lào Cai (province 15); the outcomes and enrollments
  scale with it (100,000 and 50,000 at a million) unless ``ANSINH_BENCH_OUTCOMES`` / ``ANSINH_BENCH_ENROLLMENTS``
  say otherwise;
* ``ANSINH_BENCH_SPANS_PER_PERSON`` (default 2): background health-insurance spans per person;
* ``ANSINH_BENCH_REPEAT`` (default 5): timed runs after one warm-up (median reported).

Data: ``demo_generate`` builds the people; the rest is written with ``COPY`` (the desk services are benchmarked
elsewhere): a background of past health-insurance spans and voluntary-SI contribution runs (bench_coverage.py's
generators), so that both new participants and renewals occur; a province-wide month of promotion (May 2026)
with 200 activities of every kind (reach figures, costs, goals for the whole campaign and for communes), and a
second campaign at the same time; 100,000 outcomes at the campaign's activities (some a few days outside its
dates) and 10,000 at the other's; 50,000 completed enrollments attributed to the campaign's activities (a few
days outside the dates for some), 5 % more voided, 20,000 walk-in enrollments and 5,000 at the other campaign —
household HI with 1–4 members, HI for a subsidised group, voluntary SI — each member with its paid_on and
look-back window, each completed HI member with its coverage span (most with a card), each VSI member with its
contribution run; then ``ANALYZE``. COPY leaves the members' new/renewal flag empty, so the load ends as any load
that bypasses the desk services must (ADR 0008): ``participation_flags_refresh_all`` for the province, timed and
reported as the cost of loading the flags; then ``VACUUM ANALYZE``.

What is measured: the whole ``campaign_report(campaign)`` call, and the reference — one hand-written statement
through psycopg (participations with their stored new/renewal flag, outcomes, grouped every way the report
needs) plus the activities and goals — and every figure compared: attributed and in-area (new and renewal HI and
VSI, VssID installs, cashless switches, consulted), by activity kind, by commune, by day, the funnel. Beside it,
the best statement before the flag was stored (the same figures, the 90-day look-back computed for every
participation), timed and compared the same way. At the end, the statements ansinh sends with their
``EXPLAIN ANALYZE`` times, and candidate indexes tried in the benchmark database when the target is missed.

It prints a markdown table and writes (or replaces) the "Campaign report" section of docs/benchmarks.md. The
background data is ``data.py``'s (shared with bench_coverage.py); the database's life cycle, the timing (the same
warm-up and repeats for ansinh and the references, interleaved), the statement profile, the candidate indexes and
the docs writer are ``harness.py``'s.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections import defaultdict

import psycopg
from data import (
    ENROLLMENT_COLUMNS,
    HI_COLUMNS,
    PROVINCE,
    VSI_COLUMNS,
    bench_point,
    copy_lines,
    enrollment_line,
    hi_line,
    insert_hi_spans,
    insert_vsi,
    iso,
    month_index,
    next_id,
    people,
    sync_sequence,
    vsi_line,
)
from harness import (
    database_url,
    env_int,
    fresh_database,
    interleaved,
    log,
    machine,
    measure,
    merge_docs,
    migrate,
    other_benchmarks,
    set_jit,
    try_indexes,
)
from harness import profile as harness_profile

SECTION = "## Campaign report"
TARGET_MS = 1000
TARGET_RATIO = 1.5
STARTS, ENDS = dt.date(2026, 5, 1), dt.date(2026, 5, 31)
TODAY = dt.date(2026, 11, 25)  # the background coverage is drawn up to this day (fixed: reproducible data)
FIGURES = ("new_voluntary_si", "new_health_insurance", "renewals_health_insurance", "renewals_voluntary_si",
           "vssid_installs", "cashless_switches", "consulted")  # fmt: skip
PARTICIPATION = FIGURES[:4]
OUTCOME_KINDS = {"vssid_install_assisted": "vssid_installs", "cashless_switched": "cashless_switches",
                 "consulted": "consulted"}  # fmt: skip

MEMBER_COLUMNS = ["position", "rank", "group", "premium", "support", "payable", "province_code", "enrollment_id",
                  "person_id", "paid_on", "lookback_from", "lookback_to", "lookback_from_month"]  # fmt: skip
OUTCOME_COLUMNS = [
    "activity_id",
    "person_id",
    "kind",
    "on",
    "follow_up_on",
    "note",
    "province_code",
    "created_at",
]
CARD_COLUMNS = ["coverage_id", "number", "token", "key_id", "province_code", "issued_at", "printed"]


def card_columns(conn) -> tuple[list[str], str]:
    """The card columns written, and the tail to add to each line for NOT NULL columns added since (the cards
    app grows: a column without a database default gets an empty or zero value here)."""
    rows = conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'cards_card'"
        " AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO' ORDER BY ordinal_position"
    ).fetchall()
    extra = [(c, t) for c, t in rows if c not in CARD_COLUMNS]
    tail = "".join("\t" + ("0" if t in ("smallint", "integer", "bigint") else "") for _c, t in extra)
    return CARD_COLUMNS + [c for c, _t in extra], tail


REACH = {
    "banner": lambda r: {"banners": r.randint(5, 80)},
    "art_performance": lambda r: {"audience": r.randint(100, 1500)},
    "small_group_visit": lambda r: {"participants": r.randint(10, 60)},
    "job_fair_booth": lambda r: {"visitors": r.randint(200, 3000)},
    "livestream": lambda r: {
        "views": r.randint(2000, 90000),
        "interactions": r.randint(100, 5000),
        "shares": r.randint(10, 900),
    },  # fmt: skip
    "conference": lambda r: {"participants": r.randint(30, 300), "organisations": r.randint(2, 15)},
    "press": lambda r: {"audience": r.randint(1000, 50000)},
    "post_office_launch": lambda r: {"visitors": r.randint(50, 500), "audience": r.randint(50, 400)},
    "other": lambda r: {},
}


# --------------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------------


def plan_campaigns(rng: random.Random) -> tuple:
    """The campaign (200 activities), goals, and another campaign at the same time (20 activities), via the ORM."""
    from ansinh.areas.models import Area, Level
    from ansinh.campaigns.models import Activity, ActivityKind, Campaign, Goal

    province = Area.objects.get(level=Level.PROVINCE, code=PROVINCE)
    communes = list(Area.objects.filter(level=Level.COMMUNE, province_code=PROVINCE).order_by("code"))
    campaign = Campaign.objects.create(name="Tháng vận động BHYT, BHXH tự nguyện 2026", kind="month_of_promotion",
                                       starts_on=STARTS, ends_on=ENDS, province_code=PROVINCE)  # fmt: skip
    campaign.areas.set([province])
    other = Campaign.objects.create(name="Chiến dịch nhóm nhỏ", kind="small_group", starts_on=STARTS,
                                    ends_on=ENDS, province_code=PROVINCE)  # fmt: skip
    other.areas.set(communes[:10])
    kinds = list(ActivityKind.values)
    weights = [20, 12, 60, 10, 15, 30, 20, 10, 3]

    def activities(owner, n: int) -> list:
        rows = []
        for i in range(n):
            kind = rng.choices(kinds, weights=weights)[0]
            start = STARTS + dt.timedelta(days=rng.randint(0, 27))
            rows.append(Activity(campaign=owner, kind=kind, title=f"{kind} {i + 1}", starts_on=start,
                                 ends_on=min(ENDS, start + dt.timedelta(days=rng.randint(0, 3))),
                                 area=rng.choice(communes), reach=REACH[kind](rng),
                                 cost=rng.randint(1, 60) * 500_000 if rng.random() < 0.7 else None,
                                 province_code=PROVINCE))  # fmt: skip
        return Activity.objects.bulk_create(rows)

    mine = activities(campaign, 200)
    theirs = activities(other, 20)
    goals = [Goal(campaign=campaign, figure=f, target=t) for f, t in
             (("new_health_insurance", 20000), ("new_voluntary_si", 3000), ("vssid_installs", 15000),
              ("consulted", 50000), ("cashless_switches", 2000))]  # fmt: skip
    goals += [Goal(campaign=campaign, figure="new_health_insurance", area=c, target=rng.randint(50, 400))
              for c in rng.sample(communes, 20)]  # fmt: skip
    Goal.objects.bulk_create(goals)
    return campaign, [a.pk for a in mine], [a.pk for a in theirs]


def campaign_day(rng: random.Random, outside: float) -> dt.date:
    if rng.random() < outside:  # a few days before or after the campaign
        return (
            STARTS - dt.timedelta(days=rng.randint(1, 5))
            if rng.random() < 0.5
            else ENDS + dt.timedelta(days=rng.randint(1, 5))
        )
    return STARTS + dt.timedelta(days=rng.randint(0, (ENDS - STARTS).days))


def insert_outcomes(conn, rng: random.Random, ids: list[int], activities: list[int], n: int) -> int:
    kinds = ["consulted", "vssid_install_assisted", "cashless_switched", "follow_up"]
    seen: set[tuple[int, int, str]] = set()
    lines = []
    regulars = rng.sample(ids, max(1, n // 10))  # people met at several activities
    while len(lines) < n:
        person = rng.choice(regulars) if rng.random() < 0.25 else rng.choice(ids)
        key = (rng.choice(activities), person, rng.choices(kinds, weights=[60, 22, 8, 10])[0])
        if key in seen:
            continue
        seen.add(key)
        day = campaign_day(rng, 0.05)
        follow = iso((day + dt.timedelta(days=14)).toordinal()) if key[2] == "follow_up" else "\\N"
        lines.append(
            f"{key[0]}\t{key[1]}\t{key[2]}\t{day.isoformat()}\t{follow}\t\t{PROVINCE}\t2026-05-15 09:00:00+07"
        )
    return copy_lines(conn, "campaigns_outcome", OUTCOME_COLUMNS, lines)


def insert_enrollments(conn, rng: random.Random, ids: list[int], vsi_people: list[int], point_id: int,
                       plan: list[tuple[int | None, int]]) -> dict:  # fmt: skip
    """``plan``: (activity ids or None, number of completed enrollments); 5 % more of each are voided."""
    enrollment_id = next_id(conn, "enrollment_enrollment")
    coverage_id = next_id(conn, "enrollment_hicoverage")
    enrollments, members, coverage, contributions, cards = [], [], [], [], []
    counts: dict[str, int] = defaultdict(int)
    columns, tail = card_columns(conn)
    for activities, n in plan:
        for i in range(n + n // 20):
            status = "completed" if i < n else "void"
            activity = rng.choice(activities) if activities else None
            paid = campaign_day(rng, 0.03)
            r = rng.random()
            scheme = "hi_household" if r < 0.65 else "hi_group" if r < 0.75 else "vsi"
            if scheme == "hi_household":
                first = rng.randrange(len(ids))
                persons = ids[first : first + rng.choices([1, 2, 3, 4], weights=[40, 30, 20, 10])[0]]
                months = 12
            elif scheme == "vsi":
                persons = [rng.choice(vsi_people) if rng.random() < 0.4 else rng.choice(ids)]
                months = rng.choice((1, 3, 6, 12))
            else:
                persons, months = [rng.choice(ids)], 12
            enrollments.append(enrollment_line(enrollment_id, scheme, status, activity, paid.isoformat(), months,
                                               100_000 * len(persons), point_id, tag="camp"))  # fmt: skip
            counts[f"{scheme} {status}"] += 1
            back = paid - dt.timedelta(days=90)
            for position, person in enumerate(persons, 1):
                members.append(
                    f"{position}\t{position}\t{scheme}\t1000000\t0\t1000000\t{PROVINCE}\t{enrollment_id}\t{person}"
                    f"\t{paid.isoformat()}\t{back.isoformat()}\t{(paid - dt.timedelta(days=1)).isoformat()}"
                    f"\t{back.replace(day=1).isoformat()}"
                )
                if scheme == "vsi":
                    contributions.append(
                        vsi_line(person, enrollment_id, month_index(paid), months, status == "void")
                    )
                    continue
                start = paid.toordinal() + 30
                coverage.append(f"{coverage_id}\t" + hi_line(person, enrollment_id, start, start + 364,
                                                             status == "void"))  # fmt: skip
                if status == "completed" and rng.random() < 0.85:
                    cards.append(f"{coverage_id}\t{person % 10**10:010d}\tbench-token\tbench\t{PROVINCE}"
                                 f"\t2026-05-20 10:00:00+07\t0{tail}")  # fmt: skip
                coverage_id += 1
            enrollment_id += 1
    copy_lines(conn, "enrollment_enrollment", ENROLLMENT_COLUMNS, enrollments)
    copy_lines(conn, "enrollment_enrollmentmember", MEMBER_COLUMNS, members)
    copy_lines(conn, "enrollment_hicoverage", ["id", *HI_COLUMNS], coverage)
    copy_lines(conn, "enrollment_vsicontribution", VSI_COLUMNS, contributions)
    copy_lines(conn, "cards_card", columns, cards)
    for table in ("enrollment_enrollment", "enrollment_hicoverage"):
        sync_sequence(conn, table)
    return {"enrollments": len(enrollments), "members": len(members), "coverage": len(coverage),
            "contributions": len(contributions), "cards": len(cards), "by_kind": dict(counts)}  # fmt: skip


def build(url: str, persons: int, outcomes: int, attributed: int, per_person: float) -> dict:
    from ansinh.demo.population import demo_generate
    from ansinh.enrollment.models import EnrollmentMember
    from ansinh.enrollment.services import participation_flags_refresh_all

    migrate()
    start = time.perf_counter()
    demo_generate(province_code=PROVINCE, persons=persons, seed=1)
    log(f"{persons:,} persons generated in {time.perf_counter() - start:.0f}s; campaigns and COPY")
    rng = random.Random(7)
    point = bench_point()
    campaign, mine, theirs = plan_campaigns(rng)
    start = time.perf_counter()
    with psycopg.connect(url) as conn:
        everyone = people(conn)
        ids = [p[0] for p in everyone]
        spans = insert_hi_spans(conn, everyone, TODAY, seed=1, per_person=per_person)
        vsi_enrollments, vsi_runs = insert_vsi(conn, everyone, TODAY, seed=1, point_id=point.pk)
        vsi_people = [r[0] for r in conn.execute("SELECT DISTINCT person_id FROM enrollment_vsicontribution")]
        n_outcomes = insert_outcomes(conn, rng, ids, mine, outcomes)
        n_outcomes_other = insert_outcomes(conn, rng, ids, theirs, outcomes // 10)
        scale = attributed / 50_000
        desk = insert_enrollments(conn, rng, ids, vsi_people or ids, point.pk,
                                  [(mine, attributed), (None, round(20_000 * scale)),
                                   (theirs, round(5_000 * scale))])  # fmt: skip
        conn.commit()
        log(f"loaded in {time.perf_counter() - start:.0f}s: {spans:,} background spans, {vsi_runs:,} VSI runs, "
            f"{n_outcomes:,} + {n_outcomes_other:,} outcomes, {desk}")  # fmt: skip
        # COPY wrote the member rows without their new/renewal flag: the bulk form of the desk's refresh sets it
        # (ADR 0008), as any load that bypasses the services must. Timed: the cost of loading the flags.
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
        start = time.perf_counter()
        flagged = participation_flags_refresh_all(province_code=PROVINCE)
        flags_ms = (time.perf_counter() - start) * 1000
        new_rows = EnrollmentMember.objects.filter(province_code=PROVINCE, is_new=True).count()
        log(f"new/renewal flags of {flagged:,} member rows in {flags_ms:.0f} ms ({new_rows:,} new)")
        conn.execute("VACUUM ANALYZE")
    return {"campaign": campaign, "persons": len(ids), "spans": spans, "vsi_runs": vsi_runs,
            "vsi_enrollments": vsi_enrollments,
            "outcomes": n_outcomes, "outcomes_other": n_outcomes_other, "activities": len(mine),
            "attributed": attributed, "flags": {"rows": flagged, "new": new_rows, "ms": flags_ms},
            **desk}  # fmt: skip


# --------------------------------------------------------------------------------------------------------
# The hand-written reference
# --------------------------------------------------------------------------------------------------------

# The best statement for the schema ansinh has: each participation's new/renewal flag is stored on its member row
# (ADR 0008), so it is read, not computed. One CTE of the member rows paid within the dates (attributed ones of any
# status too: the funnel's "enrolled"), one of the outcomes, each joined once to the persons; every figure is then
# grouped from them.
REFERENCE_SQL = """
WITH acts AS (
    SELECT id, kind FROM campaigns_activity WHERE campaign_id = %(campaign)s
), m AS MATERIALIZED (
    SELECT m.person_id, m.paid_on, m.enrollment_id, e.status = 'completed' AS paid, a.kind AS activity_kind,
           a.id IS NOT NULL AS attributed,
           p.province_code = ANY(%(provinces)s) OR p.commune_id = ANY(%(communes)s) AS in_area, p.commune_id,
           CASE WHEN e.scheme = 'vsi' THEN CASE m.is_new WHEN true THEN 3 WHEN false THEN 4 END
                ELSE CASE m.is_new WHEN true THEN 1 WHEN false THEN 2 END END AS fig
      FROM enrollment_enrollmentmember m
      JOIN enrollment_enrollment e ON e.id = m.enrollment_id
      JOIN registry_person p ON p.id = m.person_id
      LEFT JOIN acts a ON a.id = e.activity_id
     WHERE m.paid_on BETWEEN %(start)s AND %(end)s
), o AS MATERIALIZED (
    SELECT o.person_id, o.kind, o."on", a.kind AS activity_kind, a.id IS NOT NULL AS attributed,
           p.province_code = ANY(%(provinces)s) OR p.commune_id = ANY(%(communes)s) AS in_area
      FROM campaigns_outcome o
      JOIN registry_person p ON p.id = o.person_id
      LEFT JOIN acts a ON a.id = o.activity_id
     WHERE o."on" BETWEEN %(start)s AND %(end)s
)
SELECT section, key, sum(a), sum(b), sum(c), sum(d) FROM (
    SELECT 'attributed' AS section, NULL AS key,
           count(DISTINCT person_id) FILTER (WHERE fig = 1) AS a, count(DISTINCT person_id) FILTER (WHERE fig = 2) AS b,
           count(DISTINCT person_id) FILTER (WHERE fig = 3) AS c, count(DISTINCT person_id) FILTER (WHERE fig = 4) AS d
      FROM m WHERE paid AND attributed
    UNION ALL
    SELECT 'in_area', NULL,
           count(DISTINCT person_id) FILTER (WHERE fig = 1), count(DISTINCT person_id) FILTER (WHERE fig = 2),
           count(DISTINCT person_id) FILTER (WHERE fig = 3), count(DISTINCT person_id) FILTER (WHERE fig = 4)
      FROM m WHERE paid AND in_area
    UNION ALL
    SELECT 'kind', activity_kind,
           count(DISTINCT person_id) FILTER (WHERE fig = 1), count(DISTINCT person_id) FILTER (WHERE fig = 2),
           count(DISTINCT person_id) FILTER (WHERE fig = 3), count(DISTINCT person_id) FILTER (WHERE fig = 4)
      FROM m WHERE paid AND attributed GROUP BY activity_kind
    UNION ALL
    SELECT 'commune', c.code,
           count(DISTINCT person_id) FILTER (WHERE fig = 1), count(DISTINCT person_id) FILTER (WHERE fig = 2),
           count(DISTINCT person_id) FILTER (WHERE fig = 3), count(DISTINCT person_id) FILTER (WHERE fig = 4)
      FROM m JOIN areas_area c ON c.id = m.commune_id WHERE paid AND attributed GROUP BY c.code
    UNION ALL
    SELECT 'day', paid_on::text,
           count(DISTINCT person_id) FILTER (WHERE fig = 1), count(DISTINCT person_id) FILTER (WHERE fig = 2),
           count(DISTINCT person_id) FILTER (WHERE fig = 3), count(DISTINCT person_id) FILTER (WHERE fig = 4)
      FROM m WHERE paid AND attributed GROUP BY paid_on
    UNION ALL
    SELECT 'o_attributed', kind, count(DISTINCT person_id), 0, 0, 0 FROM o WHERE attributed GROUP BY kind
    UNION ALL
    SELECT 'o_in_area', kind, count(DISTINCT person_id), 0, 0, 0 FROM o WHERE in_area GROUP BY kind
    UNION ALL
    SELECT 'o_kind', activity_kind || ' ' || kind, count(DISTINCT person_id), 0, 0, 0
      FROM o WHERE attributed GROUP BY activity_kind, kind
    UNION ALL
    SELECT 'o_day', "on"::text || ' ' || kind, count(DISTINCT person_id), 0, 0, 0
      FROM o WHERE attributed GROUP BY "on", kind
    UNION ALL
    SELECT 'funnel', 'consulted', count(*), 0, 0, 0
      FROM (SELECT person_id FROM o WHERE attributed UNION SELECT person_id FROM m WHERE attributed) x
    UNION ALL
    SELECT 'funnel', 'enrolled', count(DISTINCT person_id), 0, 0, 0 FROM m WHERE attributed
    UNION ALL
    SELECT 'funnel', 'paid', count(DISTINCT person_id), 0, 0, 0 FROM m WHERE paid AND attributed
    UNION ALL
    SELECT 'funnel', 'card_issued', count(DISTINCT h.person_id), 0, 0, 0
      FROM enrollment_hicoverage h JOIN cards_card k ON k.coverage_id = h.id
     WHERE NOT h.is_void AND h.enrollment_id IN (SELECT enrollment_id FROM m WHERE paid AND attributed)
) q
GROUP BY section, key
"""

# The best statement before ADR 0008 (kept so that the report shows both): the 90-day look-back computed for every
# participation paid within the dates, with EXISTS on the coverage and contribution spans.
REFERENCE_LOOKBACK_SQL = """
WITH acts AS (
    SELECT id, kind FROM campaigns_activity WHERE campaign_id = %(campaign)s
), part AS MATERIALIZED (
    SELECT m.person_id, m.paid_on, a.kind AS activity_kind, a.id IS NOT NULL AS attributed,
           p.province_code = ANY(%(provinces)s) OR p.commune_id = ANY(%(communes)s) AS in_area, p.commune_id,
           e.scheme <> 'vsi' AS hi,
           CASE WHEN e.scheme = 'vsi' THEN EXISTS (
                    SELECT 1 FROM enrollment_vsicontribution v
                     WHERE v.person_id = m.person_id AND NOT v.is_void AND v.first_month <= m.lookback_to
                       AND v.last_month >= m.lookback_from_month AND v.enrollment_id <> m.enrollment_id)
                ELSE EXISTS (
                    SELECT 1 FROM enrollment_hicoverage h
                     WHERE h.person_id = m.person_id AND NOT h.is_void AND h.valid_from <= m.lookback_to
                       AND h.valid_to >= m.lookback_from AND h.enrollment_id IS DISTINCT FROM m.enrollment_id)
           END AS prior
      FROM enrollment_enrollmentmember m
      JOIN enrollment_enrollment e ON e.id = m.enrollment_id
      JOIN registry_person p ON p.id = m.person_id
      LEFT JOIN acts a ON a.id = e.activity_id
     WHERE e.status = 'completed' AND m.paid_on BETWEEN %(start)s AND %(end)s
), outc AS MATERIALIZED (
    SELECT o.person_id, o.kind, o."on", a.kind AS activity_kind, a.id IS NOT NULL AS attributed,
           p.province_code = ANY(%(provinces)s) OR p.commune_id = ANY(%(communes)s) AS in_area
      FROM campaigns_outcome o
      JOIN registry_person p ON p.id = o.person_id
      LEFT JOIN acts a ON a.id = o.activity_id
     WHERE o."on" BETWEEN %(start)s AND %(end)s
), met AS (
    SELECT m.person_id FROM enrollment_enrollmentmember m JOIN enrollment_enrollment e ON e.id = m.enrollment_id
     WHERE e.activity_id IN (SELECT id FROM acts) AND m.paid_on BETWEEN %(start)s AND %(end)s
)
SELECT section, key, sum(a), sum(b), sum(c), sum(d) FROM (
    SELECT CASE WHEN g = 0 THEN 'attributed' ELSE 'in_area' END AS section, NULL AS key,
           count(DISTINCT person_id) FILTER (WHERE hi AND NOT prior) AS a,
           count(DISTINCT person_id) FILTER (WHERE hi AND prior) AS b,
           count(DISTINCT person_id) FILTER (WHERE NOT hi AND NOT prior) AS c,
           count(DISTINCT person_id) FILTER (WHERE NOT hi AND prior) AS d
      FROM part CROSS JOIN (VALUES (0), (1)) AS s(g)
     WHERE (g = 0 AND attributed) OR (g = 1 AND in_area)
     GROUP BY g
    UNION ALL
    SELECT 'kind', activity_kind,
           count(DISTINCT person_id) FILTER (WHERE hi AND NOT prior),
           count(DISTINCT person_id) FILTER (WHERE hi AND prior),
           count(DISTINCT person_id) FILTER (WHERE NOT hi AND NOT prior),
           count(DISTINCT person_id) FILTER (WHERE NOT hi AND prior)
      FROM part WHERE attributed GROUP BY activity_kind
    UNION ALL
    SELECT 'commune', c.code,
           count(DISTINCT person_id) FILTER (WHERE hi AND NOT prior),
           count(DISTINCT person_id) FILTER (WHERE hi AND prior),
           count(DISTINCT person_id) FILTER (WHERE NOT hi AND NOT prior),
           count(DISTINCT person_id) FILTER (WHERE NOT hi AND prior)
      FROM part JOIN areas_area c ON c.id = part.commune_id WHERE attributed GROUP BY c.code
    UNION ALL
    SELECT 'day', paid_on::text,
           count(DISTINCT person_id) FILTER (WHERE hi AND NOT prior),
           count(DISTINCT person_id) FILTER (WHERE hi AND prior),
           count(DISTINCT person_id) FILTER (WHERE NOT hi AND NOT prior),
           count(DISTINCT person_id) FILTER (WHERE NOT hi AND prior)
      FROM part WHERE attributed GROUP BY paid_on
    UNION ALL
    SELECT 'o_attributed', kind, count(DISTINCT person_id), 0, 0, 0 FROM outc WHERE attributed GROUP BY kind
    UNION ALL
    SELECT 'o_in_area', kind, count(DISTINCT person_id), 0, 0, 0 FROM outc WHERE in_area GROUP BY kind
    UNION ALL
    SELECT 'o_kind', activity_kind || ' ' || kind, count(DISTINCT person_id), 0, 0, 0
      FROM outc WHERE attributed GROUP BY activity_kind, kind
    UNION ALL
    SELECT 'o_day', "on"::text || ' ' || kind, count(DISTINCT person_id), 0, 0, 0
      FROM outc WHERE attributed GROUP BY "on", kind
    UNION ALL
    SELECT 'funnel', 'consulted', count(*), 0, 0, 0
      FROM (SELECT person_id FROM outc WHERE attributed UNION SELECT person_id FROM met) x
    UNION ALL
    SELECT 'funnel', 'enrolled', count(DISTINCT person_id), 0, 0, 0 FROM met
    UNION ALL
    SELECT 'funnel', 'paid', count(DISTINCT person_id), 0, 0, 0 FROM part WHERE attributed
    UNION ALL
    SELECT 'funnel', 'card_issued', count(DISTINCT h.person_id), 0, 0, 0
      FROM enrollment_hicoverage h JOIN cards_card k ON k.coverage_id = h.id
     WHERE NOT h.is_void AND h.enrollment_id IN (
           SELECT m.enrollment_id FROM enrollment_enrollmentmember m JOIN enrollment_enrollment e
               ON e.id = m.enrollment_id
            WHERE e.status = 'completed' AND m.paid_on BETWEEN %(start)s AND %(end)s
              AND e.activity_id IN (SELECT id FROM acts))
) q
GROUP BY section, key
"""


def reference(
    cur, campaign_id: int, start: dt.date, end: dt.date, provinces: list[str], communes: list[int],
    sql: str = REFERENCE_SQL,
) -> dict:  # fmt: skip
    """The report's figures from one statement (plus the activities and goals, as the report reads them)."""
    cur.execute(sql, {"campaign": campaign_id, "start": start, "end": end, "provinces": provinces,  # type: ignore[arg-type]
                      "communes": communes})  # fmt: skip
    rows = cur.fetchall()
    cur.execute("SELECT id, kind, reach, cost FROM campaigns_activity WHERE campaign_id = %s ORDER BY starts_on, id",
                [campaign_id])  # fmt: skip
    cur.fetchall()
    cur.execute("SELECT figure, area_id, target FROM campaigns_goal WHERE campaign_id = %s", [campaign_id])
    cur.fetchall()
    out: dict = {"attributed": dict.fromkeys(FIGURES, 0), "in_area": dict.fromkeys(FIGURES, 0),
                 "kind": defaultdict(lambda: dict.fromkeys(FIGURES, 0)), "commune": {},
                 "day": defaultdict(lambda: dict.fromkeys(FIGURES, 0)), "funnel": {}}  # fmt: skip
    participation = ("new_health_insurance", "renewals_health_insurance", "new_voluntary_si",
                     "renewals_voluntary_si")  # fmt: skip
    for section, key, a, b, c, d in rows:
        values = dict(zip(participation, (int(a), int(b), int(c), int(d)), strict=True))
        if section in ("attributed", "in_area"):
            out[section].update(values)
        elif section == "kind":
            out["kind"][key].update(values)
        elif section == "commune":
            out["commune"][key] = values
        elif section == "day":
            out["day"][key].update(values)
        elif section in ("o_attributed", "o_in_area") and key in OUTCOME_KINDS:
            out[section[2:]][OUTCOME_KINDS[key]] = int(a)
        elif section == "o_kind":
            kind, outcome = key.split(" ")
            if outcome in OUTCOME_KINDS:
                out["kind"][kind][OUTCOME_KINDS[outcome]] = int(a)
        elif section == "o_day":
            day, outcome = key.split(" ")
            if outcome in OUTCOME_KINDS:
                out["day"][day][OUTCOME_KINDS[outcome]] = int(a)
        elif section == "funnel":
            out["funnel"][key] = int(a)
    return out


def campaign_scope(campaign) -> tuple[list[str], list[int]]:
    from ansinh.areas.models import Level

    areas = list(campaign.areas.all())
    return ([a.code for a in areas if a.level == Level.PROVINCE],
            [a.pk for a in areas if a.level != Level.PROVINCE])  # fmt: skip


def compare(report: dict, ref: dict) -> list[str]:
    problems = []
    for section in ("attributed", "in_area"):
        for k in FIGURES:
            if report[section][k] != ref[section][k]:
                problems.append(f"{section} {k}: ansinh {report[section][k]}, SQL {ref[section][k]}")
    for kind, figures in report["by_activity_kind"].items():
        for k in FIGURES:
            theirs = ref["kind"][kind][k] if kind in ref["kind"] else 0
            if figures[k] != theirs:
                problems.append(f"by kind {kind} {k}: ansinh {figures[k]}, SQL {theirs}")
    for kind in set(ref["kind"]) - set(report["by_activity_kind"]):
        problems.append(f"by kind {kind}: missing in ansinh")
    areas = {r["code"]: r for r in report["by_area"]}
    for code, figures in ref["commune"].items():
        for k in PARTICIPATION:
            theirs = areas.get(code, {}).get(k)
            if theirs != figures[k]:
                problems.append(f"by area {code} {k}: ansinh {theirs}, SQL {figures[k]}")
    for row in report["by_day"]:
        for k in FIGURES:
            theirs = ref["day"][row["day"]][k] if row["day"] in ref["day"] else 0
            if row[k] != theirs:
                problems.append(f"by day {row['day']} {k}: ansinh {row[k]}, SQL {theirs}")
    for k, v in report["funnel"].items():
        if ref["funnel"].get(k) != v:
            problems.append(f"funnel {k}: ansinh {v}, SQL {ref['funnel'].get(k)}")
    return problems


# --------------------------------------------------------------------------------------------------------
# Profile and candidate indexes
# --------------------------------------------------------------------------------------------------------

CANDIDATE_INDEXES = [
    # The two statements that join the persons (participations by commune, outcomes in the area) read the whole
    # person table for two columns: a narrow covering index could be read instead.
    "CREATE INDEX bench_person_area_idx ON registry_person (id) INCLUDE (province_code, commune_id)",
    # The member rows of the campaign's dates, without the table (in the benchmark nearly every member row is in
    # May; in a real province they are a few percent of the years of rows).
    "CREATE INDEX bench_member_day_idx ON enrollment_enrollmentmember (paid_on) "
    "INCLUDE (person_id, enrollment_id, is_new)",
]


def describe(sql: str) -> str:
    """A short name for a statement ansinh sends."""
    t = sql.lower()
    first = t.removeprefix("select ").split(" as ")[0]
    if " union " in t:
        what = "funnel: outcomes or enrollments at the activities"
    elif "enrollmentmember" in t:
        what = "participations"
    elif "campaigns_outcome" in t:
        what = "outcomes"
    elif "cards_card" in t:
        what = "cards"
    else:
        what = t.partition(" from ")[2].split()[0].strip('"') if " from " in t else "?"
    bits = [what]
    if "group by" in t:
        by = ("day" if "paid_on" in first or '"on"' in first
              else "commune" if "commune" in first or "areas_area" in first
              else "activity kind" if first.startswith("case") or ("activity" in first and "kind" in first)
              else "outcome kind" if "kind" in first else first[:30])  # fmt: skip
        bits.append(f"by {by}")
    elif "count(" in t:
        bits.append("count")
    elif "distinct" in t:
        bits.append("distinct rows")
    if exists := t.count("exists("):
        bits.append(f"{exists} EXISTS look-backs")
    return ", ".join(bits)


def profile(url: str, fn) -> list[dict]:
    return harness_profile(url, fn, "ansinh_bench_campaigns_plans.txt")


# --------------------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------------------


def equal(problems: list[str]) -> str:
    return "yes" if not problems else f"**no** ({len(problems)} differences)"


def report_md(data: dict, res: dict, repeat: int, others: list[str]) -> str:
    r, ref_figs = res["report"], res["ref"]
    ratio = res["orm_ms"] / res["sql_ms"]
    bk = data["by_kind"]
    lines = [
        SECTION,
        "",
        f"Run {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} by `bench/bench_campaigns.py` "
        f"(`campaign_report(campaign)`, Lào Cai, seed 1).",
        "",
        f"Machine: {machine()}."
        + (f" Running at the same time: {', '.join(others)}." if others else " No other benchmark running.")
        + " Load average at the end: {:.1f} / {:.1f} / {:.1f} (1 / 5 / 15 min).".format(*os.getloadavg()),
        "",
        f"Data: {data['persons']:,} persons (`demo_generate`); written with `COPY`: {data['spans']:,} background "
        f"HI spans and {data['vsi_runs']:,} voluntary-SI runs (so that renewals occur); a province-wide month of "
        f"promotion ({STARTS:%d/%m}–{ENDS:%d/%m/%Y}) with {data['activities']} activities of every kind and goals, "
        f"and another campaign at the same time; {data['outcomes']:,} outcomes at the campaign's activities "
        f"(5 % a few days outside its dates) and {data['outcomes_other']:,} at the other's; "
        f"{data['attributed']:,} completed enrollments attributed to the campaign (3 % outside the dates) plus 5 % "
        f"voided, walk-in and other-campaign enrollments — {data['enrollments']:,} enrollments in all "
        f"({', '.join(f'{v:,} {k}' for k, v in sorted(bk.items()))}), {data['members']:,} members with their "
        f"look-back windows, {data['coverage']:,} coverage spans, {data['contributions']:,} contribution runs, "
        f"{data['cards']:,} cards; `VACUUM ANALYZE`; then the members' new/renewal flags; `VACUUM ANALYZE`.",
        "",
        f"Loading the flags (ADR 0008): COPY writes the member rows without them, so the load ends with "
        f"`participation_flags_refresh_all(province_code={PROVINCE!r})` — one UPDATE deciding new or renewal for "
        f"{data['flags']['rows']:,} member rows ({data['flags']['new']:,} new) by the 90-day look-back: "
        f"**{data['flags']['ms']:,.0f} ms**, paid once at the load instead of in every report. The desk pays the same "
        "for its own persons only: one UPDATE of their member rows per enrollment, and per voided receipt.",
        "",
        f"Timing: the whole call, {repeat} timed runs after a warm-up, twice, interleaved with the reference; median "
        f"of the {2 * repeat}. Reference: one hand-written statement through psycopg (the participations with their "
        "stored new/renewal flag and the outcomes, each joined once to the persons and materialised, grouped for the "
        "totals, activity kinds, communes, days and the funnel) plus the activities and goals; the same statement "
        "computing the look-back instead (the best SQL before the flag was stored) is timed the same way. "
        "Figures compared, for both: attributed and in-area (all seven), by activity kind, by commune, by day, the "
        "funnel.",
        "",
        "| what | median ms | fastest–slowest ms | figures equal to ansinh's |",
        "|---|---:|---:|---|",
        f"| ansinh `campaign_report` | {res['orm_ms']:.0f} | {res['spread']['orm']} | – |",
        f"| hand-written SQL (the reference: reads the stored new/renewal flag) | {res['sql_ms']:.0f} | "
        f"{res['spread']['sql']} | " + equal(res["problems"]) + " |",
        f"| hand-written SQL computing the 90-day look-back (the best before ADR 0008) | {res['lookback_ms']:.0f} | "
        f"{res['spread']['lookback']} | " + equal(res["lookback_problems"]) + " |",
        f"| ansinh `campaign_report`, JIT off (`SET jit = off` for the session) | {res['nojit']['orm_ms']:.0f} | | – |",
        f"| hand-written SQL, JIT off | {res['nojit']['sql_ms']:.0f} | | – |",
        f"| hand-written SQL computing the look-back, JIT off | {res['nojit']['lookback_ms']:.0f} | | – |",
        "",
        "| figure | attributed | in area |",
        "|---|---:|---:|",
    ]
    for k in FIGURES:
        lines.append(f"| {k} | {r['attributed'][k]:,} | {r['in_area'][k]:,} |")
    lines += [
        "",
        f"Funnel (attributed): consulted {r['funnel']['consulted']:,} → enrolled {r['funnel']['enrolled']:,} → "
        f"paid {r['funnel']['paid']:,} → card issued {r['funnel']['card_issued']:,}; {len(r['by_area'])} communes, "
        f"{len(r['by_day'])} days, {len(r['by_activity_kind'])} activity kinds.",
        "",
        f"Targets (issue 5): under {TARGET_MS / 1000:.0f} s — "
        f"{'**met**' if res['orm_ms'] < TARGET_MS else '**not met**'} "
        f"({res['orm_ms']:.0f} ms); within {TARGET_RATIO}× of the hand-written SQL — "
        f"{'**met**' if ratio <= TARGET_RATIO else '**not met**'} ({ratio:.2f}×).",
    ]
    del ref_figs
    queries = res.get("queries") or []
    if queries:
        total = sum(q["ms"] for q in queries)
        lines += ["", f"The {len(queries)} statements ansinh sends, slowest first (`EXPLAIN ANALYZE`, one run; "
                  f"{total:,.0f} ms in all):", "", "| # | statement | ms |", "|---:|---|---:|"]  # fmt: skip
        ranked = sorted(enumerate(queries, 1), key=lambda iq: -iq[1]["ms"])
        for i, q in ranked[:12]:
            lines.append(f"| {i} | {describe(q['sql'])} | {q['ms']:.0f} |")
        rest = ranked[12:]
        if rest:
            lines.append(f"| … | {len(rest)} more | {sum(q['ms'] for _i, q in rest):.0f} |")
    if res.get("indexes"):
        lines += ["", "Candidate indexes (created in the benchmark database only, cumulatively):", "",
                  "| with | ansinh ms | SQL ms |", "|---|---:|---:|",
                  f"| (none) | {res['orm_ms']:.0f} | {res['sql_ms']:.0f} |"]  # fmt: skip
        for step in res["indexes"]:
            ddl = step["ddl"].replace("CREATE INDEX ", "")
            lines.append(f"| `{ddl}` | {step['orm_ms']:.0f} | {step['sql_ms']:.0f} |")
    lines.append("")
    return "\n".join(lines)


def main() -> None:
    persons = env_int("ANSINH_BENCH_PERSONS", 1_000_000)
    outcomes = env_int("ANSINH_BENCH_OUTCOMES", max(1000, persons // 10))
    attributed = env_int("ANSINH_BENCH_ENROLLMENTS", max(500, persons // 20))
    per_person = float(os.environ.get("ANSINH_BENCH_SPANS_PER_PERSON", "2"))
    repeat = env_int("ANSINH_BENCH_REPEAT", 5)
    others = other_benchmarks()
    if others:
        log(f"note: other benchmarks running: {others}")
    with fresh_database(database_url("ANSINH_BENCH_CAMPAIGNS_DATABASE_URL", "ansinh_bench_campaigns")) as url:
        from ansinh.reports.campaign_figures import campaign_report

        data = build(url, persons, outcomes, attributed, per_person)
        campaign = data["campaign"]
        provinces, communes = campaign_scope(campaign)

        def ansinh():
            return campaign_report(campaign)

        with psycopg.connect(url, autocommit=True) as conn, conn.cursor() as cur:

            def sql():
                return reference(cur, campaign.pk, campaign.starts_on, campaign.ends_on, provinces, communes)

            def lookback_sql():
                return reference(cur, campaign.pk, campaign.starts_on, campaign.ends_on, provinces, communes,
                                 REFERENCE_LOOKBACK_SQL)  # fmt: skip

            # the same warm-up and repeats for every side, twice, interleaved
            t = interleaved({"orm": ansinh, "sql": sql, "lookback": lookback_sql}, repeat=repeat, rounds=2)
            report, ref, lookback_ref = t["orm"].result, t["sql"].result, t["lookback"].result
            res = {"orm_ms": t["orm"].ms, "sql_ms": t["sql"].ms, "lookback_ms": t["lookback"].ms,
                   "spread": {k: v.spread_ms() for k, v in t.items()},
                   "report": report, "ref": ref, "problems": compare(report, ref),
                   "lookback_problems": compare(report, lookback_ref)}  # fmt: skip
            set_jit(cur, False)
            res["nojit"] = {"orm_ms": measure(ansinh, repeat=repeat).ms, "sql_ms": measure(sql, repeat=repeat).ms,
                            "lookback_ms": measure(lookback_sql, repeat=repeat).ms}  # fmt: skip
            set_jit(cur, True)
            log(f"jit off: {res['nojit']}")
            log(f"campaign_report {res['orm_ms']:.0f} ms, SQL {res['sql_ms']:.0f} ms "
                f"({len(res['problems'])} differences), look-back SQL {res['lookback_ms']:.0f} ms "
                f"({len(res['lookback_problems'])} differences)")  # fmt: skip
            for p in (res["problems"] + res["lookback_problems"])[:15]:
                log(f"  {p}")
            res["queries"] = profile(url, ansinh)
            if res["orm_ms"] > TARGET_MS or res["orm_ms"] > TARGET_RATIO * res["sql_ms"]:
                res["indexes"] = try_indexes(
                    url, CANDIDATE_INDEXES, {"orm": ansinh, "sql": sql}, repeat=repeat
                )
        others = sorted(set(others) | set(other_benchmarks()))
        merge_docs(report_md(data, res, repeat, others))


if __name__ == "__main__":
    main()
