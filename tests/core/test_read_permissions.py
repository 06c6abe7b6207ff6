"""Read permissions are decided in the selectors, for every door (issue 16): a page, an API handler, the CLI or
the field sync that reads through a selector gets the capability check without remembering it. Each selector
here is called directly, as a new door would, by someone without the capability."""

import pytest
from django.contrib.auth.models import AnonymousUser

from ansinh.campaigns import selectors as campaigns
from ansinh.core.errors import ApplicationError
from ansinh.core.selectors import users_for_user
from ansinh.outreach import selectors as outreach
from ansinh.payments import selectors as payments
from ansinh.reports import coverage
from factories import make_point, make_user


def denied(call):
    with pytest.raises(ApplicationError) as exc:
        call()
    return exc.value.code == "permission_denied" and exc.value.status == 403


def test_reads_refuse_whoever_lacks_the_capability(communes):
    viewer = make_user(role="viewer", areas=[communes["a"].code])
    agent = make_user(role="collection_agent", areas=[communes["a"].code])
    nobody = AnonymousUser()
    assert denied(lambda: campaigns.campaigns_for_user(user=nobody))
    assert denied(lambda: campaigns.activities_for_user(user=nobody))
    assert denied(lambda: coverage.coverage(user=nobody, area_code="15"))
    assert denied(lambda: coverage.trend(user=nobody, area_code="15"))
    assert denied(
        lambda: outreach.target_lists_for_user(user=viewer)
    )  # lists are for those who knock on doors
    assert denied(lambda: outreach.outbox_for_user(user=agent))  # the reminders' outbox is the office's
    point = make_point(area=communes["a"], agents=[agent])
    assert denied(lambda: users_for_user(user=agent))  # accounts are the administrators'
    assert denied(lambda: payments.agent_for_point(user=agent, point=point, username=agent.username))


def test_the_same_reads_answer_those_who_have_it(communes):
    manager = make_user(role="manager", areas=[communes["a"].code])
    assert list(campaigns.campaigns_for_user(user=manager)) == []
    assert list(outreach.target_lists_for_user(user=manager)) == []
    assert list(outreach.outbox_for_user(user=manager)) == []
    assert coverage.coverage(user=manager, area_code=communes["a"].code)["area"]["code"] == communes["a"].code
