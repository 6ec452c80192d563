"""Commitments (engagements): who may record, report, confirm, contest and cancel them, from which state, and
the operations that do it; pledges of an agreed project's funding plan; funders confirming their lines;
reminders and escalation; what the accountability views count.

The workflow is one table (TRANSITIONS); `transition()` is the only function that changes a status. Who may
see a commitment is who may see its project (portal/visibility.py); `load_commitment` applies it (404) with the
rule of the action (403). `overdue` is never stored: an open commitment whose due date has passed in the
communes' time zone (`commune_today`, portal/models/commitments.py), compared in SQL by `overdue_condition`.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal import money
from portal.database import utcnow
from portal.domain import workflow
from portal.domain.audit import record
from portal.domain.settings import get_setting
from portal.errors import Refused
from portal.extensions import db
from portal.ids import is_id
from portal.labels import PARTY_KIND_LABELS, at_most_characters, label
from portal.models import (
    COMMITMENT_KINDS,
    AuditEvent,
    Cercle,
    Commitment,
    CommitmentEvidence,
    CommitmentStatus,
    Commune,
    Contribution,
    ContributionStatus,
    FundingLine,
    MeetingProject,
    Membership,
    Organisation,
    OrganisationKind,
    Project,
    Region,
    User,
    commune_today,
)
from portal.notifications.notify import notify
from portal.services.files import keep_upload
from portal.visibility import (
    can_see_project,
    is_mediator,
    is_observer,
    is_signed_in,
    memberships_of,
    party_organisation_ids,
    sees_unconfirmed_funders,
    visible_projects,
)

S = CommitmentStatus
DESCRIPTION_MAX = 20_000
COMMENT_MAX = workflow.COMMENT_MAX


# Who a user is for a commitment ---------------------------------------------------------------------------


def acts_for(user, organisation_id: int) -> bool:
    """Whether the user speaks for the organisation: a membership that is not observer."""
    return any(m.organisation_id == organisation_id and m.role != "observer" for m in memberships_of(user))


def _parties(project: Project) -> set[int]:
    """party_organisation_ids, read once per loaded project (a page asks it for each of its commitments)."""
    parties = getattr(project, "_party_ids", None)
    if parties is None:
        parties = party_organisation_ids(project)
        project._party_ids = parties
    return parties


def acting_parties(user, project: Project) -> set[int]:
    """The parties to the project the user speaks for."""
    parties = _parties(project)
    return {m.organisation_id for m in memberships_of(user) if m.role != "observer" and m.organisation_id in parties}


def is_promising_side(user, commitment: Commitment) -> bool:
    return acts_for(user, commitment.organisation_id)


def is_other_side(user, commitment: Commitment) -> bool:
    """Speaks for a party to the project other than the organisation that made the commitment."""
    return bool(acting_parties(user, commitment.project) - {commitment.organisation_id})


def _other_side_or_mediator(user, commitment: Commitment) -> bool:
    return is_other_side(user, commitment) or is_mediator(user)


def _mediator(user, commitment: Commitment) -> bool:
    return is_mediator(user)


def _author_or_mediator(user, commitment: Commitment) -> bool:
    """Its author cancels a commitment, a mediator any; a pledge of the funding plan, only a mediator."""
    if is_mediator(user):
        return True
    author = is_signed_in(user) and commitment.recorded_by_id == user.id
    return author and commitment.funding_line_id is None


# The workflow ---------------------------------------------------------------------------------------------


Transition = workflow.Transition

TRANSITIONS: dict[str, Transition] = {
    "report_fulfilled": Transition(
        {S.OPEN: is_promising_side, S.CONTESTED: is_promising_side}, S.FULFILLED, label=_l("Report it fulfilled")
    ),
    "confirm": Transition(
        {S.FULFILLED: _other_side_or_mediator, S.CONTESTED: _mediator}, S.CONFIRMED, label=_l("Confirm")
    ),
    "contest": Transition({S.FULFILLED: is_other_side}, S.CONTESTED, comment_required=True, label=_l("Contest")),
    "cancel": Transition({S.OPEN: _author_or_mediator}, S.CANCELLED, comment_required=True, label=_l("Cancel it")),
}


def may(user, commitment: Commitment, action: str) -> bool:
    """Whether the user may take the action now (for buttons): the same checks as `transition`."""
    return workflow.may(TRANSITIONS, user, commitment, action)


def available_actions(user, commitment: Commitment) -> list[str]:
    return [name for name in TRANSITIONS if may(user, commitment, name)]


def can_add_evidence(user, commitment: Commitment) -> bool:
    """The promising organisation adds evidence while it may report the commitment fulfilled."""
    return may(user, commitment, "report_fulfilled")


def load_commitment(user, commitment_id, may=None) -> Commitment:
    """The commitment if `user` may see its project, else Refused("not_found"); Refused("forbidden") when
    `may(user, commitment)` says they may not do what they came for."""
    commitment = None
    if is_id(commitment_id):
        commitment = db.session.scalar(
            select(Commitment)
            .where(Commitment.id == commitment_id)
            .options(
                joinedload(Commitment.project).selectinload(Project.funding_lines),
                joinedload(Commitment.organisation),
                joinedload(Commitment.funding_line),
                selectinload(Commitment.evidence),
            )
        )
    if commitment is None or not can_see_project(user, commitment.project):
        raise Refused("not_found")
    if may is not None and not may(user, commitment):
        raise Refused("forbidden")
    return commitment


def transition(actor, commitment: Commitment, action: str, comment: str | None = None, version=None) -> Commitment:
    """Checks who may, from which state, with which comment; changes the status; records and notifies.
    Refusals in the contract's order: 403 (nobody they are may do it), 409 (not from this state, or a stale
    `version`), 422 (comment, evidence)."""
    spec = workflow.check_step(TRANSITIONS, actor, commitment, action, version)
    comment = workflow.clean_comment(comment, spec.comment_required)
    if action == "report_fulfilled" and commitment.status == S.CONTESTED:
        since = commitment.status_changed_at
        if not any(e.created_at >= since for e in commitment.evidence):
            raise Refused(
                "validation_failed",
                fields={"file": [str(_l("Contested: add new evidence (a receipt, a title) before reporting again."))]},
            )
    before = commitment.status
    commitment.status = spec.target
    commitment.status_changed_at = utcnow()
    workflow.flush_or_stale()
    after = {"status": commitment.status, "project_id": commitment.project_id}
    if action == "contest":  # the side that contests, said next to the commitment (`contests`)
        after["organisation_id"] = min(acting_parties(actor, commitment.project) - {commitment.organisation_id})
    record(
        f"commitment.{action}",
        "commitment",
        commitment.id,
        actor=actor,
        before={"status": before},
        after=after,
        comment=comment,
    )
    notify(f"commitment_{action}", commitment=commitment, actor=actor, comment=comment)
    return commitment


# Recording ------------------------------------------------------------------------------------------------


def is_recorder(user, project: Project) -> bool:
    """A party to the project (not an observer) or a mediator records its commitments."""
    return bool(acting_parties(user, project)) or is_mediator(user)


def can_record(user, project: Project) -> bool:
    """... from the project's first submission on (for the form)."""
    return project.first_submitted_at is not None and is_recorder(user, project)


