"""Production settings (issue 12): Django's deployment check passes; HTTPS is required (redirect, HSTS, secure
cookies); behind a reverse proxy the login lock-out counts each client, not the proxy; a missing card-signing key
is refused in words, never made silently."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from ansinh.core.errors import ApplicationError
from factories import PASSWORD, make_person, make_point, make_user

DOCUMENTED = Path(__file__).resolve().parents[2] / "deploy" / "ansinh.env.example"


def _documented_settings() -> dict[str, str]:
    """The settings of deploy/ansinh.env.example, the file the deployment guide tells an operator to copy."""
    found = {}
    for line in DOCUMENTED.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            found[name.strip()] = value.strip()
    return found


def _check_deploy(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ANSINH_")},
        **_documented_settings(),
        "ANSINH_VAR_DIR": str(tmp_path),  # the server's folders are not on this machine
        "ANSINH_KEYS_DIR": str(tmp_path / "keys"),
        **env,
    }
    environment.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' fixtures in this process
    return subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-c", "from ansinh.cli import main; main()", "check", "--deploy"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_deployment_check_passes_with_the_documented_settings_and_a_missing_secret_is_refused(tmp_path):
    assert _documented_settings()["DJANGO_SETTINGS_MODULE"] == "ansinh.config.settings.production"
    done = _check_deploy(tmp_path)
    assert done.returncode == 0 and "no issues" in done.stdout, done.stdout + done.stderr
    refused = _check_deploy(tmp_path, ANSINH_SECRET_KEY="")
    assert refused.returncode == 2 and "ANSINH_SECRET_KEY must be set" in refused.stderr
    assert "Traceback" not in refused.stderr
    unsafe = _check_deploy(tmp_path, ANSINH_HSTS_SECONDS="0")  # a warning fails the check
    assert unsafe.returncode == 1 and "W004" in unsafe.stderr


def _fail_login(client, username: str, address: str):
    return client.post(
        "/login/",
        {"username": username, "password": "wrong-password"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=address,
    )


@override_settings(TRUSTED_PROXIES=["10.0.0.2"])
def test_behind_the_proxy_one_client_failing_does_not_lock_the_account_for_others(client, communes):
    from ansinh.web.security import client_ip

    class Request:
        META = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}

    assert client_ip(Request()) == "203.0.113.9"  # not through the proxy: the header is not believed
    make_user(role="collection_agent", areas=[communes["a"].code], username="locked-out-not")
    for _ in range(6):
        _fail_login(client, "locked-out-not", "203.0.113.9")  # an attacker
    mine = client.post(
        "/login/",
        {"username": "locked-out-not", "password": PASSWORD},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7",  # the agent, through the same proxy
    )
    assert mine.status_code == 302, mine.status_code  # signed in
    client.logout()
    again = _fail_login(client, "locked-out-not", "203.0.113.9")
    assert again.status_code == 429  # the attacker stays locked out


@override_settings(ANSINH_CREATE_SIGNING_KEY=False)
def test_without_its_signing_key_production_refuses_to_issue_a_card_and_records_nothing(
    communes, tmp_path, monkeypatch
):
    from ansinh.enrollment.models import Enrollment
    from ansinh.enrollment.services import enrollment_create

    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path / "no-keys"))
    agent = make_user(role="collection_agent", areas=[communes["a"].code])
    make_point(area=communes["a"], agents=[agent])
    person = make_person(agent, area_code=communes["a"].code)
    with pytest.raises(ApplicationError) as exc:
        enrollment_create(
            actor=agent, idempotency_key="no-key-1", scheme="hi_household", person_ids=[person.pk]
        )
    assert exc.value.status == 503 and "ansinh keys init" in exc.value.message
    assert not Enrollment.objects.exists()
    assert not (tmp_path / "no-keys").exists() or not any((tmp_path / "no-keys").iterdir())


def test_a_session_ends_after_an_hour_without_a_request_and_requests_renew_it(client, communes, settings):
    import time

    assert settings.SESSION_COOKIE_AGE == 3600
    client.force_login(make_user(role="viewer", areas=[communes["a"].code]))
    first = client.get("/")
    assert first.cookies["sessionid"]["max-age"] == 3600  # renewed
    assert "sessionid" not in client.get("/").cookies  # not written again within five minutes
    session = client.session
    session["_renewed"] = int(time.time()) - 301
    session.save()
    assert client.get("/").cookies["sessionid"]["max-age"] == 3600  # five minutes on: renewed again
