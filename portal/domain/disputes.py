"""Disputes (litiges): who may open, mediate and answer one, from which state, and the operations that do it;
the thread and the mediators' notes; files; deadlines and reminders; the timeline read from the audit log.

The workflow is one table (TRANSITIONS); `transition()` is the only function that changes a status. Who may
see a dispute is portal/visibility.py's rule (its two parties' acting members, mediators, admins);
`load_dispute` applies it (404). A dispute about a commitment leaves the commitment's own state as it is.
"""

from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from portal.database import utcnow
from portal.domain import workflow
from portal.domain.audit import record
from portal.domain.settings import get_setting
from portal.errors import Refused
from portal.extensions import db
from portal.ids import is_id
from portal.labels import at_most_characters
from portal.models import (
    PENDING_DISPUTE_STATUSES,
    AuditEvent,
    Commitment,
    Dispute,
    DisputeDocument,
    DisputeMessage,
    DisputeStatus,
    MediationSession,
    Meeting,
    Membership,
    Organisation,
    OrganisationKind,
    Project,
    User,
)
from portal.notifications.notify import notify
from portal.services.files import keep_upload
from portal.visibility import (
    acting_organisation_ids,
    can_see_dispute,
    is_mediator,
    is_signed_in,
    party_organisation_ids,
    visible_disputes,
)

S = DisputeStatus
SUBJECT_MAX = 200
TEXT_MAX = 20_000

# The dispute is over, or waits only for an appeal: no message, note or file is added then.
_SETTLED = (S.CLOSED, S.DISMISSED)


# Who a user is for a dispute -------------------------------------------------------------------------------


def parties_of(user, dispute: Dispute) -> set[int]:
    """The dispute's parties the user acts for (a membership that is not observer)."""
    return acting_organisation_ids(user) & {dispute.claimant_id, dispute.respondent_id}


def is_party(user, dispute: Dispute) -> bool:
    return bool(parties_of(user, dispute))


def answers_for(user, dispute: Dispute) -> set[int]:
    """The dispute's parties the user may answer a settlement for (accept, object, appeal): a commune only through
    its mayor or a deputy (an answer binds the commune; its secretary general follows the dispute, writes in
    its thread and gives files, but does not answer)."""
    return workflow.binding_organisation_ids(user) & {dispute.claimant_id, dispute.respondent_id}


def answers_settlement(user, dispute: Dispute) -> bool:
    return bool(answers_for(user, dispute))


def settlement_answers(dispute_ids) -> dict[int, dict[int, AuditEvent]]:
    """Each dispute's answers to its current settlement: party → its accept or object event (the audit log keeps
    them, each naming the parties it was given for; a fresh settlement, after an appeal, clears them). One query."""
    answers: dict[int, dict[int, AuditEvent]] = {dispute_id: {} for dispute_id in dispute_ids}
    if not answers:
        return answers
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject_type == "dispute", AuditEvent.subject_id.in_(list(answers)))
        .where(AuditEvent.action.in_(("dispute.resolve", "dispute.accept", "dispute.object")))
        .order_by(AuditEvent.id)
    )
    for event in events:
        if event.action == "dispute.resolve":
            answers[event.subject_id] = {}
        else:
            for organisation_id in (event.after or {}).get("organisation_ids") or []:
                answers[event.subject_id][organisation_id] = event
    return answers


def answers_of(dispute: Dispute) -> dict[int, AuditEvent]:
    """`settlement_answers` of one dispute, read once per version of it (its page and its buttons both ask; an
    answer raises the version, so what was read before it is read again)."""
    kept = getattr(dispute, "_settlement_answers", None)
    if kept is None or kept[0] != dispute.version:
        kept = (dispute.version, settlement_answers([dispute.id])[dispute.id])
        dispute._settlement_answers = kept
    return kept[1]


