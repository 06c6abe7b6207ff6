"""The pages run under a strict Content-Security-Policy (issue 12): no inline script, nothing from elsewhere. In a
real browser the pages that have behaviour (the language switch, the desk's change calculation, a search typed with
htmx) work, and the browser reports no violation; an injected inline script does not run."""

import re

from playwright.sync_api import expect

from factories import PASSWORD, make_household, make_person, make_point, make_user


def test_the_pages_work_under_the_policy_and_an_inline_script_does_not_run(
    page, live_server, transactional_areas, tmp_path, monkeypatch
):
    monkeypatch.setenv("ANSINH_KEYS_DIR", str(tmp_path))
    commune = transactional_areas.filter(parent__code="15").order_by("code").first()
    agent = make_user(role="collection_agent", areas=[commune.code], username="csp1")
    make_point(area=commune, agents=[agent])
    person = make_person(
        agent, area_code=commune.code, full_name="Mùa A Dế", sex="m", birth_date="1990-01-01"
    )
    make_household(agent, head=person)
    # a name that tries to run a script: escaped by the templates, and refused by the policy if it were not
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto(f"{live_server.url}/login/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.fill("#id_username", "csp1")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    # the desk: quote, type the cash, the change shows (app.js)
    page.goto(f"{live_server.url}/desk/person/{person.pk}/")
    page.click("form[action$='/quote/'] button[type=submit]")
    amount = int(page.locator("#amount-due").get_attribute("data-amount"))
    page.fill("#given", str(amount + 20_000))
    expect(page.locator("#change")).to_contain_text("20.000")
    # a search typed (htmx)
    page.goto(f"{live_server.url}/persons/")
    page.fill("input[type=search]", "mua")
    expect(page.locator("#results")).to_contain_text("Mùa A Dế")
    # the language switch sends its form by itself
    page.select_option("select[name=language]", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert not violations, violations  # the pages themselves break no rule
    page.evaluate(  # the test's own script runs (it is the browser's tool, not the page's); the page's handler not
        """() => new Promise(done => {
            document.body.insertAdjacentHTML('beforeend', '<img id="probe" src="/nope.png" onerror="window.pwned=1">');
            document.getElementById('probe').addEventListener('error', () => done());
        })"""
    )
    assert page.evaluate("window.pwned === undefined")
    assert violations and all(re.search(r"inline event handler", v) for v in violations), violations
