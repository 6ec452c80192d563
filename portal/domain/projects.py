"""Co-funded projects: who may see and do what, from which state, and the operations that do it.

The workflow is one table (TRANSITIONS); `transition()` is the only function that changes a status. Pages
and the API parse input, call the operations here and render: no rule lives anywhere else.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, false, or_, select
from sqlalchemy.orm.exc import StaleDataError

from portal.database import utcnow
from portal.domain import money
from portal.domain.audit import record
from portal.domain.organisations import is_mediator
from portal.errors import Refused
from portal.extensions import db
from portal.models import (
    PARTY_KINDS,
    PUBLIC_STATUSES,
    SECTORS,
    AuditEvent,
    BudgetLine,
    Commune,
    FundingLine,
    HomeCommune,
    Organisation,
    OrganisationKind,
    Project,
    ProjectComment,
    ProjectStatus,
    User,
    Verification,
)

S = ProjectStatus
COMMUNE_OFFICIAL_ROLES = frozenset({"mayor", "deputy", "clerk"})
EDITABLE_STATUSES = frozenset({S.DRAFT, S.CHANGES_REQUESTED})
TITLE_MAX, SHORT_MAX, LONG_MAX = 200, 200, 20_000

STATUS_LABELS = {
    S.DRAFT: _l("Draft"),
    S.SUBMITTED: _l("Submitted"),
    S.UNDER_REVIEW: _l("Under review"),
    S.CHANGES_REQUESTED: _l("Changes requested"),
    S.IN_CONSULTATION: _l("In consultation"),
    S.AGREED: _l("Agreed"),
    S.IN_PROGRESS: _l("In progress"),
    S.COMPLETED: _l("Completed"),
    S.HANDED_OVER: _l("Handed over"),
    S.DECLINED: _l("Declined"),
    S.WITHDRAWN: _l("Withdrawn"),
}
SECTOR_LABELS = {
    "water": _l("Water"),
    "health": _l("Health"),
    "education": _l("Education"),
    "agriculture": _l("Agriculture"),
    "energy": _l("Energy"),
    "culture": _l("Culture and worship"),
    "economy": _l("Economy"),
    "other": _l("Other"),
}
PARTY_KIND_LABELS = {
    "association": _l("Diaspora association"),
    "commune": _l("Commune"),
    "state": _l("State / territorial collectivities"),
    "partner": _l("Partner"),
    "population": _l("Population (in kind)"),
}


# Who a user is for a project --------------------------------------------------------------------------


def _memberships(user):
    return user.memberships if getattr(user, "is_authenticated", False) else []


def commune_organisation_id(project: Project) -> int | None:
    return db.session.scalar(
        select(Organisation.id).where(
            Organisation.kind == OrganisationKind.COMMUNE, Organisation.commune_id == project.commune_id
        )
    )


def party_organisation_ids(project: Project) -> set[int]:
    """The proposing association, the commune's organisation, and every organisation on a funding line."""
    ids = {project.association_id} | {line.organisation_id for line in project.funding_lines if line.organisation_id}
    commune_org = commune_organisation_id(project)
    if commune_org:
        ids.add(commune_org)
    return ids


def is_association_officer(user, project: Project) -> bool:
    return any(m.organisation_id == project.association_id and m.role == "officer" for m in _memberships(user))


def is_commune_official(user, project: Project) -> bool:
    return any(
        m.organisation.kind == OrganisationKind.COMMUNE
        and m.organisation.commune_id == project.commune_id
        and m.role in COMMUNE_OFFICIAL_ROLES
        for m in _memberships(user)
    )


def is_observer(user) -> bool:
    return any(m.role == "observer" for m in _memberships(user))


def acting_party(user, project: Project) -> Organisation | None:
    """The party organisation the user speaks for (a membership that is not observer), if any."""
    parties = party_organisation_ids(project)
    for m in _memberships(user):
        if m.organisation_id in parties and m.role != "observer":
            return m.organisation
    return None


def can_see(user, project: Project) -> bool:
    if project.is_public:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if project.first_submitted_at is None:  # a draft never submitted: the proposing association only
        return any(m.organisation_id == project.association_id for m in user.memberships)
    if user.is_admin or is_mediator(user) or is_observer(user):
        return True
    mine = {m.organisation_id for m in user.memberships}
    return bool(mine & party_organisation_ids(project))


