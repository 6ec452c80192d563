"""Consultation meetings' pages: the list, a meeting's page, the forms to schedule, reschedule, cancel, answer
and minute it, and the printable minutes. Thin: find the meeting (portal/domain's loader: 404 or 403), parse
what the person sent, call the operation, render."""

from datetime import datetime

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from portal.blueprints.guards import login_required
from portal.blueprints.meetings import bp
from portal.blueprints.pages import found
from portal.database import utcnow
from portal.domain import commitments as commitment_rules
from portal.domain import disputes as dispute_rules
from portal.domain import meetings as rules
from portal.domain import projects as project_rules
from portal.errors import Refused
from portal.extensions import db
from portal.ids import parse_id
from portal.labels import MINUTES_ANSWER_LABELS, RSVP_LABELS
from portal.models import Commitment, Meeting
from portal.paging import page_number
from portal.visibility import visible_meetings

PER_PAGE = 20


def _meeting(meeting_id: int, may=None) -> Meeting:
    return found(rules.load_meeting, meeting_id, may, for_page=True)


def _reloaded(meeting_id: int) -> Meeting:
    db.session.rollback()
    return _meeting(meeting_id)


def _ids(name: str) -> list:
    """The ids a group of checkboxes sent; what is not an id is kept as -1, refused by the rule on its field."""
    return [parse_id(value) or -1 for value in request.form.getlist(name)]


# The list and a meeting's page --------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    """The meetings the viewer may see, upcoming first, 20 a page. Signed-in users."""
    page = page_number(request.args.get("page"))
    rows = (
        db.session.scalars(
            rules.upcoming_first(visible_meetings(current_user))
            .options(joinedload(Meeting.commune), joinedload(Meeting.organiser))
            .limit(PER_PAGE + 1)
            .offset((page - 1) * PER_PAGE)
        )
        .unique()
        .all()
    )
    return render_template(
        "meetings/index.html",
        meetings=rows[:PER_PAGE],
        has_next=len(rows) > PER_PAGE,
        page=page,
        can_schedule=rules.can_schedule(current_user),
    )


def _render_meeting(meeting: Meeting, status: int = 200, *, rsvp=None, answer=None, cancel=None, notice=None):
    agenda_items = rules.visible_agenda(current_user, meeting)
    taken_here = db.session.scalars(
        commitment_rules.visible_commitments(current_user, {"meeting_id": meeting.id})
        .options(joinedload(Commitment.organisation), joinedload(Commitment.project))
        .order_by(Commitment.id)
    ).all()
    return render_template(
        "meetings/show.html",
        meeting=meeting,
        agenda_items=agenda_items,
        commitments=taken_here,
        commitments_beside=commitment_rules.beside(current_user, taken_here),
        record_in=[p for p in agenda_items[0] if commitment_rules.can_record(current_user, p)]
        if rules.has_started(meeting)
        else [],
        started=rules.has_started(meeting),
        can_change=rules.can_change(current_user, meeting),
        can_post_minutes=rules.can_post_minutes(current_user, meeting),
        rsvp_organisations=rules.rsvp_organisations(current_user, meeting)
        if rules.can_rsvp(current_user, meeting)
        else [],
        answer_organisations=rules.answer_organisations(current_user, meeting),
        approved=rules.minutes_approved(meeting),
        rsvp_labels=RSVP_LABELS,
        answer_labels=MINUTES_ANSWER_LABELS,
        rsvp_state=rsvp or {},
        answer_state=answer or {},
        cancel_state=cancel or {},
        notice=notice,
    ), status


@bp.get("/<id:meeting_id>")
def show(meeting_id):
    """A meeting: agenda, time (the viewer's zone and the meeting's), place, invitees and their answers, minutes
    and the viewer's actions. The invited organisations, the organiser, mediators, observers, admins."""
    return _render_meeting(_meeting(meeting_id))


@bp.get("/<id:meeting_id>/ics")
def ics(meeting_id):
    """The invitation as an iCalendar file. Who may see the meeting."""
    meeting = _meeting(meeting_id)
    return Response(
        rules.meeting_ics(meeting),
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"',
            "Cache-Control": "private, no-store",  # who is invited where: not for shared caches
        },
    )


