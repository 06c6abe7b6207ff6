"""The /imports/ page and /api/v1/imports: upload, the columns as guessed and as changed, a saved mapping, a dry
run with its first rejected rows and report, a job started and its progress (polled), stop, resume, the error
report; who may use them."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ansinh.imports import jobs
from ansinh.imports.headers import PERSONS
from ansinh.imports.models import ImportRun, JobStatus, SavedMapping
from ansinh.registry.models import Person
from factories import make_user

pytestmark = pytest.mark.usefixtures("vietnamese")  # tests/conftest.py


@pytest.fixture
def manager(communes):
    return make_user(role="manager", areas=["15"])


def csv_bytes(commune, header=None) -> bytes:
    header = header or list(PERSONS)
    lines = [",".join(header)]
    lines.append(f"P1,Nguyễn Văn An,15/03/1980,nam,,,,{commune.code},,H1,chủ hộ,Kinh")
    lines.append(f"P2,Trần Thị Bình,1982,nữ,,,,{commune.code},,H1,vợ,Kinh")
    lines.append(f"P3,Lỗi Ngày,31/02/1990,nam,,,,{commune.code},,,,Kinh")
    return ("\n".join(lines) + "\n").encode()


def upload(client, data: bytes, name="ds.csv", **extra):
    return client.post(
        "/imports/",
        {
            "action": "upload",
            "kind": "persons",
            "encoding": "auto",
            "file": SimpleUploadedFile(name, data),
            **extra,
        },
    )


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)


def form(response, **extra):
    html = response.content.decode()
    values = {
        name: re.search(rf'name="{name}" value="([^"]*)"', html).group(1)
        for name in ("token", "kind", "encoding", "mapping", "source", "file_name")
    }
    for i, field in enumerate(re.findall(r'<select name="col_\d+"[^>]*>(.*?)</select>', html, re.S)):
        chosen = re.search(r'<option value="([^"]*)" selected', field)
        values[f"col_{i}"] = chosen.group(1) if chosen else ""
    return {**values, **extra}


def test_upload_map_dry_run_start_and_progress(client, manager, communes, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.IMPORTS_RUN_IN_THREAD = False
    client.force_login(manager)
    page = client.get("/imports/")
    assert page.status_code == 200 and 'id="upload-form"' in page.content.decode()
    header = [
        "Mã nguồn",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "CCCD",
        "Số BHXH",
        "SĐT",
        "Mã xã",
        "Thôn",
        "Mã hộ",
        "Quan hệ",
        "Dân tộc",
    ]
    header[4] = "Giấy tờ"  # a column the page cannot guess: left empty
    response = upload(client, csv_bytes(communes["a"], header))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="mapping-table"' in html and "Nguyễn Văn An" in html
    data = form(response)
    assert data["col_1"] == "ho_ten" and data["col_4"] == ""
    data["col_4"] = "so_dinh_danh"  # the user says what it is
    saved = client.post("/imports/", {**data, "action": "save_mapping", "mapping_name": "Công an xã"})
    assert 'id="mapping-saved"' in saved.content.decode()
    assert SavedMapping.objects.get(name="Công an xã").columns["Giấy tờ"] == "so_dinh_danh"

    dry = client.post("/imports/", {**form(saved), "action": "dry_run"})
    html = dry.content.decode()
    assert re.search(r'id="dr-created">2<', html) and re.search(r'id="dr-rejected">1<', html)
    report = re.search(r'href="(/imports/reports/[^"]+)"', html).group(1)
    assert client.get(report).status_code == 200
    assert not Person.objects.exists()

    started = client.post("/imports/", {**form(dry), "action": "start"})
    assert started.status_code == 302
    job = ImportRun.objects.get()
    assert job.status == JobStatus.QUEUED and started["Location"] == f"/imports/{job.pk}/"
    polled = client.get(f"/imports/{job.pk}/", HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in polled.content.decode()  # still polling while it waits
    jobs.import_jobs_work()
    done = client.get(f"/imports/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and re.search(r'id="job-created">2<', done)
    assert client.get(f"/imports/{job.pk}/errors.xlsx").status_code == 200
    assert Person.objects.count() == 2


def test_stop_and_resume_from_the_page(client, manager, communes, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.IMPORTS_RUN_IN_THREAD = False
    client.force_login(manager)
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes(communes["a"]))
    job = jobs.import_job_create(actor=manager, kind="persons", path=path)
    assert client.post(f"/imports/{job.pk}/stop/").status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.STOPPED
    assert client.post(f"/imports/{job.pk}/resume/").status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED


def test_who_may_import(client, communes, manager, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    viewer = make_user(role="viewer", areas=["15"])
    client.force_login(viewer)
    assert client.get("/imports/").status_code == 403
    assert client.get("/api/v1/imports").status_code == 403
    path = tmp_path / "f.csv"
    path.write_bytes(csv_bytes(communes["a"]))
    job = jobs.import_job_create(actor=manager, kind="persons", path=path)
    other = make_user(role="manager", areas=["15"])
    client.force_login(other)
    assert client.get(f"/imports/{job.pk}/").status_code == 404  # another's import
    assert client.get("/imports/reports/..%2Fsecret.xlsx").status_code == 404


def test_api_dry_run_job_progress_and_errors(client, manager, communes, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.IMPORTS_RUN_IN_THREAD = False
    client.force_login(manager)
    body = csv_bytes(communes["a"])
    dry = client.post(
        "/api/v1/imports",
        {"file": SimpleUploadedFile("ds.csv", body), "kind": "persons", "dry_run": "true"},
    )
    assert dry.status_code == 200, dry.content
    data = dry.json()
    assert {k: data[k] for k in ("rows", "created", "rejected")} == {"rows": 3, "created": 2, "rejected": 1}
    assert client.get(f"/api/v1/imports/reports/{data['errors_file']}").status_code == 200

    preview = client.post(
        "/api/v1/imports/preview", {"file": SimpleUploadedFile("ds.csv", body), "kind": "persons"}
    )
    assert preview.json()["columns"][0] == {"header": "ma_nguon", "field": "ma_nguon", "example": "P1"}

    started = client.post("/api/v1/imports", {"file": SimpleUploadedFile("ds.csv", body), "kind": "persons"})
    assert started.status_code == 202 and started.json()["status"] == "queued"
    job_id = started.json()["id"]
    jobs.import_jobs_work()
    got = client.get(f"/api/v1/imports/{job_id}").json()
    assert (got["status"], got["rows_done"], got["created"], got["rejected"]) == ("done", 3, 2, 1)
    assert got["first_rejected"][0]["column"] == "ngay_sinh"
    assert client.get(f"/api/v1/imports/{job_id}/errors.xlsx").status_code == 200
    stop = client.post(f"/api/v1/imports/{job_id}/stop")
    assert stop.status_code == 409 and stop.json()["field"] == "status"
    bad = client.post(
        "/api/v1/imports", {"file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n"), "kind": "persons"}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "ma_nguon"
    mapping = client.post(
        "/api/v1/imports/mappings",
        {"name": "UBND", "kind": "persons", "columns": {"Họ tên": "ho_ten"}},
        content_type="application/json",
    )
    assert mapping.status_code == 200
    assert client.get("/api/v1/imports/mappings?kind=persons").json()[0]["name"] == "UBND"
