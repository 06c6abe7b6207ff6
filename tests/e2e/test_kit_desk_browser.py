"""The kit's desk in a real browser, on a phone's width, with no road to the office (issue 14): the agent finds a
person, quotes, takes the cash and gets the receipt and the card from the laptop; the sync button says the office
cannot be reached and keeps the work; once the network is back, the same button sends it. The kit is its own
process (`ansinh field serve`), the office a live server. Screenshots: var/screenshots/kit-*.png."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import expect
from tests.field.kit import checkout, kit_env, make_office, set_server

from ansinh.core.models import User
from ansinh.field.models import Kit
from ansinh.payments.models import Receipt
from browsing import sign_in

SHOTS = Path("var/screenshots")
PASSWORD = "mat-khau-thuc-dia-2026"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"kit-{name}.png"), full_page=True)


def _serve(kit_dir: Path) -> tuple[subprocess.Popen, str]:
    server = subprocess.Popen(  # noqa: S603 (our own command)
        [
            sys.executable,
            "-c",
            "from ansinh.cli import main; main()",
            "field",
            "serve",
            "--dir",
            str(kit_dir),
            "--port",
            "0",
        ],
        env=kit_env(kit_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in server.stdout:  # waits on the server's own words
        if line.startswith("ansinh: http://"):
            return server, line.split(" ", 1)[1].strip().rstrip("/")
    raise AssertionError("the kit's server did not start")


def test_the_kit_desk_works_with_no_network_and_syncs_when_it_returns(
    browser, transactional_areas, live_server, tmp_path
):
    office = make_office(transactional_areas, live_server)
    kit_dir = tmp_path / "kit"
    out = checkout(office, kit_dir)
    person = office["people"][2]
    # the agent's password on this laptop (the kit carries the office's password digests; the tests' are MD5)
    subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from ansinh.core.models import User; "
            f"u = User.objects.get(username='agent'); u.set_password('{PASSWORD}'); u.save()",
        ],
        env=kit_env(kit_dir),
        check=True,
        timeout=120,
    )
    # ... and the same digest at the office, as after a real check-out (a sync brings the office's rows back)
    with sqlite3.connect(kit_dir / "ansinh.sqlite3") as db:
        digest = db.execute("SELECT password FROM core_user WHERE username = 'agent'").fetchone()[0]
    User.objects.filter(username="agent").update(password=digest)
    set_server(kit_dir, "http://127.0.0.1:9")  # no road to the office
    server, url = _serve(kit_dir)
    try:
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
        page = context.new_page()
        page.set_default_timeout(20_000)
        sign_in(page, url, "agent", PASSWORD)
        page.goto(f"{url}/desk/")
        page.fill("input[name=q]", person.full_name)
        expect(page.locator("#results")).to_contain_text(person.full_name)
        page.locator("#results a.btn").first.click()
        expect(page).to_have_url(re.compile(r"/desk/person/\d+/$"))
        page.keyboard.press("Enter")
        amount = int(page.locator("#amount-due").get_attribute("data-amount"))
        page.fill("#given", str(amount))
        shot(page, "1-quote-offline")
        page.click("form[action$='/desk/pay/'] button[type=submit]")
        expect(page.locator("h1.done")).to_be_visible()
        expect(page.locator("#print-cards")).to_be_visible()
        receipt = page.request.get(url + page.locator("#print-receipt").get_attribute("href"))
        assert receipt.status == 200 and receipt.body()[:5] == b"%PDF-"
        shot(page, "2-paid-offline")
        expect(page.locator("#kit-pending")).to_have_text("1")

        page.goto(f"{url}/field/")
        expect(page.locator("#pending")).to_have_text("1")
        page.click("#sync")
        expect(page.locator(".messages")).to_contain_text("Không kết nối được với cơ quan")
        expect(page.locator("#pending")).to_have_text("1")  # nothing lost
        shot(page, "3-status-offline")
        assert not Receipt.objects.filter(book__series__startswith="TK").exists()

        set_server(kit_dir, office["url"])  # the network is back
        page.click("#sync")
        expect(page.locator(".messages")).to_contain_text("Đã đồng bộ")
        expect(page.locator("#pending")).to_have_text("0")
        shot(page, "4-status-synced")
        kit = Kit.objects.get(pk=out["kit"])
        (paid,) = Receipt.objects.filter(book=kit.book)
        assert paid.amount == amount and paid.enrollment.members.get().person_id == person.pk
        context.close()
    finally:
        server.terminate()
        server.wait()
