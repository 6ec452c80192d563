"""The secrétaire général prepares and records; the mayor and deputies decide (product.md, "Who uses it" and
"Council deliberations"; api.md: decisions that bind the commune by a clerk: 403).

A clerk of commune A sees its projects, starts the review, opens the consultation, starts and completes the
works, records the council's deliberation; agreeing, declining, asking for changes, handing over, proposing or
accepting an amendment and answering a settlement are refused (403), and the pages offer none of them.
"""

import re

import pytest

from portal.database import utcnow
from portal.extensions import db
from portal.models import Amendment, ProjectStatus
from tests.dispute_factories import make_dispute
from tests.project_api import token
from tests.project_factories import make_project

S = ProjectStatus


@pytest.fixture()
def clerk(cast, session):
    user = cast.add_clerk()
    session.commit()
    return user


def _project(cast, status):
    """Association A's project in commune A, its plan covering its budget, with the partner's confirmed line."""
    project = make_project(
        cast.association,
        cast.commune_a,
        status,
        funding=(("association", cast.association, 600_000, "XOF"), ("partner", cast.partner, 400_000, "XOF")),
    )
    project.funding_lines[1].confirmed_at = utcnow()
    db.session.commit()
    return project


def _action_forms(page: str) -> set[str]:
    return set(re.findall(r'action="/projects/\d+/actions/(\w+)(?:#[\w-]+)?"', page))


@pytest.mark.parametrize(
    ("status", "clerk_may", "mayor_may"),
    [
        (S.SUBMITTED, {"start_review"}, {"start_review"}),
        (S.UNDER_REVIEW, {"open_consultation"}, {"open_consultation", "request_changes", "decline"}),
        (S.IN_CONSULTATION, set(), {"agree", "request_changes", "decline"}),
        (S.AGREED, {"start_implementation"}, {"start_implementation"}),
        (S.IN_PROGRESS, {"complete"}, {"complete"}),
        (S.COMPLETED, set(), {"hand_over"}),
    ],
)
def test_the_project_page_offers_the_clerk_only_what_prepares(
    client, cast, clerk, login_as, status, clerk_may, mayor_may
):
    project = _project(cast, status)
    login_as("clerk")
    page = client.get(f"/projects/{project.id}")
    assert page.status_code == 200
    assert _action_forms(page.get_data(as_text=True)) == clerk_may
    login_as("mayor")
    assert _action_forms(client.get(f"/projects/{project.id}").get_data(as_text=True)) == mayor_may


@pytest.mark.parametrize(
    ("status", "action", "body"),
    [
        (S.IN_CONSULTATION, "agree", {}),
        (S.IN_CONSULTATION, "decline", {"comment": "Hors du plan."}),
        (S.UNDER_REVIEW, "request_changes", {"comment": "Le devis manque."}),
        (S.COMPLETED, "hand_over", {"maintenance_plan": "La mairie entretient."}),
    ],
)
def test_a_decision_that_binds_the_commune_is_refused_to_the_clerk(client, cast, clerk, status, action, body):
    project = _project(cast, status)
    headers = token(client, clerk.email)
    response = client.post(
        f"/api/v1/projects/{project.id}/transitions", json={"action": action, **body}, headers=headers
    )
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert client.get(f"/api/v1/projects/{project.id}", headers=headers).get_json()["status"] == status  # seen
    response = client.post(f"/projects/{project.id}/actions/{action}", data={**body, "confirmed": "1"})
    assert client.get(f"/api/v1/projects/{project.id}", headers=headers).get_json()["status"] == status


