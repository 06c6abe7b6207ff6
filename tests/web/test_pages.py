"""Pages: who may open and change what (anonymous / other area / own area without the permission / with it),
sign-in throttling, and the history of a record."""

import pytest
from django.utils import translation

from ansinh.core.models import AuditEvent, User
from ansinh.registry.models import Membership, Person
from factories import PASSWORD, make_household, make_person, make_user, person_data


@pytest.fixture
def setting(communes):
    owner = make_user(role="collection_agent", areas=[communes["a"].code])
    person = make_person(owner, area_code=communes["a"].code, full_name="Nguyễn Thị Huyền", sex="f")
    household = make_household(owner, head=person)
    users = {
        "other_area": make_user(role="collection_agent", areas=[communes["other"].code]),
        "own_area_viewer": make_user(role="viewer", areas=[communes["a"].code]),
        "own_area_agent": owner,
    }
    return {"person": person, "household": household, "users": users, "commune": communes["a"]}


def as_(client, setting, kind):
    if kind != "anonymous":
        client.force_login(setting["users"][kind])
    return client


READ_PAGES = ["/persons/{person}/", "/households/{household}/"]


@pytest.mark.parametrize("url", READ_PAGES)
@pytest.mark.parametrize(
    "kind, status",
    [("anonymous", 302), ("other_area", 404), ("own_area_viewer", 200), ("own_area_agent", 200)],
)
def test_reading_pages_matrix(client, setting, url, kind, status):
    url = url.format(person=setting["person"].pk, household=setting["household"].pk)
    response = as_(client, setting, kind).get(url)
    assert response.status_code == status
    if status == 302:
        assert "/login/" in response["Location"]


@pytest.mark.parametrize(
    "kind, status",
    [("anonymous", 302), ("other_area", 404), ("own_area_viewer", 403), ("own_area_agent", 302)],
)
def test_correcting_a_record_page_matrix_and_denied_changes_nothing(client, setting, kind, status):
    person = setting["person"]
    data = {
        **person_data(
            area_code=setting["commune"].code,
            full_name="Nguyễn Thị Huyền",
            sex="f",
            birth_date=person.birth_date.isoformat(),
        ),
        "personal_id": person.personal_id,
    }
    data = {k: v for k, v in data.items() if v is not None}
    events = AuditEvent.objects.count()
    response = as_(client, setting, kind).post(f"/persons/{person.pk}/edit/", {**data, "phone": "0987654321"})
    assert response.status_code == status
    person.refresh_from_db()
    if kind == "own_area_agent":
        assert response["Location"] == f"/persons/{person.pk}/"
        assert person.phone == "0987654321"
    else:
        assert person.phone == "" and AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "kind, status", [("anonymous", 302), ("own_area_viewer", 403), ("own_area_agent", 302)]
)
def test_registering_page_matrix(client, setting, kind, status):
    count = Person.objects.count()
    data = {k: v for k, v in person_data(area_code=setting["commune"].code).items() if v is not None}
    response = as_(client, setting, kind).post("/persons/new/", data)
    assert response.status_code == status
    assert Person.objects.count() == count + (1 if kind == "own_area_agent" else 0)


def test_registering_outside_ones_areas_is_refused_on_the_form(client, setting, communes):
    client.force_login(setting["users"]["own_area_agent"])
    data = {k: v for k, v in person_data(area_code=communes["other"].code).items() if v is not None}
    response = client.post("/persons/new/", data)
    assert response.status_code == 200  # the form again, with the error, and what was typed kept
    assert response.context["form"].errors
    assert not Person.objects.filter(commune=communes["other"]).exists()


def test_the_history_shows_every_correction(client, setting):
    client.force_login(setting["users"]["own_area_agent"])
    person = setting["person"]
    from ansinh.registry.services import person_update

    person_update(actor=setting["users"]["own_area_agent"], person=person, data={"phone": "0987654321"})
    page = client.get(f"/persons/{person.pk}/").content.decode()
    assert page.count("<tr><td>") >= 2 and "0987654321" in page  # the registration and the correction


def test_adding_a_member_from_the_household_page(client, setting):
    owner = setting["users"]["own_area_agent"]
    client.force_login(owner)
    child = make_person(owner, area_code=setting["commune"].code)
    response = client.post(
        f"/households/{setting['household'].pk}/members/", {"person_id": child.pk, "relation": "child"}
    )
    assert response.status_code == 302
    assert Membership.objects.filter(person=child, household=setting["household"], ended_on=None).exists()


def test_search_page_finds_without_diacritics_and_masks_ids_for_viewers(client, setting):
    client.force_login(setting["users"]["own_area_viewer"])
    page = client.get("/persons/", {"q": "nguyen thi huyen"}).content.decode()
    assert "Nguyễn Thị Huyền" in page
    assert setting["person"].personal_id not in page