@bp.get("/<id:meeting_id>/minutes/print")
def minutes_sheet(meeting_id):
    """The minutes, made to be printed and filed by the council. Who may see the meeting."""
    meeting = _meeting(meeting_id)
    if not meeting.has_minutes:
        abort(404)
    return render_template(
        "meetings/minutes_sheet.html",
        meeting=meeting,
        agenda_items=rules.visible_agenda(current_user, meeting),
        approved=rules.minutes_approved(meeting),
        answer_labels=MINUTES_ANSWER_LABELS,
        printed_at=utcnow(),
    )


# Answers ------------------------------------------------------------------------------------------------


def _failed(meeting_id: int, error: Refused, **state):
    meeting = _reloaded(meeting_id)
    if error.code in ("invalid_transition", "stale_version", "not_editable"):
        return _render_meeting(meeting, error.status, notice=error.text())
    return _render_meeting(meeting, error.status, **state)


@bp.post("/<id:meeting_id>/rsvp")
@login_required
def rsvp(meeting_id):
    """An invited organisation's answer (yes, no, maybe). Its members but observers."""
    meeting = _meeting(meeting_id, may=lambda user, m: bool(rules.rsvp_organisations(user, m)))
    values = {"answer": request.form.get("answer", ""), "organisation_id": request.form.get("organisation_id", "")}
    try:
        rules.answer_invitation(
            current_user,
            meeting,
            values["answer"],
            parse_id(values["organisation_id"]) if values["organisation_id"] else None,
        )
    except Refused as error:
        return _failed(meeting_id, error, rsvp={"errors": error.fields or {"answer": [error.text()]}, **values})
    flash(_("Your answer is recorded."), "info")
    return redirect(url_for("meetings.show", meeting_id=meeting.id), code=303)


@bp.post("/<id:meeting_id>/minutes/answer")
@login_required
def answer_minutes(meeting_id):
    """An attending party approves the minutes or comments on them. Its members but observers."""
    meeting = _meeting(meeting_id)
    values = {
        "answer": request.form.get("answer", ""),
        "comment": request.form.get("comment", ""),
        "organisation_id": request.form.get("organisation_id", ""),
    }
    try:
        rules.answer_minutes(
            current_user,
            meeting,
            values["answer"],
            values["comment"],
            parse_id(values["organisation_id"]) if values["organisation_id"] else None,
        )
    except Refused as error:
        if error.code == "forbidden":
            raise
        return _failed(meeting_id, error, answer={"errors": error.fields or {"answer": [error.text()]}, **values})
    flash(_("Your answer to the minutes is recorded."), "info")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="minutes"), code=303)


@bp.post("/<id:meeting_id>/cancel")
@login_required
def cancel(meeting_id):
    """Cancels the meeting, with a reason the invitees read. The organiser's officials."""
    meeting = _meeting(meeting_id, may=rules.can_manage)
    comment = request.form.get("comment", "")
    try:
        rules.cancel_meeting(current_user, meeting, comment)
    except Refused as error:
        return _failed(
            meeting_id, error, cancel={"errors": error.fields or {"comment": [error.text()]}, "comment": comment}
        )
    flash(_("The meeting is cancelled; the invitees are told."), "info")
    return redirect(url_for("meetings.show", meeting_id=meeting.id), code=303)


# Scheduling and rescheduling ----------------------------------------------------------------------------


def _start_from_form(values: dict, errors: dict):
    """The date and time fields as a naive datetime (local time in the zone chosen)."""
    try:
        return datetime.fromisoformat(f"{values['date'].strip()}T{values['time'].strip()}")
    except ValueError:
        errors["starts_at"] = [_("Give the date (YYYY-MM-DD) and the time (HH:MM).")]
        return None


def _int_or(text: str, fallback=-1):
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 9 else fallback


def _form_values(meeting: Meeting | None = None) -> dict:
    if request.method == "POST":
        return {
            name: request.form.get(name, "")
            for name in (
                "title",
                "date",
                "time",
                "timezone",
                "duration_minutes",
                "location",
                "online_url",
                "reminder_hours",
                "version",
                "recorded_late",
            )
        }
    if meeting is None:
        zone = getattr(current_user, "timezone", None) or "Africa/Bamako"
        return {
            "timezone": zone,
            "duration_minutes": "120",
            "reminder_hours": str(rules.default_reminder_hours()),
            "time": "10:00",
        }
    local = rules.local_start(meeting)
    return {
        "title": meeting.title,
        "date": local.strftime("%Y-%m-%d"),
        "time": local.strftime("%H:%M"),
        "timezone": meeting.timezone,
        "duration_minutes": str(meeting.duration_minutes),
        "location": meeting.location or "",
        "online_url": meeting.online_url or "",
        "reminder_hours": str(meeting.reminder_hours),
        "version": str(meeting.version),
    }