def parse_due_date(value, field: str = "due_date") -> date:
    """A calendar date (a date, or "YYYY-MM-DD"); a past one is accepted (a promise recorded late)."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value or "").strip()[:10]) if isinstance(value, str) else None
        except ValueError:
            parsed = None
    if parsed is None or not 2000 <= parsed.year <= 2100:
        raise Refused("validation_failed", fields={field: [str(_l("Give the date as YYYY-MM-DD."))]})
    return parsed


def _money(raw_amount, raw_currency, required: bool, errors: dict) -> dict:
    """amount, currency, rate_to_xof, amount_xof, by the project's money rules; {} when none is given."""
    given = raw_amount not in (None, "") or raw_currency not in (None, "")
    if not given and not required:
        return {}
    currency = str(raw_currency or "").strip().upper()
    rate = None
    if not currency:
        errors["currency"] = [str(_l("Give the currency."))]
    else:
        try:
            rate = money.rate_to_xof(currency, utcnow().date())
        except money.MoneyError as error:
            errors["currency"] = [str(error)]
    try:
        amount = money.parse_amount(raw_amount, currency or "XOF")
    except money.MoneyError as error:
        errors["amount"] = [str(error)]
        return {}
    if rate is None:
        return {}
    return {"amount": amount, "currency": currency, "rate_to_xof": rate, "amount_xof": money.to_xof(amount, rate)}


