"""Defects found when each rule got one home (issue 8), each checked from the outside: who is told, which owner
a facility may have, what a huge id or an odd `next` gets."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, OutboxMessage, ProjectStatus
from tests.factories import PASSWORD, make_organisation
from tests.project_api import token
from tests.project_factories import make_project

S = ProjectStatus
COMMUNE_PEOPLE = ("mayor", "deputy")  # the officials of commune A in the cast
ASSOCIATION_PEOPLE = ("officer",)  # its officers are told of the association's projects


def _told(user) -> dict:
    """What a person heard of, by event: in the inbox and by mail."""
    inbox = db.session.scalars(select(Notification.event).where(Notification.user_id == user.id)).all()
    mails = db.session.scalars(select(OutboxMessage.event).where(OutboxMessage.to_email == user.email)).all()
    return {"inbox": sorted(inbox), "mail": sorted(mails)}


# 1. A never-submitted draft reaches nobody outside its association -------------------------------------


def test_a_comment_on_a_never_submitted_draft_reaches_nobody_outside_its_association(client, cast, login_as):
    draft = make_project(cast.association, cast.commune_a, S.DRAFT, title="Puits secret")
    db.session.commit()
    login_as("member")  # a member of the association (not its officer) writes in the draft's discussion
    response = client.post(f"/projects/{draft.id}/comments", data={"body": "Le devis est prêt."})
    assert response.status_code == 303
    for role in COMMUNE_PEOPLE + ("mediator", "observer", "nobody"):
        assert _told(cast.users[role]) == {"inbox": [], "mail": []}, role
    # The association's officer, who may see the draft, is told.
    assert _told(cast.users["officer"]) == {"inbox": ["project_comment"], "mail": ["project_comment"]}


def test_withdrawing_a_never_submitted_draft_tells_the_commune_nothing(client, cast, login_as):
    draft = make_project(cast.association, cast.commune_a, S.DRAFT, title="Puits secret")
    db.session.commit()
    login_as("officer")
    response = client.post(f"/projects/{draft.id}/actions/withdraw", data={"comment": "Abandonné.", "confirmed": "1"})
    assert response.status_code == 303
    for role in COMMUNE_PEOPLE:
        told = _told(cast.users[role])
        assert told == {"inbox": [], "mail": []}, role
        assert "Puits secret" not in " ".join(
            db.session.scalars(select(OutboxMessage.body_text).where(OutboxMessage.to_email == cast.users[role].email))
        )


def test_once_submitted_the_same_comment_and_withdrawal_reach_the_commune(client, cast, login_as):
    """The other side of the rule: from the first submission on, the commune's officials see it and are told."""
    project = make_project(cast.association, cast.commune_a, S.SUBMITTED)
    db.session.commit()
    login_as("member")
    assert client.post(f"/projects/{project.id}/comments", data={"body": "Le devis est prêt."}).status_code == 303
    login_as("officer")
    assert (
        client.post(f"/projects/{project.id}/actions/withdraw", data={"comment": "", "confirmed": "1"}).status_code
        == 303
    )
    for role in COMMUNE_PEOPLE:
        assert _told(cast.users[role]) == {
            "inbox": ["project_comment", "project_withdraw"],
            "mail": ["project_comment", "project_withdraw"],
        }, role


# 2. The hand-over owner: the commune, or a committee of that commune --------------------------------------


@pytest.fixture()
def completed(cast):
    project = make_project(cast.association, cast.commune_a, S.COMPLETED)
    here = make_organisation("committee", "ASACO de Diéma", commune=cast.commune_a)
    elsewhere = make_organisation("committee", "ASACO de Béma", commune=cast.commune_b)
    db.session.commit()
    return project, here, elsewhere