def still_to_answer(user, dispute: Dispute) -> set[int]:
    """The parties the user may still answer the settlement for: theirs to bind, and not answered yet (one answer
    per party and settlement: accepted or objected, it stays on the record until the mediator closes)."""
    mine = answers_for(user, dispute)
    if not mine or dispute.status != S.RESOLVED:
        return set()
    return mine - set(answers_of(dispute))


def may_still_answer(user, dispute: Dispute) -> bool:
    return bool(still_to_answer(user, dispute))


def mediates(user, dispute: Dispute) -> bool:
    """A mediator of the ministry who is not a party to this dispute: a party cannot act as mediator."""
    return is_mediator(user) and not is_party(user, dispute)


def _mediator_or_admin(user, dispute: Dispute) -> bool:
    return mediates(user, dispute) or (is_signed_in(user) and user.is_admin and not is_party(user, dispute))


# The workflow -----------------------------------------------------------------------------------------------


Transition = workflow.Transition

_ACTIVE = (S.OPEN, S.ACKNOWLEDGED, S.IN_MEDIATION, S.RESOLVED)

TRANSITIONS: dict[str, Transition] = {
    "assign": Transition(dict.fromkeys(_ACTIVE, _mediator_or_admin), None, label=_l("Assign a mediator")),
    "acknowledge": Transition({S.OPEN: mediates}, S.ACKNOWLEDGED, label=_l("Acknowledge")),
    "start_mediation": Transition({S.ACKNOWLEDGED: mediates}, S.IN_MEDIATION, label=_l("Start the mediation")),
    "resolve": Transition(
        {S.IN_MEDIATION: mediates}, S.RESOLVED, comment_required=True, label=_l("Record the settlement")
    ),
    "dismiss": Transition(
        {S.OPEN: mediates, S.ACKNOWLEDGED: mediates}, S.DISMISSED, comment_required=True, label=_l("Dismiss")
    ),
    "close": Transition({S.RESOLVED: mediates}, S.CLOSED, label=_l("Close the dispute")),
    "accept": Transition({S.RESOLVED: answers_settlement}, None, label=_l("Accept the settlement")),
    "object": Transition(
        {S.RESOLVED: answers_settlement}, None, comment_required=True, label=_l("Object to the settlement")
    ),
    "appeal": Transition({S.CLOSED: answers_settlement}, S.IN_MEDIATION, comment_required=True, label=_l("Appeal")),
}

# What the comment of each action is, for the forms and the messages.
COMMENT_LABELS = {
    "resolve": _l("The settlement"),
    "dismiss": _l("The reason for dismissing it"),
    "object": _l("What you object to"),
    "appeal": _l("Why you appeal"),
}


def appeal_deadline(dispute: Dispute) -> datetime | None:
    """The last moment a party may appeal: the closure + the setting's days (30)."""
    if dispute.closed_at is None:
        return None
    return dispute.closed_at + timedelta(days=get_setting("dispute_appeal_days"))


def _appeal_refusal(dispute: Dispute, now: datetime) -> Refused | None:
    if dispute.appealed_at is not None:
        return Refused("invalid_transition", _l("A dispute may be appealed once only; this one was."))
    if now > appeal_deadline(dispute):
        days = get_setting("dispute_appeal_days")
        return Refused(
            "invalid_transition",
            lazy_ngettext(
                "The time to appeal has passed: %(num)s day from the closure.",
                "The time to appeal has passed: %(num)s days from the closure.",
                days,
            ),
        )
    return None


_ANSWERS = ("accept", "object")


def _answered_refusal() -> Refused:
    return Refused(
        "invalid_transition",
        _l("Your organisation has answered this settlement already; the mediator will close the dispute."),
    )


def may(user, dispute: Dispute, action: str, now: datetime | None = None) -> bool:
    """Whether the user may take the action now (for buttons): the same checks as `transition`."""
    if not workflow.may(TRANSITIONS, user, dispute, action):
        return False
    if action in _ANSWERS:
        return may_still_answer(user, dispute)
    return action != "appeal" or _appeal_refusal(dispute, now or utcnow()) is None