def visible_projects(user):
    """select(Project) restricted to what `user` may see, as one SQL condition (for lists)."""
    query = select(Project)
    if not getattr(user, "is_authenticated", False):
        return query.where(Project.is_public)
    my_orgs = [m.organisation_id for m in user.memberships]
    own_drafts = Project.association_id.in_(my_orgs) if my_orgs else false()
    if user.is_admin or is_mediator(user) or is_observer(user):
        return query.where(or_(Project.is_public, Project.first_submitted_at.is_not(None), own_drafts))
    my_communes = [
        m.organisation.commune_id for m in user.memberships if m.organisation.kind == OrganisationKind.COMMUNE
    ]
    funded = exists().where(FundingLine.project_id == Project.id, FundingLine.organisation_id.in_(my_orgs))
    party = or_(Project.commune_id.in_(my_communes) if my_communes else false(), funded if my_orgs else false())
    return query.where(or_(Project.is_public, own_drafts, Project.first_submitted_at.is_not(None) & party))


def get_visible(user, project_id: int) -> Project:
    """The project, or 404 for one that does not exist or that the user may not know exists."""
    project = db.session.get(Project, project_id) if 0 < project_id < 2**31 else None
    if project is None or not can_see(user, project):
        raise Refused("not_found")
    return project


# The workflow -------------------------------------------------------------------------------------------


def _officer(user, project):
    return is_association_officer(user, project)


def _official(user, project):
    return is_commune_official(user, project)


def _official_or_mediator(user, project):
    return is_commune_official(user, project) or is_mediator(user)


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str
    who: object  # predicate (user, project) -> bool
    comment_required: bool = False
    label: object = None


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(
        frozenset({S.DRAFT, S.CHANGES_REQUESTED}), S.SUBMITTED, _officer, label=_l("Submit to the commune")
    ),
    "start_review": Transition(frozenset({S.SUBMITTED}), S.UNDER_REVIEW, _official, label=_l("Start the review")),
    "request_changes": Transition(
        frozenset({S.UNDER_REVIEW, S.IN_CONSULTATION}),
        S.CHANGES_REQUESTED,
        _official,
        comment_required=True,
        label=_l("Ask for changes"),
    ),
    "open_consultation": Transition(
        frozenset({S.UNDER_REVIEW}), S.IN_CONSULTATION, _official_or_mediator, label=_l("Open the consultation")
    ),
    "agree": Transition(frozenset({S.IN_CONSULTATION}), S.AGREED, _official, label=_l("Agree")),
    "decline": Transition(
        frozenset({S.UNDER_REVIEW, S.IN_CONSULTATION}),
        S.DECLINED,
        _official,
        comment_required=True,
        label=_l("Decline"),
    ),
    "withdraw": Transition(
        frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.CHANGES_REQUESTED, S.IN_CONSULTATION}),
        S.WITHDRAWN,
        _officer,
        label=_l("Withdraw the project"),
    ),
    "start_implementation": Transition(frozenset({S.AGREED}), S.IN_PROGRESS, _official, label=_l("Start the works")),
    "complete": Transition(frozenset({S.IN_PROGRESS}), S.COMPLETED, _official, label=_l("Mark as completed")),
    "hand_over": Transition(frozenset({S.COMPLETED}), S.HANDED_OVER, _official, label=_l("Hand over the facility")),
}


def available_actions(user, project: Project) -> list[str]:
    """The actions this user may take now (for buttons); the same checks as `transition`."""
    return [name for name, spec in TRANSITIONS.items() if project.status in spec.sources and spec.who(user, project)]


def _flush_or_stale() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Refused("stale_version") from None


def transition(
    actor,
    project: Project,
    action: str,
    comment: str | None = None,
    owner_organisation_id: int | None = None,
    maintenance_plan: str | None = None,
) -> Project:
    """Checks who may, from which state, with which comment; changes the status; records and notifies."""
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise Refused("validation_failed", fields={"action": [str(_l("Unknown action."))]})
    if not spec.who(actor, project):
        raise Refused("forbidden")
    if project.status not in spec.sources:
        raise Refused("invalid_transition")
    comment = (comment or "").strip() or None
    if comment and len(comment) > LONG_MAX:
        raise Refused("validation_failed", fields={"comment": [str(_l("At most %(n)s characters.", n=LONG_MAX))]})
    if spec.comment_required and not comment:
        raise Refused("comment_required", fields={"comment": [str(_l("Say why: the other side will read it."))]})
    _check_rules_of(action, project, owner_organisation_id, maintenance_plan)

    before = project.status
    now = utcnow()
    project.status = spec.target
    project.is_public = spec.target in PUBLIC_STATUSES
    project.updated_at = now
    if action == "submit":
        project.submitted_at = now
        project.escalated_at = None
        project.first_submitted_at = project.first_submitted_at or now
    if action == "hand_over":
        project.owner_organisation_id = owner_organisation_id
        project.maintenance_plan = maintenance_plan.strip()
    _flush_or_stale()
    record(
        f"project.{action}",
        "project",
        project.id,
        actor=actor,
        before={"status": before},
        after={"status": project.status},
        comment=comment,
    )
    _notify(f"project_{action}", project=project, actor=actor, comment=comment)
    return project