def _input_from(values: dict, errors: dict, **extra) -> rules.MeetingInput:
    return rules.MeetingInput(
        title=values["title"],
        starts_at=_start_from_form(values, errors),
        timezone=values["timezone"],
        duration_minutes=_int_or(values["duration_minutes"]),
        location=values["location"],
        online_url=values["online_url"],
        # Typed but not a whole number of hours ("-5", "deux"): -1, which the rule refuses next to the field.
        reminder_hours=_int_or(values["reminder_hours"]) if values["reminder_hours"].strip() else None,
        given={"title", "location", "online_url"},
        past_confirmed=values.get("recorded_late") == "yes",
        **extra,
    )


def _zones(*chosen: str) -> list[str]:
    return list(dict.fromkeys([*rules.COMMON_ZONES, *(z for z in chosen if rules.is_time_zone(z))]))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """The form to schedule a meeting (from a project's page, its commune and project chosen). Commune officials
    and mediators."""
    if not rules.can_schedule(current_user):
        abort(403)
    project = None
    project_id = parse_id(request.values.get("project_id"))
    if project_id is not None:
        project = found(project_rules.load_project, project_id, rules.can_schedule_about)
    dispute = _dispute_of_session()
    if dispute is not None:
        return _new_session(dispute)
    commune_id = parse_id(request.values.get("commune_id")) or (project.commune_id if project else None)
    choices = rules.schedule_choices(current_user, commune_id)
    values = _form_values()
    errors: dict = {}
    chosen_projects = set(_ids("project_ids")) if request.method == "POST" else ({project.id} if project else set())
    invited = (
        set(_ids("invitee_organisation_ids"))
        if request.method == "POST"
        else rules.default_invitees([p for p in choices.projects if p.id in chosen_projects])
    )
    status = 200
    if request.method == "POST" and choices.commune is not None:
        data = _input_from(
            values,
            errors,
            commune_id=choices.commune.id,
            project_ids=sorted(chosen_projects),
            invitee_organisation_ids=sorted(invited),
        )
        try:  # an unreadable date is None to the rule, which then reports it with every other field
            meeting = rules.schedule_meeting(current_user, data)
        except Refused as error:
            db.session.rollback()
            if error.code != "validation_failed":
                raise
            errors = {**(error.fields or {}), **errors}
            status = error.status
        else:
            flash(_("The meeting is scheduled; the invitations are sent."), "info")
            return redirect(url_for("meetings.show", meeting_id=meeting.id), code=303)
    elif request.method == "POST":
        errors["commune_id"] = [_("Choose the commune.")]
        status = 422
    return render_template(
        "meetings/form.html",
        meeting=None,
        choices=choices,
        project=project,
        values=values,
        errors=errors,
        chosen_projects=chosen_projects,
        invited=invited,
        zones=_zones(values.get("timezone", "")),
    ), status


def _dispute_of_session():
    """`?dispute_id=` (the link "schedule a mediation session" of a dispute's page): the dispute, if the viewer
    sees it (404) and may hold its sessions (403); None without one."""
    if not request.values.get("dispute_id"):
        return None
    return found(dispute_rules.load_dispute, parse_id(request.values.get("dispute_id")), for_page=True)