def check_can_record(actor, project: Project) -> None:
    """The checks that come before reading what is recorded: 403 for who may not, 409 before submission."""
    if not is_recorder(actor, project):
        raise Refused("forbidden")
    if project.first_submitted_at is None:
        raise Refused("invalid_transition", _l("Commitments are recorded once the project is submitted."))


def _taken_at(project: Project, meeting_id) -> bool:
    """A commitment is taken at a meeting that had its project on the agenda."""
    return (
        is_id(meeting_id)
        and db.session.scalar(
            select(MeetingProject.id).where(
                MeetingProject.meeting_id == meeting_id, MeetingProject.project_id == project.id
            )
        )
        is not None
    )


def record_commitment(actor, project: Project, data: dict) -> Commitment:
    """Records a commitment of a party to the project. `data`: organisation_id, kind, description, due_date,
    amount?, currency?, meeting_id? (values as a form or a JSON body gives them)."""
    check_can_record(actor, project)
    errors: dict[str, list[str]] = {}
    organisation_id = data.get("organisation_id")
    if not is_id(organisation_id) or organisation_id not in party_organisation_ids(project):
        errors["organisation_id"] = [str(_l("Choose a party to the project."))]
    kind = data.get("kind")
    if kind not in COMMITMENT_KINDS:
        errors["kind"] = [str(_l("Choose the kind of commitment."))]
    description = str(data.get("description") or "").strip()
    if not description:
        errors["description"] = [str(_l("Say what is promised."))]
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = [str(at_most_characters(DESCRIPTION_MAX))]
    due_date = None
    try:
        due_date = parse_due_date(data.get("due_date"))
    except Refused as refusal:
        errors.update(refusal.fields)
    amounts = _money(data.get("amount"), data.get("currency"), kind == "financial", errors)
    meeting_id = data.get("meeting_id")
    if meeting_id not in (None, "") and not _taken_at(project, meeting_id):
        errors["meeting_id"] = [str(_l("No meeting about this project has this number."))]
    if errors:
        raise Refused("validation_failed", fields=errors)
    commitment = Commitment(
        project_id=project.id,
        organisation_id=organisation_id,
        kind=kind,
        description=description,
        due_date=due_date,
        status=S.OPEN,
        meeting_id=meeting_id or None,
        recorded_by_id=actor.id,
        **amounts,
    )
    db.session.add(commitment)
    db.session.flush()
    _recorded(actor, commitment)
    return commitment


def _recorded(actor, commitment: Commitment) -> None:
    record(
        "commitment.record",
        "commitment",
        commitment.id,
        actor=actor,
        after={
            "project_id": commitment.project_id,
            "organisation_id": commitment.organisation_id,
            "kind": commitment.kind,
            "amount": str(commitment.amount) if commitment.amount is not None else None,
            "currency": commitment.currency,
            "due_date": commitment.due_date.isoformat(),
            "funding_line_id": commitment.funding_line_id,
        },
    )
    notify("commitment_recorded", commitment=commitment, actor=actor)


# Evidence -------------------------------------------------------------------------------------------------


def add_evidence(actor, commitment: Commitment, stream, filename: str | None) -> CommitmentEvidence:
    """Stores a file proving the commitment kept, checked by its content like project documents."""
    if not any(who(actor, commitment) for who in TRANSITIONS["report_fulfilled"].who_from.values()):
        raise Refused("forbidden")
    if not can_add_evidence(actor, commitment):
        raise Refused("invalid_transition")
    evidence = keep_upload(CommitmentEvidence, stream, filename, actor, commitment_id=commitment.id)
    commitment.evidence.append(evidence)
    record(
        "commitment.evidence_add",
        "commitment",
        commitment.id,
        actor=actor,
        after={"evidence_id": evidence.id, "filename": evidence.filename, "size": evidence.size},
    )
    return evidence


