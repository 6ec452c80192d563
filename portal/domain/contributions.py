"""Contributions actually paid (tranches) on an agreed project's funding lines: who reports, confirms and
contests them, from which state, and the operations that do it; pledged versus received per line, in XOF.

The paying party of a line is the organisation it names (an unnamed association or commune line: the proposing
association, the commune's organisation); a line naming nobody (the State, the population) is reported by the
commune's officials. The receiving side is the commune's organisation — or the proposing association when the
commune itself pays. The workflow is one table (TRANSITIONS); `transition()` is the only function that changes
a contribution's status. Who may see a contribution is who may see its project. Confirmed contributions that
reach a line's pledge confirm that pledge's commitment (portal/domain/commitments.py, "Pledges paid", the one
home of what a pledge has received).
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from portal import money
from portal.database import utcnow
from portal.domain import commitments, workflow
from portal.domain.audit import record
from portal.errors import Refused
from portal.extensions import db
from portal.ids import is_id
from portal.labels import PARTY_KIND_LABELS, at_most_characters, label
from portal.models import (
    PUBLIC_STATUSES,
    Contribution,
    ContributionStatus,
    DeliveryFile,
    FundingLine,
    Organisation,
    OrganisationKind,
    Project,
    commune_today,
)
from portal.notifications.notify import notify
from portal.services.files import keep_upload
from portal.visibility import can_see_project, commune_organisation_id, is_mediator

S = ContributionStatus
REFERENCE_MAX = 200
COMMENT_MAX = workflow.COMMENT_MAX


# Who pays and who receives a line ------------------------------------------------------------------------


def payer_id(project: Project, line: FundingLine) -> int | None:
    """The organisation that pays the line: the one it names, else the association or the commune it stands for."""
    if line.organisation_id is not None:
        return line.organisation_id
    if line.party_kind == "association":
        return project.association_id
    if line.party_kind == "commune":
        return commune_organisation_id(project)
    return None


def receiver_id(project: Project, line: FundingLine) -> int | None:
    """Who confirms what the line's payer reports: the commune's organisation, or the association when the
    commune pays (or reports for the State or the population)."""
    commune_id = commune_organisation_id(project)
    payer = payer_id(project, line)
    return project.association_id if payer is None or payer == commune_id else commune_id


def received_by(organisation_ids: list[int], commune_ids: list[int]):
    """SQL over a contribution's FundingLine and Project (joined): the tranches these organisations receive, and so
    confirm — `receiver_id` as a condition (the association where the commune pays or reports for nobody named,
    the commune's organisation otherwise); `commune_ids` are the communes of the commune organisations among them.
    None when they receive nothing."""
    commune_organisation = select(Organisation.id).where(
        Organisation.kind == OrganisationKind.COMMUNE, Organisation.commune_id == Project.commune_id
    )
    named = FundingLine.organisation_id.is_not(None)
    commune_pays = or_(
        and_(~named, FundingLine.party_kind != "association"),
        and_(named, FundingLine.organisation_id.in_(commune_organisation)),
    )
    others_pay = or_(
        and_(~named, FundingLine.party_kind == "association"),
        and_(named, FundingLine.organisation_id.not_in(commune_organisation)),
    )
    sides = []
    if organisation_ids:
        sides.append(and_(Project.association_id.in_(organisation_ids), commune_pays))
    if commune_ids:
        sides.append(and_(Project.commune_id.in_(commune_ids), others_pay))
    return or_(*sides) if sides else None


def _reporter_id(project: Project, line: FundingLine) -> int | None:
    """Who reports the line's tranches: its payer, or the commune's officials for a line naming nobody."""
    payer = payer_id(project, line)
    return payer if payer is not None else commune_organisation_id(project)


def is_paying_side(user, contribution: Contribution) -> bool:
    reporter = _reporter_id(contribution.project, contribution.funding_line)
    return reporter is not None and commitments.acts_for(user, reporter)


def is_receiving_side(user, contribution: Contribution) -> bool:
    receiver = receiver_id(contribution.project, contribution.funding_line)
    return receiver is not None and commitments.acts_for(user, receiver)


def _mediator(user, contribution: Contribution) -> bool:
    return is_mediator(user)


def is_after_agreement(project: Project) -> bool:
    return project.status in PUBLIC_STATUSES


def reportable_lines(user, project: Project) -> list[FundingLine]:
    """The lines `user` reports tranches on: after agreement, those they pay (not a funder's line it has not
    confirmed yet)."""
    if not is_after_agreement(project):
        return []
    return [
        line
        for line in project.funding_lines
        if not commitments.awaits_funder(project, line)
        and (reporter := _reporter_id(project, line)) is not None
        and commitments.acts_for(user, reporter)
    ]


def may_report(user, project: Project) -> bool:
    """Whether `user` pays any line of the project (for the form, and 403 otherwise)."""
    return any(
        (reporter := _reporter_id(project, line)) is not None and commitments.acts_for(user, reporter)
        for line in project.funding_lines
    )


# The workflow ---------------------------------------------------------------------------------------------


Transition = workflow.Transition

TRANSITIONS: dict[str, Transition] = {
    "confirm": Transition(
        {S.REPORTED: is_receiving_side, S.CONTESTED: _mediator}, S.CONFIRMED, label=_l("Confirm it was received")
    ),
    "contest": Transition({S.REPORTED: is_receiving_side}, S.CONTESTED, comment_required=True, label=_l("Contest")),
    "report_again": Transition({S.CONTESTED: is_paying_side}, S.REPORTED, label=_l("Report it again")),
}


def may(user, contribution: Contribution, action: str) -> bool:
    return workflow.may(TRANSITIONS, user, contribution, action)


def available_actions(user, contribution: Contribution) -> list[str]:
    return [name for name in TRANSITIONS if may(user, contribution, name)]


def can_add_proof(user, contribution: Contribution) -> bool:
    """The paying side adds a proof while the contribution is not confirmed."""
    return contribution.status != S.CONFIRMED and is_paying_side(user, contribution)


def load_contribution(user, contribution_id) -> Contribution:
    """The contribution if `user` may see its project, else Refused("not_found")."""
    contribution = None
    if is_id(contribution_id):
        contribution = db.session.scalar(
            select(Contribution)
            .where(Contribution.id == contribution_id)
            .options(
                joinedload(Contribution.project).selectinload(Project.funding_lines),
                joinedload(Contribution.funding_line).joinedload(FundingLine.organisation),
                joinedload(Contribution.proof),
            )
        )
    if contribution is None or not can_see_project(user, contribution.project):
        raise Refused("not_found")
    return contribution


def transition(actor, contribution: Contribution, action: str, comment=None, version=None) -> Contribution:
    """Checks who may, from which state, with which comment; changes the status; records and notifies. A
    confirmation that brings the line's confirmed total to its pledge confirms the pledge's commitment."""
    spec = workflow.check_step(TRANSITIONS, actor, contribution, action, version)
    comment = workflow.clean_comment(comment, spec.comment_required)
    before = contribution.status
    contribution.status = spec.target
    contribution.status_changed_at = utcnow()
    workflow.flush_or_stale()
    record(
        f"contribution.{action}",
        "project",
        contribution.project_id,
        actor=actor,
        before={"status": before},
        after={"status": contribution.status, "contribution_id": contribution.id},
        comment=comment,
    )
    db.session.expire(contribution.project, ["received_total_xof"])
    _notify(f"contribution_{action}", actor, contribution, comment)
    if contribution.status == S.CONFIRMED:
        commitments.confirm_pledge_if_paid(contribution)
    return contribution


def payer_name(project: Project, line: FundingLine) -> str:
    """The paying party's name (a funder's line has tranches only once it confirmed it: it is named)."""
    if line.organisation is not None:
        return line.organisation.name
    if line.party_kind == "association":
        return project.association.name
    return label(PARTY_KIND_LABELS, line.party_kind)


def _notify(event: str, actor, contribution: Contribution, comment) -> None:
    project, line = contribution.project, contribution.funding_line
    notify(
        event,
        actor=actor,
        contribution=contribution,
        project=project,
        comment=comment,
        payer=payer_name(project, line),
        paying_id=_reporter_id(project, line),
        receiving_id=receiver_id(project, line),
    )


# Reporting ------------------------------------------------------------------------------------------------


def _paid_on(value) -> date:
    """The day it was paid: a calendar date, not after today in the communes' zone."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        parsed = value
    else:
        try:
            parsed = date.fromisoformat(str(value or "").strip()) if isinstance(value, str) else None
        except ValueError:
            parsed = None
    if parsed is None:
        raise Refused("validation_failed", fields={"paid_on": [str(_l("Give the date as YYYY-MM-DD."))]})
    if parsed > commune_today():
        raise Refused("validation_failed", fields={"paid_on": [str(_l("A payment cannot be dated in the future."))]})
    return parsed


