"""`ansinh serve --lan`: a phone on the same Wi-Fi reaches the laptop's ansinh (issue 15). A real server process;
the request names the laptop's network address as its host, as the phone's browser does. Without --lan the same
request is refused (400), so the flag is what opens it."""

import os
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from ansinh.cli import lan_addresses


def _serve(tmp_path, *flags: str) -> tuple[subprocess.Popen, list[str]]:
    env = {
        **os.environ,
        "ANSINH_VAR_DIR": str(tmp_path / "var"),
        "ANSINH_KEYS_DIR": str(tmp_path / "keys"),
        "DJANGO_SETTINGS_MODULE": "ansinh.config.settings.base",
    }
    env.pop("ANSINH_ALLOWED_HOSTS", None)
    env.pop("ANSINH_DATABASE_URL", None)
    server = subprocess.Popen(  # noqa: S603 (our own command)
        [sys.executable, "-c", "from ansinh.cli import main; main()", "serve", "--port", "0", *flags],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in server.stdout:  # waits on the server's own words, not on a clock
        lines.append(line.strip())
        if line.startswith("ansinh: http://") and "--lan" not in flags:
            break
        if line.startswith("ansinh on the network:"):
            break
    return server, lines


def _status(url: str, host: str) -> int:
    request = urllib.request.Request(f"{url}/healthz", headers={"Host": host})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as e:
        return e.code


@pytest.mark.skipif(not lan_addresses(), reason="this machine has no network address besides the loopback")
def test_a_device_on_the_network_reaches_ansinh_served_with_lan_and_not_without(tmp_path):
    address = lan_addresses()[0]
    server, lines = _serve(tmp_path, "--lan")
    try:
        assert any(line.startswith(f"ansinh on the network: http://{address}:") for line in lines), lines
        port = lines[-1].rsplit(":", 1)[1].strip("/")
        assert _status(f"http://{address}:{port}", f"{address}:{port}") == 200
    finally:
        server.terminate()
        server.wait()
    server, lines = _serve(tmp_path)
    try:
        port = lines[-1].rsplit(":", 1)[1].strip("/")
        assert _status(f"http://127.0.0.1:{port}", f"{address}:{port}") == 400  # a host it was not told of
    finally:
        server.terminate()
        server.wait()


def test_serve_on_a_fresh_folder_says_nothing_about_a_missing_static_folder(tmp_path):
    """`make run` on a fresh clone printed whitenoise's warning about var/static (issue 15): the folder is made
    before the application loads."""
    server, lines = _serve(tmp_path)
    try:
        assert lines and lines[-1].startswith("ansinh: http://")
        assert not any("No directory at" in line for line in lines), lines
    finally:
        server.terminate()
        server.wait()