# Pledges: the funding plan's lines, once the project is agreed ------------------------------------------


def pledge_due_date(value, today: date | None = None) -> date:
    """The due date given with `agree`, or the agreement day + the admin's setting (90 days)."""
    if value in (None, ""):
        return (today or commune_today()) + timedelta(days=get_setting("pledge_due_days"))
    return parse_due_date(value, "pledge_due_date")


def record_pledges(actor, project: Project, due_date: date) -> list[Commitment]:
    """Each funding line that names an organisation becomes a financial commitment of that organisation."""
    pledges = []
    for line in project.funding_lines:
        if line.organisation_id is None:
            continue
        commitment = Commitment(
            project_id=project.id,
            organisation_id=line.organisation_id,
            kind="financial",
            description=_("Pledge of the co-funding plan (%(party)s)", party=label(PARTY_KIND_LABELS, line.party_kind)),
            amount=line.amount,
            currency=line.currency,
            rate_to_xof=line.rate_to_xof,
            amount_xof=line.amount_xof,
            due_date=due_date,
            status=S.OPEN,
            funding_line_id=line.id,
            recorded_by_id=actor.id,
        )
        db.session.add(commitment)
        db.session.flush()
        _recorded(actor, commitment)
        pledges.append(commitment)
    return pledges


def is_pledge(commitment: Commitment) -> bool:
    return commitment.funding_line_id is not None


# Funders confirming their lines -----------------------------------------------------------------------
# The one home of "a funder awaiting confirmation": a third party named on a line it has not confirmed is not
# named to anyone who would not see the project were it not public (visibility.sees_unconfirmed_funders) — not
# on the project's page or API, its convention (parties and pledges), its contributions, the IATI export, nor
# in the commitments listed by organisation (`_unconfirmed_pledge`, the SQL twin).


def needs_funder_confirmation(project: Project, line: FundingLine) -> bool:
    """A line naming an organisation that is neither the proposing association nor the project's commune."""
    organisation = line.organisation
    if organisation is None or organisation.id == project.association_id:
        return False
    return not (organisation.kind == OrganisationKind.COMMUNE and organisation.commune_id == project.commune_id)


def awaits_funder(project: Project, line: FundingLine) -> bool:
    """The line reads "awaiting the funder's confirmation" (and its funder is not named in public)."""
    return needs_funder_confirmation(project, line) and line.confirmed_at is None


def names_funder(user, project: Project, line: FundingLine) -> bool:
    """Whether `user` may read who funds the line (`user` None: the public, as the open-data exports read it)."""
    return not awaits_funder(project, line) or sees_unconfirmed_funders(user, project)


def funder_name(user, project: Project, line: FundingLine) -> str | None:
    """The name of the line's organisation as `user` may read it: None for a funder awaiting its confirmation that
    `user` may not name (and for a line naming no organisation). Every face that names funders reads it here:
    the project's page and API, its contributions, the convention, the IATI export."""
    if line.organisation is None or not names_funder(user, project, line):
        return None
    return line.organisation.name


def can_confirm_funding(user, project: Project, line: FundingLine) -> bool:
    return awaits_funder(project, line) and acts_for(user, line.organisation_id)


def confirm_funding_line(actor, project: Project, line_id) -> FundingLine:
    """The funder's members (not observers) confirm the line that names it; recorded on the project's history."""
    line = next((line for line in project.funding_lines if line.id == line_id), None) if is_id(line_id) else None
    if line is None:
        raise Refused("not_found")
    if line.organisation_id is None or not acts_for(actor, line.organisation_id):
        raise Refused("forbidden")
    if not awaits_funder(project, line):
        raise Refused("invalid_transition", _l("This line needs no confirmation, or is already confirmed."))
    line.confirmed_at = utcnow()
    line.confirmed_by_id = actor.id
    db.session.flush()
    record(
        "project.funding_confirm",
        "project",
        project.id,
        actor=actor,
        after={"funding_line_id": line.id, "organisation_id": line.organisation_id},
    )
    notify("funding_line_confirmed", project=project, funding_line=line, actor=actor)
    return line


