"""Schemathesis against a live server on PostgreSQL (issue 12): every operation of /api/v1, with an
administrator's and an agent's token, examples generated from the OpenAPI document (its examples, its boundaries,
then random data). The run fails on any 5xx, any answer whose status the document does not list, and any answer
whose body or content type does not match its documented schema. Runs in the PostgreSQL pass of .ci/run.

Bounded, not open-ended: ``ANSINH_SCHEMATHESIS_EXAMPLES`` cases an operation at most (25 by default; about a
minute for both tokens here) and a fixed seed (``ANSINH_SCHEMATHESIS_SEED``), so a failure is the same failure
when run again. Path parameters are real ids of the demo province's records, so that the generated requests reach
the code behind "not found"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner
from django.db import connection

from ansinh.cards import signing
from ansinh.core.models import User
from ansinh.core.services import token_create
from live import serve, server_env, stop

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: runs in the PostgreSQL pass of .ci/run"
)

EXAMPLES = int(os.environ.get("ANSINH_SCHEMATHESIS_EXAMPLES", "25"))
SEED = int(os.environ.get("ANSINH_SCHEMATHESIS_SEED", "1"))
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"

# path parameter -> the model whose first row it names
RECORDS = {
    "person_id": "registry.Person",
    "household_id": "registry.Household",
    "enrollment_id": "enrollment.Enrollment",
    "receipt_id": "payments.Receipt",
    "point_id": "payments.CollectionPoint",
    "close_id": "payments.DayClose",
    "card_id": "cards.Card",
    "campaign_id": "campaigns.Campaign",
    "activity_id": "campaigns.Activity",
    "list_id": "outreach.TargetList",
    "message_id": "outreach.OutboxMessage",
    "job_id": "imports.ImportRun",
    "pair_id": "imports.DedupPair",
    "merge_id": "registry.PersonMerge",
    "kit_id": "field.Kit",
    "conflict_id": "field.Conflict",
}


def _config(folder: Path) -> Path:
    from django.apps import apps

    lines = ["[parameters]", '"path.code" = "15"', '"path.kind" = "persons"']
    for name, label in RECORDS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        first = model.objects.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            lines.append(f'"path.{name}" = {first}')
    path = folder / "schemathesis.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(config: Path, url: str, token: str, report: Path) -> subprocess.CompletedProcess:
    st = Path(sys.executable).with_name("st")
    return subprocess.run(  # noqa: S603 (schemathesis, with our own arguments)
        [
            str(st),
            "--no-color",
            "--config-file",
            str(config),
            "run",
            f"{url}/api/v1/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            str(SEED),
            "--phases",
            "examples,coverage,fuzzing",
            "--continue-on-failure",
            "--request-timeout",
            "60",
            "--report",
            "junit",
            "--report-junit-path",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
        cwd=config.parent,
    )


def test_every_operation_answers_as_documented_for_an_administrator_and_an_agent(
    transactional_areas, tmp_path, monkeypatch
):
    from ansinh.cli import cli

    keys = tmp_path / "keys"
    signing.keys_init(keys)
    env = server_env(tmp_path, keys)
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(keys))  # the demo's cards signed with the server's key
    made = CliRunner().invoke(cli, ["demo", "--persons", "200", "--admin", "--seed", "2"])
    assert made.exit_code == 0, made.output
    config = _config(tmp_path)
    server, url = serve(env)
    try:
        for username in ("admin", "agent"):
            token = token_create(actor=None, user=User.objects.get(username=username))[1]
            done = _run(config, url, token, tmp_path / f"{username}.xml")
            summary = done.stdout[-6000:]
            assert done.returncode == 0, (
                f"schemathesis with the {username}'s token:\n{summary}\n{done.stderr[-2000:]}"
            )
            suite = ElementTree.parse(tmp_path / f"{username}.xml").getroot()  # noqa: S314 (schemathesis's own report)
            counts = {k: int(suite.get(k) or 0) for k in ("tests", "failures", "errors")}
            assert counts["tests"] >= 80 and counts["failures"] == counts["errors"] == 0, counts
    finally:
        stop(server)