def check_can_report(actor, project: Project) -> None:
    """403 for whoever pays no line of the project, 409 before agreement: the checks before reading the input."""
    if not may_report(actor, project):
        raise Refused("forbidden")
    if not is_after_agreement(project):
        raise Refused("invalid_transition", _l("Contributions are reported once the project is agreed."))


def report_contribution(actor, project: Project, data: dict, stream=None, filename=None) -> Contribution:
    """The paying party reports a tranche paid on its line: date, amount, currency, reference, and a proof."""
    check_can_report(actor, project)
    errors: dict[str, list[str]] = {}
    line_id = data.get("funding_line_id")
    line = next((line for line in project.funding_lines if line.id == line_id), None) if is_id(line_id) else None
    if line is None:
        errors["funding_line_id"] = [str(_l("Choose the line of the co-funding plan it pays."))]
    elif line not in reportable_lines(actor, project):
        if commitments.awaits_funder(project, line):
            raise Refused("invalid_transition", _l("The funder confirms its line before it reports what it paid."))
        raise Refused("forbidden", _l("Only the party that pays a line reports what was paid on it."))
    paid_on = None
    try:
        paid_on = _paid_on(data.get("paid_on"))
    except Refused as error:
        errors.update(error.fields)
    currency = str(data.get("currency") or "").strip().upper()
    rate = amount = None
    try:
        rate = money.rate_to_xof(currency, utcnow().date())
    except money.MoneyError as error:
        errors["currency"] = [str(error)]
    try:
        amount = money.parse_amount(data.get("amount"), currency or "XOF")
    except money.MoneyError as error:
        errors["amount"] = [str(error)]
    reference = str(data.get("reference") or "").strip() or None
    if reference and len(reference) > REFERENCE_MAX:
        errors["reference"] = [str(at_most_characters(REFERENCE_MAX))]
    if errors:
        raise Refused("validation_failed", fields=errors)
    proof = keep_upload(DeliveryFile, stream, filename, actor, project_id=project.id) if stream is not None else None
    contribution = Contribution(
        project_id=project.id,
        funding_line_id=line.id,
        paid_on=paid_on,
        amount=amount,
        currency=currency,
        rate_to_xof=rate,
        amount_xof=money.to_xof(amount, rate),
        reference=reference,
        status=S.REPORTED,
        proof_id=proof.id if proof else None,
        reported_by_id=actor.id,
    )
    db.session.add(contribution)
    db.session.flush()
    record(
        "contribution.report",
        "project",
        project.id,
        actor=actor,
        after={
            "contribution_id": contribution.id,
            "funding_line_id": line.id,
            "paid_on": paid_on.isoformat(),
            "amount": str(amount),
            "currency": currency,
            "amount_xof": contribution.amount_xof,
        },
    )
    _notify("contribution_report", actor, contribution, None)
    return contribution


