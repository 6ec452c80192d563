"""Consultation meetings: who may schedule, answer, minute and approve, and the operations that do it.

A meeting is organised by a commune (one of its officials schedules it) or by the ministry (a mediator does).
Its start is stored in UTC beside its IANA time zone; a start given without an offset is local time in that
zone. Who may see a meeting is portal/visibility.py's rule; `load_meeting` applies it (404) with the rule of
the action (403). Each operation checks, changes, records on the audit log and notifies (with the .ics).
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import icalendar
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import case, or_, select, true, update
from sqlalchemy.orm import joinedload, selectinload

from portal.database import utcnow
from portal.domain import workflow
from portal.domain.audit import record
from portal.domain.disputes import load_dispute, may_hold_session
from portal.domain.settings import get_setting
from portal.errors import Refused
from portal.extensions import db
from portal.ids import is_id
from portal.labels import at_most_characters
from portal.models import (
    COMMUNE_OFFICIAL_ROLES,
    MINUTES_ANSWERS,
    RSVP_ANSWERS,
    Commune,
    Dispute,
    HomeCommune,
    MediationSession,
    Meeting,
    MeetingAttendee,
    MeetingInvitee,
    MeetingProject,
    MeetingStatus,
    Organisation,
    OrganisationKind,
    Project,
    Verification,
)
from portal.notifications.notify import notify
from portal.urls import public_url
from portal.visibility import (
    can_see_meeting,
    can_see_project,
    is_mediator,
    memberships_of,
    party_organisation_ids,
    visible_meetings,
    visible_projects,
)

TITLE_MAX, SHORT_MAX, URL_MAX, LONG_MAX = 200, 200, 500, 20_000
DURATION_MAX = 7 * 24 * 60  # a week, in minutes
REMINDER_HOURS_MAX = 30 * 24
AGENDA_MAX, INVITEES_MAX, DECISIONS_MAX = 50, 100, 100
YEARS = (1990, 2100)  # meetings recorded after the fact, or planned: nothing a time zone cannot convert


PAST_START = _l(
    "This date is past. If the meeting already took place and you are recording it late, tick the box below; "
    "otherwise correct the date."
)


def _too_long(n: int) -> str:
    return str(at_most_characters(n))


# Time zones ---------------------------------------------------------------------------------------------


@cache
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_time_zone(name) -> bool:
    return isinstance(name, str) and name in time_zones()


def to_utc(starts_at: datetime, zone: str) -> datetime:
    """A start without an offset is local time in `zone`; one with an offset is that instant. In UTC."""
    if starts_at.tzinfo is None:
        starts_at = starts_at.replace(tzinfo=ZoneInfo(zone))
    return starts_at.astimezone(UTC)


def local_start(meeting: Meeting) -> datetime:
    """The meeting's start in its own time zone."""
    return meeting.starts_at.astimezone(ZoneInfo(meeting.timezone))


def ends_at(meeting: Meeting) -> datetime:
    return meeting.starts_at + timedelta(minutes=meeting.duration_minutes)


def has_started(meeting: Meeting, now: datetime | None = None) -> bool:
    return meeting.starts_at <= (now or utcnow())


MINUTES_AWAITED = "minutes_awaited"


def shown_status(meeting: Meeting, now: datetime | None = None) -> str:
    """What the pages say of a meeting: its status, or "minutes awaited" for one that has started, is still
    scheduled and has no minutes yet (product.md)."""
    if meeting.status == MeetingStatus.SCHEDULED and has_started(meeting, now):
        return MINUTES_AWAITED
    return meeting.status


def _not_scheduled(meeting: Meeting) -> str:
    """Why an invitation can no longer be answered, nor the meeting changed."""
    if meeting.status == MeetingStatus.HELD:
        return _l("This meeting took place: its minutes are posted.")
    return _l("This meeting is cancelled.")


# Who a user is for a meeting ----------------------------------------------------------------------------


def _acting_ids(user) -> set[int]:
    """The organisations the user acts for (any membership but observer)."""
    return {m.organisation_id for m in memberships_of(user) if m.role != "observer"}


def official_communes(user) -> set[int]:
    """The communes whose organisation the user is an official of."""
    return {
        m.organisation.commune_id
        for m in memberships_of(user)
        if m.organisation.kind == OrganisationKind.COMMUNE and m.role in COMMUNE_OFFICIAL_ROLES
    }


def can_schedule(user) -> bool:
    """Commune officials (for their commune) and mediators (for the ministry) schedule meetings."""
    return bool(official_communes(user)) or is_mediator(user)


