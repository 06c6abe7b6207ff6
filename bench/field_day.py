"""A day of the field-kit benchmark, run in the kit's folder (bench_field.py): ENROLLMENTS people of the kit's
areas enrolled (household HI, one person, cash) through the desk's services — the first that the eligibility rule
lets buy a household card — and OUTCOMES campaign outcomes recorded at ACTIVITY. Prints one JSON line.

python field_day.py ENROLLMENTS OUTCOMES ACTIVITY"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
import uuid

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ansinh.config.settings.base")
django.setup()

from ansinh.campaigns.models import Activity  # noqa: E402
from ansinh.campaigns.services import outcome_record  # noqa: E402
from ansinh.core.dates import today  # noqa: E402
from ansinh.core.errors import ApplicationError  # noqa: E402
from ansinh.core.models import User  # noqa: E402
from ansinh.enrollment.models import HICoverage  # noqa: E402
from ansinh.enrollment.services import enrollment_create  # noqa: E402
from ansinh.registry.models import Person  # noqa: E402

enrollments, outcomes, activity_id = (int(x) for x in sys.argv[1:4])
agent = User.objects.get(username="bench-field-agent")
activity = Activity.objects.select_related("campaign").get(pk=activity_id)
covered = HICoverage.objects.filter(valid_to__gte=today()).values("person_id")
candidates = Person.objects.filter(died_on__isnull=True).exclude(pk__in=covered).order_by("pk").iterator()
start = time.perf_counter()
enrolled, refused = [], 0
for person in candidates:
    if len(enrolled) == enrollments:
        break
    try:
        enrollment_create(
            actor=agent,
            idempotency_key=str(uuid.uuid4()),
            scheme="hi_household",
            person_ids=[person.pk],
            months=12,
        )
    except ApplicationError:
        refused += 1
        continue
    enrolled.append(person)
done = 0
follow = today() + dt.timedelta(days=7)
plan = [(p, kind) for p in enrolled for kind in ("consulted", "vssid_install_assisted", "follow_up")]
others = Person.objects.filter(died_on__isnull=True).exclude(pk__in=[p.pk for p in enrolled]).order_by("-pk")
plan += [(p, "consulted") for p in others[: max(0, outcomes - len(plan))]]
for person, kind in plan[:outcomes]:
    outcome_record(
        actor=agent,
        activity=activity,
        person=person,
        kind=kind,
        on=today(),
        follow_up_on=follow if kind == "follow_up" else None,
    )
    done += 1
print(
    json.dumps(
        {
            "enrolled": len(enrolled),
            "refused": refused,
            "outcomes": done,
            "seconds": time.perf_counter() - start,
        }
    )
)