def _check_rules_of(action: str, project: Project, owner_organisation_id, maintenance_plan) -> None:
    if action == "submit":
        association = db.session.get(Organisation, project.association_id)
        if association.verification != Verification.VERIFIED:
            raise Refused(
                "association_not_verified",
                _l("A mediator of the ministry must verify the association before it submits projects."),
            )
        missing = {}
        if not project.budget_lines:
            missing["budget_lines"] = [str(_l("Add at least one budget line."))]
        if not project.funding_lines:
            missing["funding_lines"] = [str(_l("Add at least one funding line."))]
        if missing:
            raise Refused("validation_failed", fields=missing)
    elif action == "agree":
        if project.funding_total_xof < project.budget_total_xof:
            from portal.i18n import format_money

            raise Refused(
                "funding_incomplete",
                _l(
                    "The funding plan (%(funding)s) does not cover the budget (%(budget)s).",
                    funding=format_money(project.funding_total_xof, "XOF"),
                    budget=format_money(project.budget_total_xof, "XOF"),
                ),
            )
    elif action == "hand_over":
        fields = {}
        owner = db.session.get(Organisation, owner_organisation_id) if isinstance(owner_organisation_id, int) else None
        commune_owner = (
            owner is not None and owner.kind == OrganisationKind.COMMUNE and owner.commune_id == project.commune_id
        )
        if not (commune_owner or (owner is not None and owner.kind == OrganisationKind.COMMITTEE)):
            fields["owner_organisation_id"] = [str(_l("Name the owner: the commune or a management committee."))]
        if not (maintenance_plan or "").strip():
            fields["maintenance_plan"] = [str(_l("Describe who maintains the facility and how."))]
        elif len(maintenance_plan) > LONG_MAX:
            fields["maintenance_plan"] = [str(_l("At most %(n)s characters.", n=LONG_MAX))]
        if fields:
            raise Refused("validation_failed", fields=fields)


def _notify(event: str, **context) -> None:
    from portal.notifications.events import notify  # the notifications import the domain's helpers

    notify(event, **context)


# Creating and editing -----------------------------------------------------------------------------------


@dataclass
class ProjectInput:
    """What a form or an API body gives; None means "not given" (PATCH keeps the current value)."""

    title: str | None = None
    summary: str | None = None
    sector: str | None = None
    commune_id: int | None = None
    village: str | None = None
    association_id: int | None = None
    pdsec_period: str | None = None
    pdsec_line: str | None = None
    sdg_tags: list | None = None
    budget_lines: list[dict] | None = None
    funding_lines: list[dict] | None = None
    given: set = field(default_factory=set)  # the names present in the input


def _text_errors(data: ProjectInput, creating: bool) -> dict:
    errors: dict[str, list[str]] = {}

    def check(name, maximum, required):
        value = getattr(data, name)
        if value is None:
            if required:
                errors[name] = [str(_l("This field is required."))]
            return
        if required and not value.strip():
            errors[name] = [str(_l("This field is required."))]
        elif len(value) > maximum:
            errors[name] = [str(_l("At most %(n)s characters.", n=maximum))]

    check("title", TITLE_MAX, creating or "title" in data.given)
    check("summary", LONG_MAX, False)
    check("village", SHORT_MAX, False)
    check("pdsec_period", 20, False)
    check("pdsec_line", SHORT_MAX, False)
    if data.sector is not None or creating:
        if data.sector not in SECTORS:
            errors["sector"] = [str(_l("Choose one of the sectors."))]
    if data.sdg_tags is not None:
        if not isinstance(data.sdg_tags, list) or not all(
            isinstance(t, int) and not isinstance(t, bool) and 1 <= t <= 17 for t in data.sdg_tags
        ):
            errors["sdg_tags"] = [str(_l("Sustainable development goals are numbers from 1 to 17."))]
    return errors


