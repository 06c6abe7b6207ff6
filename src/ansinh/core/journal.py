"""The field kit's journal hook (ADR 0027): the services that a kit works with offline name each write here, and
on a kit the field app records it, in the same transaction, for the office to apply when the kit syncs. On the
office nothing is recorded (no recorder is set) and a call costs one test.

``journal(kind, obj, actor=…, **details)``: ``kind`` names the operation ("person.create", "enrollment.create",
…), ``obj`` is the row it wrote, ``actor`` who did it, ``details`` what the row alone does not say (a reason, the
data as it was given). The recorder reads the rest from ``obj`` itself, so the services pass nothing they would not
have at hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

Recorder = Callable[[str, Any, Any, dict[str, Any]], None]

_recorder: list[Recorder] = []
_quiet: ContextVar[bool] = ContextVar("journal_quiet", default=False)


def set_recorder(recorder: Recorder | None) -> None:
    """The field app sets its recorder on a kit (and a test may set one); None takes it away."""
    _recorder.clear()
    if recorder is not None:
        _recorder.append(recorder)


def recording() -> bool:
    """Whether journal() records anything here (on a field kit): a batch may then skip building what only the
    journal would read."""
    return bool(_recorder) and not _quiet.get()


def journal(kind: str, obj: Any, *, actor: Any, **details: Any) -> None:
    if _recorder and not _quiet.get():
        _recorder[0](kind, obj, actor, details)


@contextmanager
def quiet() -> Iterator[None]:
    """Writes made inside an operation already journaled (a household's head added by household_create) are
    part of it: the office repeats them when it applies the operation."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)