def can_schedule_about(user, project: Project) -> bool:
    """From its first submission on, a project's commune officials and mediators put it on an agenda."""
    if project.first_submitted_at is None or not can_see_project(user, project):
        return False
    return project.commune_id in official_communes(user) or is_mediator(user)


def can_manage(user, meeting: Meeting) -> bool:
    """The organiser's officials (the commune's mayor, deputies, clerk; or the ministry's mediators)."""
    organiser = meeting.organiser
    if organiser.kind == OrganisationKind.MINISTRY:
        return is_mediator(user)
    return any(m.organisation_id == organiser.id and m.role in COMMUNE_OFFICIAL_ROLES for m in memberships_of(user))


def can_change(user, meeting: Meeting) -> bool:
    """Rescheduling and cancelling: the organiser's officials, while the meeting is scheduled."""
    return can_manage(user, meeting) and meeting.status == MeetingStatus.SCHEDULED


def rsvp_organisations(user, meeting: Meeting) -> list[Organisation]:
    """The invited organisations the user answers for (through a membership that is not observer); the organiser
    is never asked to answer its own invitation (product.md)."""
    mine = _acting_ids(user) - {meeting.organiser_id}
    return [i.organisation for i in meeting.invitees if i.organisation_id in mine]


def can_rsvp(user, meeting: Meeting) -> bool:
    return bool(rsvp_organisations(user, meeting)) and meeting.status == MeetingStatus.SCHEDULED


def minutes_approved(meeting: Meeting) -> bool:
    """Whether an attending party other than the organiser approved the minutes (the organiser wrote them: its own
    approval, recorded before this rule, counts for nothing)."""
    return any(a.answer == "approved" and a.organisation_id != meeting.organiser_id for a in meeting.attendees)


def can_post_minutes(user, meeting: Meeting) -> bool:
    """The organiser's officials, once the meeting has started, until the first attending party approves: while
    it is scheduled (the first posting makes it held) or held (a correction)."""
    return (
        can_manage(user, meeting)
        and meeting.status in (MeetingStatus.SCHEDULED, MeetingStatus.HELD)
        and has_started(meeting)
        and not minutes_approved(meeting)
    )


def answer_organisations(user, meeting: Meeting) -> list[Organisation]:
    """The attending parties the user answers the minutes for (through a membership that is not observer); the
    organiser, who wrote them, does not approve its own minutes (product.md)."""
    if not meeting.has_minutes:
        return []
    mine = _acting_ids(user) - {meeting.organiser_id}
    return [a.organisation for a in meeting.attendees if a.organisation_id in mine]


def visible_agenda(user, meeting: Meeting) -> tuple[list[Project], int]:
    """The agenda's projects `user` may see, and how many others it holds (product.md: who may see a project
    may see the agenda items about it; an invitee may not be a party to every project discussed)."""
    shown = [item.project for item in meeting.agenda if can_see_project(user, item.project)]
    return shown, len(meeting.agenda) - len(shown)


def can_answer_minutes(user, meeting: Meeting) -> bool:
    return bool(answer_organisations(user, meeting))


def load_meeting(user, meeting_id, may=None, *, for_page: bool = False) -> Meeting:
    """The meeting if `user` may see it, else Refused("not_found"); Refused("forbidden") when `may(user,
    meeting)` says they may not do what they came for."""
    meeting = None
    if is_id(meeting_id):
        query = select(Meeting).where(Meeting.id == meeting_id)
        if for_page:
            query = query.options(
                joinedload(Meeting.commune),
                joinedload(Meeting.organiser),
                selectinload(Meeting.agenda).joinedload(MeetingProject.project),
                selectinload(Meeting.invitees).joinedload(MeetingInvitee.organisation),
                selectinload(Meeting.attendees).joinedload(MeetingAttendee.organisation),
            )
        meeting = db.session.scalar(query)
    if meeting is None or not can_see_meeting(user, meeting):
        raise Refused("not_found")
    if may is not None and not may(user, meeting):
        raise Refused("forbidden")
    return meeting


# Lists ----------------------------------------------------------------------------------------------------


def upcoming_first(query, now: datetime | None = None):
    """A select(Meeting) ordered upcoming first (soonest first), then past ones (most recent first)."""
    now = now or utcnow()
    is_past = case((Meeting.starts_at < now, 1), else_=0)
    soonest = case((Meeting.starts_at >= now, Meeting.starts_at), else_=None)
    return query.order_by(is_past, soonest.asc(), Meeting.starts_at.desc(), Meeting.id.desc())


# The .ics (RFC 5545) ------------------------------------------------------------------------------------


