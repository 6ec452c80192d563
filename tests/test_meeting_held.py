"""Meetings show that they took place (issue 21, frictions 5 and 6): statuses `scheduled` → `held` (minutes posted)
or `cancelled` (product.md, api.md); a past meeting without minutes reads "minutes awaited"; a past date is
recorded only once the form says so; the organiser is not asked to answer its own invitation nor to approve its
own minutes; time zones by their names, times to the minute; commitments taken one after the other at a meeting."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.models import Commitment, Meeting, Notification, ProjectStatus
from tests.commitment_factories import make_commitment
from tests.meeting_factories import make_meeting, schedule_form
from tests.project_api import token
from tests.project_factories import make_project


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True)).replace("\u00a0", " ").replace("\u202f", " ")


RSVP_LEGEND = "Votre organisation sera-t-elle présente ?"
CANCEL = "Annuler la réunion"
APPROVE = "Approuver le compte rendu"


@pytest.fixture()
def project(cast, session):
    made = make_project(cast.association, cast.commune_a, ProjectStatus.SUBMITTED, title="Maternité de Diéma")
    session.commit()
    return made


def minutes_form(cast, *attending) -> dict:
    return {
        "summary": "Le conseil a entendu l’association.",
        "decisions": "La commune fournit le terrain.",
        "attendee_organisation_ids": [str(o.id) for o in attending],
    }


def facts(page: str) -> str:
    """The status, organiser, commune and time of the meeting's page."""
    return page[page.index("Statut") : page.index("Ordre du jour")]


def test_minutes_make_the_meeting_held_with_no_rsvp_nor_cancel(client, cast, login_as, project, session):
    meeting = make_meeting(cast.commune_org, [cast.association], [project], hours_from_now=-3, title="Concertation")
    session.commit()
    login_as("officer")
    before = text_of(client.get(f"/meetings/{meeting.id}"))
    assert RSVP_LEGEND in before  # still scheduled: the invitation may be answered
    login_as("mayor")
    assert CANCEL in text_of(client.get(f"/meetings/{meeting.id}"))
    posted = client.post(f"/meetings/{meeting.id}/minutes", data=minutes_form(cast, cast.association))
    assert posted.status_code == 303
    assert db.session.get(Meeting, meeting.id).status == "held"

    page = text_of(client.get(f"/meetings/{meeting.id}"))
    assert "Tenue" in facts(page) and "Planifiée" not in facts(page)
    assert CANCEL not in page and "Changer l’heure ou le lieu" not in page
    assert "Corriger le compte rendu" in page  # held, not yet approved: the minutes may still be corrected
    listed = text_of(client.get("/meetings/"))
    row = listed[listed.index("Concertation") :]
    assert "Tenue" in row and "Planifiée" not in row
    assert client.post(f"/meetings/{meeting.id}/cancel", data={"comment": "Trop tard."}).status_code == 409
    assert client.get(f"/meetings/{meeting.id}/edit").status_code == 409

    login_as("officer")
    page = text_of(client.get(f"/meetings/{meeting.id}"))
    assert RSVP_LEGEND not in page and APPROVE in page
    assert client.post(f"/meetings/{meeting.id}/rsvp", data={"answer": "yes"}).status_code == 409
    login_as("mayor")  # a correction keeps it held
    assert client.post(f"/meetings/{meeting.id}/minutes", data=minutes_form(cast, cast.association)).status_code == 303
    assert db.session.get(Meeting, meeting.id).status == "held"


def test_a_past_meeting_without_minutes_reads_minutes_awaited(client, cast, login_as, project, session):
    past = make_meeting(cast.commune_org, [cast.association], [project], hours_from_now=-30, title="Réunion passée")
    make_meeting(cast.commune_org, [cast.association], [project], hours_from_now=30, title="Réunion à venir")
    session.commit()
    login_as("officer")
    listed = text_of(client.get("/meetings/"))
    upcoming = listed[listed.index("Réunion à venir") : listed.index("Réunion passée")]
    past_row = listed[listed.index("Réunion passée") :]
    assert "Planifiée" in upcoming
    assert "Compte rendu attendu" in past_row and "Planifiée" not in past_row and "(passée)" not in past_row
    page = text_of(client.get(f"/meetings/{past.id}"))
    assert "Compte rendu attendu" in facts(page) and "Planifiée" not in facts(page)
    on_project = text_of(client.get(f"/projects/{project.id}"))
    assert "Réunion passée" in on_project and "(Compte rendu attendu)" in on_project