def _money_lines(kind: str, lines: list[dict], errors: dict) -> list[dict]:
    """Validated lines with their rate and XOF value; errors keyed "budget_lines.0.amount"."""
    today = utcnow().date()
    cleaned = []
    if len(lines) > 100:
        errors[kind] = [str(_l("At most 100 lines."))]
        return []
    for index, line in enumerate(lines):
        prefix = f"{kind}.{index}"
        currency = str(line.get("currency") or "").strip().upper()
        entry = {}
        if kind == "budget_lines":
            label = str(line.get("label") or "").strip()
            if not label:
                errors[f"{prefix}.label"] = [str(_l("Say what this line pays for."))]
            elif len(label) > SHORT_MAX:
                errors[f"{prefix}.label"] = [str(_l("At most %(n)s characters.", n=SHORT_MAX))]
            entry["label"] = label
        else:
            party_kind = line.get("party_kind")
            if party_kind not in PARTY_KINDS:
                errors[f"{prefix}.party_kind"] = [str(_l("Choose who funds this line."))]
            organisation_id = line.get("organisation_id")
            if organisation_id is not None:
                organisation = (
                    db.session.get(Organisation, organisation_id)
                    if isinstance(organisation_id, int) and 0 < organisation_id < 2**31
                    else None
                )
                if organisation is None:
                    errors[f"{prefix}.organisation_id"] = [str(_l("No such organisation."))]
            entry.update(party_kind=party_kind, organisation_id=organisation_id)
        try:
            rate = money.rate_to_xof(currency, today)
        except money.MoneyError as error:
            errors[f"{prefix}.currency"] = [str(error)]
            rate = None
        try:
            amount = money.parse_amount(line.get("amount"), currency or "XOF")
        except money.MoneyError as error:
            errors[f"{prefix}.amount"] = [str(error)]
            amount = None
        if amount is not None and rate is not None:
            entry.update(amount=amount, currency=currency, rate_to_xof=rate, amount_xof=money.to_xof(amount, rate))
            cleaned.append(entry)
    return cleaned


def _check_commune_and_association(actor, data: ProjectInput, project: Project | None, errors: dict):
    association_id = data.association_id if data.association_id is not None else project.association_id
    commune_id = data.commune_id if data.commune_id is not None else project.commune_id
    association = (
        db.session.get(Organisation, association_id)
        if isinstance(association_id, int) and 0 < association_id < 2**31
        else None
    )
    if association is None or association.kind != OrganisationKind.ASSOCIATION:
        errors["association_id"] = [str(_l("No such association."))]
        return
    if not any(m.organisation_id == association.id and m.role == "officer" for m in actor.memberships):
        raise Refused("forbidden", _l("Only an officer of the association proposes projects in its name."))
    commune = db.session.get(Commune, commune_id) if isinstance(commune_id, int) and 0 < commune_id < 2**31 else None
    if commune is None:
        errors["commune_id"] = [str(_l("No such commune."))]
        return
    is_home = db.session.scalar(
        select(HomeCommune.commune_id).where(
            HomeCommune.association_id == association.id, HomeCommune.commune_id == commune.id
        )
    )
    if is_home is None:
        raise Refused(
            "not_home_commune",
            _l("The commune must be one of the association's home communes."),
            fields={"commune_id": [str(_l("Not a home commune of this association."))]},
        )


# The fields of a project that its association writes (besides its budget and funding lines).
PROJECT_FIELDS = (
    "title",
    "summary",
    "sector",
    "commune_id",
    "village",
    "association_id",
    "pdsec_period",
    "pdsec_line",
    "sdg_tags",
)


def _apply(project: Project, data: ProjectInput, budget, funding) -> None:
    for name in PROJECT_FIELDS:
        value = getattr(data, name)
        if value is not None:
            setattr(project, name, value.strip() if isinstance(value, str) else value)
    if budget is not None:
        project.budget_lines = [BudgetLine(position=i, **line) for i, line in enumerate(budget)]
    if funding is not None:
        project.funding_lines = [FundingLine(position=i, **line) for i, line in enumerate(funding)]
    project.updated_at = utcnow()  # the row changes even when only its lines do: the version moves on


def _validated(actor, data: ProjectInput, project: Project | None):
    errors = _text_errors(data, creating=project is None)
    _check_commune_and_association(actor, data, project, errors)
    budget = _money_lines("budget_lines", data.budget_lines, errors) if data.budget_lines is not None else None
    funding = _money_lines("funding_lines", data.funding_lines, errors) if data.funding_lines is not None else None
    if errors:
        raise Refused("validation_failed", fields=errors)
    return budget, funding


