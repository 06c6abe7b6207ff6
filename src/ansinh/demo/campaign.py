"""A realistic past campaign for the demo province: the May "Month of promoting universal social insurance"
(docs/domain.md), with every kind of activity, goals, costs and what each activity achieved (``ansinh demo``).

Everything goes through the services, as the operator (``SystemActor``), back-dated into May: the campaign and
its activities (``campaign_create``, ``activity_create``), the enrollments taken at the activities
(``enrollment_create`` with the activity, so receipts, coverage and cards are what the desk would have made) and
the outcomes without a payment (``outcome_record``). The people are those of the demo registry who had no
health-insurance card valid in that May; a few renew a card or a voluntary-SI quarter that ended in spring, so
renewals show too. The participation history (``demo/history.py``) is made first; someone it already covers is
refused by the desk rules, and the demo moves on to the next person.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Count, Q

from ansinh.areas.models import Area, Level
from ansinh.campaigns.models import Activity, Campaign, CampaignKind, Outcome
from ansinh.campaigns.services import activity_create, campaign_create, outcome_record
from ansinh.core.access import SystemActor
from ansinh.core.dates import today
from ansinh.core.errors import ApplicationError
from ansinh.enrollment.models import HICoverage, Scheme, VSIContribution
from ansinh.enrollment.selectors import eligibility
from ansinh.enrollment.services import enrollment_create
from ansinh.payments.models import CollectionPoint
from ansinh.payments.services import book_create, point_create
from ansinh.registry.models import Membership, Payout, Person

Progress = Callable[[str, int], None]
NAME = "Tháng vận động triển khai BHXH toàn dân năm {year}"
POINT_PREFIX = (
    "DEMO-{code}-CD"  # demo points: removed with the demo history (demo.history.demo_history_delete)
)
# How many of the people without a card the campaign reaches, at most (keeps ``ansinh demo`` quick).
MAX_UNITS = 500


def _round(x: float) -> int:
    """A goal as an office sets it: a round number."""
    step = 50 if x >= 200 else 10 if x >= 30 else 1
    return max(1, int(round(x / step)) * step)


def campaign_dates(on: dt.date) -> tuple[dt.date, dt.date]:
    """May of this year once it is over, otherwise last year's May."""
    year = on.year if on >= dt.date(on.year, 6, 1) else on.year - 1
    return dt.date(year, 5, 1), dt.date(year, 5, 31)


def demo_campaign_delete(*, province_code: str) -> None:
    """Removes the demo campaign of a province (before its demo people are replaced: outcomes keep people)."""
    campaigns = Campaign.objects.filter(province_code=province_code, name__startswith=NAME.split("{")[0])
    Outcome.objects.filter(activity__campaign__in=campaigns).delete()
    for campaign in campaigns:
        campaign.goals.all().delete()
        campaign.delete()


def busiest_communes(province: Area, n: int) -> list[Area]:
    """The ``n`` communes of the province where the most demo people live (where an office would start)."""
    ids = [
        r["commune_id"]
        for r in Person.objects.filter(province_code=province.code)
        .values("commune_id")
        .annotate(n=Count("id"))
        .order_by("-n", "commune_id")[:n]
    ]
    by_id = Area.objects.in_bulk(ids)
    return [by_id[i] for i in ids]


def demo_points(province: Area, communes: list[Area]) -> dict[str, CollectionPoint]:
    actor = SystemActor()
    prefix = POINT_PREFIX.format(code=province.code)
    points = {p.kind: p for p in CollectionPoint.objects.filter(code__startswith=prefix)}
    for i, (kind, name) in enumerate(
        (("event_desk", "Bàn thu lưu động chiến dịch"), ("post_office", "Bưu điện trung tâm")), start=1
    ):
        if kind in points:
            continue
        points[kind] = point_create(
            actor=actor,
            code=f"{prefix}{i}",
            name=f"{name} {communes[0].name}",
            kind=kind,
            area=communes[0],
            bank_bin="970436",
            bank_account=f"00110099{i:02d}",
            bank_account_name=f"BHXH TINH {province.name}".upper(),
        )
        book_create(
            actor=actor,
            point=points[kind],
            series=f"CD{province.code}{i}",
            first_number=1,
            last_number=999_999,
        )
    return points