def available_actions(user, dispute: Dispute) -> list[str]:
    names = [name for name in TRANSITIONS if name not in _ANSWERS and may(user, dispute, name)]
    if workflow.may(TRANSITIONS, user, dispute, "accept") and may_still_answer(user, dispute):  # one look-up for both
        names += list(_ANSWERS)
    return names


def load_dispute(user, dispute_id, *, for_page: bool = False) -> Dispute:
    """The dispute if `user` may see it, else Refused("not_found") — the same answer as for none at all."""
    dispute = None
    if is_id(dispute_id):
        query = select(Dispute).where(Dispute.id == dispute_id)
        if for_page:
            query = query.options(
                joinedload(Dispute.project),
                joinedload(Dispute.commitment),
                joinedload(Dispute.claimant),
                joinedload(Dispute.respondent),
                joinedload(Dispute.mediator),
                selectinload(Dispute.documents),
            )
        dispute = db.session.scalar(query)
    if dispute is None or not can_see_dispute(user, dispute):
        raise Refused("not_found")
    return dispute


def _mediator_to_assign(mediator_id, dispute: Dispute) -> User:
    user = db.session.get(User, mediator_id) if is_id(mediator_id) else None
    if user is None or not user.is_active or not mediates(user, dispute):
        raise Refused(
            "validation_failed",
            fields={"mediator_id": [str(_l("Choose a mediator of the ministry who is not a party to the dispute."))]},
        )
    return user


def _snapshot(dispute: Dispute) -> dict:
    return {"status": dispute.status, "mediator_id": dispute.mediator_id}


def transition(
    actor, dispute: Dispute, action: str, comment: str | None = None, *, mediator_id=None, version=None, now=None
) -> Dispute:
    """Checks who may, from which state, with which comment; changes the dispute; records and notifies.
    Refusals in the contract's order: 403 (nobody they are may do it), 409 (not from this state, an appeal
    late or repeated, a stale `version`), 422 (comment, mediator)."""
    now = now or utcnow()
    spec = workflow.check_step(TRANSITIONS, actor, dispute, action, version)
    if action == "appeal" and (refusal := _appeal_refusal(dispute, now)) is not None:
        raise refusal
    to_answer = still_to_answer(actor, dispute) if action in _ANSWERS else None
    if to_answer is not None and not to_answer:
        raise _answered_refusal()
    comment = workflow.clean_comment(
        comment,
        spec.comment_required,
        limit=TEXT_MAX,
        message=_l("%(what)s: write it, the parties will read it.", what=COMMENT_LABELS.get(action, "")),
    )
    before = _snapshot(dispute)
    if action == "appeal":
        answered_for = sorted(answers_for(actor, dispute))
    else:
        answered_for = sorted(to_answer) if to_answer is not None else None
    if action == "assign":
        dispute.mediator = _mediator_to_assign(mediator_id, dispute)
    elif action == "start_mediation" and dispute.mediator_id is None:
        dispute.mediator = actor
    if action == "acknowledge":
        dispute.acknowledged_at = now
    elif action == "resolve":
        dispute.settlement, dispute.resolved_at = comment, now
    elif action == "dismiss":
        dispute.dismissal_reason = comment
    elif action == "close":
        dispute.closed_at = now
    elif action == "appeal":
        # Back to mediation with a fresh deadline to resolve, reminded afresh.
        dispute.appealed_at = now
        dispute.resolution_due_at = now + timedelta(days=get_setting("dispute_resolve_days"))
        dispute.resolution_reminded_at = None
    if spec.target is not None:
        dispute.status = spec.target
        dispute.status_changed_at = now
    elif action != "assign":
        dispute.updated_at = now  # accept / object: the version rises, the status stays
    workflow.flush_or_stale()
    after = _snapshot(dispute)
    if answered_for is not None:
        after["organisation_ids"] = answered_for
    if action == "appeal":
        after["resolution_due_at"] = dispute.resolution_due_at.isoformat()
    record(f"dispute.{action}", "dispute", dispute.id, actor=actor, before=before, after=after, comment=comment)
    party = ", ".join(o.name for o in (dispute.claimant, dispute.respondent) if o.id in (answered_for or ()))
    notify(f"dispute_{action}", dispute=dispute, actor=actor, comment=comment, party=party)
    return dispute


