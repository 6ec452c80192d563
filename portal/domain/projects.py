"""Co-funded projects: who may do what, from which state, and the operations that do it.

The workflow is one table (TRANSITIONS); `transition()` is the only function that changes a status. Who may
see a project is portal/visibility.py's rule; `load_project` applies it (404) with the rule of the action
(403). Pages and the API parse input, call the operations here and render: no rule lives anywhere else.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal import money
from portal.database import utcnow
from portal.domain import commitments, facilities, progress, workflow
from portal.domain.audit import record
from portal.domain.settings import get_setting
from portal.domain.territories import search_key
from portal.errors import Refused
from portal.extensions import db
from portal.i18n import format_money
from portal.ids import is_id
from portal.labels import SECTOR_LABELS, STATUS_LABELS, at_most_characters
from portal.models import (
    PARTY_KINDS,
    PUBLIC_STATUSES,
    SECTORS,
    AuditEvent,
    BudgetLine,
    Cercle,
    Commune,
    FundingLine,
    HomeCommune,
    Organisation,
    OrganisationKind,
    Project,
    ProjectComment,
    ProjectStatus,
    Region,
    User,
    Verification,
)
from portal.notifications.inbox import mark_read_about
from portal.notifications.notify import notify
from portal.visibility import (
    can_read_discussion,
    can_see_project,
    is_association_officer,
    is_commune_official,
    is_mediator,
    memberships_of,
    party_organisation_ids,
    visible_projects,
)

S = ProjectStatus
# product.md: an officer may still edit a submitted project (to close a funding gap, say) until the review starts.
EDITABLE_STATUSES = frozenset({S.DRAFT, S.SUBMITTED, S.CHANGES_REQUESTED})
TITLE_MAX, SHORT_MAX, LONG_MAX = 200, 200, 20_000


# Who a user is for a project, and finding the projects they may see --------------------------------------


def acting_party(user, project: Project) -> Organisation | None:
    """The party organisation the user speaks for (a membership that is not observer), if any."""
    parties = party_organisation_ids(project)
    for m in memberships_of(user):
        if m.organisation_id in parties and m.role != "observer":
            return m.organisation
    return None


def officer_associations(user) -> list[Organisation]:
    """The associations in whose name the user proposes projects (as their officer), by name."""
    found = {
        m.organisation.id: m.organisation
        for m in memberships_of(user)
        if m.role == "officer" and m.organisation.kind == OrganisationKind.ASSOCIATION
    }
    return sorted(found.values(), key=lambda organisation: organisation.name)


def load_project(user, project_id, may=None, *, for_page: bool = False) -> Project:
    """The project if `user` may see it, else Refused("not_found"); Refused("forbidden") when `may(user,
    project)` says they may not do what they came for. `for_page` loads in a fixed number of queries
    everything a project's page shows."""
    project = None
    if is_id(project_id):
        query = select(Project).where(Project.id == project_id)
        if for_page:
            query = query.options(
                joinedload(Project.commune).joinedload(Commune.cercle).joinedload(Cercle.region),
                joinedload(Project.association),
                joinedload(Project.owner_organisation),
                selectinload(Project.budget_lines),
                selectinload(Project.funding_lines).joinedload(FundingLine.organisation),
                selectinload(Project.documents),
            )
        project = db.session.scalar(query)
    if project is None or not can_see_project(user, project):
        raise Refused("not_found")
    if may is not None and not may(user, project):
        raise Refused("forbidden")
    return project


def can_edit(user, project: Project) -> bool:
    """Only the proposing association's officers edit, and only a draft, a submitted project whose review has
    not started, or a project sent back for changes."""
    return is_association_officer(user, project) and project.status in EDITABLE_STATUSES


# The filters a list of projects takes (pages and API alike): all optional.
FILTERS = ("q", "status", "sector", "region", "commune", "association", "commune_id", "association_id")


# The commune's plan is the PDESC; older texts say PDSEC (product.md, "Planning with the diaspora").
_PLAN_NAMES = re.compile("PDESC|PDSEC", re.IGNORECASE)


