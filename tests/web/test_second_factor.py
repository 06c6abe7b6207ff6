"""The second factor (issue 12, ADR 0021): for the roles ANSINH_2FA_ROLES names, a password alone opens nothing —
the first sign-in adds an authenticator (QR code, first code, recovery codes shown once), later sign-ins ask its
code (or a recovery code, each once); the session's JSON API waits for it too; API tokens and other roles are
not concerned; an administrator resets a lost phone."""

from __future__ import annotations

import re
import time

import pytest
from django.test import override_settings
from django.utils import translation
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ansinh.core.services import token_create
from factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

STRICT = override_settings(
    ANSINH_2FA_ROLES=["administrator", "manager"], OTP_TOTP_THROTTLE_FACTOR=0, OTP_STATIC_THROTTLE_FACTOR=0
)


@pytest.fixture(autouse=True)
def vietnamese():
    with translation.override("vi"), STRICT:
        yield


def code_of(device: TOTPDevice, ahead: int = 0) -> str:
    """The app's code now, or ``ahead`` steps later (the device accepts one step of clock difference, and never the
    same step twice: a code seen once cannot be used again)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(client, user) -> None:
    client.logout()
    answer = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert answer.status_code == 302


def enrol(client, manager) -> list[str]:
    sign_in(client, manager)
    first = client.get("/desk/")
    assert first.status_code == 302 and first["Location"].startswith("/login/second-factor/")
    page = client.get(first["Location"])
    text = page.content.decode()
    assert "<svg" in text and "Thêm ứng dụng xác thực" in text
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    wrong = client.post(
        "/login/second-factor/", {"code": "000000" if code_of(device) != "000000" else "111111"}
    )
    assert "không phải mã" in wrong.content.decode()
    device = TOTPDevice.objects.get(user=manager, confirmed=False)  # a new secret was shown: its code now
    done = client.post("/login/second-factor/", {"code": code_of(device), "next": "/desk/"})
    codes = re.findall(r"<li><code>([^<]+)</code></li>", done.content.decode())
    assert len(codes) == 8
    assert client.get("/desk/").status_code == 200
    return codes


def test_a_manager_adds_an_authenticator_then_needs_its_code_at_every_sign_in(client, communes):
    manager = make_user(role="manager", areas=["15"])
    codes = enrol(client, manager)
    sign_in(client, manager)
    asked = client.get("/desk/")
    assert asked.status_code == 302 and asked["Location"].startswith("/login/code/")
    # the password alone cannot replace the authenticator
    assert client.get("/login/second-factor/")["Location"].startswith("/login/code/")
    refused = client.post("/login/code/", {"code": "12345678", "next": "/desk/"})
    assert "không phải mã" in refused.content.decode() and client.get("/desk/").status_code == 302
    assert 'href="/desk/"' not in refused.content.decode()  # no menu before the code: each link led back here
    device = TOTPDevice.objects.get(user=manager, confirmed=True)
    assert (
        client.post("/login/code/", {"code": code_of(device), "next": "/desk/"}).status_code == 200
    )  # used once
    assert client.post("/login/code/", {"code": code_of(device, 1), "next": "/desk/"})["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200
    # a recovery code signs in once
    sign_in(client, manager)
    assert client.post("/login/code/", {"code": codes[0], "next": "/"}).status_code == 302
    assert client.get("/desk/").status_code == 200
    sign_in(client, manager)
    client.post("/login/code/", {"code": codes[0], "next": "/"})
    assert client.get("/desk/").status_code == 302


def test_the_session_api_waits_for_the_code_and_tokens_and_agents_do_not(client, communes):
    manager = make_user(role="manager", areas=["15"])
    sign_in(client, manager)
    answer = client.get("/api/v1/areas/15")
    assert answer.status_code == 401 and answer.json()["code"] == "second_factor_required"
    _row, token = token_create(actor=None, user=manager)
    client.logout()
    assert client.get("/api/v1/areas/15", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    agent = make_user(areas=[communes["a"].code])
    sign_in(client, agent)
    assert client.get("/desk/").status_code == 200


def test_an_administrator_resets_a_lost_phone(client, communes):
    manager = make_user(role="manager", areas=["15"])
    enrol(client, manager)
    admin = make_user(role="administrator", areas=["15"])
    client.logout()
    client.force_login(admin)  # an administrator's own second factor is not the point here
    with override_settings(ANSINH_2FA_ROLES=["manager"]):
        assert client.post(f"/users/{manager.pk}/second-factor/reset/").status_code == 302
    assert not TOTPDevice.objects.filter(user=manager).exists()
    sign_in(client, manager)
    assert client.get("/desk/")["Location"].startswith("/login/second-factor/")


def test_an_agent_may_add_an_authenticator_and_is_then_asked_its_code(client, communes):
    agent = make_user(areas=[communes["a"].code])
    sign_in(client, agent)
    page = client.get("/login/second-factor/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=agent, confirmed=False)
    assert (
        len(
            re.findall(
                r"<li><code>",
                client.post("/login/second-factor/", {"code": code_of(device)}).content.decode(),
            )
        )
        == 8
    )
    sign_in(client, agent)
    assert client.get("/desk/")["Location"].startswith("/login/code/")
    device = TOTPDevice.objects.get(user=agent, confirmed=True)
    client.post("/login/code/", {"code": code_of(device, 1)})
    assert client.get("/desk/").status_code == 200
