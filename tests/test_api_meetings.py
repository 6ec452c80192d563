"""Consultation meetings over the API (docs/api.md): scheduled across time zones, seen by whom product.md says,
answered, rescheduled and cancelled with .ics updates, minuted once started and approved by the parties."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from portal.models import AuditEvent, Meeting, OutboxMessage, ProjectStatus
from tests.factories import add_member, make_organisation, make_user
from tests.project_api import token
from tests.project_factories import make_project


def error_code(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    return response.get_json()["error"]["code"]


@pytest.fixture()
def world(cast, session):
    """Cast plus: a submitted project of association A in commune A; association B (not invited) with its
    officer; the partner's observer is on the cast already."""
    cast.project = make_project(cast.association, cast.commune_a, ProjectStatus.SUBMITTED, title="Maternité")
    cast.draft = make_project(cast.association, cast.commune_a, ProjectStatus.DRAFT, title="Brouillon")
    cast.association_b = make_organisation("association", "Association B", home_communes=[cast.commune_b])
    cast.officer_b = make_user("officer-b@test.org", "Responsable B")
    add_member(cast.officer_b, cast.association_b, "officer")
    session.commit()
    return cast


def body(w, **overrides) -> dict:
    values = {
        "title": "Concertation sur la maternité",
        "commune_id": w.commune_a.id,
        "project_ids": [w.project.id],
        "starts_at": "2026-12-15T10:00:00",
        "timezone": "Europe/Paris",
        "duration_minutes": 90,
        "location": "Mairie de Diéma",
        "online_url": "https://visio.example.org/diema",
        "invitee_organisation_ids": [w.association.id, w.partner.id],
    }
    values.update(overrides)
    return values


def schedule(client, headers, payload, expect=201) -> dict:
    response = client.post("/api/v1/meetings", json=payload, headers=headers)
    assert response.status_code == expect, (response.status_code, response.get_json())
    return response.get_json()