def plan_spellings(text: str) -> list[str]:
    """`text`, and the same with the plan's other name: a search for PDSEC finds PDESC, and the other way round."""
    return list(dict.fromkeys([text, _PLAN_NAMES.sub("PDESC", text), _PLAN_NAMES.sub("PDSEC", text)]))


def filter_projects(query, filters: dict):
    """`query` (a select(Project)) narrowed by the filters given; unknown statuses and sectors are ignored.

    q: part of the title, ignoring case and accents (PDESC or PDSEC alike); region: a region code (on every map version); commune, association: part of a name
    (a commune's ignoring case and accents); commune_id, association_id: exact ids.
    """
    if filters.get("status") in STATUS_LABELS:
        query = query.where(Project.status == filters["status"])
    if filters.get("sector") in SECTOR_LABELS:
        query = query.where(Project.sector == filters["sector"])
    if filters.get("region"):
        in_region = (
            select(Commune.id)
            .join(Cercle, Cercle.id == Commune.cercle_id)
            .join(Region, Region.id == Cercle.region_id)
            .where(Region.code == filters["region"])
        )
        query = query.where(Project.commune_id.in_(in_region))
    if filters.get("commune"):
        named = select(Commune.id).where(Commune.search_name.contains(search_key(filters["commune"]), autoescape=True))
        query = query.where(Project.commune_id.in_(named))
    if filters.get("association"):
        named = select(Organisation.id).where(Organisation.name.icontains(filters["association"], autoescape=True))
        query = query.where(Project.association_id.in_(named))
    if filters.get("q"):
        # Folded as the stored search_title is (portal/search.py): "ecole" finds "École" on both databases.
        spellings = {search_key(q) for q in plan_spellings(filters["q"])}
        query = query.where(or_(*(Project.search_title.contains(q, autoescape=True) for q in sorted(spellings))))
    for name in ("commune_id", "association_id"):
        if is_id(filters.get(name)):
            query = query.where(getattr(Project, name) == filters[name])
    return query


def newest_first(query, offset: int, limit: int):
    """`limit` projects of `query` (a select(Project)) from `offset` on, newest first, in one statement that picks
    their ids first — from an index alone where the filters have one (is_public with status or sector) — and only
    then reads those rows: a deep page no longer reads every row it skips (PostgreSQL, page 50 of a sector:
    10 ms → 2 ms)."""
    ids = query.with_only_columns(Project.id).order_by(Project.id.desc()).limit(limit).offset(offset)
    return select(Project).where(Project.id.in_(ids)).order_by(Project.id.desc())


# Where the euro is the currency: an association there counts its budget in euros first.
EURO_AREA = frozenset(
    {
        "AT",
        "BE",
        "CY",
        "DE",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PT",
        "SI",
        "SK",
    }
)


def default_line_currency(user, association: Organisation, accepted: list[str]) -> str:
    """The currency a new budget or funding line starts in: the one the person chose for their totals, else the
    euro for an association in the euro area, else the F CFA (any line can be changed)."""
    if user.currency and user.currency in accepted:
        return user.currency
    if association.country in EURO_AREA and "EUR" in accepted:
        return "EUR"
    return "XOF"


def recent_public_projects(limit: int = 5) -> list[Project]:
    """The newest public projects, with their commune, for the home page."""
    query = newest_first(select(Project).where(Project.is_public), 0, limit)
    return db.session.scalars(query.options(joinedload(Project.commune))).all()


def commune_projects(user, commune: Commune, limit: int = 20) -> list[Project]:
    """The commune's newest projects that `user` may see, for the commune's page."""
    return db.session.scalars(
        visible_projects(user)
        .where(Project.commune_id == commune.id)
        .options(joinedload(Project.association))
        .order_by(Project.id.desc())
        .limit(limit)
    ).all()


def owner_choices(project: Project) -> list[Organisation]:
    """Who may own a facility handed over: the commune's organisation and the committees of that commune."""
    return db.session.scalars(
        select(Organisation)
        .where(
            Organisation.commune_id == project.commune_id,
            Organisation.kind.in_((OrganisationKind.COMMUNE, OrganisationKind.COMMITTEE)),
        )
        .order_by(Organisation.kind.desc(), Organisation.name)
    ).all()