def meeting_ics(meeting: Meeting) -> bytes:
    """The invitation as an iCalendar file: the same UID for every update, SEQUENCE rising with each, the
    start in UTC; METHOD:CANCEL once cancelled."""
    cancelled = meeting.status == MeetingStatus.CANCELLED
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Portail communes-diaspora//Réunions//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", (meeting.updated_at or utcnow()).astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", ends_at(meeting).astimezone(UTC))
    event.add("summary", meeting.title)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    name, address = parseaddr(current_app.config.get("MAIL_FROM") or "")
    organizer = icalendar.vCalAddress(f"mailto:{address or 'no-reply@portail.example.org'}")
    organizer.params["cn"] = icalendar.vText(meeting.organiser.name)
    event.add("organizer", organizer)
    if meeting.location:
        event.add("location", meeting.location)
    link = public_url(f"/meetings/{meeting.id}")
    event.add("url", meeting.online_url or link)
    # The agenda stays on the portal, where each reader sees the projects they may see: one file goes to all.
    event.add("description", "\n".join([meeting.online_url, link] if meeting.online_url else [link]))
    calendar.add_component(event)
    return calendar.to_ical()


def default_reminder_hours() -> int:
    """The reminder's delay a new meeting gets unless its organiser gives one (an admin setting, 48 hours)."""
    return get_setting("meeting_reminder_hours")


def _notify(event: str, meeting: Meeting, actor, **context) -> None:
    ics = meeting_ics(meeting)
    method = "CANCEL" if meeting.status == MeetingStatus.CANCELLED else "REQUEST"
    notify(event, meeting=meeting, actor=actor, ics=ics, ics_method=method, **context)


# Scheduling and changing ----------------------------------------------------------------------------------


@dataclass
class MeetingInput:
    """What a form or an API body gives; None means "not given" (a reschedule keeps the current value)."""

    title: str | None = None
    commune_id: int | None = None
    project_ids: list | None = None
    starts_at: datetime | None = None
    timezone: str | None = None
    duration_minutes: int | None = None
    location: str | None = None
    online_url: str | None = None
    invitee_organisation_ids: list | None = None
    reminder_hours: int | None = None
    dispute_id: int | None = None  # a mediation session of this dispute
    given: set = field(default_factory=set)
    # A start already past records a meeting held earlier: legitimate, but a slip on a form is likelier, so the
    # forms ask for a ticked box; the API records it as asked (api.md).
    past_confirmed: bool = True


def _clean(value):
    if isinstance(value, str):
        return value.strip() or None
    return value


def _check_fields(data: MeetingInput, meeting: Meeting | None, errors: dict) -> None:
    creating = meeting is None
    title = _clean(data.title)
    if title is None and (creating or "title" in data.given):
        errors["title"] = [str(_l("This field is required."))]
    elif title is not None and len(title) > TITLE_MAX:
        errors["title"] = [_too_long(TITLE_MAX)]
    zone = data.timezone if data.timezone is not None else (meeting.timezone if meeting else None)
    if not is_time_zone(zone):
        errors["timezone"] = [str(_l("Choose a time zone such as Africa/Bamako or Europe/Paris."))]
    if data.starts_at is None and creating:
        errors["starts_at"] = [str(_l("Give the date and time of the start."))]
    elif data.starts_at is not None and not YEARS[0] <= data.starts_at.year <= YEARS[1]:
        errors["starts_at"] = [str(_l("A date from %(first)s to %(last)s.", first=YEARS[0], last=YEARS[1]))]
    elif data.starts_at is not None and is_time_zone(zone) and not data.past_confirmed:
        start = to_utc(data.starts_at, zone)
        moved = creating or start != meeting.starts_at
        if moved and start < utcnow():
            errors["starts_at"] = [str(_l(PAST_START))]
    duration = data.duration_minutes
    if duration is None and creating:
        errors["duration_minutes"] = [str(_l("This field is required."))]
    elif duration is not None and (
        not isinstance(duration, int) or isinstance(duration, bool) or not 1 <= duration <= DURATION_MAX
    ):
        errors["duration_minutes"] = [
            str(
                lazy_ngettext(
                    "A duration from 1 to %(num)s minute.", "A duration from 1 to %(num)s minutes.", DURATION_MAX
                )
            )
        ]
    hours = data.reminder_hours
    if hours is not None and (not isinstance(hours, int) or isinstance(hours, bool) or not 0 <= hours <= 720):
        errors["reminder_hours"] = [
            str(lazy_ngettext("From 0 to %(num)s hour.", "From 0 to %(num)s hours.", REMINDER_HOURS_MAX))
        ]
    location = _clean(data.location) if "location" in data.given or creating else (meeting.location)
    online_url = _clean(data.online_url) if "online_url" in data.given or creating else (meeting.online_url)
    if location is not None and len(location) > SHORT_MAX:
        errors["location"] = [_too_long(SHORT_MAX)]
    if online_url is not None:
        if len(online_url) > URL_MAX:
            errors["online_url"] = [_too_long(URL_MAX)]
        elif not online_url.lower().startswith(("https://", "http://")) or any(c.isspace() for c in online_url):
            errors["online_url"] = [str(_l("A web address starting with https://."))]
    if location is None and online_url is None:
        errors["location"] = [str(_l("Give a place, a video link, or both."))]