def ask_funders_to_confirm(actor, project: Project) -> None:
    """On submission, each funder whose line awaits its confirmation is asked for it."""
    for line in project.funding_lines:
        if awaits_funder(project, line):
            notify("funding_line_to_confirm", project=project, funding_line=line, actor=actor)


# Reading: lists, overdue, fulfilment -----------------------------------------------------------------------


def overdue_condition(today: date):
    """SQL: open and past its due date (today in the communes' zone, computed once by the caller)."""
    return and_(Commitment.status == S.OPEN, Commitment.due_date < today)


def _unconfirmed_pledge():
    """SQL: a pledge of a third-party funder who has not confirmed its line."""
    third_party = and_(
        Commitment.organisation_id != Project.association_id,
        ~select(Organisation.id)
        .where(
            Organisation.id == Commitment.organisation_id,
            Organisation.kind == OrganisationKind.COMMUNE,
            Organisation.commune_id == Project.commune_id,
        )
        .exists(),
    )
    unconfirmed_line = (
        select(FundingLine.id)
        .where(FundingLine.id == Commitment.funding_line_id, FundingLine.confirmed_at.is_(None))
        .exists()
    )
    return and_(third_party, unconfirmed_line)


def _sees_every_funder(user) -> bool:
    return is_signed_in(user) and (user.is_admin or is_mediator(user) or is_observer(user))


def visible_commitments(user, filters: dict | None = None, today: date | None = None):
    """select(Commitment) of the projects `user` may see, narrowed by project_id, meeting_id, organisation_id,
    overdue; in
    SQL, so that pages and counts are right. Naming an organisation, an unconfirmed funder's pledges are left
    out for those who may not read its name."""
    filters = filters or {}
    query = select(Commitment).join(Project, Project.id == Commitment.project_id)
    query = query.where(Commitment.project_id.in_(visible_projects(user).with_only_columns(Project.id)))
    if is_id(filters.get("project_id")):
        query = query.where(Commitment.project_id == filters["project_id"])
    if is_id(filters.get("meeting_id")):  # the commitments a meeting's minutes took
        query = query.where(Commitment.meeting_id == filters["meeting_id"])
    if is_id(filters.get("organisation_id")):
        query = query.where(Commitment.organisation_id == filters["organisation_id"])
        if not _sees_every_funder(user):
            mine = [m.organisation_id for m in memberships_of(user)]
            query = query.where(or_(~_unconfirmed_pledge(), Commitment.organisation_id.in_(mine)))
    if filters.get("owed_to"):  # commitments of the other parties of the organisation's projects
        owed_to = filters["owed_to"]
        party_projects = select(Project.id).where(
            or_(
                Project.association_id == owed_to,
                Project.commune_id.in_(select(Organisation.commune_id).where(Organisation.id == owed_to)),
                Project.id.in_(select(FundingLine.project_id).where(FundingLine.organisation_id == owed_to)),
            )
        )
        query = query.where(Commitment.project_id.in_(party_projects), Commitment.organisation_id != owed_to)
    if filters.get("overdue") is True:
        query = query.where(overdue_condition(today or commune_today()))
    elif filters.get("overdue") is False:
        query = query.where(~overdue_condition(today or commune_today()))
    return query


def with_page_details(query):
    """What a list of commitments shows, in a fixed number of queries."""
    return query.options(
        joinedload(Commitment.organisation),
        joinedload(Commitment.funding_line).joinedload(FundingLine.organisation),
        joinedload(Commitment.project).joinedload(Project.association),
        joinedload(Commitment.project).selectinload(Project.funding_lines),
        selectinload(Commitment.evidence),
    )


def project_commitments(project: Project) -> list[Commitment]:
    """A project's commitments, oldest first, with their organisation, pledge line and evidence."""
    return db.session.scalars(
        select(Commitment)
        .where(Commitment.project_id == project.id)
        .options(
            joinedload(Commitment.organisation),
            joinedload(Commitment.funding_line).joinedload(FundingLine.organisation),
            selectinload(Commitment.evidence),
        )
        .order_by(Commitment.id)
    ).all()


