"""Amendments: after agreement, a change to the amounts of the budget or the funding plan, proposed by the
association or the commune, in force only once the other of the two accepts it. A funder whose line changes
confirms it again (portal/domain/commitments.py); an accepted amendment updates the pledges' commitments; each
amendment keeps its before and after. Amounts stay in each line's currency, converted at the rate stored on the
line. The project's `version` is respected: an amendment proposed over a version that changed since is stale.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from portal import money
from portal.database import utcnow
from portal.domain import commitments
from portal.domain.audit import record
from portal.domain.workflow import may_bind_commune
from portal.errors import Refused
from portal.extensions import db
from portal.i18n import format_money
from portal.ids import is_id
from portal.labels import at_most_characters
from portal.models import Amendment, AmendmentStatus, Project, ProjectStatus
from portal.notifications.notify import notify
from portal.visibility import can_see_project, commune_organisation_id, is_association_officer

S = AmendmentStatus
AMENDABLE_STATUSES = frozenset({ProjectStatus.AGREED, ProjectStatus.IN_PROGRESS})
REASON_MAX = 20_000


def is_proposer(user, project: Project) -> bool:
    """The association's officers and, for the commune, its mayor or a deputy propose amendments (an amendment
    binds the commune: its secretary general does not)."""
    return is_association_officer(user, project) or may_bind_commune(user, project)


def _side_of(user, project: Project) -> int | None:
    """The organisation `user` proposes for: the association (its officers), else the commune (its mayor or a
    deputy)."""
    if is_association_officer(user, project):
        return project.association_id
    if may_bind_commune(user, project):
        return commune_organisation_id(project)
    return None


def is_other_side(user, amendment: Amendment) -> bool:
    """The other of the two: the commune's mayor or a deputy for the association's proposal, the association's
    officers for the commune's."""
    project = amendment.project
    if amendment.proposed_by_organisation_id == project.association_id:
        return may_bind_commune(user, project)
    return is_association_officer(user, project)


@dataclass(frozen=True)
class Transition:
    target: str
    comment_required: bool
    label: object


TRANSITIONS = {
    "accept": Transition(S.ACCEPTED, False, _l("Accept the amendment")),
    "reject": Transition(S.REJECTED, True, _l("Reject the amendment")),
}


def available_actions(user, amendment: Amendment) -> list[str]:
    return list(TRANSITIONS) if amendment.status == S.PROPOSED and is_other_side(user, amendment) else []


def open_amendment(project: Project) -> Amendment | None:
    return db.session.scalar(
        select(Amendment).where(Amendment.project_id == project.id, Amendment.status == S.PROPOSED)
    )


def can_propose(user, project: Project) -> bool:
    return project.status in AMENDABLE_STATUSES and is_proposer(user, project) and open_amendment(project) is None


def _changes(project: Project, kind: str, given: dict, errors: dict) -> tuple[dict, dict]:
    """{line id: new amount} of the lines that change (in their currency) → (before, after) as strings."""
    lines = {line.id: line for line in getattr(project, f"{kind}_lines")}
    before, after = {}, {}
    for index, (line_id, raw) in enumerate(given.items()):
        line = lines.get(line_id) if is_id(line_id) else None
        if line is None:
            errors[f"{kind}.{index}.line_id"] = [str(_l("Not a line of this project."))]
            continue
        if raw in (None, ""):
            continue
        try:
            amount = money.parse_amount(raw, line.currency)
        except money.MoneyError as error:
            errors[f"{kind}.{index}.amount"] = [str(error)]
            continue
        if amount != line.amount:
            before[str(line.id)] = money.format_amount(line.amount, line.currency)
            after[str(line.id)] = money.format_amount(amount, line.currency)
    return before, after


def _totals_after(project: Project, after: dict) -> tuple[int, int]:
    def total(kind):
        changed = after.get(kind, {})
        return sum(
            money.to_xof(money.parse_amount(changed[str(line.id)], line.currency), line.rate_to_xof)
            if str(line.id) in changed
            else line.amount_xof
            for line in getattr(project, f"{kind}_lines")
        )

    return total("budget"), total("funding")


