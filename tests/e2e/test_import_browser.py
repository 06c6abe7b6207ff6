"""A manager brings a file in on a phone (390 px): upload, the columns as guessed, a dry run with its rejected row,
the import as a job whose progress bar polls until it is done, the error report, then the review of the same
person twice and the merge. Screenshots go to
var/screenshots/import-*.png for a person to look at."""

from pathlib import Path

from playwright.sync_api import expect

from ansinh.imports.headers import PERSONS
from ansinh.registry.models import Person
from browsing import sign_in
from factories import make_user

SHOTS = Path("var/screenshots")


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"import-{name}.png"), full_page=True)


def test_a_manager_imports_a_file_on_a_phone(page, live_server, transactional_areas, tmp_path, settings):
    settings.VAR_DIR = tmp_path
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    make_user(role="manager", areas=["15"], username="import1")
    lines = [",".join(PERSONS)]
    for h in range(30):
        lines.append(f"H{h}-1,Nguyễn Văn Hộ {h},1970,nam,,,,{commune.code},,H{h},chủ hộ,Kinh")
        lines.append(f"H{h}-2,Lò Thị Con {h},2001,nữ,,,,{commune.code},,H{h},con,Thái")
    lines.append(f"X1,Người Lỗi,31/02/1990,nam,,,,{commune.code},,,,Kinh")
    lines.append(
        f"X2,NGUYEN VAN HO 7,1970,nam,,,,{commune.code},,,,Kinh"
    )  # the head of H7 again, as another list
    csv = tmp_path / "danh-sach-xa.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")

    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, live_server.url, "import1")
    page.goto(f"{live_server.url}/imports/")
    expect(page.locator("h1")).to_have_text("Nhập dữ liệu từ tệp")
    page.set_input_files("#file", str(csv))
    shot(page, "1-upload")
    page.click("#upload-form button[type=submit]")
    expect(page.locator("#mapping-table")).to_be_visible()
    expect(page.locator("select[name=col_1]")).to_have_value("ho_ten")
    shot(page, "2-columns")
    page.click("#dry-run")
    expect(page.locator("#dr-created")).to_have_text("61")
    expect(page.locator("#dr-rejected")).to_have_text("1")
    expect(page.locator("#rejected-rows")).to_contain_text("31/02/1990")
    shot(page, "3-dry-run")
    assert not Person.objects.exists()
    page.click("#start")
    expect(page.locator("#job-status")).to_have_text("xong", timeout=30_000)  # polled until done
    expect(page.locator("#job-created")).to_have_text("61")
    expect(page.locator("#job-errors")).to_be_visible()
    shot(page, "4-done")
    assert Person.objects.count() == 61
    wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not wide  # nothing scrolls sideways on a phone

    page.goto(f"{live_server.url}/imports/dedup/")
    page.fill("#area", commune.code)
    page.click("#dedup-run button[type=submit]")
    expect(page.locator("#dedup-counts")).to_be_visible()
    expect(page.locator(".pair")).to_have_count(1)
    expect(page.locator(".pair")).to_contain_text("NGUYEN VAN HO 7".title())
    shot(page, "5-review")
    page.locator(".pair button[name=keep]").first.click()
    expect(page.locator("#merged")).to_be_visible()
    shot(page, "6-merged")
    assert Person.objects.filter(merged_into__isnull=False).count() == 1
    assert not page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