# Opening ----------------------------------------------------------------------------------------------------


def opening_parties(user, project: Project) -> list[Organisation]:
    """The parties to the project the user may raise a dispute for (acting members), by name."""
    if project.first_submitted_at is None:
        return []
    mine = acting_organisation_ids(user) & party_organisation_ids(project)
    if not mine:
        return []
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(mine)).order_by(Organisation.name)))


def can_open(user, project: Project) -> bool:
    return bool(opening_parties(user, project))


def respondent_choices(project: Project) -> list[Organisation]:
    """Every party to the project, by name (the form leaves out the claimant)."""
    ids = party_organisation_ids(project)
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


def contestable_commitments(project: Project) -> list[Commitment]:
    return list(
        db.session.scalars(
            select(Commitment).where(Commitment.project_id == project.id).order_by(Commitment.due_date, Commitment.id)
        )
    )


def check_can_open(actor, project: Project) -> None:
    if not can_open(actor, project):
        raise Refused("forbidden", _l("A member of a party to the project raises a dispute about it."))


def open_dispute(actor, project: Project, data: dict, now: datetime | None = None) -> Dispute:
    """Opens a dispute of a party against another on a project seen by the actor (load_project: 404 before)."""
    check_can_open(actor, project)
    now = now or utcnow()
    errors: dict[str, list[str]] = {}
    claimants = {o.id for o in opening_parties(actor, project)}
    claimant_id = data.get("organisation_id")
    if claimant_id is None and len(claimants) == 1:
        claimant_id = next(iter(claimants))
    if claimant_id not in claimants:
        errors["organisation_id"] = [str(_l("Choose the party you raise it for: one you act for."))]
    respondent_id = data.get("respondent_organisation_id")
    if respondent_id not in party_organisation_ids(project) or respondent_id == claimant_id:
        errors["respondent_organisation_id"] = [str(_l("Choose another party to the project."))]
    commitment_id = data.get("commitment_id")
    if commitment_id is not None:
        commitment = db.session.get(Commitment, commitment_id) if is_id(commitment_id) else None
        if commitment is None or commitment.project_id != project.id:
            errors["commitment_id"] = [str(_l("Choose a commitment of this project."))]
    fields = {}
    for name, limit in (("subject", SUBJECT_MAX), ("description", TEXT_MAX)):
        value = data.get(name)
        value = value.strip() if isinstance(value, str) else ""
        if not value:
            errors[name] = [str(_l("This field is required."))]
        elif len(value) > limit:
            errors[name] = [str(at_most_characters(limit))]
        fields[name] = value
    if errors:
        raise Refused("validation_failed", fields=errors)
    dispute = Dispute(
        project_id=project.id,
        commitment_id=commitment_id,
        claimant_id=claimant_id,
        respondent_id=respondent_id,
        subject=fields["subject"],
        description=fields["description"],
        status=S.OPEN,
        opened_by_id=actor.id,
        acknowledge_due_at=now + timedelta(days=get_setting("dispute_acknowledge_days")),
        resolution_due_at=now + timedelta(days=get_setting("dispute_resolve_days")),
        status_changed_at=now,
        created_at=now,
        updated_at=now,
    )
    db.session.add(dispute)
    db.session.flush()
    record(
        "dispute.open",
        "dispute",
        dispute.id,
        actor=actor,
        after={
            "status": dispute.status,
            "project_id": project.id,
            "commitment_id": commitment_id,
            "claimant_id": claimant_id,
            "respondent_id": respondent_id,
            "subject": dispute.subject,
            "acknowledge_due_at": dispute.acknowledge_due_at.isoformat(),
            "resolution_due_at": dispute.resolution_due_at.isoformat(),
        },
        comment=dispute.description,
    )
    notify("dispute_opened", dispute=dispute, actor=actor)
    return dispute