def names_promiser(user, commitment: Commitment) -> bool:
    """Whether `user` may read who made the commitment: not a funder's pledge before it confirms its line."""
    line = commitment.funding_line
    if line is None:
        return True
    project = commitment.project
    return not awaits_funder(project, line) or sees_unconfirmed_funders(user, project)


def party_choices(project: Project) -> list[Organisation]:
    """The organisations a commitment on the project may be made by: its parties, by name."""
    return db.session.scalars(
        select(Organisation).where(Organisation.id.in_(_parties(project))).order_by(Organisation.name)
    ).all()


def fulfilment_rate(organisation_id: int, today: date | None = None) -> tuple[int, int]:
    """(confirmed, confirmed + overdue + contested) of the organisation's commitments; cancelled ones, and the
    pledges of a funder that has not confirmed its line, are left out. One query."""
    today = today or commune_today()
    overdue = overdue_condition(today)
    row = db.session.execute(
        select(
            func.count(case((Commitment.status == S.CONFIRMED, 1))),
            func.count(case((or_(Commitment.status.in_([S.CONFIRMED, S.CONTESTED]), overdue), 1))),
        )
        .select_from(Commitment)
        .join(Project, Project.id == Commitment.project_id)
        .where(Commitment.organisation_id == organisation_id, ~_unconfirmed_pledge())
    ).one()
    return int(row[0]), int(row[1])


def overdue_by_place(today: date | None = None, limit: int = 500) -> list[tuple]:
    """Overdue commitments for the mediators, by region and commune, oldest due first:
    (region name, commune name, commitment) rows — names by their usual spelling ("Ségou") —, in a fixed number
    of queries."""
    today = today or commune_today()
    rows = db.session.execute(
        with_page_details(
            select(Commitment, Region, Commune)
            .join(Project, Project.id == Commitment.project_id)
            .join(Commune, Commune.id == Project.commune_id)
            .join(Cercle, Cercle.id == Commune.cercle_id)
            .join(Region, Region.id == Cercle.region_id)
            .where(overdue_condition(today))
        )
        .order_by(Region.name, Commune.name, Commitment.due_date, Commitment.id)
        .limit(limit)
    ).all()
    return [(region.display_name, commune.display_name, commitment) for commitment, region, commune in rows]


# Reminders and escalation (scheduled jobs, portal/cli/jobs.py) -----------------------------------------------


def send_reminders(now=None) -> int:
    """Open commitments due within the setting's days are reminded once; overdue ones once more. Returns how
    many mails were queued."""
    now = now or utcnow()
    today = commune_today(now)
    soon = today + timedelta(days=get_setting("commitment_reminder_days"))
    due_soon = db.session.scalars(
        select(Commitment).where(
            Commitment.status == S.OPEN,
            Commitment.due_date >= today,
            Commitment.due_date <= soon,
            Commitment.due_reminder_sent_at.is_(None),
        )
    ).all()
    for commitment in due_soon:
        commitment.due_reminder_sent_at = now
        notify("commitment_due_soon", commitment=commitment, actor=None)
    overdue = db.session.scalars(
        select(Commitment).where(overdue_condition(today), Commitment.overdue_reminder_sent_at.is_(None))
    ).all()
    for commitment in overdue:
        commitment.overdue_reminder_sent_at = now
        notify("commitment_overdue", commitment=commitment, actor=None)
    db.session.flush()
    return len(due_soon) + len(overdue)


def escalate_overdue(now=None) -> int:
    """Commitments overdue for longer than the setting (30 days) go to the mediators, once."""
    now = now or utcnow()
    limit = commune_today(now) - timedelta(days=get_setting("commitment_escalation_days"))
    late = db.session.scalars(
        select(Commitment).where(
            Commitment.status == S.OPEN, Commitment.due_date < limit, Commitment.escalated_at.is_(None)
        )
    ).all()
    for commitment in late:
        commitment.escalated_at = now
        record(
            "commitment.escalate",
            "commitment",
            commitment.id,
            after={"status": commitment.status, "due_date": commitment.due_date.isoformat()},
        )
        notify("commitment_escalated", commitment=commitment, actor=None)
    db.session.flush()
    return len(late)