@dataclass(frozen=True)
class ProposalChoices:
    communes: list  # the associations' home communes: a project's commune must be one of them
    commune_organisations: list  # the organisations of those communes
    partners: list
    others: list  # organisations the project's plan names that are none of the above


def proposal_choices(associations: list[Organisation], project: Project | None = None) -> ProposalChoices:
    """What a proposal form offers: the communes the associations may propose to, and the funders a plan
    usually names."""
    communes = (
        db.session.scalars(
            select(Commune)
            .join(HomeCommune, HomeCommune.commune_id == Commune.id)
            .where(HomeCommune.association_id.in_([a.id for a in associations]))
            .order_by(Commune.name, Commune.id)
        )
        .unique()
        .all()
    )
    funders = db.session.scalars(
        select(Organisation)
        .where(
            or_(
                and_(
                    Organisation.kind == OrganisationKind.COMMUNE,
                    Organisation.commune_id.in_([c.id for c in communes]),
                ),
                Organisation.kind == OrganisationKind.PARTNER,
            )
        )
        .order_by(Organisation.name)
    ).all()
    offered = {o.id for o in [*associations, *funders]}
    named = [line.organisation for line in (project.funding_lines if project else []) if line.organisation]
    return ProposalChoices(
        communes=communes,
        commune_organisations=[o for o in funders if o.kind == OrganisationKind.COMMUNE],
        partners=[o for o in funders if o.kind == OrganisationKind.PARTNER],
        others=list({o.id: o for o in named if o.id not in offered}.values()),
    )


def _is_owner_choice(project: Project, organisation_id) -> bool:
    return is_id(organisation_id) and any(o.id == organisation_id for o in owner_choices(project))


# The workflow -------------------------------------------------------------------------------------------


def _official_or_mediator(user, project):
    return is_commune_official(user, project) or is_mediator(user)


@dataclass(frozen=True)
class Transition:
    sources: frozenset
    target: str
    who: object  # predicate (user, project) -> bool
    comment_required: bool = False
    label: object = None
    by: object = None  # who takes the step, in words (the project's path says what comes next and who does it)
    comment_label: object = None  # the label of the step's own comment box: each step names what it asks


_OFFICERS = _l("the association's officers")
_OFFICIAL = _l("an official of the commune")
_MAYOR = _l("the mayor or a deputy")


TRANSITIONS: dict[str, Transition] = {
    "submit": Transition(
        frozenset({S.DRAFT, S.CHANGES_REQUESTED}),
        S.SUBMITTED,
        is_association_officer,
        label=_l("Submit to the commune"),
        by=_OFFICERS,
    ),
    "start_review": Transition(
        frozenset({S.SUBMITTED}), S.UNDER_REVIEW, is_commune_official, label=_l("Start the review"), by=_OFFICIAL
    ),
    "request_changes": Transition(
        frozenset({S.UNDER_REVIEW, S.IN_CONSULTATION}),
        S.CHANGES_REQUESTED,
        workflow.may_bind_commune,
        comment_required=True,
        label=_l("Ask for changes"),
        by=_MAYOR,
        comment_label=_l("What to change (the association will read it)"),
    ),
    "open_consultation": Transition(
        frozenset({S.UNDER_REVIEW}),
        S.IN_CONSULTATION,
        _official_or_mediator,
        label=_l("Open the consultation"),
        by=_l("an official of the commune or a mediator"),
    ),
    "agree": Transition(
        frozenset({S.IN_CONSULTATION}), S.AGREED, workflow.may_bind_commune, label=_l("Agree"), by=_MAYOR
    ),
    "decline": Transition(
        frozenset({S.UNDER_REVIEW, S.IN_CONSULTATION}),
        S.DECLINED,
        workflow.may_bind_commune,
        comment_required=True,
        label=_l("Decline"),
        by=_MAYOR,
        comment_label=_l("Why you decline (the association will read it)"),
    ),
    "withdraw": Transition(
        frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.CHANGES_REQUESTED, S.IN_CONSULTATION}),
        S.WITHDRAWN,
        is_association_officer,
        label=_l("Withdraw the project"),
        by=_OFFICERS,
    ),
    "start_implementation": Transition(
        frozenset({S.AGREED}), S.IN_PROGRESS, is_commune_official, label=_l("Start the works"), by=_OFFICIAL
    ),
    "complete": Transition(
        frozenset({S.IN_PROGRESS}), S.COMPLETED, is_commune_official, label=_l("Mark as completed"), by=_OFFICIAL
    ),
    "hand_over": Transition(
        frozenset({S.COMPLETED}),
        S.HANDED_OVER,
        workflow.may_bind_commune,
        label=_l("Hand over the facility"),
        by=_MAYOR,
    ),
}