def propose(actor, project: Project, budget: dict, funding: dict, reason, version) -> Amendment:
    """The association or the commune proposes new amounts for some lines, over the project's `version`."""
    if not is_proposer(actor, project):
        raise Refused("forbidden")
    if project.status not in AMENDABLE_STATUSES:
        raise Refused("invalid_transition", _l("A project is amended after its agreement and before its completion."))
    if open_amendment(project) is not None:
        raise Refused(
            "invalid_transition", _l("An amendment already awaits an answer: it is accepted or rejected first.")
        )
    if version is not None and version != project.version:
        raise Refused("stale_version")
    errors: dict[str, list[str]] = {}
    budget_before, budget_after = _changes(project, "budget", budget or {}, errors)
    funding_before, funding_after = _changes(project, "funding", funding or {}, errors)
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        errors["reason"] = [str(at_most_characters(REASON_MAX))]
    if errors:
        raise Refused("validation_failed", fields=errors)
    if not budget_after and not funding_after:
        raise Refused("validation_failed", fields={"budget": [str(_l("Change at least one amount."))]})
    if not reason:
        raise Refused("comment_required", fields={"reason": [str(_l("Say why: the other side will read it."))]})
    after = {"budget": budget_after, "funding": funding_after}
    budget_total, funding_total = _totals_after(project, after)
    if funding_total < budget_total:
        raise Refused(
            "funding_incomplete",
            _l(
                "The funding plan (%(funding)s) would not cover the budget (%(budget)s).",
                funding=format_money(funding_total, "XOF"),
                budget=format_money(budget_total, "XOF"),
            ),
        )
    amendment = Amendment(
        project_id=project.id,
        proposed_by_organisation_id=_side_of(actor, project),
        proposed_by_id=actor.id,
        reason=reason,
        before={"budget": budget_before, "funding": funding_before},
        after=after,
        project_version=project.version,
        status=S.PROPOSED,
    )
    db.session.add(amendment)
    db.session.flush()
    record(
        "amendment.propose",
        "project",
        project.id,
        actor=actor,
        before=amendment.before,
        after={**after, "amendment_id": amendment.id},
        comment=reason,
    )
    notify("amendment_proposed", project=project, amendment=amendment, actor=actor, comment=reason)
    return amendment


def decide(actor, amendment: Amendment, action: str, comment=None) -> Amendment:
    """The other side accepts (the new amounts take effect) or rejects (with a reason) a proposed amendment."""
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise Refused("validation_failed", fields={"action": [str(_l("Unknown action."))]})
    if not is_other_side(actor, amendment):
        raise Refused("forbidden")
    if amendment.status != S.PROPOSED:
        raise Refused("invalid_transition")
    project = amendment.project
    if action == "accept" and project.version != amendment.project_version:
        raise Refused("stale_version", _l("The project changed since this amendment was proposed: propose it again."))
    comment = (comment or "").strip() or None
    if comment and len(comment) > REASON_MAX:
        raise Refused("validation_failed", fields={"comment": [str(at_most_characters(REASON_MAX))]})
    if spec.comment_required and not comment:
        raise Refused("comment_required", fields={"comment": [str(_l("Say why: the other side will read it."))]})
    amendment.status = spec.target
    amendment.decided_by_id = actor.id
    amendment.decided_at = utcnow()
    amendment.decision_comment = comment
    if action == "accept":
        _apply(actor, project, amendment)
    try:
        db.session.flush()
    except StaleDataError:
        raise Refused("stale_version") from None
    record(
        f"amendment.{action}",
        "project",
        project.id,
        actor=actor,
        before=amendment.before,
        after={**amendment.after, "amendment_id": amendment.id, "status": amendment.status},
        comment=comment,
    )
    notify(f"amendment_{action}", project=project, amendment=amendment, actor=actor, comment=comment)
    return amendment


def _apply(actor, project: Project, amendment: Amendment) -> None:
    """The new amounts, at each line's stored rate; a third-party funder confirms its changed line again; the
    pledges follow their lines."""
    for kind in ("budget", "funding"):
        changed = amendment.after.get(kind, {})
        for line in getattr(project, f"{kind}_lines"):
            if str(line.id) not in changed:
                continue
            line.amount = money.parse_amount(changed[str(line.id)], line.currency)
            line.amount_xof = money.to_xof(line.amount, line.rate_to_xof)
            if kind == "funding":
                if commitments.needs_funder_confirmation(project, line):
                    line.confirmed_at = line.confirmed_by_id = None
                db.session.flush()
                commitments.amend_pledges(actor, line)
                if commitments.awaits_funder(project, line):
                    notify("funding_line_to_confirm", project=project, funding_line=line, actor=actor)
    project.updated_at = utcnow()  # the version moves on: amendments proposed over the old one are stale


def project_amendments(project: Project) -> list[Amendment]:
    return db.session.scalars(
        select(Amendment)
        .where(Amendment.project_id == project.id)
        .options(joinedload(Amendment.proposed_by))
        .order_by(Amendment.id.desc())
    ).all()


def load_amendment(user, amendment_id) -> Amendment:
    """The amendment if `user` may see its project (404 otherwise)."""
    amendment = db.session.get(Amendment, amendment_id) if is_id(amendment_id) else None
    if amendment is None or not can_see_project(user, amendment.project):
        raise Refused("not_found")
    return amendment
