"""The `ansinh` command: scriptable user creation, person search with --json, --help everywhere."""

import json

import pytest
from click.testing import CliRunner

from ansinh.cli import cli
from ansinh.core.models import User
from factories import make_person, make_user


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["migrate"],
        ["demo"],
        ["createuser"],
        ["areas"],
        ["person", "find"],
        ["token", "create"],
    ],
)
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


def test_createuser_reads_the_password_from_stdin(official_areas):
    result = CliRunner().invoke(
        cli,
        ["createuser", "agent7", "--role", "collection_agent", "--area", "15", "--password-stdin", "--json"],
        input="a-very-good-password\n",
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["username"] == "agent7"
    assert User.objects.get(username="agent7").check_password("a-very-good-password")


def test_createuser_with_an_unknown_area_exits_2_and_creates_nobody(official_areas):
    result = CliRunner().invoke(cli, ["createuser", "x", "--role", "viewer", "--area", "99"])
    assert result.exit_code == 2
    assert not User.objects.filter(username="x").exists()


def test_person_find_prints_json(communes):
    agent = make_user(role="collection_agent", areas=[communes["a"].code])
    make_person(agent, area_code=communes["a"].code, full_name="Nguyễn Thị Huyền", sex="f")
    result = CliRunner().invoke(cli, ["person", "find", "nguyen", "thi", "huyen", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["full_name"] for r in rows] == ["Nguyễn Thị Huyền"]