def listed(user, commitments: list, today: date) -> list[tuple]:
    """(commitment, promiser's name as `user` may read it or None, overdue) for a list of commitments."""
    return [(c, c.organisation.name if names_promiser(user, c) else None, c.is_overdue(today)) for c in commitments]


def organisation_commitments(user, organisation: Organisation, today: date, limit: int = 50) -> dict:
    """An organisation's accountability: the commitments it made and those owed to it (of projects `user` may
    see, oldest due first) and its fulfilment rate (confirmed, counted)."""

    def first(filters):
        query = with_page_details(visible_commitments(user, filters, today))
        rows = db.session.scalars(query.order_by(Commitment.due_date, Commitment.id).limit(limit)).unique().all()
        return listed(user, rows, today)

    made, owed = first({"organisation_id": organisation.id}), first({"owed_to": organisation.id})
    return {
        "made": made,
        "owed": owed,
        "rate": fulfilment_rate(organisation.id, today),
        "beside": beside(user, [row[0] for row in made + owed]),
    }


# Pledges paid: one story with the tranches (portal/domain/contributions.py) ---------------------------------
# A pledge is the commitment of a funding line's party to pay it. What it has received is the sum of the
# confirmed tranches paid on its line, in XOF; what remains is the rest. The operation that confirms a tranche
# reaching the pledge confirms the pledge too, as the system (no person confirmed the commitment itself).


@dataclass(frozen=True)
class PledgeProgress:
    received_xof: int  # confirmed tranches on the pledge's line
    remaining_xof: int  # 0 once paid in full
    paid_in_full: bool


def paid_in_full(line: FundingLine, received_xof: int, received_own) -> bool:
    """A line is paid once what was confirmed reaches it in XOF, or in its own currency (tranches in euros of a
    line in euros: each converted on its own may round a franc below the line)."""
    return received_xof >= line.amount_xof or received_own >= line.amount


def received_on_lines(line_ids) -> dict[int, tuple[int, object]]:
    """{line id: (XOF, amount in the line's own currency)} of the lines' confirmed tranches: one query."""
    if not line_ids:
        return {}
    rows = db.session.execute(
        select(
            Contribution.funding_line_id,
            func.coalesce(func.sum(Contribution.amount_xof), 0),
            func.coalesce(func.sum(case((Contribution.currency == FundingLine.currency, Contribution.amount))), 0),
        )
        .join(FundingLine, FundingLine.id == Contribution.funding_line_id)
        .where(Contribution.funding_line_id.in_(line_ids), Contribution.status == ContributionStatus.CONFIRMED)
        .group_by(Contribution.funding_line_id)
    ).all()
    return {line_id: (int(xof), own) for line_id, xof, own in rows}


def pledge_progress(commitments) -> dict[int, PledgeProgress]:
    """{commitment id: PledgeProgress} for the pledges among `commitments` (others are left out): one query."""
    pledges = [c for c in commitments if is_pledge(c)]
    received = received_on_lines({c.funding_line_id for c in pledges})
    progress = {}
    for pledge in pledges:
        xof, own = received.get(pledge.funding_line_id, (0, 0))
        full = paid_in_full(pledge.funding_line, xof, own)
        remaining = 0 if full else max((pledge.amount_xof or 0) - xof, 0)
        progress[pledge.id] = PledgeProgress(xof, remaining, full)
    return progress


def confirm_pledge_if_paid(contribution: Contribution) -> list[Commitment]:
    """After a tranche is confirmed: the pledge of its line, once the line is paid in full, is confirmed from any
    state but confirmed or cancelled — recorded on the commitment's history as the system's, naming the tranche,
    and told as any confirmation."""
    line = contribution.funding_line
    if not paid_in_full(line, *received_on_lines([line.id]).get(line.id, (0, 0))):
        return []
    pledges = db.session.scalars(
        select(Commitment).where(
            Commitment.funding_line_id == line.id, Commitment.status.not_in([S.CONFIRMED, S.CANCELLED])
        )
    ).all()
    for pledge in pledges:
        before = pledge.status
        pledge.status = S.CONFIRMED
        pledge.status_changed_at = utcnow()
        workflow.flush_or_stale()
        record(
            "commitment.confirm",
            "commitment",
            pledge.id,
            before={"status": before},
            after={
                "status": pledge.status,
                "project_id": pledge.project_id,
                "by": "contributions",
                "contribution_id": contribution.id,
            },
        )
        notify("commitment_confirm", commitment=pledge, actor=None, comment=None)
    return pledges