def available_actions(user, project: Project) -> list[str]:
    """The actions this user may take now (for buttons); the same checks as `transition`."""
    return [name for name, spec in TRANSITIONS.items() if project.status in spec.sources and spec.who(user, project)]


# Steps that cannot be undone: the page asks to confirm them and says what follows (the API's caller decided).
IRREVERSIBLE = frozenset({"withdraw", "decline", "agree"})


def funding_gap_xof(project: Project) -> int:
    """What the co-funding plan leaves unfunded of the budget, in F CFA (0 when it covers it)."""
    return max(project.budget_total_xof - project.funding_total_xof, 0)


def needs_confirmation(project: Project, action: str) -> bool:
    """Withdraw, decline and agree always; a submission while the plan leaves part of the budget unfunded."""
    return action in IRREVERSIBLE or (action == "submit" and funding_gap_xof(project) > 0)


# The decision path: the workflow's table read as the road a project follows -------------------------------

# The states off the road: the commune sends the project back, declines it, or the association withdraws it.
SIDE_STATUSES = frozenset({S.CHANGES_REQUESTED, S.DECLINED, S.WITHDRAWN})


def _forward_step(status: str) -> str | None:
    """The action of the table that moves a project on along the road from `status` (None at its end)."""
    for name, spec in TRANSITIONS.items():
        if status in spec.sources and spec.target not in SIDE_STATUSES:
            return name
    return None


def road() -> list[tuple[str | None, str]]:
    """The road from the table: (the action that reaches the state, the state), draft first."""
    steps, status = [(None, S.DRAFT)], S.DRAFT
    while (name := _forward_step(status)) is not None:
        status = TRANSITIONS[name].target
        steps.append((name, status))
    return steps


def decision_path(project: Project, history: list[dict]) -> dict:
    """Where the project stands on its road, for its page: each state ("done" with the date and who reached it
    last, "current", "later"), the side state it is in if any (sent back, declined, withdrawn: when, by whom,
    why), the next state on the road ("next"), and the steps that may come next with who takes them. `history` is `project_history`'s, oldest first;
    a resubmission starts the road again from "submitted"."""
    reached = {}
    for event in history:
        if event["to_status"]:
            reached[event["to_status"]] = event
    statuses = [status for _action, status in road()]
    side = None
    if project.status in SIDE_STATUSES:
        event = reached.get(project.status)
        left_from = (event or {}).get("from_status")
        position = statuses.index(left_from) if left_from in statuses else 0
        side = {
            "status": project.status,
            "after": position,  # the side state leaves the road after this step
            "at": event["at"] if event else None,
            "actor": ((event or {}).get("actor") or {}).get("name"),
            "comment": (event or {}).get("comment"),
        }
    else:
        position = statuses.index(project.status)
    steps = []
    for index, (action, status) in enumerate(road()):
        event = reached.get(status) if index <= position else None
        if index < position or (index == position and side is not None):
            state = "done"
        elif index == position:
            state = "current"
        elif index == position + 1 and side is None:
            state = "next"
        else:
            state = "later"
        steps.append(
            {
                "status": status,
                "state": state,
                "at": event["at"] if event else None,
                "actor": ((event or {}).get("actor") or {}).get("name"),
                "by": TRANSITIONS[action].by if action else None,
            }
        )
    # What may come next: the steps the table allows from here, the road's first (withdrawing, always open to
    # the association until agreement, is offered by its own button and not part of the road).
    forward = _forward_step(project.status)
    upcoming = [
        {"action": name, "label": spec.label, "by": spec.by, "target": spec.target}
        for name, spec in sorted(TRANSITIONS.items(), key=lambda item: item[0] != forward)
        if project.status in spec.sources and name != "withdraw"
    ]
    return {
        "steps": steps,
        "side": side,
        "next": upcoming,
        "editable_until_review": project.status == S.SUBMITTED,
    }