def recorded_form(cast, project, day, **overrides) -> dict:
    values = {"title": "Concertation enregistrée après coup", "timezone": "Africa/Bamako", **overrides}
    return schedule_form(cast, project, date=day.isoformat(), **values)


def test_a_past_date_is_recorded_once_the_form_says_the_meeting_took_place(client, cast, login_as, project):
    login_as("mayor")
    last_week = (utcnow() - timedelta(days=7)).date()
    form = text_of(client.get(f"/meetings/new?project_id={project.id}"))
    assert "Cette réunion a déjà eu lieu : je l’enregistre après coup" in form
    refused = client.post("/meetings/new", data=recorded_form(cast, project, last_week))
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    date_error = re.search(r'id="meeting-date-error">([^<]*)<', body).group(1)
    assert "Cette date est passée" in html.unescape(date_error)  # said next to the date
    assert 'value="Concertation enregistrée après coup"' in body  # and nothing typed is lost
    assert db.session.scalar(select(Meeting.id)) is None
    done = client.post("/meetings/new", data=recorded_form(cast, project, last_week, recorded_late="yes"))
    assert done.status_code == 303
    meeting = db.session.scalar(select(Meeting))
    assert meeting.starts_at < utcnow() and meeting.status == "scheduled"
    # A future date needs no box.
    next_week = (utcnow() + timedelta(days=7)).date()
    assert client.post("/meetings/new", data=recorded_form(cast, project, next_week, title="Suite")).status_code == 303