def snapshot(project: Project) -> dict:
    """What the audit log keeps of a project's content, before and after an edit."""
    return {
        "title": project.title,
        "sector": project.sector,
        "commune_id": project.commune_id,
        "village": project.village,
        "budget_total_xof": project.budget_total_xof,
        "funding_total_xof": project.funding_total_xof,
        "budget_lines": [[line.label, str(line.amount), line.currency] for line in project.budget_lines],
        "funding_lines": [
            [line.party_kind, line.organisation_id, str(line.amount), line.currency] for line in project.funding_lines
        ],
    }


def create_project(actor, data: ProjectInput) -> Project:
    if data.commune_id is None:
        data.commune_id = -1  # reported as "No such commune" with the other errors
    budget, funding = _validated(actor, data, None)
    project = Project(status=S.DRAFT, is_public=False, created_by_id=actor.id, sdg_tags=[], summary="")
    _apply(project, data, budget or [], funding or [])
    db.session.add(project)
    db.session.flush()
    record("project.create", "project", project.id, actor=actor, after=snapshot(project))
    return project


def update_project(actor, project: Project, data: ProjectInput, version: int | None) -> Project:
    if not is_association_officer(actor, project):
        raise Refused("forbidden")
    if project.status not in EDITABLE_STATUSES:
        raise Refused("not_editable")
    if version is None:
        raise Refused("validation_failed", fields={"version": [str(_l("Send the version you read."))]})
    if version != project.version:
        raise Refused("stale_version")
    budget, funding = _validated(actor, data, project)
    before = snapshot(project)
    _apply(project, data, budget, funding)
    _flush_or_stale()
    record("project.edit", "project", project.id, actor=actor, before=before, after=snapshot(project))
    return project


def can_comment(user, project: Project) -> bool:
    """The parties (through a membership that is not observer) and mediators discuss the project."""
    return acting_party(user, project) is not None or is_mediator(user)


def add_comment(actor, project: Project, body: str) -> ProjectComment:
    if not can_comment(actor, project):
        raise Refused("forbidden")
    party = acting_party(actor, project)
    body = (body or "").strip()
    if not body:
        raise Refused("validation_failed", fields={"body": [str(_l("Write your message."))]})
    if len(body) > LONG_MAX:
        raise Refused("validation_failed", fields={"body": [str(_l("At most %(n)s characters.", n=LONG_MAX))]})
    comment = ProjectComment(
        project_id=project.id, author_id=actor.id, organisation_id=party.id if party is not None else None, body=body
    )
    db.session.add(comment)
    db.session.flush()
    record("project.comment", "project", project.id, actor=actor, comment=body)
    _notify("project_comment", project=project, actor=actor, comment=body)
    return comment


# History ------------------------------------------------------------------------------------------------


def project_history(project: Project) -> list[dict]:
    """Every recorded event of the project, oldest first, with its actor's name: one query."""
    rows = db.session.execute(
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.subject_type == "project", AuditEvent.subject_id == project.id)
        .order_by(AuditEvent.id)
    ).all()
    history = []
    for event, actor_name in rows:
        action = event.action.removeprefix("project.")
        is_transition = action in TRANSITIONS
        history.append(
            {
                "at": event.at,
                "actor": {"id": event.actor_id, "name": actor_name} if event.actor_id else None,
                "action": action,
                "from_status": (event.before or {}).get("status") if is_transition else None,
                "to_status": (event.after or {}).get("status") if is_transition else None,
                "comment": event.comment,
            }
        )
    return history


# Escalation ---------------------------------------------------------------------------------------------


def escalate_unanswered(now=None) -> int:
    """Submitted projects the commune has left unanswered too long go to the mediators, once."""
    from portal.domain.settings import get_setting

    now = now or utcnow()
    limit = now - timedelta(days=get_setting("project_escalation_days"))
    overdue = db.session.scalars(
        select(Project).where(
            Project.status == S.SUBMITTED, Project.submitted_at <= limit, Project.escalated_at.is_(None)
        )
    ).all()
    for project in overdue:
        project.escalated_at = now
        record(
            "project.escalate",
            "project",
            project.id,
            comment=None,
            after={"status": project.status, "submitted_at": project.submitted_at.isoformat()},
        )
        _notify("project_escalated", project=project, actor=None)
    db.session.flush()
    return len(overdue)