def test_the_interface_is_vietnamese_by_default_and_english_on_request(client, setting):
    client.force_login(setting["users"]["own_area_agent"])
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="vi">' in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()


@pytest.mark.parametrize("kind, status", [("anonymous", 302), ("own_area_agent", 403)])
def test_only_administrators_manage_users(client, setting, kind, status):
    response = as_(client, setting, kind).post(
        "/users/new/", {"username": "x", "role": "administrator", "area_codes": "15"}
    )
    assert response.status_code == status
    assert not User.objects.filter(username="x").exists()


def test_an_administrator_creates_a_user_with_areas_in_the_application(client, setting, communes):
    admin = make_user(role="administrator", areas=["15"])
    client.force_login(admin)
    response = client.post(
        "/users/new/",
        {
            "username": "agent9",
            "role": "collection_agent",
            "area_codes": f"{communes['a'].code} {communes['b'].code}",
            "password": "a-long-password-1",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="agent9")
    assert set(user.areas.values_list("code", flat=True)) == {communes["a"].code, communes["b"].code}
    bad = client.post("/users/new/", {"username": "agent10", "role": "viewer", "area_codes": "99"})
    assert bad.status_code == 200 and not User.objects.filter(username="agent10").exists()


def test_the_django_admin_is_for_administrators(client, setting):
    client.force_login(setting["users"]["own_area_agent"])
    assert client.get("/admin/").status_code == 302  # to the admin login
    admin = make_user(role="administrator", areas=["15"])
    client.force_login(admin)
    assert client.get("/admin/core/user/").status_code == 200


def test_sign_in_is_locked_after_repeated_failures(client, setting):
    username = setting["users"]["own_area_agent"].username
    for _ in range(3):
        client.post("/login/", {"username": username, "password": "wrong"})
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session


def test_the_history_is_in_words_and_only_for_those_who_may_read_the_audit_trail(client, setting, settings):
    from ansinh.registry.services import person_update

    person = setting["person"]
    person_update(actor=setting["users"]["own_area_agent"], person=person, data={"phone": "0987654321"})
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(setting["users"]["own_area_agent"])
    page = client.get(f"/persons/{person.pk}/").content.decode()
    assert "record corrected" in page and "registered" in page and "0987654321" in page
    assert "person_update" not in page and "name_folded" not in page and "created_by" not in page
    client.force_login(setting["users"]["own_area_viewer"])  # no audit.view: no history, no full ID anywhere
    for url in (f"/persons/{person.pk}/", f"/households/{setting['household'].pk}/"):
        page = client.get(url).content.decode()
        assert "History of this record" not in page and person.personal_id not in page


def test_a_double_click_on_create_household_tells_the_user_and_writes_nothing_more(client, setting, communes):
    from ansinh.registry.models import Household

    owner = setting["users"]["own_area_agent"]
    lone = make_person(owner, area_code=communes["a"].code)
    client.force_login(owner)
    url = f"/persons/{lone.pk}/household/"
    first = client.post(url, {"address": "Bản Một"})
    again = client.post(url, {"address": "Bản Một"}, HTTP_REFERER=f"http://testserver/persons/{lone.pk}/")
    assert first.status_code == 302 and again.status_code == 302
    assert again["Location"] == f"http://testserver/persons/{lone.pk}/"
    assert Household.objects.filter(head=lone).count() == 1
    shown = client.get(again["Location"]).content.decode()
    assert '<li class="error">' in shown and "đã thuộc hộ gia đình" in shown  # in the agent's language


def test_a_garbled_household_link_after_registering_opens_the_person(client, setting, communes):
    owner = setting["users"]["own_area_agent"]
    client.force_login(owner)
    data = {k: v for k, v in person_data(area_code=communes["a"].code).items() if v is not None}
    response = client.post("/persons/new/?household=abc", data)
    person = Person.objects.get(personal_id=data["personal_id"])
    assert response.status_code == 302 and response["Location"] == f"/persons/{person.pk}/"


def test_a_person_whose_household_is_in_another_area_still_opens(client, setting, communes, settings):
    from ansinh.registry.services import household_add_member

    manager = make_user(role="manager", areas=["15"])
    mine = make_person(manager, area_code=communes["a"].code)
    theirs = make_household(manager, head=make_person(manager, area_code=communes["b"].code))
    household_add_member(actor=manager, household=theirs, person=mine, relation="other")
    client.force_login(setting["users"]["own_area_agent"])  # commune a only
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(f"/persons/{mine.pk}/")
    page = response.content.decode()
    assert response.status_code == 200 and "In a household of another area." in page
    assert f"/households/{theirs.pk}/" not in page and "Create a household" not in page


def test_a_very_long_search_and_a_person_without_an_id_do_not_break_the_search_page(
    client, setting, communes
):
    owner = setting["users"]["own_area_agent"]
    make_person(owner, area_code=communes["a"].code, full_name="Lò Văn Xin", personal_id=None)
    client.force_login(setting["users"]["own_area_viewer"])
    assert client.get("/persons/", {"q": " ".join(["nguyen"] * 1100)}).status_code == 200
    page = client.get("/persons/", {"q": "lo van xin"}).content.decode()
    assert "Lò Văn Xin" in page and "None" not in page


def test_an_administrator_sees_and_edits_only_the_accounts_of_their_areas(client, setting, communes):
    admin = make_user(role="administrator", areas=["15"])
    local = make_user(role="collection_agent", areas=[communes["a"].code], username="local-agent")
    hanoi = make_user(role="collection_agent", areas=[communes["other"].code], username="hanoi-agent")
    client.force_login(admin)
    listing = client.get("/users/").content.decode()
    assert "local-agent" in listing and "hanoi-agent" not in listing
    assert client.get(f"/users/{local.pk}/").status_code == 200
    assert client.get(f"/users/{hanoi.pk}/").status_code == 404  # as if there were no such account


def test_registering_a_new_person_from_the_household_page_puts_them_in_that_household(client, setting):
    owner = setting["users"]["own_area_agent"]
    client.force_login(owner)
    household = setting["household"]
    form = client.get(
        f"/persons/new/?area={setting['commune'].code}&household={household.pk}"
    ).content.decode()
    assert 'name="relation"' in form and household.code in form
    data = {
        k: v
        for k, v in person_data(area_code=setting["commune"].code, full_name="Nguyễn Văn Bé", sex="m").items()
        if v is not None
    }
    response = client.post(
        f"/persons/new/?area={setting['commune'].code}&household={household.pk}",
        {**data, "relation": "child"},
    )
    assert response.status_code == 302 and response["Location"] == f"/households/{household.pk}/"
    child = Person.objects.get(full_name="Nguyễn Văn Bé")
    assert Membership.objects.filter(
        person=child, household=household, relation="child", ended_on=None
    ).exists()
    # a refused relation leaves no person behind
    client.post(
        f"/persons/new/?area={setting['commune'].code}&household={household.pk}",
        {**data, "full_name": "Trần Thị Mới", "personal_id": "", "relation": "head"},
    )
    assert not Person.objects.filter(full_name="Trần Thị Mới").exists()
    # another area's household cannot be named
    client.force_login(setting["users"]["other_area"])
    assert client.get(f"/persons/new/?household={household.pk}").status_code == 404


def test_a_move_in_the_history_names_the_communes_not_their_ids(client, communes):
    from ansinh.registry.services import person_update

    admin = make_user(role="administrator", areas=["15"])
    person = make_person(admin, area_code=communes["a"].code, full_name="Lò Văn Chuyển", sex="m")
    person_update(actor=admin, person=person, data={"area_code": communes["b"].code})
    client.force_login(admin)
    page = client.get(f"/persons/{person.pk}/").content.decode()
    assert communes["a"].name in page and communes["b"].name in page
    assert f">{communes['a'].pk}<" not in page and f">{communes['b'].pk}<" not in page
    with translation.override("vi"):
        page = client.get(f"/persons/{person.pk}/").content.decode()
    assert "commune:" not in page and "xã/phường:" in page  # the field's label in the reader's language


@pytest.mark.usefixtures("vietnamese")
def test_moving_between_households_reads_in_words_on_both_pages(client, communes):
    """A membership's events (joined, left, member added) name the household by its code, the relation and the
    days in Vietnamese, and the person by name: no field names or ids of the audit record."""
    import datetime as dt

    from ansinh.registry.services import household_move_member

    admin = make_user(role="administrator", areas=["15"])
    c = communes["a"].code
    first = make_household(admin, head=make_person(admin, area_code=c, full_name="Vàng A Dế", sex="m"))
    second = make_household(admin, head=make_person(admin, area_code=c, full_name="Lý Văn Sử", sex="m"))
    bride = make_person(admin, area_code=c, full_name="Vàng Thị Mai", sex="f")
    from ansinh.registry.services import household_add_member

    household_add_member(actor=admin, household=first, person=bride, relation="child", on=dt.date(2020, 1, 1))
    household_move_member(actor=admin, person=bride, to=second, relation="other", on=dt.date(2025, 9, 8))
    client.force_login(admin)
    person_page = client.get(f"/persons/{bride.pk}/").content.decode()
    household_page = client.get(f"/households/{second.pk}/").content.decode()
    for raw in ("household_id", "household_code", "ended_on", "person_id", "relation:"):
        assert raw not in person_page and raw not in household_page, raw
    assert "mã hộ gia đình" in person_page and second.code in person_page and "08/09/2025" in person_page
    assert "quan hệ với chủ hộ" in person_page and "đến ngày" in person_page
    assert "Vàng Thị Mai" in household_page
