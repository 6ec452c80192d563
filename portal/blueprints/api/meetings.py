"""Consultation meetings: schedule, read, answer, reschedule, cancel, the .ics, minutes and their answers."""

from flask import Response
from flask_babel import gettext as _
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate
from sqlalchemy.orm import selectinload

from portal.blueprints.api import api_blueprint
from portal.blueprints.api.auth import api_user, require_api_user
from portal.blueprints.api.common import Id, PageArgs, UtcDateTime, documented_body, list_schema, load_body, page_of
from portal.blueprints.api.messages import in_range
from portal.domain import meetings as rules
from portal.errors import Refused
from portal.models import (
    MINUTES_ANSWERS,
    RSVP_ANSWERS,
    Meeting,
    MeetingAttendee,
    MeetingInvitee,
    MeetingProject,
    MeetingStatus,
)
from portal.visibility import visible_meetings

blp = api_blueprint("meetings", "Consultation meetings (réunions de concertation), their invitations and minutes.")


# Schemas ------------------------------------------------------------------------------------------------


class _Fields(Schema):
    class Meta:
        unknown = RAISE

    title = fields.String(validate=validate.Length(min=1, max=rules.TITLE_MAX))
    starts_at = fields.String(
        validate=validate.Length(max=40),
        metadata={"description": "ISO 8601; without an offset, local time in `timezone`"},
    )
    timezone = fields.String(validate=validate.Length(max=64), metadata={"description": "IANA, e.g. Europe/Paris"})
    duration_minutes = fields.Integer(strict=True, validate=in_range(1, rules.DURATION_MAX))
    location = fields.String(allow_none=True, validate=validate.Length(max=rules.SHORT_MAX))
    online_url = fields.String(allow_none=True, validate=validate.Length(max=rules.URL_MAX))
    reminder_hours = fields.Integer(strict=True, validate=in_range(0, rules.REMINDER_HOURS_MAX))


class MeetingCreate(_Fields):
    title = fields.String(required=True, validate=validate.Length(min=1, max=rules.TITLE_MAX))
    commune_id = Id(required=True)
    project_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=rules.AGENDA_MAX))
    starts_at = fields.String(
        required=True,
        validate=validate.Length(max=40),
        metadata={"description": "ISO 8601; without an offset, local time in `timezone`"},
    )
    timezone = fields.String(required=True, validate=validate.Length(max=64))
    duration_minutes = fields.Integer(required=True, strict=True, validate=in_range(1, rules.DURATION_MAX))
    invitee_organisation_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=rules.INVITEES_MAX))
    dispute_id = Id(
        allow_none=True,
        metadata={
            "description": "a mediation session of this dispute (a mediator): no agenda, the two parties invited, "
            "seen only by the dispute's parties, mediators and admins"
        },
    )


class MeetingPatch(_Fields):
    version = fields.Integer(required=True, strict=True)


class CancelIn(Schema):
    class Meta:
        unknown = RAISE

    comment = fields.String(allow_none=True, validate=validate.Length(max=rules.LONG_MAX))


class RsvpIn(Schema):
    class Meta:
        unknown = RAISE

    answer = fields.String(required=True, validate=validate.OneOf(RSVP_ANSWERS))
    organisation_id = Id(allow_none=True)


class MinutesIn(Schema):
    class Meta:
        unknown = RAISE

    summary = fields.String(required=True, validate=validate.Length(min=1, max=rules.LONG_MAX))
    decisions = fields.List(
        fields.String(validate=validate.Length(max=rules.LONG_MAX)),
        load_default=list,
        validate=validate.Length(max=rules.DECISIONS_MAX),
    )
    attendee_organisation_ids = fields.List(
        Id(), required=True, validate=validate.Length(min=1, max=rules.INVITEES_MAX)
    )
    people = fields.String(allow_none=True, validate=validate.Length(max=rules.LONG_MAX))


class MinutesAnswerIn(Schema):
    class Meta:
        unknown = RAISE

    answer = fields.String(required=True, validate=validate.OneOf(MINUTES_ANSWERS))
    comment = fields.String(allow_none=True, validate=validate.Length(max=rules.LONG_MAX))
    organisation_id = Id(allow_none=True)


class InviteeOut(Schema):
    organisation_id = fields.Integer()
    name = fields.String()
    rsvp = fields.String(allow_none=True)
    rsvp_at = UtcDateTime(allow_none=True)


class AttendeeOut(Schema):
    organisation_id = fields.Integer()
    name = fields.String()
    answer = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)
    answered_at = UtcDateTime(allow_none=True)


class MinutesOut(Schema):
    summary = fields.String()
    decisions = fields.List(fields.String())
    people = fields.String(allow_none=True)
    attendee_organisation_ids = fields.List(fields.Integer())
    attendees = fields.List(fields.Nested(AttendeeOut))
    posted_at = UtcDateTime()
    approved = fields.Boolean()


