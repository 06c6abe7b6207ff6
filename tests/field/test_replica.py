"""The replica's digests (ADR 0027): a row read back on the kit digests as the office's did, so a sync with nothing
changed moves no row — a datetime with fewer than 1,000 microseconds included (it travels as ".000")."""

from __future__ import annotations

import datetime as dt

from django.db.models import DateTimeField

from ansinh.field.replica import as_sent, digests


def test_a_row_read_back_digests_the_same_even_at_the_start_of_a_second():
    field = DateTimeField()
    for micro in (0, 456, 999, 1_000, 123_456):
        value = dt.datetime(2026, 12, 4, 6, 49, 1, micro, tzinfo=dt.UTC)
        sent = as_sent({"receipt": [{"id": 7, "issued_at": value, "paid_on": value.date()}]})
        kept = {
            "id": 7,
            "issued_at": field.to_python(sent["receipt"][0]["issued_at"]),
            "paid_on": value.date(),
        }
        again = as_sent({"receipt": [kept]})
        assert digests(again) == digests(sent), micro