def add_proof(actor, contribution: Contribution, stream, filename) -> Contribution:
    """The paying side adds (or replaces) the proof of a contribution not yet confirmed."""
    if not is_paying_side(actor, contribution):
        raise Refused("forbidden")
    if contribution.status == S.CONFIRMED:
        raise Refused("invalid_transition", _l("A confirmed contribution keeps its proof."))
    proof = keep_upload(DeliveryFile, stream, filename, actor, project_id=contribution.project_id)
    contribution.proof_id = proof.id
    contribution.proof = proof
    workflow.flush_or_stale()
    record(
        "contribution.proof_add",
        "project",
        contribution.project_id,
        actor=actor,
        after={"contribution_id": contribution.id, "filename": proof.filename, "size": proof.size},
    )
    return contribution


# Reading --------------------------------------------------------------------------------------------------


def project_contributions(project: Project):
    """select(Contribution) of the project, newest paid first, with what a list shows."""
    return (
        select(Contribution)
        .where(Contribution.project_id == project.id)
        .options(
            joinedload(Contribution.project).selectinload(Project.funding_lines),
            joinedload(Contribution.funding_line).joinedload(FundingLine.organisation),
            joinedload(Contribution.proof),
        )
        .order_by(Contribution.paid_on.desc(), Contribution.id.desc())
    )


@dataclass(frozen=True)
class LineSummary:
    line: FundingLine
    payer: str | None  # the payer's name as the viewer may read it (None: a funder awaiting its confirmation)
    pledged_xof: int
    received_xof: int  # confirmed
    awaiting_xof: int  # reported or contested, not confirmed
    paid_in_full: bool

    @property
    def gap_xof(self) -> int:
        return 0 if self.paid_in_full else max(self.pledged_xof - self.received_xof, 0)


def funding_summary(user, project: Project) -> list[LineSummary]:
    """Pledged versus received for each line of the plan, in XOF: one query over the contributions."""
    confirmed = Contribution.status == S.CONFIRMED
    same_currency = Contribution.currency == FundingLine.currency
    rows = db.session.execute(
        select(
            Contribution.funding_line_id,
            func.coalesce(func.sum(case((confirmed, Contribution.amount_xof))), 0),
            func.coalesce(func.sum(case((~confirmed, Contribution.amount_xof))), 0),
            func.coalesce(func.sum(case((confirmed & same_currency, Contribution.amount))), 0),
        )
        .join(FundingLine, FundingLine.id == Contribution.funding_line_id)
        .where(Contribution.project_id == project.id)
        .group_by(Contribution.funding_line_id)
    ).all()
    sums = {line_id: (int(received), int(awaiting), own) for line_id, received, awaiting, own in rows}
    summary = []
    for line in project.funding_lines:
        received, awaiting, own = sums.get(line.id, (0, 0, 0))
        named = commitments.funder_name(user, project, line)
        summary.append(
            LineSummary(line, named, line.amount_xof, received, awaiting, commitments.paid_in_full(line, received, own))
        )
    return summary
