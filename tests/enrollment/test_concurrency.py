"""Exactly once under concurrency, on PostgreSQL (row locks and a unique key are what is being tested; SQLite
serialises writers and has nothing to race). Runs in the PostgreSQL pass of .ci/run."""

import threading

import pytest
from django.db import connection

from ansinh.core.errors import ApplicationError
from ansinh.enrollment.models import Enrollment, HICoverage
from ansinh.enrollment.services import enrollment_create
from ansinh.payments.models import Receipt
from factories import make_person, make_point, make_user

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: runs in the PostgreSQL pass of .ci/run"
)


def run_at_once(jobs):
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        from django.db import connections

        try:
            barrier.wait()
            results[i] = job()
        except Exception as e:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_same_keys_give_one_enrollment_each_and_receipt_numbers_are_gap_free(
    transactional_areas, tmp_path, monkeypatch
):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    agents = [make_user(role="collection_agent", areas=[commune.code]) for _ in range(4)]
    make_point(area=commune, agents=agents)
    people = [make_person(agents[0], area_code=commune.code) for _ in range(6)]
    jobs = []
    for k, person in enumerate(people):
        for agent in agents[:2]:  # the same request from two workers (a double click), for each key
            jobs.append(
                lambda a=agent, p=person, k=k: enrollment_create(
                    actor=a if k % 2 else agents[0],
                    idempotency_key=f"concurrent-key-{k}",
                    scheme="hi_household",
                    person_ids=[p.pk],
                    months=12,
                )
            )
    results = run_at_once(jobs)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert Enrollment.objects.count() == len(people)
    assert sorted(Receipt.objects.values_list("number", flat=True)) == list(range(1, len(people) + 1))


def test_two_agents_paying_for_the_same_person_at_once_create_one_coverage(
    transactional_areas, tmp_path, monkeypatch
):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    agents = [make_user(role="collection_agent", areas=[commune.code]) for _ in range(2)]
    make_point(area=commune, agents=agents)
    person = make_person(agents[0], area_code=commune.code)
    results = run_at_once(
        [
            lambda a=a, i=i: enrollment_create(
                actor=a,
                idempotency_key=f"two-agents-{i}",
                scheme="hi_household",
                person_ids=[person.pk],
                months=12,
            )
            for i, a in enumerate(agents)
        ]
    )
    ok = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(ok) == 1 and len(refused) == 1 and refused[0].code == "conflict"
    assert HICoverage.objects.filter(person=person).count() == 1
    assert Receipt.objects.count() == 1


def test_a_book_running_out_under_load_hands_over_to_the_next_without_a_gap(
    transactional_areas, tmp_path, monkeypatch
):
    from ansinh.payments.models import ReceiptBook
    from ansinh.payments.services import book_create

    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    agents = [make_user(role="collection_agent", areas=[commune.code]) for _ in range(6)]
    point = make_point(area=commune, agents=agents, first=1, last=3)  # three numbers for six payments
    office = make_user(role="manager", areas=[commune.code])
    book_create(actor=office, point=point, series="BL15", first_number=101, last_number=200)
    people = [make_person(agents[0], area_code=commune.code) for _ in range(6)]
    results = run_at_once(
        [
            lambda a=a, p=p, i=i: enrollment_create(
                actor=a, idempotency_key=f"book-out-{i}", scheme="hi_household", person_ids=[p.pk], months=12
            )
            for i, (a, p) in enumerate(zip(agents, people, strict=True))
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(Receipt.objects.values_list("number", flat=True)) == [1, 2, 3, 101, 102, 103]
    first, second = ReceiptBook.objects.filter(point=point).order_by("first_number")
    assert first.closed_at is not None and first.next_number == 4 and second.next_number == 104