# Contested: why, by whom, when — next to the commitment ---------------------------------------------------


@dataclass(frozen=True)
class Contest:
    at: datetime
    reason: str | None
    person_id: int | None
    person: str | None  # the name of who contested (None: an erased account)
    organisation_id: int | None  # the side that contested (None: a funder the viewer may not name)
    organisation: str | None
    earlier_evidence: list  # the proof given before it was contested


def _contesting_side(user_id, commitment: Commitment) -> int | None:
    """For a contest recorded before the side was: the party other than the promiser the person speaks for."""
    parties = _parties(commitment.project) - {commitment.organisation_id}
    found = db.session.scalars(
        select(Membership.organisation_id).where(
            Membership.user_id == user_id, Membership.role != "observer", Membership.organisation_id.in_(parties)
        )
    ).all()
    return min(found) if found else None


def contests(user, commitments) -> dict[int, Contest]:
    """{commitment id: Contest} for the contested commitments among `commitments`: the latest contest's reason,
    who (the person and the side they spoke for, named as `user` may read it) and when, and the evidence given
    before it. One query for the reasons, one for the sides' names."""
    contested = {c.id: c for c in commitments if c.status == S.CONTESTED}
    if not contested:
        return {}
    rows = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.subject_type == "commitment",
            AuditEvent.subject_id.in_(contested),
            AuditEvent.action == "commitment.contest",
        )
        .order_by(AuditEvent.id)
    ).all()
    latest = {event.subject_id: (event, name) for event, name in rows}
    sides = {
        commitment_id: (event.after or {}).get("organisation_id")
        or _contesting_side(event.actor_id, contested[commitment_id])
        for commitment_id, (event, _name) in latest.items()
    }
    names = dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_({s for s in sides.values() if s}))
        ).all()
    )
    found = {}
    for commitment_id, (event, person) in latest.items():
        commitment, side = contested[commitment_id], sides[commitment_id]
        if side is not None and not _names_party(user, commitment.project, side):
            side = person = None
        found[commitment_id] = Contest(
            at=event.at,
            reason=event.comment,
            person_id=event.actor_id if person else None,
            person=person,
            organisation_id=side,
            organisation=names.get(side),
            earlier_evidence=[e for e in commitment.evidence if e.created_at <= event.at],
        )
    return found


def beside(user, commitments) -> dict:
    """What a list says next to each of `commitments`: {"paid": pledge_progress, "contests": contests}."""
    return {"paid": pledge_progress(commitments), "contests": contests(user, commitments)}


def _names_party(user, project: Project, organisation_id: int) -> bool:
    """A party is named to `user` unless it is a funder awaiting its confirmation they may not name."""
    return all(
        names_funder(user, project, line) for line in project.funding_lines if line.organisation_id == organisation_id
    )


def amend_pledges(actor, line: FundingLine) -> list[Commitment]:
    """After an accepted amendment: the pledge of a changed line owes the line's new amount (a cancelled one
    stays cancelled); recorded on each commitment's history."""
    pledges = db.session.scalars(
        select(Commitment).where(Commitment.funding_line_id == line.id, Commitment.status != S.CANCELLED)
    ).all()
    for pledge in pledges:
        before = {"amount": str(pledge.amount), "currency": pledge.currency}
        pledge.amount, pledge.currency = line.amount, line.currency
        pledge.rate_to_xof, pledge.amount_xof = line.rate_to_xof, line.amount_xof
        workflow.flush_or_stale()
        record(
            "commitment.amend",
            "commitment",
            pledge.id,
            actor=actor,
            before=before,
            after={"amount": str(line.amount), "currency": line.currency, "project_id": pledge.project_id},
        )
    return pledges