# The thread, the notes, the files ---------------------------------------------------------------------------


def can_write(user, dispute: Dispute) -> bool:
    """The parties and the mediators write in the thread until the dispute is closed or dismissed."""
    return dispute.status not in _SETTLED and (is_party(user, dispute) or mediates(user, dispute))


def can_write_note(user, dispute: Dispute) -> bool:
    return dispute.status not in _SETTLED and mediates(user, dispute)


def sees_notes(user, dispute: Dispute) -> bool:
    """The mediators' notes: mediators who are not a party, and admins."""
    return mediates(user, dispute) or (is_signed_in(user) and user.is_admin and not is_party(user, dispute))


def check_may_write(actor, dispute: Dispute, allowed=can_write) -> None:
    """403 for who never writes in this dispute, 409 once it is over for who did."""
    if not allowed(actor, dispute):
        if dispute.status in _SETTLED and (is_party(actor, dispute) or mediates(actor, dispute)):
            raise Refused("invalid_transition", _l("The dispute is over: nothing more can be added."))
        raise Refused("forbidden")


def post_message(actor, dispute: Dispute, body, *, private: bool = False) -> DisputeMessage:
    """A message to the thread (parties and mediator), or a mediator's private note."""
    check_may_write(actor, dispute, can_write_note if private else can_write)
    body = workflow.clean_comment(body, False, field="body", limit=TEXT_MAX)
    if body is None:
        raise Refused("validation_failed", fields={"body": [str(_l("Write your message."))]})
    parties = sorted(parties_of(actor, dispute))
    message = DisputeMessage(
        dispute_id=dispute.id,
        author_id=actor.id,
        organisation_id=parties[0] if parties else None,
        private=private,
        body=body,
        created_at=utcnow(),
    )
    db.session.add(message)
    db.session.flush()
    action = "dispute.note" if private else "dispute.message"
    record(action, "dispute", dispute.id, actor=actor, after={"message_id": message.id}, comment=body)
    if not private:
        notify("dispute_message", dispute=dispute, actor=actor, comment=body)
    return message


def thread(user, dispute: Dispute) -> list[DisputeMessage]:
    """The messages, oldest first, with the notes for those who see them: one query."""
    return list(db.session.scalars(thread_query(user, dispute)))


def thread_query(user, dispute: Dispute):
    query = (
        select(DisputeMessage)
        .where(DisputeMessage.dispute_id == dispute.id)
        .options(joinedload(DisputeMessage.author), joinedload(DisputeMessage.organisation))
        .order_by(DisputeMessage.id)
    )
    if not sees_notes(user, dispute):
        query = query.where(DisputeMessage.private.is_(False))
    return query


def add_document(actor, dispute: Dispute, stream, filename: str | None) -> DisputeDocument:
    """A file given by a party or the mediator, checked by its content like project documents."""
    check_may_write(actor, dispute)
    document = keep_upload(DisputeDocument, stream, filename, actor, dispute_id=dispute.id)
    dispute.documents.append(document)
    record(
        "dispute.document_add",
        "dispute",
        dispute.id,
        actor=actor,
        after={"document_id": document.id, "filename": document.filename, "size": document.size},
    )
    return document


# Mediation sessions (meetings scheduled by a mediator, portal/domain/meetings.py) ---------------------------


def may_hold_session(user, dispute: Dispute) -> bool:
    """A mediator (not a party) schedules a mediation session while the dispute is being handled."""
    return mediates(user, dispute) and dispute.status in (S.ACKNOWLEDGED, S.IN_MEDIATION)


def sessions_of(dispute: Dispute) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .join(MediationSession, MediationSession.meeting_id == Meeting.id)
            .where(MediationSession.dispute_id == dispute.id)
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )


# Lists ------------------------------------------------------------------------------------------------------


