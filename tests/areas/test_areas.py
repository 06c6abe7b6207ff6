"""The official areas: counts, codes, legacy units and subtree queries."""

import json

import pytest
from click.testing import CliRunner

from ansinh.areas.models import Area, Level
from ansinh.areas.selectors import area_get, subtree_q
from ansinh.areas.services import village_create
from ansinh.cli import cli
from ansinh.core.errors import ApplicationError
from factories import make_user


def test_ansinh_areas_json_counts_both_structures(official_areas):
    result = CliRunner().invoke(cli, ["areas", "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)
    assert counts["current"] == {"provinces": 34, "communes": 3321, "villages": 0}
    assert counts["legacy"] == {"provinces": 63, "districts": 696, "communes": 10051}


def test_a_bare_code_is_current_and_legacy_units_are_named_explicitly(official_areas):
    assert area_get(code="15").name == "Lào Cai"
    assert area_get(code="legacy:15").name == "Yên Bái"
    assert area_get(code="legacy:10").name == "Lào Cai"
    assert {s.current.code for s in area_get(code="legacy:15").successors.all()} == {"15"}


def test_a_subtree_is_the_area_and_everything_under_it(official_areas):
    lao_cai = area_get(code="15")
    subtree = Area.objects.filter(subtree_q(lao_cai.path))
    communes = subtree.filter(level=Level.COMMUNE)
    assert subtree.count() == communes.count() + 1
    assert communes.count() == Area.objects.filter(parent=lao_cai).count() > 50
    assert not subtree.exclude(province_code="15").exists()
    # Legacy Lào Cai (10) has districts and communes beneath it.
    legacy = Area.objects.filter(subtree_q(area_get(code="legacy:10").path))
    assert (
        legacy.filter(level=Level.LEGACY_DISTRICT).exists()
        and legacy.filter(level=Level.LEGACY_COMMUNE).exists()
    )


def test_a_village_is_created_under_a_commune_in_the_users_areas(communes):
    agent = make_user(role="manager", areas=[communes["a"].code])
    village = village_create(actor=agent, commune=communes["a"], name="thôn nậm cang", kind="thon")
    assert village.code == f"{communes['a'].code}.001" and village.name == "Thôn Nậm Cang"
    assert village.path.startswith(communes["a"].path)
    with pytest.raises(ApplicationError):
        village_create(actor=agent, commune=communes["a"], name="Thôn Nậm Cang")  # same name twice
    with pytest.raises(ApplicationError):
        village_create(actor=agent, commune=communes["other"], name="Thôn 1")  # not their commune
    assert Area.objects.filter(level=Level.VILLAGE).count() == 1


def test_a_unit_renamed_in_the_admin_goes_through_the_service_and_is_audited(client, communes):
    from ansinh.core.models import AuditEvent
    from factories import make_user

    admin = make_user(role="administrator", areas=["15"])
    client.force_login(admin)
    commune = communes["a"]
    url = f"/admin/areas/area/{commune.pk}/change/"
    response = client.post(url, {"name": "Xã Bản Mới", "kind": "xa"})
    assert response.status_code == 302
    commune.refresh_from_db()
    assert commune.name == "Xã Bản Mới" and commune.name_folded == "xa ban moi"
    event = AuditEvent.objects.get(action="area_rename", object_id=str(commune.pk))
    assert event.after["name"] == "Xã Bản Mới" and event.actor == admin
    refused = client.post(url, {"name": "Xã\u202eBản", "kind": "xa"})
    assert refused.status_code == 302 and refused["Location"] == url  # back to the form, nothing written
    commune.refresh_from_db()
    assert commune.name == "Xã Bản Mới"
    assert AuditEvent.objects.filter(action="area_rename").count() == 1
