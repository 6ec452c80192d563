"""The project workflow as a matrix: state × role × action → done, or the exact refusal."""

import pytest

from portal.database import utcnow
from portal.domain import projects as rules
from portal.errors import Refused
from portal.models import Organisation, Project, ProjectStatus
from portal.visibility import can_see_project
from tests.project_factories import make_project

S = ProjectStatus
ROLES = ["officer", "member", "mayor", "deputy", "clerk", "mayor_b", "mediator", "observer", "admin", "nobody"]

# Restated from product.md, not computed from the code under test: the mayor and deputies decide (request
# changes, agree, decline, hand over); the secrétaire général (clerk) prepares (starts the review, opens the
# consultation, starts and completes the works) and gets 403 on a decision that binds the commune.
WHO = {
    "submit": {"officer"},
    "start_review": {"mayor", "deputy", "clerk"},
    "request_changes": {"mayor", "deputy"},
    "open_consultation": {"mayor", "deputy", "clerk", "mediator"},
    "agree": {"mayor", "deputy"},
    "decline": {"mayor", "deputy"},
    "withdraw": {"officer"},
    "start_implementation": {"mayor", "deputy", "clerk"},
    "complete": {"mayor", "deputy", "clerk"},
    "hand_over": {"mayor", "deputy"},
}
FROM = {
    "submit": {S.DRAFT, S.CHANGES_REQUESTED},
    "start_review": {S.SUBMITTED},
    "request_changes": {S.UNDER_REVIEW, S.IN_CONSULTATION},
    "open_consultation": {S.UNDER_REVIEW},
    "agree": {S.IN_CONSULTATION},
    "decline": {S.UNDER_REVIEW, S.IN_CONSULTATION},
    "withdraw": {S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.CHANGES_REQUESTED, S.IN_CONSULTATION},
    "start_implementation": {S.AGREED},
    "complete": {S.IN_PROGRESS},
    "hand_over": {S.COMPLETED},
}
TO = {
    "submit": S.SUBMITTED,
    "start_review": S.UNDER_REVIEW,
    "request_changes": S.CHANGES_REQUESTED,
    "open_consultation": S.IN_CONSULTATION,
    "agree": S.AGREED,
    "decline": S.DECLINED,
    "withdraw": S.WITHDRAWN,
    "start_implementation": S.IN_PROGRESS,
    "complete": S.COMPLETED,
    "hand_over": S.HANDED_OVER,
}
NEEDS_COMMENT = {"request_changes", "decline"}
PUBLIC = {S.AGREED, S.IN_PROGRESS, S.COMPLETED, S.HANDED_OVER}


@pytest.fixture(autouse=True)
def _in_app_context(app_context):
    """The operations render mails (notifications), which needs the application."""


@pytest.fixture()
def cast(cast, session):
    """The standard cast and commune A's secrétaire général."""
    cast.add_clerk()
    session.commit()
    return cast


def health_centre(cast, status=S.DRAFT, submitted=None, funded=True) -> Project:
    """A health centre of association A in commune A (the factory of tests/project_factories.py), its budget of
    10 000 000 F CFA covered by its funding plan, or only 4 000 000 of it."""
    return make_project(
        cast.association,
        cast.commune_a,
        status,
        title="Centre de santé",
        summary="",
        sector="health",
        sdg_tags=[3],
        budget=[("Bâtiment", 10_000_000, "XOF")],
        funding=[("association", cast.association, 10_000_000 if funded else 4_000_000, "XOF")],
        submitted=submitted,
    )


def expected(role: str, state: str, action: str, submitted: bool) -> str:
    association_members = {"officer", "member"}
    sees = state in PUBLIC or (
        role in association_members
        if not submitted
        else role in association_members | {"mayor", "deputy", "clerk", "mediator", "observer", "admin"}
    )
    if not sees:
        return "not_found"
    if role not in WHO[action]:
        return "forbidden"
    if state not in FROM[action]:
        return "invalid_transition"
    if action in NEEDS_COMMENT:
        return "comment_required"
    if action == "hand_over":
        return "validation_failed"  # no owner nor maintenance plan given
    return "done"


def outcome(user, project_id: int, action: str) -> str:
    try:
        project = rules.load_project(user, project_id)
        rules.transition(user, project, action)
    except Refused as refusal:
        return refusal.code
    return "done"


@pytest.mark.parametrize("action", sorted(WHO))
@pytest.mark.parametrize("state", [s.value for s in S])
def test_the_transition_table(session, cast, state, action):
    submitted = state != "draft"
    status = S(state)
    for role in ROLES:
        project = health_centre(cast, status, submitted=submitted)
        with session.begin_nested() as savepoint:
            got = outcome(cast.users[role], project.id, action)
            if got == "done":
                assert project.status == TO[action], (role, state, action)
            savepoint.rollback()
        assert got == expected(role, status, action, submitted), (role, state, action, got)