def field_errors(data: MeetingInput, meeting: Meeting | None = None) -> dict:
    """What is wrong with the fields of a schedule (or of a reschedule of `meeting`), by field: for a form that
    found its own errors too and reports them all at once."""
    errors: dict[str, list[str]] = {}
    _check_fields(data, meeting, errors)
    return errors


def _organiser_for(actor, commune_id, errors: dict) -> Organisation | None:
    """The commune's organisation for its official; the ministry for a mediator; else Refused."""
    officials_of = official_communes(actor)
    if not officials_of and not is_mediator(actor):
        raise Refused("forbidden", _l("Commune officials and mediators schedule meetings."))
    commune = db.session.get(Commune, commune_id) if is_id(commune_id) else None
    if commune is None:
        errors["commune_id"] = [str(_l("No such commune."))]
        return None
    if commune.id in officials_of:
        return db.session.scalar(
            select(Organisation).where(
                Organisation.kind == OrganisationKind.COMMUNE, Organisation.commune_id == commune.id
            )
        )
    if is_mediator(actor):
        return _ministry_of(actor)
    errors["commune_id"] = [str(_l("You schedule meetings for your own commune."))]
    return None


def _agenda(actor, ids, commune_id, organiser: Organisation | None, errors: dict) -> list[Project]:
    if not isinstance(ids, list) or len(ids) > AGENDA_MAX:
        errors["project_ids"] = [
            str(lazy_ngettext("At most %(num)s project.", "At most %(num)s projects.", AGENDA_MAX))
        ]
        return []
    projects = []
    for index, project_id in enumerate(dict.fromkeys(ids)):
        project = db.session.get(Project, project_id) if is_id(project_id) else None
        if project is None or not can_see_project(actor, project) or project.first_submitted_at is None:
            errors[f"project_ids.{index}"] = [str(_l("No such project submitted to a commune."))]
        elif organiser is not None and organiser.kind == OrganisationKind.COMMUNE and project.commune_id != commune_id:
            errors[f"project_ids.{index}"] = [str(_l("Only projects of the meeting's commune."))]
        else:
            projects.append(project)
    return projects


# Who may be invited ----------------------------------------------------------------------------------------
# An association still awaiting the ministry's verification (or refused) is hidden from commune officials
# (visibility.visible_organisations): the commune may not invite it, nor be offered it. Mediators verify
# associations and see them all: a meeting they call may need one that is not verified yet.

NOT_INVITABLE = _l(
    "No such organisation among those you may invite: an association is invited once the ministry has verified it."
)


def may_invite(actor, organisation: Organisation) -> bool:
    """Whether `actor`, scheduling a meeting, may invite `organisation`."""
    return organisation.kind != OrganisationKind.ASSOCIATION or organisation.is_verified or is_mediator(actor)


def invitable_condition(actor):
    """SQL twin of may_invite, for the choices the scheduling form offers."""
    if is_mediator(actor):
        return true()
    return or_(Organisation.kind != OrganisationKind.ASSOCIATION, Organisation.verification == Verification.VERIFIED)


def _invitees(actor, ids, errors: dict) -> list[Organisation]:
    if not isinstance(ids, list) or not ids:
        errors["invitee_organisation_ids"] = [str(_l("Invite at least one organisation."))]
        return []
    if len(ids) > INVITEES_MAX:
        errors["invitee_organisation_ids"] = [
            str(lazy_ngettext("At most %(num)s organisation.", "At most %(num)s organisations.", INVITEES_MAX))
        ]
        return []
    found = []
    for index, organisation_id in enumerate(dict.fromkeys(ids)):
        organisation = db.session.get(Organisation, organisation_id) if is_id(organisation_id) else None
        if organisation is None or not may_invite(actor, organisation):
            # One message for an id that does not exist and for one the actor may not invite (an association
            # awaiting verification is hidden from them): it says why, without telling which it was.
            errors[f"invitee_organisation_ids.{index}"] = [
                str(_l("No such organisation.") if is_mediator(actor) else NOT_INVITABLE)
            ]
        else:
            found.append(organisation)
    return found


