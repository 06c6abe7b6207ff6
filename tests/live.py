"""A real ansinh server in its own process, on the test database (tests that kill it, or whose database drops its
connections): started, and its address read from its own first words — no clock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection


def database_url() -> str:
    """The URL of the test database (committed data: the tests that use it are transactional)."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgresql://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def server_env(folder: Path, keys: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ANSINH_DATABASE_URL": database_url(),
        "ANSINH_KEYS_DIR": str(keys),
        "ANSINH_VAR_DIR": str(folder / "var"),
        "ANSINH_REQUEST_LOG": "off",
        "DJANGO_SETTINGS_MODULE": "ansinh.config.settings.base",
    }


def serve(env: dict[str, str], threads: int = 4) -> tuple[subprocess.Popen, str]:
    """``ansinh serve`` on a free port; returns the process and its base URL once it listens."""
    server = subprocess.Popen(  # noqa: S603 (ansinh itself)
        [
            sys.executable,
            "-c",
            "from ansinh.cli import main; main()",
            "serve",
            "--port",
            "0",
            "--threads",
            str(threads),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    for line in server.stdout:  # waits on the server's own words, not on a clock
        if line.startswith("ansinh: http://"):
            return server, line.split("ansinh: ", 1)[1].strip().rstrip("/")
    server.wait(timeout=30)
    raise AssertionError("the server did not start")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
    server.wait(timeout=30)
    if server.stdout is not None:
        server.stdout.close()
