"""Issue 21, friction 4: the mayor's decision path shows its steps. A project's page shows its road (product.md's
workflow: submitted → under review → in consultation → agreed → in progress → completed → handed over), which
steps are done and when, where it stands, what may come next and who takes it; each step's comment box is named
for it; and the association may still edit a submitted project until the review starts."""

import html
import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import Notification, Project
from tests.factories import add_member, make_user, sign_in
from tests.project_api import act, create, project_body, token
from tests.project_factories import make_project

# product.md, "The workflows": the road of a project, in order.
ROAD = ["draft", "submitted", "under_review", "in_consultation", "agreed", "in_progress", "completed", "handed_over"]


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ").replace("\u202f", " ")


def french(app, message: str, **variables) -> str:
    with app.test_request_context(), force_locale("fr"):
        return gettext(message, **variables).replace("\u00a0", " ").replace("\u202f", " ")


def road_on(page: str) -> list[tuple[str, str, str]]:
    """The road as the page draws it: (state, step's place — done, current, next, later, side —, its words)."""
    section = page[page.index('id="path"') :]
    section = section[: section.index("</section>")]
    return [
        (status, place, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", words)).strip())
        for place, status, words in re.findall(
            r'<li class="path-step path-(\w+)" data-status="(\w+)"[^>]*>(.*?)</li>', section, re.S
        )
    ]


def next_steps_on(page: str) -> list[str]:
    section = page[page.index('class="path-upcoming"') :]
    section = section[: section.index("</ul>")]
    return [re.sub(r"\s+", " ", item).strip() for item in re.findall(r"<li>(.*?)</li>", section, re.S)]


def comment_label(page: str, box_id: str) -> str:
    return re.search(rf'<label for="{box_id}">(.*?)</label>', page, re.S).group(1).strip()


@pytest.fixture()
def submitted(cast, session):
    project = make_project(cast.association, cast.commune_a, "submitted", title="Maternité de Diéma")
    session.commit()
    return project


def test_the_clerk_sees_the_road_where_the_project_stands_and_what_the_mayor_does_next(
    app, client, cast, login_as, submitted
):
    clerk = make_user("sg@test.org", "Secrétaire général")  # the secrétaire général of commune A: prepares
    add_member(clerk, cast.commune_org, "clerk")
    db.session.commit()
    mayor = login_as("mayor")
    for action in ("start_review", "open_consultation"):
        assert client.post(f"/projects/{submitted.id}/actions/{action}").status_code == 303

    sign_in(client, clerk)
    page = text_of(client.get(f"/projects/{submitted.id}"))
    road = road_on(page)
    assert [status for status, _place, _words in road] == ROAD
    places = {status: place for status, place, _words in road}
    assert places == {
        "draft": "done",
        "submitted": "done",
        "under_review": "done",
        "in_consultation": "current",
        "agreed": "next",
        "in_progress": "later",
        "completed": "later",
        "handed_over": "later",
    }
    words = {status: text for status, _place, text in road}
    # The steps taken carry their date and who took them; the next one says who takes it: the mayor or a deputy.
    assert mayor.name in words["under_review"] and re.search(r"\d{4}", words["under_review"])
    assert mayor.name in words["in_consultation"]
    assert french(app, "the mayor or a deputy") in words["agreed"]
    assert 'aria-current="step"' in page
    upcoming = next_steps_on(page)
    assert (
        upcoming[0] == f"{french(app, 'Agree')} — {french(app, 'by %(who)s', who=french(app, 'the mayor or a deputy'))}"
    )
    assert {step.split(" — ")[0] for step in upcoming} == {
        french(app, "Agree"),
        french(app, "Ask for changes"),
        french(app, "Decline"),
    }
    # The clerk prepares: no binding button, but the page told them what waits for the mayor.
    assert "/actions/agree" not in page


def test_a_submitted_project_shows_the_steps_after_the_review(app, client, login_as, submitted):
    login_as("mayor")
    page = text_of(client.get(f"/projects/{submitted.id}"))
    places = {status: place for status, place, _words in road_on(page)}
    assert places["submitted"] == "current"
    assert places["under_review"] == "next"
    assert places["in_consultation"] == places["agreed"] == "later"
    assert next_steps_on(page)[0].startswith(french(app, "Start the review"))


def test_a_resubmission_starts_the_road_again(app, client, cast, login_as, submitted):
    login_as("mayor")
    assert client.post(f"/projects/{submitted.id}/actions/start_review").status_code == 303
    response = client.post(
        f"/projects/{submitted.id}/actions/request_changes", data={"comment": "Ajoutez le devis du forage."}
    )
    assert response.status_code == 303
    page = text_of(client.get(f"/projects/{submitted.id}"))
    road = road_on(page)
    # Sent back from the review: the side state sits after "under review", and the association resubmits next.
    assert [(status, place) for status, place, _words in road][:4] == [
        ("draft", "done"),
        ("submitted", "done"),
        ("under_review", "done"),
        ("changes_requested", "side"),
    ]
    assert next_steps_on(page)[0].startswith(french(app, "Submit to the commune"))

    login_as("officer")
    assert client.post(f"/projects/{submitted.id}/actions/submit", data={"comment": "Devis ajouté."}).status_code == 303
    road = road_on(text_of(client.get(f"/projects/{submitted.id}")))
    places = {status: place for status, place, _words in road}
    assert places["submitted"] == "current" and places["under_review"] == "next"
    assert "changes_requested" not in places
    # The review of the first round is not shown as done: the cycle starts again.
    under_review = next(words for status, _place, words in road if status == "under_review")
    assert not re.search(r"\d{4}", under_review)


def test_each_reason_box_is_named_for_its_step(app, client, login_as, submitted, session):
    project = db.session.get(Project, submitted.id)
    project.status = "in_consultation"
    session.commit()
    login_as("mayor")
    page = client.get(f"/projects/{submitted.id}").get_data(as_text=True)
    decline = html.unescape(comment_label(page, "action-decline-comment"))
    changes = html.unescape(comment_label(page, "action-request_changes-comment"))
    assert decline.startswith(french(app, "Why you decline (the association will read it)").split(" (")[0])
    assert changes.startswith(french(app, "What to change (the association will read it)").split(" (")[0])
    assert decline != changes
    assert len(re.findall(r'id="action-decline-comment"', page)) == 1
    assert len(re.findall(r'id="action-request_changes-comment"', page)) == 1


def test_the_association_closes_a_funding_gap_after_submitting_until_the_review_starts(
    app, client, cast, login_as, submitted, session
):
    login_as("officer")
    page = text_of(client.get(f"/projects/{submitted.id}"))
    assert f'href="/projects/{submitted.id}/edit"' in page
    assert (
        french(
            app,
            "Until the commune starts the review, the association's officers may still edit the project "
            "(to close a funding gap, say); the commune is told of each change.",
        )
        in page
    )
    edit_page = client.get(f"/projects/{submitted.id}/edit")
    assert edit_page.status_code == 200
    version = re.search(r'name="version"[^>]*value="(\d+)"', edit_page.get_data(as_text=True)).group(1)
    body = {
        "title": "Maternité de Diéma",
        "summary": "Une maternité pour le centre de santé.",
        "sector": "health",
        "association_id": str(cast.association.id),
        "commune_id": str(cast.commune_a.id),
        "village": "Diéma",
        "pdsec_period": "2024-2028",
        "pdsec_line": "Santé, action 2",
        "budget-0-label": "Bâtiment",
        "budget-0-amount": "10000",
        "budget-0-currency": "XOF",
        "funding-0-party_kind": "association",
        "funding-0-organisation_id": str(cast.association.id),
        "funding-0-amount": "10000",
        "funding-0-currency": "XOF",
        "version": version,
    }
    assert client.post(f"/projects/{submitted.id}/edit", data=body).status_code == 303
    project = db.session.get(Project, submitted.id)
    assert project.status == "submitted" and project.funding_total_xof == project.budget_total_xof == 10000
    # The commune is told (product.md).
    mayor = cast.users["mayor"]
    told = session.scalars(select(Notification.event).where(Notification.user_id == mayor.id)).all()
    assert "project_edit_submitted" in told

    login_as("mayor")
    assert client.post(f"/projects/{submitted.id}/actions/start_review").status_code == 303
    login_as("officer")
    page = text_of(client.get(f"/projects/{submitted.id}"))
    assert f'href="/projects/{submitted.id}/edit"' not in page
    assert client.get(f"/projects/{submitted.id}/edit").status_code == 409


def test_the_api_edits_a_submitted_project_until_the_review_starts(client, cast):
    officer = token(client, "officer@test.org")
    mayor = token(client, "mayor@test.org")
    project = create(client, officer, project_body(cast))
    submitted = act(client, officer, project["id"], "submit")
    edited = client.patch(
        f"/api/v1/projects/{project['id']}",
        headers=officer,
        json={"version": submitted["version"], "title": "Forage à Diéma, devis complet"},
    )
    assert edited.status_code == 200
    assert edited.get_json()["status"] == "submitted"
    reviewed = act(client, mayor, project["id"], "start_review")
    refused = client.patch(
        f"/api/v1/projects/{project['id']}", headers=officer, json={"version": reviewed["version"], "title": "Autre"}
    )
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "not_editable"