def snapshot(meeting: Meeting) -> dict:
    """What the audit log keeps of a meeting's arrangements."""
    return {
        "title": meeting.title,
        "starts_at": meeting.starts_at.astimezone(UTC).isoformat() if meeting.starts_at else None,
        "timezone": meeting.timezone,
        "duration_minutes": meeting.duration_minutes,
        "location": meeting.location,
        "online_url": meeting.online_url,
        "reminder_hours": meeting.reminder_hours,
        "sequence": meeting.sequence,
        "status": meeting.status,
    }


def schedule_meeting(actor, data: MeetingInput) -> Meeting:
    """Schedules a meeting (a start in the past is accepted: recorded after the fact) and sends the invitations."""
    errors: dict[str, list[str]] = {}
    dispute = None
    if data.dispute_id is not None:
        dispute = _session_of(actor, data, errors)
        organiser = _ministry_of(actor)
    else:
        organiser = _organiser_for(actor, data.commune_id, errors)
    _check_fields(data, None, errors)
    projects = _agenda(
        actor, data.project_ids if data.project_ids is not None else [], data.commune_id, organiser, errors
    )
    invitees = _invitees(actor, data.invitee_organisation_ids, errors)
    if errors:
        raise Refused("validation_failed", fields=errors)
    meeting = Meeting(
        uid=f"meeting-{uuid.uuid4().hex}@portail-communes-diaspora",
        title=_clean(data.title),
        commune_id=data.commune_id,
        organiser_id=organiser.id,
        starts_at=to_utc(data.starts_at, data.timezone),
        timezone=data.timezone,
        duration_minutes=data.duration_minutes,
        location=_clean(data.location),
        online_url=_clean(data.online_url),
        reminder_hours=data.reminder_hours if data.reminder_hours is not None else default_reminder_hours(),
        status=MeetingStatus.SCHEDULED,
        sequence=0,
        created_by_id=actor.id,
    )
    meeting.organiser = organiser
    meeting.agenda = [MeetingProject(project=p, position=i) for i, p in enumerate(projects)]
    meeting.invitees = [MeetingInvitee(organisation=o) for o in invitees]
    if dispute is not None:
        meeting.mediation = MediationSession(dispute=dispute)
    db.session.add(meeting)
    db.session.flush()
    record(
        "meeting.schedule",
        "meeting",
        meeting.id,
        actor=actor,
        after={**snapshot(meeting), "project_ids": [p.id for p in projects], "invitees": [o.id for o in invitees]},
    )
    if dispute is not None:
        record(
            "dispute.session", "dispute", dispute.id, actor=actor, after={"meeting_id": meeting.id, **snapshot(meeting)}
        )
    _notify("meeting_invited", meeting, actor)
    return meeting


def _ministry_of(actor) -> Organisation:
    """The ministry a mediator acts for."""
    ministry_id = next(
        m.organisation_id
        for m in memberships_of(actor)
        if m.role == "mediator" and m.organisation.kind == OrganisationKind.MINISTRY
    )
    return db.session.get(Organisation, ministry_id)


def _session_of(actor, data: MeetingInput, errors: dict) -> Dispute:
    """The dispute a mediation session is for: held by a mediator while it is being handled, in the project's
    commune, with no agenda (it is never listed among a project's meetings) and its two parties invited."""
    dispute = load_dispute(actor, data.dispute_id)
    if not may_hold_session(actor, dispute):
        raise Refused("forbidden", _l("A mediator holds the sessions of a dispute being handled."))
    if data.commune_id is None:
        data.commune_id = dispute.project.commune_id
    elif data.commune_id != dispute.project.commune_id:
        errors["commune_id"] = [str(_l("A mediation session belongs to the commune of the dispute's project."))]
    if data.project_ids:
        errors["project_ids"] = [str(_l("A mediation session has no agenda: it stays confidential."))]
    parties = [dispute.claimant_id, dispute.respondent_id]
    if not data.invitee_organisation_ids:
        data.invitee_organisation_ids = parties
    elif set(data.invitee_organisation_ids) != set(parties):
        errors["invitee_organisation_ids"] = [str(_l("A mediation session invites the dispute's two parties."))]
    return dispute


def check_changeable(actor, meeting: Meeting) -> None:
    """403 for anyone but the organiser's officials, then 409 for a cancelled meeting."""
    if not can_manage(actor, meeting):
        raise Refused("forbidden")
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Refused("invalid_transition", _not_scheduled(meeting))