def _plan(province: Area, communes: list[Area], start: dt.date) -> list[dict[str, Any]]:
    """The month's activities (what the province's news report described), as ``activity_create`` arguments."""
    p = province.name

    def on(day: int) -> dt.date:
        return start.replace(day=day)

    main, remote = communes[0], communes[-2:]
    visits = communes[:4]
    plan: list[dict[str, Any]] = [
        {
            "key": "banner",
            "kind": "banner",
            "title": "Băng rôn, khẩu hiệu hưởng ứng Tháng vận động",
            "starts_on": on(1),
            "ends_on": on(31),
            "area": province,
            "venue": "Các tuyến đường chính, ngõ phố của các xã, phường",
            "reach": {"banners": 420},
            "cost": 46_200_000,
        },
        {
            "key": "show",
            "kind": "art_performance",
            "title": "Chương trình nghệ thuật “BHXH, BHYT – điểm tựa an sinh”",
            "starts_on": on(9),
            "ends_on": on(9),
            "area": main,
            "venue": f"Quảng trường trung tâm {main.name}",
            "partner": f"Trung tâm Văn hóa và Điện ảnh tỉnh {p}",
            "reach": {"audience": 1_350},
            "cost": 85_000_000,
        },
        {
            "key": "live",
            "kind": "livestream",
            "title": "Livestream hỏi đáp BHXH tự nguyện, BHYT hộ gia đình",
            "starts_on": on(15),
            "ends_on": on(15),
            "area": province,
            "platform": "Facebook (trang BHXH tỉnh)",
            "reach": {"views": 18_640, "interactions": 1_985, "shares": 214},
            "cost": 4_500_000,
        },
        {
            "key": "booth",
            "kind": "job_fair_booth",
            "title": "Gian tư vấn tại Phiên giao dịch việc làm",
            "starts_on": on(22),
            "ends_on": on(22),
            "area": main,
            "venue": "Trung tâm Dịch vụ việc làm tỉnh",
            "partner": f"Liên đoàn Lao động tỉnh {p}",
            "reach": {"visitors": 68},
            "cost": 6_000_000,
        },
        {
            "key": "post",
            "kind": "post_office_launch",
            "title": "Lễ ra quân cùng Bưu điện tỉnh",
            "starts_on": on(25),
            "ends_on": on(31),
            "area": main,
            "venue": "Bưu điện trung tâm",
            "partner": f"Bưu điện tỉnh {p}",
            "reach": {"audience": 320},
            "cost": 18_000_000,
        },
        {
            "key": "radio",
            "kind": "press",
            "title": "Phóng sự “Chung tay vì an sinh” trên Đài PT-TH tỉnh",
            "starts_on": on(6),
            "ends_on": on(6),
            "area": province,
            "platform": "Truyền hình tỉnh",
            "cost": 12_000_000,
        },
        {
            "key": "paper",
            "kind": "press",
            "title": "Loạt tin bài trên báo tỉnh và loa truyền thanh cơ sở",
            "starts_on": on(2),
            "ends_on": on(30),
            "area": province,
            "platform": "Báo in, báo điện tử, loa phát thanh",
            "cost": 8_000_000,
        },
    ]
    for i, commune in enumerate(visits):
        plan.append(
            {
                "key": f"visit-{commune.pk}",
                "kind": "small_group_visit",
                "commune": commune.pk,
                "title": f"Truyền thông nhóm nhỏ 7 ngày tại {commune.name}",
                "starts_on": on(13),
                "ends_on": on(19),
                "area": commune,
                "venue": "Thôn, bản, tổ dân phố, khu công nghiệp, chợ",
                "reach": {"participants": 180 + 35 * i},
                "cost": 9_500_000,
            }
        )
    plan.append(
        {
            "key": "visit-elsewhere",
            "kind": "small_group_visit",
            "title": "Truyền thông nhóm nhỏ 7 ngày tại các xã khác",
            "starts_on": on(13),
            "ends_on": on(19),
            "area": province,
            "venue": "Thôn, bản, tổ dân phố của các xã còn lại",
            "reach": {"participants": 640},
            "cost": 24_000_000,
        }
    )
    for i, commune in enumerate(remote):
        plan.append(
            {
                "key": f"conference-{commune.pk}",
                "kind": "conference",
                "commune": commune.pk,
                "title": f"Hội nghị đối thoại chính sách tại {commune.name}",
                "starts_on": on(20 + 7 * i),
                "ends_on": on(20 + 7 * i),
                "area": commune,
                "venue": f"Hội trường UBND {commune.name}",
                "partner": f"Hội Nông dân tỉnh {p}",
                "reach": {"participants": 120 - 25 * i, "organisations": 6 - i},
                "cost": 14_000_000,
            }
        )
    return plan