def transition(
    actor,
    project: Project,
    action: str,
    comment: str | None = None,
    owner_organisation_id: int | None = None,
    maintenance_plan: str | None = None,
    pledge_due_date=None,
    reporting_period=None,
) -> Project:
    """Checks who may, from which state, with which comment; changes the status; records and notifies.
    `agree` turns the funding lines that name an organisation into pledges (commitments) due on
    `pledge_due_date` (default: the admin's setting from today) and starts the progress reports every
    `reporting_period` months (default: the admin's setting); `submit` asks third-party funders to
    confirm their lines (portal/domain/commitments.py)."""
    spec = TRANSITIONS.get(action)
    if spec is None:
        raise Refused("validation_failed", fields={"action": [str(_l("Unknown action."))]})
    if not spec.who(actor, project):
        raise Refused("forbidden")
    if action == "submit" and actor.email_confirmed_at is None:
        raise Refused(
            "forbidden",
            _l("Confirm your email address before you submit a project: your account page sends the link again."),
        )
    if project.status not in spec.sources:
        raise Refused("invalid_transition")
    comment = (comment or "").strip() or None
    if comment and len(comment) > LONG_MAX:
        raise Refused("validation_failed", fields={"comment": [str(at_most_characters(LONG_MAX))]})
    if spec.comment_required and not comment:
        raise Refused("comment_required", fields={"comment": [str(_l("Say why: the other side will read it."))]})
    _check_rules_of(action, project, owner_organisation_id, maintenance_plan)
    pledges_due = commitments.pledge_due_date(pledge_due_date) if action == "agree" else None
    period = progress.reporting_period(reporting_period) if action == "agree" else None

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
    workflow.flush_or_stale()
    record(
        f"project.{action}",
        "project",
        project.id,
        actor=actor,
        before={"status": before},
        after={"status": project.status},
        comment=comment,
    )
    resubmitted = action == "submit" and before == S.CHANGES_REQUESTED
    notify("project_resubmit" if resubmitted else f"project_{action}", project=project, actor=actor, comment=comment)
    mark_read_about(actor, project_path(project))  # handling a project settles what told them of it
    if action == "agree":
        commitments.record_pledges(actor, project, pledges_due)
        progress.start_reporting(project, period)
    if action == "submit":
        commitments.ask_funders_to_confirm(actor, project)
    if action == "hand_over":
        facilities.register_facility(project)
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
        if not _is_owner_choice(project, owner_organisation_id):
            fields["owner_organisation_id"] = [
                str(_l("Name the owner: the commune or a management committee of the commune."))
            ]
        if not (maintenance_plan or "").strip():
            fields["maintenance_plan"] = [str(_l("Describe who maintains the facility and how."))]
        elif len(maintenance_plan) > LONG_MAX:
            fields["maintenance_plan"] = [str(at_most_characters(LONG_MAX))]
        if fields:
            raise Refused("validation_failed", fields=fields)


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
            errors[name] = [str(at_most_characters(maximum))]

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
                errors[f"{prefix}.label"] = [str(at_most_characters(SHORT_MAX))]
            entry["label"] = label
        else:
            party_kind = line.get("party_kind")
            if party_kind not in PARTY_KINDS:
                errors[f"{prefix}.party_kind"] = [str(_l("Choose who funds this line."))]
            organisation_id = line.get("organisation_id")
            if organisation_id is not None:
                organisation = db.session.get(Organisation, organisation_id) if is_id(organisation_id) else None
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
    association = db.session.get(Organisation, association_id) if is_id(association_id) else None
    if association is None or association.kind != OrganisationKind.ASSOCIATION:
        errors["association_id"] = [str(_l("No such association."))]
        return
    if not any(m.organisation_id == association.id and m.role == "officer" for m in actor.memberships):
        raise Refused("forbidden", _l("Only an officer of the association proposes projects in its name."))
    commune = db.session.get(Commune, commune_id) if is_id(commune_id) else None
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


