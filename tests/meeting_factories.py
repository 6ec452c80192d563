"""Meetings made directly in the database, for tests of pages, lists and the route walk (no notices sent)."""

import itertools
from datetime import date, timedelta

from portal.database import utcnow
from portal.extensions import db
from portal.models import Meeting, MeetingAttendee, MeetingInvitee, MeetingProject, Organisation

_sequence = itertools.count(1)


def build_meeting(
    organiser: Organisation,
    invitees: list[Organisation],
    projects: list = (),
    *,
    commune_id: int | None = None,
    hours_from_now: float = -1,
    minutes: bool = False,
    timezone: str = "Europe/Paris",
    **fields,
) -> Meeting:
    """A scheduled meeting of `organiser` (a commune's organisation or the ministry); `minutes`: posted (so held),
    with the first invitee attending and no answer yet."""
    n = next(_sequence)
    meeting = Meeting(
        uid=f"test-meeting-{n}-{utcnow().timestamp()}@test",
        title=fields.pop("title", f"Réunion {n}"),
        commune_id=commune_id or organiser.commune_id or projects[0].commune_id,
        organiser_id=organiser.id,
        starts_at=utcnow() + timedelta(hours=hours_from_now),
        timezone=timezone,
        duration_minutes=fields.pop("duration_minutes", 90),
        location=fields.pop("location", "Salle du conseil"),
        online_url=fields.pop("online_url", None),
        **fields,
    )
    meeting.agenda = [MeetingProject(project_id=p.id, position=i) for i, p in enumerate(projects)]
    meeting.invitees = [MeetingInvitee(organisation_id=o.id) for o in invitees]
    if minutes:
        meeting.status = "held"
        meeting.minutes_summary = "Le conseil a entendu l’association."
        meeting.minutes_decisions = ["Visite du site en janvier."]
        meeting.minutes_posted_at = utcnow()
        meeting.attendees = [MeetingAttendee(organisation_id=invitees[0].id)]
    return meeting


def make_meeting(organiser: Organisation, invitees: list[Organisation], projects: list = (), **kwargs) -> Meeting:
    """build_meeting(...), added and flushed."""
    meeting = build_meeting(organiser, invitees, projects, **kwargs)
    db.session.add(meeting)
    db.session.flush()
    return meeting


# A day always ahead of the clock, in winter (Paris one hour ahead of UTC): the meeting form refuses a past date
# unless told the meeting already took place, so a fixed date would break the tests once it passed.
NEXT_JANUARY = date(date.today().year + 1, 1, 15)


def schedule_form(cast, project, **overrides) -> dict:
    """The meeting form as the mayor fills it in: the project on the agenda, its association invited."""
    return {
        "title": "Concertation sur la maternité",
        "date": NEXT_JANUARY.isoformat(),
        "time": "10:00",
        "timezone": "Europe/Paris",
        "duration_minutes": "90",
        "location": "Mairie de Diéma",
        "online_url": "",
        "reminder_hours": "48",
        "project_ids": [str(project.id)],
        "invitee_organisation_ids": [str(cast.association.id)],
        **overrides,
    }