def test_the_clerk_prepares_the_review_and_the_works(client, cast, clerk):
    project = _project(cast, S.SUBMITTED)
    headers = token(client, clerk.email)
    for action, status in (("start_review", "under_review"), ("open_consultation", "in_consultation")):
        response = client.post(f"/api/v1/projects/{project.id}/transitions", json={"action": action}, headers=headers)
        assert response.status_code == 200 and response.get_json()["status"] == status
    deliberation = {"deliberation_number": "2025-031/CD", "deliberation_date": "2025-03-12"}
    agreed = _project(cast, S.AGREED)
    response = client.post(f"/api/v1/projects/{agreed.id}/convention/deliberation", json=deliberation, headers=headers)
    assert response.status_code == 200, response.get_json()


def test_the_clerk_neither_proposes_nor_accepts_an_amendment(client, cast, clerk, login_as):
    project = _project(cast, S.IN_PROGRESS)
    line = project.funding_lines[0]
    login_as("clerk")
    assert 'id="propose-amendment"' not in client.get(f"/projects/{project.id}/amendments").get_data(as_text=True)
    login_as("mayor")
    assert 'id="propose-amendment"' in client.get(f"/projects/{project.id}/amendments").get_data(as_text=True)
    headers = token(client, clerk.email)
    version = client.get(f"/api/v1/projects/{project.id}", headers=headers).get_json()["version"]
    funding = [{"line_id": line.id, "amount": "700000"}]
    body = {"budget_lines": [], "funding_lines": funding, "reason": "Plus profond.", "version": version}
    response = client.post(f"/api/v1/projects/{project.id}/amendments", json=body, headers=headers)
    assert response.status_code == 403
    proposed = client.post(
        f"/api/v1/projects/{project.id}/amendments", json=body, headers=token(client, cast.users["officer"].email)
    )
    assert proposed.status_code == 201, proposed.get_json()
    amendment_id = proposed.get_json()["id"]
    response = client.post(f"/api/v1/amendments/{amendment_id}/transitions", json={"action": "accept"}, headers=headers)
    assert response.status_code == 403
    assert db.session.get(Amendment, amendment_id).status == "proposed"
    login_as("clerk")
    page = client.get(f"/projects/{project.id}/amendments").get_data(as_text=True)
    assert f"/amendments/{amendment_id}/actions/accept" not in page
    response = client.post(f"/projects/{project.id}/amendments/{amendment_id}/actions/accept")
    assert response.status_code == 403
    login_as("mayor")
    page = client.get(f"/projects/{project.id}/amendments").get_data(as_text=True)
    assert f"/amendments/{amendment_id}/actions/accept" in page


@pytest.mark.parametrize("action", ["accept", "object"])
def test_the_clerk_does_not_answer_a_settlement_for_the_commune(client, cast, clerk, login_as, action):
    dispute = make_dispute(cast, "resolved", respondent=cast.commune_org)
    db.session.commit()
    headers = token(client, clerk.email)
    assert client.get(f"/api/v1/disputes/{dispute.id}", headers=headers).status_code == 200  # they follow it
    body = {"action": action, "comment": "Nous contestons le calendrier."}
    response = client.post(f"/api/v1/disputes/{dispute.id}/transitions", json=body, headers=headers)
    assert response.status_code == 403
    login_as("clerk")
    page = client.get(f"/disputes/{dispute.id}").get_data(as_text=True)
    assert f"/disputes/{dispute.id}/actions/{action}" not in page
    response = client.post(
        f"/api/v1/disputes/{dispute.id}/transitions", json=body, headers=token(client, "mayor@test.org")
    )
    assert response.status_code == 200


def test_what_awaits_the_clerk_is_what_they_may_do(cast, clerk):
    """A project in consultation awaits the commune's decision, the mayor's: the secrétaire général's home page
    lists the submitted project to review, not the decision."""
    from portal.domain.awaiting import projects_awaiting

    submitted = _project(cast, S.SUBMITTED)
    in_consultation = _project(cast, S.IN_CONSULTATION)
    assert {item.record.id for item in projects_awaiting(clerk)} == {submitted.id}
    assert {item.record.id for item in projects_awaiting(cast.users["mayor"])} == {submitted.id, in_consultation.id}