class MeetingOut(Schema):
    id = fields.Integer()
    title = fields.String()
    status = fields.String(
        metadata={"description": "scheduled; held once minutes are posted; cancelled", "enum": list(MeetingStatus)}
    )
    version = fields.Integer()
    sequence = fields.Integer()
    commune_id = fields.Integer()
    organiser_organisation_id = fields.Integer()
    project_ids = fields.List(fields.Integer())
    starts_at = UtcDateTime()
    ends_at = UtcDateTime()
    timezone = fields.String()
    local_starts_at = fields.String(metadata={"description": "the start in the meeting's own zone, with its offset"})
    duration_minutes = fields.Integer()
    location = fields.String(allow_none=True)
    online_url = fields.String(allow_none=True)
    reminder_hours = fields.Integer()
    invitee_organisation_ids = fields.List(fields.Integer())
    invitees = fields.List(fields.Nested(InviteeOut))
    minutes = fields.Nested(MinutesOut, allow_none=True)
    ics_url = fields.String()
    dispute_id = fields.Integer(allow_none=True, metadata={"description": "set for a mediation session"})
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class MeetingListArgs(PageArgs):
    class Meta:
        unknown = EXCLUDE

    commune_id = Id(strict=False)
    project_id = Id(strict=False)


BODY_SCHEMAS = {
    "MeetingCreate": MeetingCreate,
    "MeetingPatch": MeetingPatch,
    "MeetingCancel": CancelIn,
    "MeetingRsvp": RsvpIn,
    "MeetingMinutes": MinutesIn,
    "MeetingMinutesAnswer": MinutesAnswerIn,
}


def _start(value) -> object:
    """An ISO 8601 start, with or without an offset (without: local time in the meeting's zone)."""
    try:
        return fields.DateTime(format="iso").deserialize(value)
    except ValidationError:
        raise Refused(
            "validation_failed", fields={"starts_at": [_("Give an ISO 8601 date and time, e.g. 2026-12-15T10:00.")]}
        ) from None


# Serialisation ------------------------------------------------------------------------------------------


def dump_meeting(meeting: Meeting) -> dict:
    minutes = None
    if meeting.has_minutes:
        minutes = {
            "summary": meeting.minutes_summary,
            "decisions": list(meeting.minutes_decisions or []),
            "people": meeting.minutes_people,
            "attendee_organisation_ids": [a.organisation_id for a in meeting.attendees],
            "attendees": [
                {
                    "organisation_id": a.organisation_id,
                    "name": a.organisation.name,
                    "answer": a.answer,
                    "comment": a.comment,
                    "answered_at": a.answered_at,
                }
                for a in meeting.attendees
            ],
            "posted_at": meeting.minutes_posted_at,
            "approved": rules.minutes_approved(meeting),
        }
    return {
        "id": meeting.id,
        "title": meeting.title,
        "status": meeting.status,
        "version": meeting.version,
        "sequence": meeting.sequence,
        "commune_id": meeting.commune_id,
        "organiser_organisation_id": meeting.organiser_id,
        "project_ids": [item.project_id for item in meeting.agenda],
        "starts_at": meeting.starts_at,
        "ends_at": rules.ends_at(meeting),
        "timezone": meeting.timezone,
        "local_starts_at": rules.local_start(meeting).isoformat(),
        "duration_minutes": meeting.duration_minutes,
        "location": meeting.location,
        "online_url": meeting.online_url,
        "reminder_hours": meeting.reminder_hours,
        "invitee_organisation_ids": [i.organisation_id for i in meeting.invitees],
        "dispute_id": meeting.mediation.dispute_id if meeting.mediation is not None else None,
        "invitees": [
            {"organisation_id": i.organisation_id, "name": i.organisation.name, "rsvp": i.rsvp, "rsvp_at": i.rsvp_at}
            for i in meeting.invitees
        ],
        "minutes": minutes,
        "ics_url": f"/api/v1/meetings/{meeting.id}/ics",
        "created_at": meeting.created_at,
        "updated_at": meeting.updated_at,
    }


def _meeting(meeting_id: int, may=None) -> Meeting:
    return rules.load_meeting(api_user(), meeting_id, may, for_page=True)


def _input(data: dict) -> rules.MeetingInput:
    values = {k: v for k, v in data.items() if k != "version"}
    if "starts_at" in values:
        values["starts_at"] = _start(values["starts_at"])
    return rules.MeetingInput(given=set(data), **values)


# Endpoints ----------------------------------------------------------------------------------------------


@blp.route("/meetings", methods=["POST"])
@documented_body(blp, "MeetingCreate")
@blp.response(201, MeetingOut)
def create_meeting():
    """Schedules a meeting and sends the invitations (.ics attached). Commune officials (organiser: their
    commune) and mediators (organiser: the ministry)."""
    user = require_api_user()
    if not rules.can_schedule(user):
        raise Refused("forbidden")
    data = load_body(MeetingCreate())
    return dump_meeting(rules.schedule_meeting(user, _input(data)))


