"""The office's field-kit pages (issue 14): a manager issues a kit on /field/ and sees its check-out code once,
revokes it, and decides conflicts on /field/conflicts/; agents and viewers may not."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from ansinh.field import services
from ansinh.field.models import Conflict, Kit
from factories import make_person, make_point, make_user

pytestmark = pytest.mark.usefixtures("vietnamese")  # tests/conftest.py


@pytest.fixture
def setting(communes):
    commune = communes["a"]
    manager = make_user(role="manager", areas=["15"])
    agent = make_user(areas=[commune.code])
    point = make_point(area=commune, agents=[agent])
    return {"commune": commune, "manager": manager, "agent": agent, "point": point}


def test_a_manager_issues_a_kit_and_sees_its_code_once(client, setting):
    client.force_login(setting["manager"])
    page = client.get("/field/")
    assert page.status_code == 200 and "Bộ công cụ lưu động" in page.content.decode()
    answer = client.post(
        "/field/",
        {
            "name": "Tổ 1",
            "area_codes": setting["commune"].code,
            "point_id": setting["point"].pk,
            "receipts": "100",
            "valid_days": "7",
        },
    )
    text = answer.content.decode()
    kit = Kit.objects.get()
    assert "ansinh field checkout --server http://testserver --token kit_" in text
    assert kit.book.last_number == 100 and kit.valid_to == kit.valid_from + dt.timedelta(days=7)
    assert "kit_" not in client.get("/field/").content.decode()  # shown once
    client.post(f"/field/kits/{kit.pk}/revoke/")
    kit.refresh_from_db()
    assert kit.revoked_at is not None and not kit.account.is_active


def test_a_bad_kit_form_says_what_is_wrong(client, setting):
    client.force_login(setting["manager"])
    answer = client.post(
        "/field/",
        {
            "name": "Tổ 1",
            "area_codes": "99999",
            "point_id": setting["point"].pk,
            "receipts": "10",
            "valid_days": "7",
        },
    )
    assert "Hãy chọn các xã bộ lưu động làm việc." in answer.content.decode() and not Kit.objects.exists()


def test_agents_and_viewers_do_not_see_kits_or_conflicts(client, setting):
    for user in (setting["agent"], make_user(role="viewer", areas=["15"])):
        client.force_login(user)
        assert client.get("/field/").status_code == 403
        assert client.get("/field/conflicts/").status_code == 403


def test_the_conflict_queue_shows_both_sides_and_a_manager_closes_one_with_a_note(client, setting):
    manager = setting["manager"]
    existing = make_person(manager, area_code=setting["commune"].code)
    kit, _code = services.kit_create(
        actor=manager,
        name="Tổ 2",
        area_codes=[setting["commune"].code],
        point_id=setting["point"].pk,
        receipts=10,
        valid_days=5,
    )
    op = {
        "op_id": str(uuid.uuid4()),
        "seq": 1,
        "kind": "person.create",
        "payload": {
            "data": {
                "full_name": "Lù Thị Mai",
                "birth_date": "1990-01-01",
                "sex": "f",
                "area_code": setting["commune"].code,
                "personal_id": existing.personal_id,
            }
        },
        "by": "agent",
        "clock": timezone.now().isoformat(),
    }
    (result,) = services.ops_apply(kit=kit, ops=[op])
    assert result["status"] == "applied" and result["id"] == existing.pk  # the kit's work goes to the record
    client.force_login(manager)
    text = client.get("/field/conflicts/").content.decode()
    assert "Lù Thị Mai" in text and existing.full_name in text and "đăng ký hai lần" in text.lower()
    conflict = Conflict.objects.get()
    refused = client.post(
        "/field/conflicts/?status=open", {"conflict": conflict.pk, "action": "close", "note": ""}
    )
    assert refused.status_code == 302 and Conflict.objects.get().status == "open"
    client.post(
        "/field/conflicts/?status=open",
        {"conflict": conflict.pk, "action": "close", "note": "Đã gọi cho bà Mai"},
    )
    assert Conflict.objects.get().status == "resolved"
    assert "Đã gọi cho bà Mai" in client.get("/field/conflicts/?status=resolved").content.decode()
    # the same operation sent again changes nothing
    (again,) = services.ops_apply(kit=kit, ops=[op])
    assert again["replayed"] and Conflict.objects.count() == 1