@pytest.mark.parametrize("action", sorted(NEEDS_COMMENT))
def test_a_comment_is_required_and_recorded(session, cast, action):
    project = health_centre(cast, S.UNDER_REVIEW)
    with pytest.raises(Refused) as refused:
        rules.transition(cast.users["mayor"], project, action, comment="   ")
    assert refused.value.code == "comment_required"
    rules.transition(cast.users["mayor"], project, action, comment="Le devis du forage manque.")
    assert project.status == TO[action]
    history = rules.project_history(project, cast.users["mayor"])
    assert history[-1]["comment"] == "Le devis du forage manque."


def test_agreement_needs_a_funding_plan_that_covers_the_budget(session, cast):
    project = health_centre(cast, S.IN_CONSULTATION, funded=False)
    with pytest.raises(Refused) as refused:
        rules.transition(cast.users["mayor"], project, "agree")
    assert refused.value.code == "funding_incomplete"
    assert project.status == S.IN_CONSULTATION


def test_an_unverified_association_cannot_submit(session, cast):
    project = health_centre(cast, S.DRAFT)
    session.get(Organisation, cast.association.id).verification = "pending"
    with pytest.raises(Refused) as refused:
        rules.transition(cast.users["officer"], project, "submit")
    assert refused.value.code == "association_not_verified"


def test_submitting_needs_a_budget_and_a_funding_plan(session, cast):
    project = health_centre(cast, S.DRAFT)
    project.funding_lines = []
    session.flush()
    with pytest.raises(Refused) as refused:
        rules.transition(cast.users["officer"], project, "submit")
    assert refused.value.code == "validation_failed"
    assert set(refused.value.fields) == {"funding_lines"}


def test_the_handover_records_the_owner_and_maintenance_plan(session, cast):
    from tests.factories import make_organisation

    project = health_centre(cast, S.COMPLETED)
    committee = make_organisation("committee", "ASACO", commune=cast.commune_a)
    other_commune = cast.commune_org_b
    with pytest.raises(Refused) as refused:
        rules.transition(
            cast.users["mayor"],
            project,
            "hand_over",
            owner_organisation_id=other_commune.id,
            maintenance_plan="Entretien par la mairie.",
        )
    assert set(refused.value.fields) == {"owner_organisation_id"}
    rules.transition(
        cast.users["mayor"],
        project,
        "hand_over",
        owner_organisation_id=committee.id,
        maintenance_plan="L’ASACO entretient le centre ; la mairie paie le gardien.",
    )
    assert project.status == S.HANDED_OVER
    assert project.owner_organisation_id == committee.id


def test_public_from_agreement_on(session, cast):
    project = health_centre(cast, S.IN_CONSULTATION)
    assert not project.is_public
    rules.transition(cast.users["mayor"], project, "agree")
    assert project.is_public
    assert can_see_project(None, project)


def test_unanswered_projects_are_escalated_once_after_the_configured_delay(session, cast):
    from datetime import timedelta

    project = health_centre(cast, S.SUBMITTED)
    project.submitted_at = utcnow() - timedelta(days=31)
    fresh = health_centre(cast, S.SUBMITTED)
    session.flush()
    assert rules.escalate_unanswered() == 1
    assert project.escalated_at is not None and fresh.escalated_at is None
    assert rules.escalate_unanswered() == 0
    assert [e["action"] for e in rules.project_history(project, cast.users["mayor"])][-1] == "escalate"


def test_the_discussion_stays_with_those_who_saw_the_project_before_its_agreement(client, session, cast, login_as):
    """product.md: from agreement on, the public sees the record, not the discussion, which stays with those who
    saw the project before (its parties, mediators, observers, admins)."""
    from flask_login import AnonymousUserMixin

    project = health_centre(cast, S.IN_CONSULTATION)
    rules.add_comment(cast.users["officer"], project, "Le devis du foreur arrive lundi.")
    rules.transition(cast.users["mayor"], project, "agree", comment="Accord du conseil du 12 mars.")
    session.commit()
    readers = {"officer", "member", "mayor", "deputy", "clerk", "mediator", "observer", "admin"}
    for role, user in [*cast.users.items(), ("anonymous", AnonymousUserMixin())]:
        history = rules.project_history(project, user)
        actions = [e["action"] for e in history]
        assert ("comment" in actions) is (role in readers), role
        assert "agree" in actions, role  # the decision and its comment stay public
        assert any(e["comment"] == "Accord du conseil du 12 mars." for e in history), role

    # Each page as its reader gets it (one reader per request: Flask-Login keeps the first in the test's context).
    def page_as(role):
        from flask import g

        g.pop("_login_user", None)
        if role == "anonymous":
            client.delete_cookie("session")
        else:
            login_as(role)
        return client.get(f"/projects/{project.id}").get_data(as_text=True)

    for role in ("observer", "mayor", "mediator"):
        assert "Le devis du foreur arrive lundi." in page_as(role), role
    for role in ("mayor_b", "anonymous"):
        page = page_as(role)
        assert "Le devis du foreur arrive lundi." not in page and "Accord du conseil du 12 mars." in page, role
    api = client.get(f"/api/v1/projects/{project.id}/history").get_json()["items"]
    assert [e["action"] for e in api].count("comment") == 0
