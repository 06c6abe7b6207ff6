"""Reminders: who is reminded, exactly once per due date (repeated runs, a crash between writing and sending),
opt-outs, and the outbox's retries with backoff."""

import datetime as dt

import pytest
from django.utils import timezone

from ansinh.outreach.adapters import DeliveryError
from ansinh.outreach.models import JobRun, OutboxMessage
from ansinh.outreach.outbox import LEASE, MAX_ATTEMPTS, backoff, outbox_send
from ansinh.outreach.reminders import reminders_run
from ansinh.outreach.worker import run_due_jobs
from ansinh.registry.services import person_update
from outreach.world import ON


class Recorder:
    name = "test"

    def __init__(self, fail: Exception | None = None):
        self.sent: list[int] = []
        self.fail = fail

    def send(self, message):
        if self.fail is not None:
            raise self.fail
        self.sent.append(message.pk)


class Crash(BaseException):
    """The process dies (power cut, kill -9) while the adapter is talking to the gateway."""


def run_day():
    """A day on which both Em's card end (ON + 20) and Hà's next voluntary-SI month are within 30 days."""
    next_month = (ON.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return min(ON, next_month - dt.timedelta(days=10))


def test_cards_expiring_and_vsi_falling_due_are_written_with_the_amount_in_vietnamese(world):
    result = reminders_run(on=run_day())
    messages = {m.person.full_name: m for m in OutboxMessage.objects.select_related("person")}
    assert set(messages) == {"Phạm Thị Em", "Đỗ Thị Hà"}
    em = messages["Phạm Thị Em"]
    assert em.kind == "hi_expiry" and em.due_date == ON + dt.timedelta(days=20) and em.status == "queued"
    assert em.amount and em.amount > 0
    amount = f"{em.amount:,}".replace(",", ".") + " ₫"
    assert f"Thẻ BHYT của bà Phạm Thị Em hết hạn ngày {em.due_date:%d/%m/%Y}" in em.body and amount in em.body
    ha = messages["Đỗ Thị Hà"]
    assert ha.kind == "vsi_due" and ha.due_date.day == 1 and "BHXH tự nguyện" in ha.body and ha.amount > 0
    assert ha.recipient == "0912000007"
    # Quân asked not to be contacted; Minh has died; Giang has already renewed.
    assert result["skipped"] == {"do_not_contact": 1, "deceased": 1}


def test_a_dry_run_writes_nothing(world):
    result = reminders_run(on=run_day(), dry_run=True)
    assert result["written"] == 2 and not OutboxMessage.objects.exists()


def test_nobody_is_reminded_twice_for_the_same_due_date_across_runs_and_days(world):
    day = run_day()
    reminders_run(on=day)
    again = reminders_run(on=day)
    next_day = reminders_run(on=day + dt.timedelta(days=1))
    assert again["written"] == 0 and again["already_in_outbox"] == 2
    assert next_day["written"] == 0
    assert OutboxMessage.objects.count() == 2
    recorder = Recorder()
    outbox_send(adapter=recorder)
    reminders_run(on=day + dt.timedelta(days=2))
    outbox_send(adapter=recorder)
    assert len(recorder.sent) == 2 and OutboxMessage.objects.filter(status="sent").count() == 2


def test_a_crash_between_writing_and_sending_loses_nothing_and_sends_once(world):
    day = run_day()
    reminders_run(on=day)  # written; the process dies before the sender runs
    now = timezone.now()
    with pytest.raises(Crash):  # the next run dies while talking to the gateway
        outbox_send(adapter=Recorder(fail=Crash()), now=now)
    assert OutboxMessage.objects.filter(status="queued").count() == 2
    reminders_run(on=day)  # the daily job runs again after the restart: still two messages
    recorder = Recorder()
    # The dead run had claimed its batch: the claim lapses after the lease, then each message goes once.
    assert outbox_send(adapter=recorder, now=now)["claimed"] == 0
    assert outbox_send(adapter=recorder, now=now + LEASE + dt.timedelta(seconds=1))["sent"] == 2
    assert sorted(recorder.sent) == sorted(OutboxMessage.objects.values_list("pk", flat=True))
    assert OutboxMessage.objects.filter(status="sent").count() == 2
    assert outbox_send(adapter=recorder, now=now + dt.timedelta(days=1))["claimed"] == 0


def test_someone_who_opts_out_after_the_message_was_written_is_never_messaged(world):
    reminders_run(on=run_day())
    em = world["p"]["em"]
    person_update(actor=world["admin"], person=em, data={"do_not_contact": True})
    recorder = Recorder()
    outbox_send(adapter=recorder)
    message = OutboxMessage.objects.get(person=em)
    assert message.status == "giving_up" and message.pk not in recorder.sent


def test_failures_back_off_exponentially_then_give_up(world):
    reminders_run(on=run_day())
    OutboxMessage.objects.exclude(person=world["p"]["em"]).delete()
    failing = Recorder(fail=DeliveryError("gateway unavailable"))
    for attempt in range(1, MAX_ATTEMPTS + 1):
        message = OutboxMessage.objects.get()
        tried_at = message.next_attempt_at
        counts = outbox_send(adapter=failing, now=tried_at)
        message.refresh_from_db()
        assert message.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert counts == {"claimed": 1, "sent": 0, "failed": 1, "giving_up": 0}
            assert message.status == "failed"
            assert message.next_attempt_at == tried_at + backoff(attempt)
            assert (
                outbox_send(adapter=failing, now=message.next_attempt_at - dt.timedelta(seconds=1))["claimed"]
                == 0
            )
    assert message.status == "giving_up" and message.last_error == "gateway unavailable"
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(30) == dt.timedelta(hours=6)


def test_a_permanent_error_gives_up_at_once(world):
    reminders_run(on=run_day())
    outbox_send(adapter=Recorder(fail=DeliveryError("bad number", permanent=True)))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"giving_up"}


def test_the_worker_runs_the_daily_job_once_a_day_and_sends(world, monkeypatch):
    monkeypatch.setenv("ANSINH_REMIND_HOUR", "0")
    recorder = Recorder()
    first = run_due_jobs(adapter=recorder)
    second = run_due_jobs(adapter=recorder)
    assert "reminders" in first and "reminders" not in second
    assert JobRun.objects.get(name="reminders").last_run_on == timezone.localdate()
    assert (
        OutboxMessage.objects.filter(status="sent").count()
        == len(recorder.sent)
        == first["reminders"]["written"]
    )


def test_the_worker_waits_for_the_reminder_hour(world, monkeypatch):
    monkeypatch.setenv("ANSINH_REMIND_HOUR", "24")
    assert "reminders" not in run_due_jobs(adapter=Recorder())
    assert "reminders" in run_due_jobs(adapter=Recorder(), respect_hour=False)