def reschedule_meeting(actor, meeting: Meeting, data: MeetingInput, version: int | None) -> Meeting:
    """A new time, place, link, title or reminder; the invitees get the updated .ics (same UID, SEQUENCE + 1)."""
    check_changeable(actor, meeting)
    if version is None:
        raise Refused("validation_failed", fields={"version": [str(_l("Send the version you read."))]})
    if version != meeting.version:
        raise Refused("stale_version")
    errors: dict[str, list[str]] = {}
    _check_fields(data, meeting, errors)
    if errors:
        raise Refused("validation_failed", fields=errors)
    before = snapshot(meeting)
    if data.title is not None:
        meeting.title = _clean(data.title)
    zone = data.timezone or meeting.timezone
    if data.starts_at is not None:
        meeting.starts_at = to_utc(data.starts_at, zone)
    elif data.timezone is not None:  # the same wall-clock time in the new zone
        meeting.starts_at = to_utc(local_start(meeting).replace(tzinfo=None), zone)
    meeting.timezone = zone
    if data.duration_minutes is not None:
        meeting.duration_minutes = data.duration_minutes
    if "location" in data.given:
        meeting.location = _clean(data.location)
    if "online_url" in data.given:
        meeting.online_url = _clean(data.online_url)
    if data.reminder_hours is not None:
        meeting.reminder_hours = data.reminder_hours
    after = snapshot(meeting)
    if after["starts_at"] != before["starts_at"] or after["reminder_hours"] != before["reminder_hours"]:
        meeting.reminded_at = None
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    workflow.flush_or_stale()
    record("meeting.reschedule", "meeting", meeting.id, actor=actor, before=before, after=snapshot(meeting))
    _notify("meeting_rescheduled", meeting, actor)
    return meeting


def cancel_meeting(actor, meeting: Meeting, comment: str | None) -> Meeting:
    """Cancels the meeting (a reason is required); the invitees get METHOD:CANCEL."""
    check_changeable(actor, meeting)
    comment = (comment or "").strip()
    if not comment:
        raise Refused("comment_required", fields={"comment": [str(_l("Say why: the invitees will read it."))]})
    if len(comment) > LONG_MAX:
        raise Refused("validation_failed", fields={"comment": [_too_long(LONG_MAX)]})
    before = snapshot(meeting)
    meeting.status = MeetingStatus.CANCELLED
    meeting.sequence += 1
    meeting.updated_at = utcnow()
    workflow.flush_or_stale()
    record(
        "meeting.cancel", "meeting", meeting.id, actor=actor, before=before, after=snapshot(meeting), comment=comment
    )
    _notify("meeting_cancelled", meeting, actor, comment=comment)
    return meeting


def _one_of(organisations: list[Organisation], organisation_id, name: str = "organisation_id") -> Organisation:
    """The organisation the user speaks for: the one named, or their only one."""
    if organisation_id is not None:
        chosen = next((o for o in organisations if o.id == organisation_id), None)
        if chosen is None:
            raise Refused("validation_failed", fields={name: [str(_l("You do not answer for this organisation."))]})
        return chosen
    if len(organisations) > 1:
        raise Refused("validation_failed", fields={name: [str(_l("Say which organisation you answer for."))]})
    return organisations[0]


def check_may_rsvp(actor, meeting: Meeting) -> None:
    """403 for anyone who answers for no invited organisation (the organiser's included), then 409 for a meeting
    held or cancelled."""
    if not rsvp_organisations(actor, meeting):
        raise Refused("forbidden", _l("Only members of an invited organisation answer the invitation."))
    if meeting.status != MeetingStatus.SCHEDULED:
        raise Refused("invalid_transition", _not_scheduled(meeting))


def answer_invitation(actor, meeting: Meeting, answer: str, organisation_id: int | None = None) -> MeetingInvitee:
    """An invited organisation's answer (yes, no, maybe), by one of its acting members; the last one stands."""
    check_may_rsvp(actor, meeting)
    organisations = rsvp_organisations(actor, meeting)
    if answer not in RSVP_ANSWERS:
        raise Refused("validation_failed", fields={"answer": [str(_l("Answer yes, no or maybe."))]})
    organisation = _one_of(organisations, organisation_id)
    invitee = next(i for i in meeting.invitees if i.organisation_id == organisation.id)
    before = invitee.rsvp
    invitee.rsvp, invitee.rsvp_at, invitee.rsvp_by_id = answer, utcnow(), actor.id
    db.session.flush()
    record(
        "meeting.rsvp",
        "meeting",
        meeting.id,
        actor=actor,
        before={"organisation_id": organisation.id, "rsvp": before},
        after={"organisation_id": organisation.id, "rsvp": answer},
    )
    return invitee


# Minutes --------------------------------------------------------------------------------------------------


