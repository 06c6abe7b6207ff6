"""What every command of ``ansinh`` shares: Django set up, JSON or text output, the exit on bad input, a
progress bar.

It sits below the command line (``ansinh/cli.py``) and below each app's ``commands.py``, so that the apps'
commands never import the CLI that adds them (ADR 0020). An app offers its commands as ``register(group)`` in its
``commands.py``; ``cli.py`` imports each ``register`` and calls it.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import click


def setup_django(settings: str = "ansinh.config.settings.base") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as e:  # a setting missing on a server: said in one line, not a traceback
        fail(e)
    from django.utils import translation

    translation.activate(os.environ.get("ANSINH_LANGUAGE", "vi"))


def emit(data: Any, as_json: bool, text: Callable[[Any], None]) -> None:
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        text(data)


def fail(exc) -> NoReturn:
    """An ApplicationError (or any error with a message) on stderr as ``error: message [field]``; exit code 2."""
    click.echo(
        f"error: {getattr(exc, 'message', exc)}" + (f" [{exc.field}]" if getattr(exc, "field", None) else ""),
        err=True,
    )
    sys.exit(2)


class Progress:
    """A progress bar over labelled steps (click's bar, shown on a terminal only)."""

    def __init__(self, total: int, label: str):
        self.bar = click.progressbar(length=total, label=label, show_pos=True, file=sys.stderr)
        self.bar.__enter__()

    def __call__(self, label: str, n: int) -> None:
        self.bar.label = label
        self.bar.update(n)

    def close(self) -> None:
        self.bar.__exit__(None, None, None)