def test_the_api_refuses_a_committee_of_another_commune_as_owner(client, cast, completed):
    project, _here, elsewhere = completed
    headers = token(client, cast.users["mayor"].email, PASSWORD)
    body = {"action": "hand_over", "owner_organisation_id": elsewhere.id, "maintenance_plan": "Le comité entretient."}
    response = client.post(f"/api/v1/projects/{project.id}/transitions", json=body, headers=headers)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert list(error["fields"]) == ["owner_organisation_id"]
    assert db.session.get(type(project), project.id).status == S.COMPLETED


@pytest.mark.parametrize("owner", ["commune", "committee here"])
def test_the_api_accepts_the_commune_or_one_of_its_committees(client, cast, completed, owner):
    project, here, _elsewhere = completed
    owner_id = cast.commune_org.id if owner == "commune" else here.id
    headers = token(client, cast.users["mayor"].email, PASSWORD)
    body = {"action": "hand_over", "owner_organisation_id": owner_id, "maintenance_plan": "Le comité entretient."}
    response = client.post(f"/api/v1/projects/{project.id}/transitions", json=body, headers=headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "handed_over"
    assert response.get_json()["owner_organisation_id"] == owner_id


def test_the_page_offers_exactly_the_owners_the_rule_accepts(client, cast, completed, login_as):
    project, here, elsewhere = completed
    login_as("mayor")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert f'value="{cast.commune_org.id}"' in page and here.name in page
    assert elsewhere.name not in page and f'value="{elsewhere.id}"' not in page


# 3. Ids: bounded at 2^31 - 1 everywhere --------------------------------------------------------------------

HUGE_IDS = [2**31, 2**63 + 5, 10**30]


@pytest.mark.parametrize("huge", HUGE_IDS)
@pytest.mark.parametrize("role", ["anonymous", "admin", "officer"])
def test_a_huge_id_in_any_url_is_not_found(app, client, cast, login_as, role, huge):
    if role != "anonymous":
        login_as(role)
    rules = [rule for rule in app.url_map.iter_rules() if any(name.endswith("_id") for name in rule.arguments)]
    assert len(rules) >= 20  # every page and API rule that reads an id
    for rule in rules:
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<id:{name}>", str(huge)).replace(f"<{name}>", "submit")
        assert "<" not in path, f"{rule.rule}: an id not read by the id converter"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method)
            assert response.status_code == 404, f"{role} {method} {path}: {response.status_code}"


@pytest.mark.parametrize("huge", [2**31, 2**63 + 5])
def test_a_huge_id_in_a_json_body_is_refused_naming_the_field(client, cast, huge):
    headers = token(client, cast.users["officer"].email, PASSWORD)
    body = {
        "title": "Forage",
        "sector": "water",
        "commune_id": huge,
        "association_id": cast.association.id,
        "funding_lines": [{"party_kind": "partner", "organisation_id": huge, "amount": "10", "currency": "XOF"}],
    }
    response = client.post("/api/v1/projects", json=body, headers=headers)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"commune_id", "funding_lines.0.organisation_id"}


def test_a_huge_owner_id_in_the_hand_over_form_is_refused_next_to_its_field(client, cast, completed, login_as):
    project, _here, _elsewhere = completed
    login_as("mayor")
    response = client.post(
        f"/projects/{project.id}/actions/hand_over",
        data={"owner_organisation_id": str(2**63 + 5), "maintenance_plan": "Le comité entretient."},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Désignez le propriétaire" in page
    assert "Le comité entretient." in page  # what was typed is kept


# 4. `next` after signing in ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "next_url, expected",
    [
        ("/projects/", "/projects/"),
        ("/\nfoo", "/"),
        ("/projects/\r\nSet-Cookie: x=1", "/"),
        ("/\x7fprojects", "/"),
        ("//evil.example.com/", "/"),
        ("https://evil.example.com/", "/"),
        ("/\\evil.example.com", "/"),
    ],
)
def test_login_goes_to_a_usable_local_next_only(client, cast, next_url, expected):
    response = client.post(
        "/auth/login", data={"email": cast.users["officer"].email, "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == expected