def check_editable(actor, project: Project) -> None:
    """Refused("forbidden") for anyone but the association's officers, then Refused("not_editable") past the
    states that allow edits: the checks that come before reading what the edit says."""
    if not is_association_officer(actor, project):
        raise Refused("forbidden")
    if project.status not in EDITABLE_STATUSES:
        raise Refused("not_editable")


def update_project(actor, project: Project, data: ProjectInput, version: int | None) -> Project:
    check_editable(actor, project)
    if version is None:
        raise Refused("validation_failed", fields={"version": [str(_l("Send the version you read."))]})
    if version != project.version:
        raise Refused("stale_version")
    budget, funding = _validated(actor, data, project)
    before = snapshot(project)
    _apply(project, data, budget, funding)
    workflow.flush_or_stale()
    record("project.edit", "project", project.id, actor=actor, before=before, after=snapshot(project))
    if project.status == S.SUBMITTED:
        # The commune has it in hand: it is told what it will review changed (product.md).
        notify("project_edit_submitted", project=project, actor=actor)
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
        raise Refused("validation_failed", fields={"body": [str(at_most_characters(LONG_MAX))]})
    comment = ProjectComment(
        project_id=project.id, author_id=actor.id, organisation_id=party.id if party is not None else None, body=body
    )
    db.session.add(comment)
    db.session.flush()
    record("project.comment", "project", project.id, actor=actor, comment=body)
    notify("project_comment", project=project, actor=actor, comment=body)
    mark_read_about(actor, project_path(project))
    return comment


def project_path(project: Project) -> str:
    """The project page's path: the link of every notification about it."""
    return f"/projects/{project.id}"


def changes_asked(project: Project) -> dict | None:
    """While a project is sent back for changes: what the commune asked, who asked and when (the latest
    request_changes of its history). One query."""
    if project.status != S.CHANGES_REQUESTED:
        return None
    row = db.session.execute(
        select(AuditEvent.comment, AuditEvent.at, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.subject_type == "project",
            AuditEvent.subject_id == project.id,
            AuditEvent.action == "project.request_changes",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    ).first()
    return {"comment": row.comment, "at": row.at, "by": row.name} if row else None


# History ------------------------------------------------------------------------------------------------


def project_history(project: Project, viewer) -> list[dict]:
    """Every recorded event of the project `viewer` may read, oldest first, with its actor's name: one query.
    The messages of the discussion only for those who may read it (never the public)."""
    query = (
        select(AuditEvent, User.name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.subject_type == "project", AuditEvent.subject_id == project.id)
        .order_by(AuditEvent.id)
    )
    if not can_read_discussion(viewer, project):
        query = query.where(AuditEvent.action != "project.comment")
    rows = db.session.execute(query).all()
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


def escalation_delay() -> timedelta:
    """How long a commune has to answer a submitted project before it goes to the mediators (the setting
    `project_escalation_days`, 30 by default). The one rule: the home pages, the desk and the job read it here."""
    return timedelta(days=get_setting("project_escalation_days"))


def escalation_day(project: Project, delay: timedelta | None = None):
    """The moment a submitted project left unanswered goes to the mediators (None once answered or withdrawn)."""
    if project.status != S.SUBMITTED or project.submitted_at is None:
        return None
    return project.submitted_at + (delay if delay is not None else escalation_delay())


def escalate_unanswered(now=None) -> int:
    """Submitted projects the commune has left unanswered too long go to the mediators, once."""
    now = now or utcnow()
    limit = now - escalation_delay()
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
        notify("project_escalated", project=project, actor=None)
    db.session.flush()
    return len(overdue)