def demo_campaign(*, province_code: str = "15", seed: int = 1, progress: Progress | None = None) -> dict:
    """The demo province's May campaign; does nothing if it exists. Returns what it recorded."""
    step = progress or (lambda label, n: None)
    province = Area.objects.get(code=province_code, level=Level.PROVINCE)
    start, end = campaign_dates(today())
    name = NAME.format(year=start.year)
    if Campaign.objects.filter(province_code=province.code, name=name).exists():
        return {"campaign": 0}
    rng = random.Random(f"campaign-{seed}")
    actor = SystemActor()
    communes = busiest_communes(province, 6)
    if not communes:
        return {"campaign": 0}
    # People without a card valid in May (the history covers most of the province), grouped by household.
    covered = HICoverage.objects.filter(is_void=False, valid_to__gte=start).values("person_id")
    candidates = list(
        Person.objects.filter(province_code=province.code, died_on__isnull=True, birth_date__lt=start)
        .exclude(pk__in=covered)
        .order_by("pk")
    )
    reachable = min(len(candidates), MAX_UNITS * 2)
    per_commune = Counter(p.commune_id for p in candidates)
    goals: list[dict[str, Any]] = [
        {"figure": "new_health_insurance", "target": _round(reachable * 0.7)},
        {"figure": "new_voluntary_si", "target": _round(reachable * 0.06)},
        {"figure": "vssid_installs", "target": _round(reachable * 0.35)},
        {"figure": "cashless_switches", "target": 20},
        {"figure": "consulted", "target": _round(reachable * 0.3)},
    ]
    goals += [
        {"figure": "new_health_insurance", "target": _round(per_commune[c.pk] * 0.4), "area_code": c.code}
        for c in communes[:4]
        if per_commune[c.pk]
    ]

    with transaction.atomic():
        points = demo_points(province, communes)
        campaign = campaign_create(
            actor=actor,
            name=name,
            kind=CampaignKind.MONTH_OF_PROMOTION,
            starts_on=start,
            ends_on=end,
            area_codes=[province.code],
            goals=goals,
            description="Hưởng ứng Tháng vận động triển khai BHXH toàn dân: tuyên truyền, tư vấn, vận động người "
            "dân tham gia BHYT hộ gia đình và BHXH tự nguyện, cài đặt VssID, nhận lương hưu không dùng "
            "tiền mặt.",
            partner_names=[
                f"Trung tâm Văn hóa và Điện ảnh tỉnh {province.name}",
                f"Liên đoàn Lao động tỉnh {province.name}",
                f"Bưu điện tỉnh {province.name}",
            ],
        )
        activities: dict[str, Activity] = {}
        for item in _plan(province, communes, start):
            activities[item["key"]] = activity_create(
                actor=actor,
                campaign=campaign,
                kind=item["kind"],
                title=item["title"],
                starts_on=item["starts_on"],
                ends_on=item["ends_on"],
                area_code=item["area"].code,
                reach=item.get("reach"),
                venue=item.get("venue", ""),
                platform=item.get("platform", ""),
                partner_name=item.get("partner", ""),
                cost=item.get("cost"),
            )
    step("campaign", 1)

    # the households as they were when the month began (people move: demo.life.marriages)
    household_of = dict(
        Membership.objects.filter(person__in=[p.pk for p in candidates], started_on__lte=start)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=start))
        .values_list("person_id", "household_id")
    )
    units: dict[Any, list[Person]] = defaultdict(list)
    for person in candidates:
        units[household_of.get(person.pk, f"p{person.pk}")].append(person)
    unit_list = list(units.values())
    rng.shuffle(unit_list)
    # The month reaches a share of the uninsured, not all of them: about a third of the households without a card
    # are met (a real May moves the province's rate by about a point, not five; docs/demo.md).
    unit_list = unit_list[: min(MAX_UNITS, max(1, len(unit_list) // 3))]

    counts = {"campaign": 1, "activities": len(activities), "enrollments": 0, "refused": 0, "outcomes": 0}
    visit_of = {
        item["commune"]: item["key"] for item in _plan(province, communes, start) if "commune" in item
    }
    n = 0

    def enroll(**kw) -> bool:
        nonlocal n
        n += 1
        try:
            with transaction.atomic():
                enrollment_create(actor=actor, idempotency_key=f"demo-campaign-{seed}-{n}", **kw)
        except ApplicationError:
            counts["refused"] += 1  # e.g. already covered by the history, or a rule refused the group
            return False
        counts["enrollments"] += 1
        return True

    def outcome(activity: Activity, person: Person, kind: str, on: dt.date, **kw) -> None:
        try:
            with transaction.atomic():
                _o, created = outcome_record(
                    actor=actor, activity=activity, person=person, kind=kind, on=on, **kw
                )
        except ApplicationError:
            return
        counts["outcomes"] += int(created)

    def where_and_when(person: Person) -> tuple[Activity | None, dt.date, CollectionPoint]:
        """Which activity met the person and on what day (small groups in their own commune, else elsewhere)."""
        r = rng.random()
        if r < 0.45:  # the seven-day small-group campaign brought the most (docs/domain.md)
            visit = visit_of.get(person.commune_id, "visit-elsewhere")
            return activities[visit], start.replace(day=rng.randint(13, 19)), points["event_desk"]
        if r < 0.6:
            return activities["show"], start.replace(day=9), points["event_desk"]
        if r < 0.78:  # the post-office launch week, a third of it on the first day
            day = 25 if rng.random() < 0.35 else rng.randint(26, 31)
            return activities["post"], start.replace(day=day), points["post_office"]
        if r < 0.82:
            return activities["booth"], start.replace(day=22), points["event_desk"]
        if r < 0.88:
            key = rng.choice([k for k in activities if k.startswith("conference-")])
            return activities[key], activities[key].starts_on, points["event_desk"]
        # An ordinary day at the post-office counter, not at an activity: counted in the area, not attributed.
        return None, start.replace(day=rng.randint(1, 31)), points["post_office"]

    shown = {
        "hi_renewal": False,
        "vsi": False,
        "vsi_new": False,
    }  # at least one of each, so that a small demo shows every figure
    for unit in unit_list:
        lead = unit[0]
        activity, day, point = where_and_when(lead)
        if rng.random() < 0.22:  # met, not convinced yet: consulted, some promised a follow-up
            if activity is not None:
                for person in unit:
                    outcome(activity, person, "consulted", day)
                if rng.random() < 0.4:
                    later = day + dt.timedelta(days=rng.randint(7, 30))
                    outcome(activity, lead, "follow_up", day, follow_up_on=later)
            step("campaign", 1)
            continue
        where = {"point": point, "activity_id": activity.pk if activity else None, "paid_on": day}
        # the one rule: each person joins through what the law lets them (no household card for a pensioner)
        decided = {p.pk: eligibility(person=p, on=day, coverage_end=None) for p in unit}
        if decided[lead.pk].hi_household.allowed and (rng.random() < 0.1 or not shown["hi_renewal"]):
            # A three-month card bought last winter ended in spring: May's card is a renewal.
            winter = start - dt.timedelta(days=rng.randint(130, 150))
            shown["hi_renewal"] = enroll(
                scheme=Scheme.HI_HOUSEHOLD,
                person_ids=[lead.pk],
                months=3,
                point=points["post_office"],
                paid_on=winter,
            )
        subsidised = [
            p for p in unit if not decided[p.pk].hi_household.allowed and decided[p.pk].hi_group.allowed
        ]
        buyers = [p for p in unit if decided[p.pk].hi_household.allowed]
        for person in subsidised:
            group = decided[person.pk].hi_groups[0]
            enroll(scheme=Scheme.HI_GROUP, group=group, person_ids=[person.pk], months=12, **where)
        adults = [p for p in buyers if p.age_on(day) >= 18]
        helped = bool(activity) and bool(adults) and rng.random() < 0.45
        if buyers:
            first = adults[0] if adults else buyers[0]
            ordered = [first, *[p for p in buyers if p is not first]]
            months = rng.choice((6, 12, 12))
            ids = [p.pk for p in ordered]
            enroll(
                scheme=Scheme.HI_HOUSEHOLD,
                person_ids=ids,
                months=months,
                vssid_install_assisted=helped,
                **where,
            )
        for person in adults:
            informal = (
                person.employment in ("informal", "farmer")
                and person.age_on(day) <= 55
                and decided[person.pk].vsi.allowed
            )
            if not informal or (rng.random() >= 0.22 and shown["vsi"] and shown["vsi_new"]):
                continue
            new = not VSIContribution.objects.filter(person=person, is_void=False).exists()
            if rng.random() < 0.2 or not shown["vsi"]:  # paid February–April: May's payment is a renewal
                new = False
                february = start.replace(month=2, day=rng.randint(3, 20))
                shown["vsi"] = enroll(
                    scheme=Scheme.VSI,
                    person_ids=[person.pk],
                    months=3,
                    income=1_500_000,
                    point=points["post_office"],
                    paid_on=february,
                )
            income = rng.choice((1_500_000, 2_000_000, 3_000_000))
            paid = enroll(
                scheme=Scheme.VSI,
                person_ids=[person.pk],
                months=rng.choice((1, 3, 6)),
                income=income,
                **where,
            )
            shown["vsi_new"] = shown["vsi_new"] or (paid and new)
        step("campaign", 1)
    # Pensioners still paid in cash, visited by the small groups and at the post office: switched to an account.
    pensioners = list(
        Person.objects.filter(
            province_code=province.code,
            pension_recipient=True,
            payout_method=Payout.CASH,
            died_on__isnull=True,
        ).order_by("pk")[:400]
    )
    for i, person in enumerate(pensioners):
        if rng.random() < 0.3 or i == 0:
            visit = visit_of.get(person.commune_id)
            activity = activities[visit] if visit and rng.random() < 0.7 else activities["post"]
            day = start.replace(day=rng.randint(activity.starts_on.day, activity.ends_on.day))
            outcome(activity, person, "cashless_switched", day)
            if rng.random() < 0.5:
                outcome(activity, person, "vssid_install_assisted", day)
    # People already covered, helped with VssID and consulted by the small groups and at the performance.
    covered_people = list(
        Person.objects.filter(
            province_code=province.code,
            commune_id__in=list(visit_of),
            died_on__isnull=True,
            birth_date__lt=start.replace(year=start.year - 18),
            pk__in=covered,
        ).order_by("pk")[:1500]
    )
    for person in covered_people:
        r = rng.random()
        if r < 0.12:
            activity = activities[visit_of[person.commune_id]]
            outcome(activity, person, "vssid_install_assisted", start.replace(day=rng.randint(13, 19)))
        elif r < 0.2:
            outcome(activities["show"], person, "consulted", start.replace(day=9))
        elif r < 0.23:
            outcome(activities["booth"], person, "consulted", start.replace(day=22))
    step("campaign", 1)
    counts["vsi_people"] = VSIContribution.objects.filter(
        enrollment__activity_id__in=[a.pk for a in activities.values()]
    ).count()
    return counts