def ics_of(client, headers, meeting_id) -> icalendar.Calendar:
    response = client.get(f"/api/v1/meetings/{meeting_id}/ics", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(response.data)


def vevent(calendar) -> icalendar.Event:
    (event,) = [c for c in calendar.walk() if c.name == "VEVENT"]
    return event


def test_a_start_at_10_paris_on_15_december_is_09z_in_the_answer_and_the_ics(client, world):
    mayor = token(client, "mayor@test.org")
    meeting = schedule(client, mayor, body(world))
    assert meeting["starts_at"] == "2026-12-15T09:00:00Z"
    assert meeting["timezone"] == "Europe/Paris"
    assert meeting["organiser_organisation_id"] == world.commune_org.id
    assert meeting["invitee_organisation_ids"] == [world.association.id, world.partner.id]
    assert meeting["project_ids"] == [world.project.id]
    event = vevent(ics_of(client, mayor, meeting["id"]))
    assert event.decoded("dtstart") == datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
    assert event["dtstart"].to_ical() == b"20261215T090000Z"
    assert event.decoded("dtend") == datetime(2026, 12, 15, 10, 30, tzinfo=UTC)
    again = client.get(f"/api/v1/meetings/{meeting['id']}", headers=mayor).get_json()
    assert again["starts_at"] == "2026-12-15T09:00:00Z"


@pytest.mark.parametrize(
    ("starts_at", "zone", "utc"),
    [
        ("2026-07-15T10:00:00", "Europe/Paris", "2026-07-15T08:00:00Z"),  # summer: UTC+2
        ("2026-12-15T10:00:00", "Africa/Bamako", "2026-12-15T10:00:00Z"),  # Bamako is UTC all year
        ("2026-07-15T10:00:00", "Africa/Bamako", "2026-07-15T10:00:00Z"),
        ("2026-12-15T10:00:00", "America/New_York", "2026-12-15T15:00:00Z"),  # EST: UTC-5
        ("2026-07-15T10:00:00", "America/New_York", "2026-07-15T14:00:00Z"),  # EDT: UTC-4
        ("2026-12-15T10:00:00+01:00", "America/New_York", "2026-12-15T09:00:00Z"),  # an offset wins
        ("2026-12-15T09:00:00Z", "Europe/Paris", "2026-12-15T09:00:00Z"),
    ],
)
def test_time_zones(client, world, starts_at, zone, utc):
    mayor = token(client, "mayor@test.org")
    meeting = schedule(client, mayor, body(world, starts_at=starts_at, timezone=zone))
    assert meeting["starts_at"] == utc


def test_who_schedules_and_as_which_organiser(client, world, session):
    mediator = token(client, "mediator@test.org")
    meeting = schedule(client, mediator, body(world))
    assert meeting["organiser_organisation_id"] == world.ministry.id
    for email in ("officer@test.org", "member@test.org", "rep@test.org", "observer@test.org", "nobody@test.org"):
        assert error_code(client.post("/api/v1/meetings", json=body(world), headers=token(client, email)), 403) == (
            "forbidden"
        )
    # The mayor of commune B schedules for commune B only, and not about commune A's projects.
    mayor_b = token(client, "mayor-b@test.org")
    response = client.post("/api/v1/meetings", json=body(world), headers=mayor_b)
    assert error_code(response, 422) == "validation_failed"
    assert "commune_id" in response.get_json()["error"]["fields"]
    response = client.post("/api/v1/meetings", json=body(world, commune_id=world.commune_b.id), headers=mayor_b)
    assert "project_ids.0" in response.get_json()["error"]["fields"]
    assert client.post("/api/v1/meetings", json=body(world)).status_code == 401


def test_what_a_schedule_must_say(client, world):
    mayor = token(client, "mayor@test.org")
    cases = [
        (body(world, location=None, online_url=None), "location"),
        (body(world, timezone="Mars/Olympus"), "timezone"),
        (body(world, starts_at="le 15 décembre"), "starts_at"),
        (body(world, duration_minutes=0), "duration_minutes"),
        (body(world, invitee_organisation_ids=[]), "invitee_organisation_ids"),
        (body(world, project_ids=[world.draft.id]), "project_ids.0"),  # a draft never submitted
        (body(world, online_url="javascript:alert(1)"), "online_url"),
        (body(world, starts_at="0001-01-01T00:00:00", timezone="America/New_York"), "starts_at"),
        (body(world, starts_at="9999-12-31T23:59:00", timezone="Asia/Tokyo"), "starts_at"),
    ]
    for payload, field in cases:
        response = client.post("/api/v1/meetings", json=payload, headers=mayor)
        assert error_code(response, 422) == "validation_failed", payload
        assert field in response.get_json()["error"]["fields"], (field, response.get_json())
    past = schedule(client, mayor, body(world, starts_at="2020-01-10T09:00:00", online_url=None))
    assert past["starts_at"] == "2020-01-10T08:00:00Z"  # a meeting recorded after the fact


# Who may see a meeting, restated from product.md: the invited organisations' members (observers of an invited
# organisation included: observers read everything not confidential), the organiser's members, mediators,
# observers and admins; others 404; anonymous 401 (the API is never public for meetings).
SEES = {
    "admin@test.org": 200,
    "mediator@test.org": 200,
    "mayor@test.org": 200,  # organiser
    "deputy@test.org": 200,  # organiser
    "officer@test.org": 200,  # invited association
    "member@test.org": 200,  # invited association
    "rep@test.org": 404,  # the partner is not invited in this matrix
    "observer@test.org": 200,  # an observer
    "mayor-b@test.org": 404,
    "officer-b@test.org": 404,  # an association not invited
    "nobody@test.org": 404,
}


def test_who_sees_a_meeting(client, world):
    mayor = token(client, "mayor@test.org")
    meeting = schedule(client, mayor, body(world, invitee_organisation_ids=[world.association.id]))
    for email, status in SEES.items():
        headers = token(client, email)
        for suffix in ("", "/ics"):
            response = client.get(f"/api/v1/meetings/{meeting['id']}{suffix}", headers=headers)
            assert response.status_code == status, (email, suffix, response.status_code)
        listed = client.get("/api/v1/meetings", headers=headers).get_json()
        assert (meeting["id"] in [m["id"] for m in listed["items"]]) == (status == 200), email
    assert client.get(f"/api/v1/meetings/{meeting['id']}").status_code == 401


def test_rsvp_one_answer_per_organisation_the_last_standing(client, world):
    mayor = token(client, "mayor@test.org")
    meeting = schedule(client, mayor, body(world))
    url = f"/api/v1/meetings/{meeting['id']}/rsvp"
    officer, member = token(client, "officer@test.org"), token(client, "member@test.org")
    assert client.post(url, json={"answer": "maybe"}, headers=officer).status_code == 200
    answered = client.post(url, json={"answer": "yes"}, headers=member).get_json()
    rsvps = {i["organisation_id"]: i["rsvp"] for i in answered["invitees"]}
    assert rsvps == {world.association.id: "yes", world.partner.id: None}
    assert client.post(url, json={"answer": "no"}, headers=token(client, "rep@test.org")).status_code == 200
    # Observers read but do not answer; the organiser and mediators are not invitees.
    for email in ("observer@test.org", "mayor@test.org", "mediator@test.org", "admin@test.org"):
        assert error_code(client.post(url, json={"answer": "yes"}, headers=token(client, email)), 403) == "forbidden"
    assert error_code(client.post(url, json={"answer": "perhaps"}, headers=officer), 422) == "validation_failed"
    assert error_code(client.post(url, json={"answer": "yes"}, headers=token(client, "nobody@test.org")), 404)


def test_reschedule_keeps_the_uid_and_raises_the_sequence_cancel_sends_method_cancel(client, world, session):
    mayor = token(client, "mayor@test.org")
    meeting = schedule(client, mayor, body(world))
    first = vevent(ics_of(client, mayor, meeting["id"]))
    url = f"/api/v1/meetings/{meeting['id']}"
    moved = client.patch(
        url,
        json={"version": meeting["version"], "starts_at": "2026-12-16T15:00:00", "location": "École"},
        headers=mayor,
    )
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["starts_at"] == "2026-12-16T14:00:00Z" and moved.get_json()["location"] == "École"
    second = vevent(ics_of(client, mayor, meeting["id"]))
    assert str(second["uid"]) == str(first["uid"])
    assert int(second["sequence"]) > int(first["sequence"])
    assert second.decoded("dtstart") == datetime(2026, 12, 16, 14, 0, tzinfo=UTC)
    stale = client.patch(url, json={"version": meeting["version"], "title": "Autre"}, headers=mayor)
    assert error_code(stale, 409) == "stale_version"
    officer = token(client, "officer@test.org")
    assert error_code(client.patch(url, json={"version": 1}, headers=officer), 403) == "forbidden"
    assert error_code(client.post(url + "/cancel", json={}, headers=officer), 403) == "forbidden"
    assert error_code(client.post(url + "/cancel", json={}, headers=mayor), 422) == "comment_required"
    cancelled = client.post(url + "/cancel", json={"comment": "Hivernage : routes coupées."}, headers=mayor)
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    calendar = ics_of(client, mayor, meeting["id"])
    assert str(calendar["method"]) == "CANCEL"
    third = vevent(calendar)
    assert str(third["uid"]) == str(first["uid"]) and int(third["sequence"]) > int(second["sequence"])
    assert str(third["status"]) == "CANCELLED"
    assert error_code(client.post(url + "/cancel", json={"comment": "x"}, headers=mayor), 409) == "invalid_transition"
    # Each invitee got the invitation, the update and the cancellation, with the matching .ics attached.
    mails = session.query(OutboxMessage).filter(OutboxMessage.to_email == "officer@test.org").all()
    assert [m.event for m in mails] == ["meeting_invited", "meeting_rescheduled", "meeting_cancelled"]
    assert all(m.attachments and m.attachments[0]["filename"] == "invitation.ics" for m in mails)
    assert "method=CANCEL" in mails[-1].attachments[0]["content_type"]
    actions = [e.action for e in session.query(AuditEvent).filter_by(subject_type="meeting").order_by(AuditEvent.id)]
    assert actions == ["meeting.schedule", "meeting.reschedule", "meeting.cancel"]


def minutes(w, **overrides) -> dict:
    values = {
        "summary": "Le conseil et l’association ont examiné le dossier de la maternité.",
        "decisions": ["La commune fournit le terrain.", "L’association lance l’appel d’offres."],
        "attendee_organisation_ids": [w.association.id, w.commune_org.id],
    }
    values.update(overrides)
    return values


def test_minutes_only_once_started_reposted_until_the_first_approval(client, world, session):
    mayor = token(client, "mayor@test.org")
    future = schedule(client, mayor, body(world, starts_at="2099-01-01T10:00:00"))
    response = client.post(f"/api/v1/meetings/{future['id']}/minutes", json=minutes(world), headers=mayor)
    assert error_code(response, 409) == "invalid_transition"

    past = schedule(client, mayor, body(world, starts_at="2026-01-05T10:00:00"))
    url = f"/api/v1/meetings/{past['id']}/minutes"
    officer = token(client, "officer@test.org")
    assert error_code(client.post(url, json=minutes(world), headers=officer), 403) == "forbidden"
    assert error_code(client.post(url + "/answers", json={"answer": "approved"}, headers=officer), 409)
    posted = client.post(url, json=minutes(world), headers=mayor)
    assert posted.status_code == 200, posted.get_json()
    assert posted.get_json()["minutes"]["decisions"] == minutes(world)["decisions"]
    reposted = client.post(url, json=minutes(world, summary="Version corrigée."), headers=mayor).get_json()
    assert reposted["minutes"]["summary"] == "Version corrigée."

    answers = url + "/answers"
    assert error_code(client.post(answers, json={"answer": "commented"}, headers=officer), 422) == "comment_required"
    for email in ("observer@test.org", "rep@test.org"):  # an observer; a party invited but not attending
        assert error_code(client.post(answers, json={"answer": "approved"}, headers=token(client, email)), 403)
    commented = client.post(answers, json={"answer": "commented", "comment": "Ajouter la date."}, headers=officer)
    assert commented.status_code == 200
    assert client.post(url, json=minutes(world, summary="Avec la date."), headers=mayor).status_code == 200
    approved = client.post(answers, json={"answer": "approved"}, headers=officer).get_json()
    by_org = {a["organisation_id"]: a["answer"] for a in approved["minutes"]["attendees"]}
    assert by_org == {world.association.id: "approved", world.commune_org.id: None}
    assert approved["minutes"]["approved"] is True
    assert error_code(client.post(url, json=minutes(world), headers=mayor), 409) == "not_editable"
    # A ministry meeting is minuted by mediators, not by the commune.
    mediator = token(client, "mediator@test.org")
    ministry = schedule(client, mediator, body(world, starts_at="2026-01-05T10:00:00"))
    ministry_url = f"/api/v1/meetings/{ministry['id']}/minutes"
    assert error_code(client.post(ministry_url, json=minutes(world), headers=officer), 403) == "forbidden"
    assert error_code(client.post(ministry_url, json=minutes(world), headers=mayor), 404)  # not invited: unseen
    ministry_minutes = minutes(world, attendee_organisation_ids=[world.association.id, world.ministry.id])
    assert client.post(ministry_url, json=ministry_minutes, headers=mediator).status_code == 200


def test_reminders_are_sent_once(client, world, session, app):
    from portal.cli.jobs import SCHEDULED_JOBS
    from portal.domain.meetings import send_reminders
    from portal.notifications.jobs import run_due_jobs

    assert "meeting_reminders" in [job.name for job in SCHEDULED_JOBS]
    mayor = token(client, "mayor@test.org")
    soon = (datetime.now(UTC) + timedelta(hours=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = (datetime.now(UTC) + timedelta(hours=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    due = schedule(client, mayor, body(world, starts_at=soon))
    schedule(client, mayor, body(world, starts_at=later))  # 48 hours before it: not yet
    short = schedule(client, mayor, body(world, starts_at=soon, reminder_hours=2))  # its own delay: not yet
    job = next(job for job in SCHEDULED_JOBS if job.name == "meeting_reminders")
    run_due_jobs(app, [job])
    with app.app_context():
        assert send_reminders() == 0  # already reminded: never twice
    reminders = session.query(OutboxMessage).filter_by(event="meeting_reminder").all()
    # Every acting member of the invitees (the partner's observer left out) and the organiser's officials.
    expected = {"officer@test.org", "member@test.org", "rep@test.org", "mayor@test.org", "deputy@test.org"}
    assert {m.to_email for m in reminders} == expected
    reminded = {m.id for m in session.query(Meeting).filter(Meeting.reminded_at.is_not(None))}
    assert reminded == {due["id"]} and short["id"] not in reminded


def test_invitees_get_the_invitation_mail_with_the_ics_attached_through_sendgrid(client, world, session, monkeypatch):
    import base64

    from portal.notifications.senders import SendGridSender
    from tests.sendgrid_stub import SendGridStub

    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    mayor = token(client, "mayor@test.org")
    meeting = schedule(client, mayor, body(world))
    mails = session.query(OutboxMessage).filter_by(event="meeting_invited").order_by(OutboxMessage.id).all()
    # Every acting member of the invited organisations (not the partner's observer), and the deputy mayor.
    assert {m.to_email for m in mails} == {"officer@test.org", "member@test.org", "rep@test.org", "deputy@test.org"}
    stub = SendGridStub().start()
    try:
        sender = SendGridSender("SG-test-key", "Portail <no-reply@portail.example.org>", host=stub.url, timeout=2)
        for mail in mails:
            sender.send(mail)
        (request,) = [r for r in stub.requests if r.body["personalizations"][0]["to"][0]["email"] == "officer@test.org"]
    finally:
        stub.stop()
    (attachment,) = request.body["attachments"]
    assert attachment["filename"] == "invitation.ics" and attachment["type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(base64.b64decode(attachment["content"]))
    assert str(calendar["method"]) == "REQUEST"
    event = vevent(calendar)
    assert event.decoded("dtstart") == datetime(2026, 12, 15, 9, 0, tzinfo=UTC)
    assert str(event["uid"]) == str(vevent(ics_of(client, mayor, meeting["id"]))["uid"])
    assert "Concertation sur la maternité" in request.body["subject"]


def test_the_openapi_document_describes_the_meeting_endpoints(client, session):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/meetings"])
    assert {"get", "patch"} <= set(paths["/api/v1/meetings/{meeting_id}"])
    for suffix in ("/ics", "/cancel", "/rsvp", "/minutes", "/minutes/answers"):
        assert f"/api/v1/meetings/{{meeting_id}}{suffix}" in paths
    assert "text/calendar" in paths["/api/v1/meetings/{meeting_id}/ics"]["get"]["responses"]["200"]["content"]
    create = spec["components"]["schemas"]["MeetingCreate"]
    assert {"title", "commune_id", "starts_at", "timezone", "duration_minutes", "invitee_organisation_ids"} <= set(
        create["required"]
    )


def test_the_list_runs_as_many_queries_with_a_thousand_meetings(client, world, session):
    from portal.extensions import db
    from tests.meeting_factories import build_meeting

    def add_meetings(n):
        db.session.add_all(
            [
                build_meeting(world.commune_org, [world.association, world.partner], [world.project], minutes=True)
                for _ in range(n)
            ]
        )
        session.commit()

    from tests.helpers import assert_constant_queries

    assert_constant_queries(
        client, "/api/v1/meetings?per_page=100", add_meetings, large=300, headers=token(client, "officer@test.org")
    )


def test_the_list_filters_by_commune_and_project_and_is_paginated(client, world):
    mayor = token(client, "mayor@test.org")
    about = schedule(client, mayor, body(world))
    without = schedule(client, mayor, body(world, project_ids=[]))
    listed = client.get(f"/api/v1/meetings?project_id={world.project.id}", headers=mayor).get_json()
    assert [m["id"] for m in listed["items"]] == [about["id"]] and listed["total"] == 1
    by_commune = client.get(f"/api/v1/meetings?commune_id={world.commune_a.id}&per_page=1", headers=mayor).get_json()
    assert by_commune["total"] == 2 and by_commune["per_page"] == 1 and len(by_commune["items"]) == 1
    assert {m["id"] for m in client.get("/api/v1/meetings", headers=mayor).get_json()["items"]} == {
        about["id"],
        without["id"],
    }
    assert client.get(f"/api/v1/meetings?commune_id={world.commune_b.id}", headers=mayor).get_json()["total"] == 0
    assert error_code(client.get("/api/v1/meetings?page=0", headers=mayor), 422) == "validation_failed"


def test_commune_officials_may_not_invite_an_association_awaiting_verification_mediators_may(client, world):
    """Issue 20: an association the ministry has not verified is hidden from commune officials, so the commune may
    not invite it (422 on the field, the same words as for an id that does not exist); the mediators, who verify
    associations, may invite one to the meeting they call."""
    mayor = token(client, "mayor@test.org")
    pending = world.pending_association.id  # home commune A, awaiting verification
    payload = body(world, invitee_organisation_ids=[world.association.id, pending])
    response = client.post("/api/v1/meetings", json=payload, headers=mayor)
    assert error_code(response, 422) == "validation_failed"
    (messages,) = response.get_json()["error"]["fields"].values()
    assert list(response.get_json()["error"]["fields"]) == ["invitee_organisation_ids.1"]
    assert "vérifiée par le ministère" in messages[0]  # why, in the user's language
    unknown = client.post("/api/v1/meetings", json=body(world, invitee_organisation_ids=[999_999]), headers=mayor)
    assert unknown.get_json()["error"]["fields"] == {"invitee_organisation_ids.0": messages}  # nothing told apart
    assert client.get("/api/v1/meetings", headers=mayor).get_json()["total"] == 0  # nothing stored
    mediator = token(client, "mediator@test.org")
    meeting = schedule(client, mediator, payload)
    assert meeting["invitee_organisation_ids"] == [world.association.id, pending]