def filter_disputes(user, filters: dict | None = None):
    """select(Dispute) of what `user` may see, narrowed by project_id, status, organisation_id, overdue."""
    filters = filters or {}
    query = visible_disputes(user)
    if filters.get("project_id") is not None:
        query = query.where(Dispute.project_id == filters["project_id"])
    if filters.get("status"):
        query = query.where(Dispute.status == filters["status"])
    if filters.get("organisation_id") is not None:
        org = filters["organisation_id"]
        query = query.where(or_(Dispute.claimant_id == org, Dispute.respondent_id == org))
    if filters.get("overdue"):
        query = query.where(overdue_condition(utcnow()))
    return query


def overdue_condition(now: datetime):
    """SQL: a dispute past its deadline to acknowledge (while open) or to resolve (until resolved)."""
    return or_(
        (Dispute.status == S.OPEN) & (Dispute.acknowledge_due_at < now),
        Dispute.status.in_(PENDING_DISPUTE_STATUSES) & (Dispute.resolution_due_at < now),
    )


def with_list_details(query):
    return query.options(
        joinedload(Dispute.project), joinedload(Dispute.claimant), joinedload(Dispute.respondent)
    ).order_by(Dispute.id.desc())


def mediator_choices() -> list[User]:
    """Every active mediator of the ministry, by name (the assign form)."""
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(
                Organisation.kind == OrganisationKind.MINISTRY,
                Membership.role == "mediator",
                User.disabled_at.is_(None),
            )
            .distinct()
            .order_by(User.name, User.id)
        )
    )


# The timeline, from the audit log ---------------------------------------------------------------------------


def timeline(user, dispute: Dispute) -> list[dict]:
    """Every recorded event of the dispute, oldest first, with its actor's name; the mediators' notes only
    for those who see them. One query."""
    query = (
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.subject_type == "dispute", AuditEvent.subject_id == dispute.id)
        .order_by(AuditEvent.id)
    )
    if not sees_notes(user, dispute):
        query = query.where(AuditEvent.action != "dispute.note")
    events = []
    for event, actor_name in db.session.execute(query):
        action = event.action.removeprefix("dispute.")
        events.append(
            {
                "at": event.at,
                "actor": {"id": event.actor_id, "name": actor_name} if event.actor_id else None,
                "action": action,
                "from_status": (event.before or {}).get("status"),
                "to_status": (event.after or {}).get("status"),
                "organisation_ids": (event.after or {}).get("organisation_ids") or [],
                "comment": event.comment,
            }
        )
    return events


# Deadlines: reminders to the mediators (a scheduled job, portal/cli/jobs.py) --------------------------------


def remind_overdue(now: datetime | None = None) -> int:
    """Disputes past their deadline to acknowledge or to resolve are reminded to the mediators, once per
    deadline. Returns how many reminders were sent."""
    now = now or utcnow()
    sent = 0
    late_acknowledgement = db.session.scalars(
        select(Dispute).where(
            Dispute.status == S.OPEN, Dispute.acknowledge_due_at < now, Dispute.acknowledge_reminded_at.is_(None)
        )
    ).all()
    for dispute in late_acknowledgement:
        notify("dispute_acknowledge_overdue", dispute=dispute, actor=None)
        sent += 1
    late_resolution = db.session.scalars(
        select(Dispute).where(
            Dispute.status.in_(PENDING_DISPUTE_STATUSES),
            Dispute.resolution_due_at < now,
            Dispute.resolution_reminded_at.is_(None),
        )
    ).all()
    for dispute in late_resolution:
        notify("dispute_resolution_overdue", dispute=dispute, actor=None)
        sent += 1
    # Stamped with plain UPDATEs: a reminder is not an edit, and must not make a party's open form stale.
    for column, rows in (
        ("acknowledge_reminded_at", late_acknowledgement),
        ("resolution_reminded_at", late_resolution),
    ):
        if rows:
            db.session.execute(
                update(Dispute).where(Dispute.id.in_([d.id for d in rows])).values({column: now}),
                execution_options={"synchronize_session": False},
            )
    db.session.flush()
    return sent