@blp.route("/meetings")
@blp.arguments(MeetingListArgs, location="query")
@blp.response(200, list_schema(MeetingOut, "MeetingList"))
def list_meetings(args):
    """The meetings the caller may see, upcoming first (soonest first), then past ones. Signed-in users."""
    user = require_api_user()
    query = visible_meetings(user).options(
        selectinload(Meeting.agenda),
        selectinload(Meeting.mediation),
        selectinload(Meeting.invitees).joinedload(MeetingInvitee.organisation),
        selectinload(Meeting.attendees).joinedload(MeetingAttendee.organisation),
    )
    if args.get("commune_id"):
        query = query.where(Meeting.commune_id == args["commune_id"])
    if args.get("project_id"):
        query = query.where(Meeting.agenda.any(MeetingProject.project_id == args["project_id"]))
    return page_of(rules.upcoming_first(query), args["page"], args["per_page"], dump_meeting)


@blp.route("/meetings/<id:meeting_id>")
@blp.response(200, MeetingOut)
def get_meeting(meeting_id):
    """One meeting. The invited organisations, the organiser, mediators, observers, admins (404 for others)."""
    require_api_user()
    return dump_meeting(_meeting(meeting_id))


@blp.route("/meetings/<id:meeting_id>/ics")
@blp.doc(responses={"200": {"description": "The invitation", "content": {"text/calendar": {}}}})
def meeting_ics(meeting_id):
    """The invitation as an iCalendar file (RFC 5545). Whoever may see the meeting."""
    require_api_user()
    meeting = _meeting(meeting_id)
    return Response(
        rules.meeting_ics(meeting),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"',
            "Cache-Control": "private, no-store",  # who is invited where: not for shared caches
        },
    )


@blp.route("/meetings/<id:meeting_id>", methods=["PATCH"])
@documented_body(blp, "MeetingPatch")
@blp.response(200, MeetingOut)
def update_meeting(meeting_id):
    """Reschedules: a new time, place, link, title or reminder, with the `version` read; the invitees get the
    updated .ics. The organiser's officials."""
    user = require_api_user()
    meeting = _meeting(meeting_id)
    rules.check_changeable(user, meeting)
    data = load_body(MeetingPatch())
    return dump_meeting(rules.reschedule_meeting(user, meeting, _input(data), data["version"]))


@blp.route("/meetings/<id:meeting_id>/cancel", methods=["POST"])
@documented_body(blp, "MeetingCancel")
@blp.response(200, MeetingOut)
def cancel_meeting(meeting_id):
    """Cancels the meeting, with a reason; the invitees get METHOD:CANCEL. The organiser's officials."""
    user = require_api_user()
    meeting = _meeting(meeting_id)
    rules.check_changeable(user, meeting)
    data = load_body(CancelIn())
    return dump_meeting(rules.cancel_meeting(user, meeting, data.get("comment")))


@blp.route("/meetings/<id:meeting_id>/rsvp", methods=["POST"])
@documented_body(blp, "MeetingRsvp")
@blp.response(200, MeetingOut)
def rsvp(meeting_id):
    """An invited organisation's answer (yes, no, maybe), while the meeting is scheduled; the last one stands. Its
    members but observers; never the organiser, for its own invitation."""
    user = require_api_user()
    meeting = _meeting(meeting_id)
    rules.check_may_rsvp(user, meeting)
    data = load_body(RsvpIn())
    rules.answer_invitation(user, meeting, data["answer"], data.get("organisation_id"))
    return dump_meeting(meeting)


@blp.route("/meetings/<id:meeting_id>/minutes", methods=["POST"])
@documented_body(blp, "MeetingMinutes")
@blp.response(200, MeetingOut)
def post_minutes(meeting_id):
    """Posts the minutes once the meeting has started: the meeting is `held`. Posted again, they replace the
    previous ones until the first attending party approves. Officials of the organising commune, or mediators for
    the ministry's."""
    user = require_api_user()
    meeting = _meeting(meeting_id)
    rules.check_may_post_minutes(user, meeting)
    data = load_body(MinutesIn())
    rules.post_minutes(
        user, meeting, data["summary"], data["decisions"], data["attendee_organisation_ids"], data.get("people")
    )
    return dump_meeting(meeting)


@blp.route("/meetings/<id:meeting_id>/minutes/answers", methods=["POST"])
@documented_body(blp, "MeetingMinutesAnswer")
@blp.response(200, MeetingOut)
def answer_minutes(meeting_id):
    """An attending party approves the minutes or comments on them (comment required). Its members but
    observers; never the organiser, for its own minutes."""
    user = require_api_user()
    meeting = _meeting(meeting_id)
    rules.check_may_answer_minutes(user, meeting)
    data = load_body(MinutesAnswerIn())
    rules.answer_minutes(user, meeting, data["answer"], data.get("comment"), data.get("organisation_id"))
    return dump_meeting(meeting)