def test_the_api_records_a_past_meeting_and_answers_held_once_minutes_are_posted(client, cast, project):
    headers = token(client, cast.users["mayor"].email)
    created = client.post(
        "/api/v1/meetings",
        json={
            "title": "Concertation tenue hier",
            "commune_id": cast.commune_a.id,
            "project_ids": [project.id],
            "starts_at": (utcnow() - timedelta(days=1)).strftime("%Y-%m-%dT10:00"),
            "timezone": "Africa/Bamako",
            "duration_minutes": 90,
            "location": "Mairie",
            "invitee_organisation_ids": [cast.association.id],
        },
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    meeting = created.get_json()
    assert meeting["status"] == "scheduled"
    minutes = {"summary": "Résumé.", "decisions": ["Visite."], "attendee_organisation_ids": [cast.association.id]}
    posted = client.post(f"/api/v1/meetings/{meeting['id']}/minutes", json=minutes, headers=headers)
    assert posted.status_code == 200 and posted.get_json()["status"] == "held"
    assert client.get(f"/api/v1/meetings/{meeting['id']}", headers=headers).get_json()["status"] == "held"
    again = client.post(f"/api/v1/meetings/{meeting['id']}/minutes", json=minutes, headers=headers)
    assert again.status_code == 200 and again.get_json()["status"] == "held"  # corrected while not approved
    cancel = client.post(f"/api/v1/meetings/{meeting['id']}/cancel", json={"comment": "Non."}, headers=headers)
    assert cancel.status_code == 409
    officer = token(client, cast.users["officer"].email)
    rsvp = client.post(f"/api/v1/meetings/{meeting['id']}/rsvp", json={"answer": "yes"}, headers=officer)
    assert rsvp.status_code == 409


def test_the_organiser_is_not_asked_to_answer_its_own_invitation_nor_its_own_minutes(
    client, cast, login_as, project, session
):
    invited = make_meeting(
        cast.commune_org, [cast.commune_org, cast.association], [project], hours_from_now=30, title="Invitée"
    )
    minuted = make_meeting(
        cast.commune_org, [cast.commune_org, cast.association], [project], hours_from_now=-30, title="Minutée"
    )
    session.commit()
    login_as("mayor")
    posted = client.post(f"/meetings/{minuted.id}/minutes", data=minutes_form(cast, cast.commune_org, cast.association))
    assert posted.status_code == 303
    # The deputy, an official of the organiser, is told the minutes are posted, not asked to approve them.
    told = session.scalars(
        select(Notification.audience).where(
            Notification.user_id == cast.users["deputy"].id, Notification.event == "meeting_minutes_posted"
        )
    ).all()
    assert told and "attendees" not in told
    home = text_of(client.get("/"))
    assert "Dites si vous participerez à « Invitée »" not in home
    assert "Approuvez ou commentez le compte rendu de « Minutée »" not in home
    assert RSVP_LEGEND not in text_of(client.get(f"/meetings/{invited.id}"))
    assert client.post(f"/meetings/{invited.id}/rsvp", data={"answer": "yes"}).status_code == 403
    assert APPROVE not in text_of(client.get(f"/meetings/{minuted.id}"))
    assert client.post(f"/meetings/{minuted.id}/minutes/answer", data={"answer": "approved"}).status_code == 403
    # The invited association is still asked, and its approval is the one that closes the minutes.
    login_as("officer")
    home = text_of(client.get("/"))
    assert "Dites si vous participerez à « Invitée »" in home
    assert "Approuvez ou commentez le compte rendu de « Minutée »" in home


def test_time_zones_by_their_names_and_times_to_the_minute(client, cast, login_as, project, session):
    meeting = make_meeting(cast.commune_org, [cast.association], [project], hours_from_now=48, timezone="Europe/Paris")
    session.commit()
    login_as("officer")  # in Bamako
    page = text_of(client.get(f"/meetings/{meeting.id}"))
    when = facts(page)
    assert "fuseau horaire de la réunion : Paris" in when and "Europe/Paris" not in when
    assert not re.search(r"\d\d:\d\d:\d\d", when), when
    login_as("mayor")
    form = text_of(client.get(f"/meetings/{meeting.id}/edit"))
    assert re.search(r'<option value="Africa/Bamako"[^>]*>Bamako</option>', form)
    assert re.search(r'<option value="Europe/Paris"[^>]*selected>Paris</option>', form)
    assert re.search(r'<option value="Europe/London"[^>]*>Londres</option>', form)


def test_commitments_taken_one_after_another_stay_tied_to_the_meeting_with_their_amounts(
    client, cast, login_as, project, session
):
    meeting = make_meeting(cast.commune_org, [cast.association], [project], hours_from_now=-3, title="Concertation")
    make_commitment(project, cast.association, kind="financial", amount="5000", currency="EUR", meeting_id=meeting.id)
    session.commit()
    login_as("mayor")
    due = (utcnow() + timedelta(days=30)).date().isoformat()
    first = {
        "organisation_id": str(cast.commune_org.id),
        "kind": "administrative",
        "description": "Délibérer sur le terrain",
        "amount": "",
        "currency": "",
        "due_date": due,
        "meeting_id": str(meeting.id),
    }
    saved = client.post(f"/projects/{project.id}/commitments", data=first)
    assert saved.status_code == 303
    follow = client.get(saved.headers["Location"])
    assert f'name="meeting_id" value="{meeting.id}"' in follow.get_data(as_text=True)  # the next one too
    assert "Retour à la réunion" in text_of(follow)
    second = client.post(f"/projects/{project.id}/commitments", data={**first, "description": "Fournir le plan"})
    assert second.status_code == 303
    tied = session.scalars(select(Commitment.description).where(Commitment.meeting_id == meeting.id)).all()
    assert {"Délibérer sur le terrain", "Fournir le plan"} <= set(tied)
    page = text_of(client.get(f"/meetings/{meeting.id}"))
    taken = page[page.index("Engagements pris lors de cette réunion") :]
    assert "5 000,00 €" in taken  # the amount, written the French way with its currency