def check_may_post_minutes(actor, meeting: Meeting) -> None:
    """403 for anyone but the organiser's officials; 409 for a cancelled meeting, one not started yet, or
    minutes an attending party approved."""
    if not can_manage(actor, meeting):
        raise Refused("forbidden", _l("The organiser's officials post the minutes."))
    if meeting.status == MeetingStatus.CANCELLED:
        raise Refused("invalid_transition", _l("This meeting is cancelled."))
    if not has_started(meeting):
        raise Refused("invalid_transition", _l("Minutes are posted once the meeting has started."))
    if minutes_approved(meeting):
        raise Refused("not_editable", _l("An attending party approved these minutes: they can no longer change."))


def post_minutes(
    actor, meeting: Meeting, summary: str, decisions: list, attendee_organisation_ids: list, people: str | None = None
) -> Meeting:
    """The minutes (summary, decisions, attendance), once the meeting has started: the meeting is held. Posted
    again, they replace the previous ones, until the first attending party approves."""
    check_may_post_minutes(actor, meeting)
    errors: dict[str, list[str]] = {}
    summary = (summary or "").strip() if isinstance(summary, str) else ""
    if not summary:
        errors["summary"] = [str(_l("This field is required."))]
    elif len(summary) > LONG_MAX:
        errors["summary"] = [_too_long(LONG_MAX)]
    people = (people or "").strip() if isinstance(people, str) else ""
    if len(people) > LONG_MAX:
        errors["people"] = [_too_long(LONG_MAX)]
    texts = []
    if not isinstance(decisions, list) or len(decisions) > DECISIONS_MAX:
        errors["decisions"] = [
            str(lazy_ngettext("At most %(num)s decision.", "At most %(num)s decisions.", DECISIONS_MAX))
        ]
    else:
        for index, text in enumerate(decisions):
            text = text.strip() if isinstance(text, str) else ""
            if len(text) > LONG_MAX:
                errors[f"decisions.{index}"] = [_too_long(LONG_MAX)]
            elif text:
                texts.append(text)
    allowed = {i.organisation_id: i.organisation for i in meeting.invitees} | {meeting.organiser_id: meeting.organiser}
    attending = []
    if not isinstance(attendee_organisation_ids, list) or not attendee_organisation_ids:
        errors["attendee_organisation_ids"] = [str(_l("Name at least one organisation that attended."))]
    else:
        for index, organisation_id in enumerate(dict.fromkeys(attendee_organisation_ids)):
            if not is_id(organisation_id) or organisation_id not in allowed:
                errors[f"attendee_organisation_ids.{index}"] = [str(_l("Not the organiser nor an invitee."))]
            else:
                attending.append(allowed[organisation_id])
    if errors:
        raise Refused("validation_failed", fields=errors)
    reposted = meeting.has_minutes
    meeting.minutes_summary = summary
    meeting.minutes_decisions = texts
    meeting.minutes_people = people or None
    meeting.minutes_posted_at = utcnow()
    meeting.minutes_posted_by_id = actor.id
    meeting.status = MeetingStatus.HELD
    meeting.attendees = []  # earlier answers were about earlier text: the rows go before the new ones come
    db.session.flush()
    meeting.attendees = [MeetingAttendee(organisation=o) for o in attending]
    meeting.updated_at = utcnow()
    workflow.flush_or_stale()
    record(
        "meeting.minutes_repost" if reposted else "meeting.minutes",
        "meeting",
        meeting.id,
        actor=actor,
        after={"summary": summary, "decisions": texts, "attendees": [o.id for o in attending], "people": people},
    )
    notify("meeting_minutes_posted", meeting=meeting, actor=actor)
    return meeting


def check_may_answer_minutes(actor, meeting: Meeting) -> None:
    """409 for an invitee while no minutes are posted; 403 for anyone who answers for no attending party (the
    organiser's included)."""
    if answer_organisations(actor, meeting):
        return
    if not meeting.has_minutes and rsvp_organisations(actor, meeting):
        raise Refused("invalid_transition", _l("No minutes are posted yet."))
    raise Refused("forbidden", _l("Only the attending parties answer the minutes."))


def answer_minutes(
    actor, meeting: Meeting, answer: str, comment: str | None = None, organisation_id: int | None = None
) -> MeetingAttendee:
    """An attending party approves the minutes, or comments on them (a comment is required then)."""
    check_may_answer_minutes(actor, meeting)
    organisations = answer_organisations(actor, meeting)
    if answer not in MINUTES_ANSWERS:
        raise Refused("validation_failed", fields={"answer": [str(_l("Approve or comment."))]})
    comment = (comment or "").strip() if isinstance(comment, str) else ""
    if len(comment) > LONG_MAX:
        raise Refused("validation_failed", fields={"comment": [_too_long(LONG_MAX)]})
    if answer == "commented" and not comment:
        raise Refused("comment_required", fields={"comment": [str(_l("Write your comment."))]})
    organisation = _one_of(organisations, organisation_id)
    attendee = next(a for a in meeting.attendees if a.organisation_id == organisation.id)
    attendee.answer, attendee.comment = answer, comment or None
    attendee.answered_at, attendee.answered_by_id = utcnow(), actor.id
    db.session.flush()
    record(
        f"meeting.minutes_{answer}",
        "meeting",
        meeting.id,
        actor=actor,
        after={"organisation_id": organisation.id, "answer": answer},
        comment=comment or None,
    )
    notify("meeting_minutes_answered", meeting=meeting, actor=actor, organisation=organisation, comment=comment)
    return attendee