def _new_session(dispute):
    """The scheduling form for a mediation session: the dispute's commune, no agenda, its two parties invited
    (portal/domain/meetings.py schedule_meeting with `dispute_id`)."""
    if not dispute_rules.may_hold_session(current_user, dispute):
        abort(403)
    choices = rules.schedule_choices(current_user, dispute.project.commune_id)
    values = _form_values()
    if request.method == "GET":
        values["title"] = _("Mediation session: %(subject)s", subject=dispute.subject)
    errors: dict = {}
    status = 200
    if request.method == "POST":
        data = _input_from(
            values,
            errors,
            commune_id=dispute.project.commune_id,
            project_ids=[],
            invitee_organisation_ids=[],
            dispute_id=dispute.id,
        )
        try:
            rules.schedule_meeting(current_user, data)
        except Refused as error:
            db.session.rollback()
            if error.code != "validation_failed":
                raise
            errors = {**(error.fields or {}), **errors}
            status = error.status
        else:
            flash(_("The mediation session is scheduled; the two parties are invited."), "info")
            return redirect(url_for("disputes.show", dispute_id=dispute.id, _anchor="sessions"), code=303)
    return render_template(
        "meetings/form.html",
        meeting=None,
        dispute=dispute,
        choices=choices,
        project=None,
        values=values,
        errors=errors,
        chosen_projects=set(),
        invited=set(),
        zones=_zones(values.get("timezone", "")),
    ), status


@bp.route("/<id:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit(meeting_id):
    """The form to give a meeting a new time, place or link. The organiser's officials, while it is scheduled."""
    meeting = _meeting(meeting_id, may=rules.can_manage)
    if not rules.can_change(current_user, meeting):
        return _render_meeting(meeting, 409, notice=_("This meeting is cancelled."))
    values = _form_values(meeting)
    errors: dict = {}
    status = 200
    if request.method == "POST":
        data = _input_from(values, errors)
        try:
            if errors:  # an unreadable date: the other fields' messages too, and nothing changes
                raise Refused("validation_failed", fields=rules.field_errors(data, meeting))
            rules.reschedule_meeting(current_user, meeting, data, _int_or(values["version"], None))
        except Refused as error:
            meeting = _reloaded(meeting_id)
            if error.code == "stale_version":
                values["version"] = str(meeting.version)
                errors = {"version": [_("Someone changed this meeting meanwhile: check it and save again.")]}
            elif error.code != "validation_failed":
                return _render_meeting(meeting, error.status, notice=error.text())
            else:
                errors = {**(error.fields or {}), **errors}
            status = error.status
        else:
            flash(_("The meeting is changed; the invitees get the new invitation."), "info")
            return redirect(url_for("meetings.show", meeting_id=meeting.id), code=303)
    return render_template(
        "meetings/form.html", meeting=meeting, values=values, errors=errors, zones=_zones(values.get("timezone", ""))
    ), status


@bp.route("/<id:meeting_id>/minutes", methods=["GET", "POST"])
@login_required
def minutes(meeting_id):
    """The minutes form: summary, decisions, attendance; posted again, it replaces them until an attending party
    approves. The organiser's officials, once the meeting has started."""
    meeting = _meeting(meeting_id, may=rules.can_manage)
    if not rules.can_post_minutes(current_user, meeting):
        reason = _("Minutes are posted once the meeting has started, until an attending party approves them.")
        return _render_meeting(meeting, 409, notice=reason)
    if request.method == "GET":
        values = {
            "summary": meeting.minutes_summary or "",
            "decisions": "\n".join(meeting.minutes_decisions or []),
            "people": meeting.minutes_people or "",
        }
        attending = {a.organisation_id for a in meeting.attendees} or {
            i.organisation_id for i in meeting.invitees if i.rsvp == "yes"
        }
        return _render_minutes_form(meeting, values, attending, {})
    values = {name: request.form.get(name, "") for name in ("summary", "decisions", "people")}
    attending = set(_ids("attendee_organisation_ids"))
    decisions = [line for line in values["decisions"].splitlines() if line.strip()]
    try:
        rules.post_minutes(current_user, meeting, values["summary"], decisions, sorted(attending), values["people"])
    except Refused as error:
        meeting = _reloaded(meeting_id)
        if error.code != "validation_failed":
            return _render_meeting(meeting, error.status, notice=error.text())
        errors = {}
        for key, messages in (error.fields or {}).items():
            errors.setdefault(key.split(".")[0], []).extend(messages)
        return _render_minutes_form(meeting, values, attending, errors, error.status)
    flash(_("The minutes are posted; the attending parties are asked to approve them."), "info")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="minutes"), code=303)


def _render_minutes_form(meeting, values, attending, errors, status=200):
    parties = [meeting.organiser] + [
        i.organisation for i in meeting.invitees if i.organisation_id != meeting.organiser_id
    ]
    return render_template(
        "meetings/minutes_form.html",
        meeting=meeting,
        values=values,
        attending=attending,
        parties=parties,
        errors=errors,
    ), status