# Reminders --------------------------------------------------------------------------------------------------


def send_reminders(now: datetime | None = None) -> int:
    """Each scheduled meeting whose reminder time has come (reminder_hours before its start) is reminded once."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Meeting).where(
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.reminded_at.is_(None),
            Meeting.reminder_hours > 0,
            Meeting.starts_at > now,
            Meeting.starts_at <= now + timedelta(hours=REMINDER_HOURS_MAX),
        )
    ).all()
    sent = 0
    for meeting in due:
        if meeting.starts_at - timedelta(hours=meeting.reminder_hours) > now:
            continue
        notify("meeting_reminder", meeting=meeting, actor=None)
        # Not an edit: the version (and the .ics's DTSTAMP) stay, so no reschedule in progress goes stale.
        db.session.execute(
            update(Meeting)
            .where(Meeting.id == meeting.id)
            .values(reminded_at=now, updated_at=Meeting.updated_at)
            .execution_options(synchronize_session=False)
        )
        sent += 1
    db.session.flush()
    return sent


# What the pages' forms offer --------------------------------------------------------------------------------

COMMON_ZONES = (
    "Africa/Bamako",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Brussels",
    "Europe/Rome",
    "Europe/Berlin",
    "Europe/London",
    "Africa/Abidjan",
    "Africa/Dakar",
    "Africa/Casablanca",
    "America/New_York",
    "America/Montreal",
    "Asia/Dubai",
)


@dataclass(frozen=True)
class ScheduleChoices:
    communes: list  # where the user may schedule: their communes (officials), or the communes of projects
    commune: Commune | None  # the commune chosen
    projects: list  # the commune's submitted projects the user may see: the agenda
    organisations: list  # whom to invite: the commune's organisations, its associations, partners, the ministry


def schedule_choices(user, commune_id=None) -> ScheduleChoices:
    """What the scheduling form offers `user` for the commune chosen (or their only one)."""
    ids = set(official_communes(user))
    if is_mediator(user):
        ids |= set(
            db.session.scalars(
                visible_projects(user)
                .where(Project.first_submitted_at.is_not(None))
                .with_only_columns(Project.commune_id)
                .distinct()
            )
        )
    communes = (
        db.session.scalars(select(Commune).where(Commune.id.in_(ids)).order_by(Commune.name)).all() if ids else []
    )
    if commune_id is None and len(communes) == 1:
        commune_id = communes[0].id
    commune = next((c for c in communes if c.id == commune_id), None)
    if commune is None:
        return ScheduleChoices(communes, None, [], [])
    projects = db.session.scalars(
        visible_projects(user)
        .where(Project.commune_id == commune.id, Project.first_submitted_at.is_not(None))
        .order_by(Project.id.desc())
        .limit(AGENDA_MAX)
    ).all()
    homes = select(HomeCommune.association_id).where(HomeCommune.commune_id == commune.id)
    organisations = db.session.scalars(
        select(Organisation)
        .where(
            (Organisation.commune_id == commune.id)
            | Organisation.id.in_(homes)
            | Organisation.kind.in_((OrganisationKind.PARTNER, OrganisationKind.MINISTRY)),
            invitable_condition(user),
        )
        .order_by(Organisation.kind, Organisation.name)
        .limit(INVITEES_MAX)
    ).all()
    return ScheduleChoices(communes, commune, projects, organisations)


def default_invitees(projects: list[Project]) -> set[int]:
    """The parties to the agenda's projects: invited unless the organiser says otherwise."""
    ids: set[int] = set()
    for project in projects:
        ids |= party_organisation_ids(project)
    return ids


def project_meetings(user, project: Project, limit: int = 20) -> list[Meeting]:
    """The meetings with `project` on their agenda that `user` may see, upcoming first (for the project's page)."""
    if not getattr(user, "is_authenticated", False):
        return []  # meetings are never public
    return db.session.scalars(
        upcoming_first(visible_meetings(user).where(Meeting.agenda.any(MeetingProject.project_id == project.id))).limit(
            limit
        )
    ).all()
