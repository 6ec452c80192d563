"""Co-funded projects as pages: the list, a project's page and printable sheet, the proposal form, and the small
forms that move a project on. Thin: parse what the person sent, call portal/domain, render."""

import re
from decimal import Decimal

from babel.numbers import format_percent, get_decimal_symbol
from babel.units import format_unit
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.blueprints.api.common import MAX_PAGE
from portal.blueprints.guards import login_required
from portal.blueprints.projects import bp
from portal.blueprints.projects.forms import DOCUMENT_KIND_LABELS, MAX_ROWS, FilterForm, ProjectForm
from portal.database import utcnow
from portal.domain import documents as docs
from portal.domain import money
from portal.domain import projects as rules
from portal.domain.territories import search_key
from portal.errors import Refused
from portal.extensions import db
from portal.models import (
    Cercle,
    Commune,
    FundingLine,
    HomeCommune,
    MapVersion,
    Organisation,
    OrganisationKind,
    Project,
    ProjectComment,
    Region,
)

PER_PAGE = 20
ID_MAX = 2**31 - 1
SEARCH_MAX = 200
FILTER_FIELDS = ("q", "status", "sector", "region", "commune", "association")
FORM_FIELDS = (*rules.PROJECT_FIELDS, "version")
HISTORY_LABELS = {
    "create": _l("Project created"),
    "edit": _l("Project edited"),
    "comment": _l("Message in the discussion"),
    "document_add": _l("Document added"),
    "escalate": _l("Sent to the mediators: the commune had not answered in time"),
}


@bp.app_template_global()
def status_label(code: str) -> str:
    return rules.STATUS_LABELS.get(code, code)


@bp.app_template_global()
def sector_label(code: str) -> str:
    return rules.SECTOR_LABELS.get(code, code)


@bp.app_template_global()
def party_kind_label(code: str) -> str:
    return rules.PARTY_KIND_LABELS.get(code, code)


# Finding what the viewer may see ------------------------------------------------------------------------


def _page_number() -> int:
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def _load(project_id: int) -> Project | None:
    """The project with everything its page shows, in a fixed number of queries."""
    if not 0 < project_id <= ID_MAX:
        return None
    return db.session.scalar(
        select(Project)
        .where(Project.id == project_id)
        .options(
            joinedload(Project.commune).joinedload(Commune.cercle).joinedload(Cercle.region),
            joinedload(Project.association),
            joinedload(Project.owner_organisation),
            selectinload(Project.budget_lines),
            selectinload(Project.funding_lines).joinedload(FundingLine.organisation),
            selectinload(Project.documents),
        )
    )


def _visible(project_id: int) -> Project:
    """The project if the viewer may see it; anonymous visitors sign in first (a mailed link then works), 404
    for anyone else."""
    # Fills the session, so the rule's own lookup below runs no query; kept in a name because the session
    # holds its objects weakly: unreferenced, the loaded project would be dropped and read again, lazily.
    loaded = _load(project_id)  # noqa: F841
    try:
        return rules.get_visible(current_user, project_id)
    except Refused:
        if not current_user.is_authenticated:
            abort(redirect(url_for("auth.login", next=request.full_path.rstrip("?"))))
        abort(404)


def _reloaded(project_id: int) -> Project:
    """After a refusal: drop what the failed operation changed, and read the project again."""
    db.session.rollback()
    return _visible(project_id)


# The list -----------------------------------------------------------------------------------------------


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= ID_MAX else None


def _filters(form: FilterForm) -> dict:
    """The filters the visitor gave: the form's fields, and a commune or association chosen by a link."""
    given = {name: (form[name].data or "").strip()[:SEARCH_MAX] for name in FILTER_FIELDS}
    filters = {name: value for name, value in given.items() if value}
    for name in ("commune_id", "association_id"):
        value = _int_arg(name)
        if value is not None:
            filters[name] = value
    return filters


def _filtered(query, filters: dict):
    if filters.get("status") in rules.STATUS_LABELS:
        query = query.where(Project.status == filters["status"])
    if filters.get("sector") in rules.SECTOR_LABELS:
        query = query.where(Project.sector == filters["sector"])
    if filters.get("region"):  # a region code, matched on every map version (as the API does)
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
        query = query.where(Project.title.icontains(filters["q"], autoescape=True))
    for name in ("commune_id", "association_id"):
        if name in filters:
            query = query.where(getattr(Project, name) == filters[name])
    return query


def _chosen(filters: dict) -> list[dict]:
    """The commune or association a link chose, named, each with a link that lets go of it."""
    chosen = []
    for name, model in (("commune_id", Commune), ("association_id", Organisation)):
        target = db.session.get(model, filters[name]) if name in filters else None
        if target is not None:
            others = {key: value for key, value in filters.items() if key != name}
            chosen.append(
                {"field": name, "id": target.id, "name": target.name, "clear": url_for("projects.index", **others)}
            )
    return chosen


@bp.get("/")
def index():
    """The projects the viewer may see, newest first, filtered and 20 a page. Everyone (public ones when anonymous)."""
    form = FilterForm(request.args)
    regions = db.session.scalars(
        select(Region)
        .join(MapVersion, MapVersion.id == Region.map_version_id)
        .where(MapVersion.is_current.is_(True))
        .order_by(Region.name)
    ).all()
    form.set_choices(regions)
    filters = _filters(form)
    query = _filtered(rules.visible_projects(current_user), filters)
    page = _page_number()
    rows = (
        db.session.scalars(
            query.options(
                joinedload(Project.commune), joinedload(Project.association), selectinload(Project.budget_lines)
            )
            .order_by(Project.id.desc())
            .limit(PER_PAGE + 1)
            .offset((page - 1) * PER_PAGE)
        )
        .unique()
        .all()
    )
    return render_template(
        "projects/index.html",
        form=form,
        projects=rows[:PER_PAGE],
        has_next=len(rows) > PER_PAGE,
        page=page,
        filters=filters,
        chosen=_chosen(filters),
        can_propose=bool(_officer_associations(current_user)),
    )


def commune_projects(commune: Commune, limit: int = 20) -> list[Project]:
    """The commune's newest projects that the viewer may see, for the commune's page."""
    return db.session.scalars(
        rules.visible_projects(current_user)
        .where(Project.commune_id == commune.id)
        .options(joinedload(Project.association))
        .order_by(Project.id.desc())
        .limit(limit)
    ).all()


# A project's page ---------------------------------------------------------------------------------------


def _share(amount_xof: int, total_xof: int) -> str:
    """A part of the budget in percent, to a tenth, in the viewer's language ("38,5 %")."""
    if total_xof <= 0:
        return "—"
    share = (Decimal(amount_xof) / Decimal(total_xof)).quantize(Decimal("0.001")).normalize()
    return format_percent(share, locale=get_locale(), decimal_quantization=False)


def money_summary(project: Project) -> dict:
    """The co-funding table: each funding line with its share of the budget, the totals, what is missing."""
    budget, funding = project.budget_total_xof, project.funding_total_xof
    return {
        "budget_total": budget,
        "funding_total": funding,
        "funding_rows": [(line, _share(line.amount_xof, budget)) for line in project.funding_lines],
        "covered": _share(funding, budget),
        "missing": max(budget - funding, 0),
    }


def _size(size: int) -> str:
    unit, value = (
        ("digital-kilobyte", Decimal(size) / 1000)
        if size < 1_000_000
        else ("digital-megabyte", Decimal(size) / 1_000_000)
    )
    return format_unit(value.quantize(Decimal("0.1")).normalize(), unit, length="short", locale=get_locale())


def _timeline(project: Project) -> list[dict]:
    entries = []
    for event in rules.project_history(project):
        if event["to_status"]:
            what = _(
                "%(before)s → %(after)s",
                before=rules.STATUS_LABELS.get(event["from_status"], "?"),
                after=rules.STATUS_LABELS.get(event["to_status"], event["to_status"]),
            )
        else:
            what = HISTORY_LABELS.get(event["action"], event["action"])
        entries.append(
            {
                "at": event["at"],
                "actor": (event["actor"] or {}).get("name"),
                "what": what,
                "comment": event["comment"] if event["action"] != "comment" else None,
            }
        )
    return entries


def _owner_choices(project: Project) -> list[Organisation]:
    """Who may own a facility handed over: the commune's organisation and the committees of that commune."""
    return db.session.scalars(
        select(Organisation)
        .where(
            Organisation.commune_id == project.commune_id,
            or_(Organisation.kind == OrganisationKind.COMMUNE, Organisation.kind == OrganisationKind.COMMITTEE),
        )
        .order_by(Organisation.kind.desc(), Organisation.name)
    ).all()


def _render_project(
    project: Project,
    status: int = 200,
    *,
    action: dict | None = None,
    comment: dict | None = None,
    upload: dict | None = None,
    notice: str | None = None,
):
    actions = rules.available_actions(current_user, project)
    comments = db.session.scalars(
        select(ProjectComment)
        .where(ProjectComment.project_id == project.id)
        .options(joinedload(ProjectComment.author), joinedload(ProjectComment.organisation))
        .order_by(ProjectComment.id)
    ).all()
    return render_template(
        "projects/show.html",
        project=project,
        totals=money_summary(project),
        documents=[(document, _size(document.size)) for document in project.documents],
        comments=comments,
        timeline=_timeline(project),
        actions=[(name, rules.TRANSITIONS[name]) for name in actions],
        owners=_owner_choices(project) if "hand_over" in actions else [],
        can_edit=rules.is_association_officer(current_user, project) and project.status in rules.EDITABLE_STATUSES,
        can_upload=docs.can_upload(current_user, project),
        can_comment=rules.can_comment(current_user, project),
        document_kinds=DOCUMENT_KIND_LABELS,
        action_state=action or {},
        comment_state=comment or {},
        upload_state=upload or {},
        notice=notice,
    ), status


@bp.get("/<int:project_id>")
def show(project_id):
    """A project: its summary, co-funding plan, documents, discussion, history and the viewer's actions. Who may see it."""
    return _render_project(_visible(project_id))


@bp.get("/<int:project_id>/sheet")
def sheet(project_id):
    """The project sheet, made to be printed. Who may see the project."""
    project = _visible(project_id)
    return render_template("projects/sheet.html", project=project, totals=money_summary(project), printed_at=utcnow())


@bp.post("/<int:project_id>/actions/<action>")
@login_required
def act(project_id, action):
    """Takes one step of the workflow (submit, review, agree...). Per the workflow's table."""
    project = _visible(project_id)
    spec = rules.TRANSITIONS.get(action)
    if spec is None:
        abort(404)
    values = {
        "comment": request.form.get("comment", ""),
        "maintenance_plan": request.form.get("maintenance_plan", ""),
        "owner_organisation_id": request.form.get("owner_organisation_id", ""),
    }
    owner = request.form.get("owner_organisation_id", type=int)
    try:
        rules.transition(
            current_user,
            project,
            action,
            values["comment"],
            owner_organisation_id=owner,
            maintenance_plan=values["maintenance_plan"],
        )
    except Refused as error:
        if error.code == "forbidden":
            abort(403)
        project = _reloaded(project_id)
        if error.code in ("invalid_transition", "stale_version"):
            notice = _(
                "This action is no longer possible: the project changed meanwhile and is now “%(status)s”. "
                "The page below shows what you can do now.",
                status=rules.STATUS_LABELS.get(project.status, project.status),
            )
            return _render_project(project, 409, notice=notice)
        message = None if error.code == "validation_failed" and error.fields else error.text()
        return _render_project(
            project, error.status, action={"name": action, "message": message, "errors": error.fields or {}, **values}
        )
    flash(_("Done: the project is now “%(status)s”.", status=rules.STATUS_LABELS[project.status]), "info")
    return redirect(url_for("projects.show", project_id=project.id), code=303)


@bp.post("/<int:project_id>/comments")
@login_required
def comment(project_id):
    """Adds a message to the project's discussion. The parties to the project (not observers) and mediators."""
    project = _visible(project_id)
    body = request.form.get("body", "")
    try:
        rules.add_comment(current_user, project, body)
    except Refused as error:
        if error.code == "forbidden":
            abort(403)
        project = _reloaded(project_id)
        return _render_project(
            project, error.status, comment={"errors": error.fields or {"body": [error.text()]}, "body": body}
        )
    flash(_("Your message is added to the discussion."), "info")
    return redirect(url_for("projects.show", project_id=project.id, _anchor="discussion"), code=303)


@bp.post("/<int:project_id>/documents")
@login_required
def upload(project_id):
    """Adds a document (PDF, image, office document). The association's officers and the commune's officials."""
    project = _visible(project_id)
    sent = request.files.get("file")
    kind = request.form.get("kind")
    try:
        docs.add_document(
            current_user,
            project,
            sent.stream if sent and sent.filename else None,
            sent.filename if sent else None,
            kind,
        )
    except Refused as error:
        if error.code == "forbidden":
            abort(403)
        project = _reloaded(project_id)
        errors = error.fields or {"file": [error.text()]}
        return _render_project(project, error.status, upload={"errors": errors, "kind": kind})
    flash(_("The document is added."), "info")
    return redirect(url_for("projects.show", project_id=project.id, _anchor="documents"), code=303)


@bp.get("/<int:project_id>/documents/<int:document_id>")
def download(project_id, document_id):
    """A project's document, as a download. Who may see the project."""
    project = _visible(project_id)
    document = next((d for d in project.documents if d.id == document_id), None)
    path = docs.document_path(document) if document is not None else None
    if path is None or not path.is_file():
        abort(404)
    return send_file(
        path, mimetype=document.content_type, as_attachment=True, download_name=document.filename, max_age=0
    )


# Proposing and editing ----------------------------------------------------------------------------------


def _officer_associations(user) -> list[Organisation]:
    if not user.is_authenticated:
        return []
    found = {
        m.organisation.id: m.organisation
        for m in user.memberships
        if m.role == "officer" and m.organisation.kind == OrganisationKind.ASSOCIATION
    }
    return sorted(found.values(), key=lambda organisation: organisation.name)


def _set_choices(form: ProjectForm, associations: list[Organisation], project: Project | None = None) -> None:
    """Communes: the associations' home communes; funding organisations: the parties a plan usually names."""
    ids = [a.id for a in associations]
    communes = (
        db.session.scalars(
            select(Commune)
            .join(HomeCommune, HomeCommune.commune_id == Commune.id)
            .where(HomeCommune.association_id.in_(ids))
            .order_by(Commune.name, Commune.id)
        )
        .unique()
        .all()
    )
    commune_ids = [c.id for c in communes]
    others = db.session.scalars(
        select(Organisation)
        .where(
            or_(
                and_(Organisation.kind == OrganisationKind.COMMUNE, Organisation.commune_id.in_(commune_ids)),
                Organisation.kind == OrganisationKind.PARTNER,
            )
        )
        .order_by(Organisation.name)
    ).all()
    groups = [
        (_l("Associations"), associations),
        (_l("Communes"), [o for o in others if o.kind == OrganisationKind.COMMUNE]),
        (_l("Partners"), [o for o in others if o.kind == OrganisationKind.PARTNER]),
    ]
    offered = {o.id for _group, members in groups for o in members}
    named = [line.organisation for line in (project.funding_lines if project else []) if line.organisation]
    if any(o.id not in offered for o in named):
        groups.append((_l("Other organisations"), list({o.id: o for o in named if o.id not in offered}.values())))
    form.set_choices(associations, communes, groups, money.accepted_currencies(utcnow().date()))


def _edit_rows(form: ProjectForm) -> bool:
    """Adds or removes a budget or funding row when that button was pressed; False when the person saves."""
    for rows, name in ((form.budget, "budget"), (form.funding, "funding")):
        if f"add_{name}" in request.form:
            if len(rows) < MAX_ROWS:
                rows.append_entry()
            return True
        if f"remove_{name}" in request.form:
            position = request.form.get(f"remove_{name}", type=int)
            if position is not None and 0 <= position < len(rows):
                rows.entries.pop(position)
            return True
    return False


def _number(value: str | None) -> int:
    """An id from a select; -1 (which no row has) when missing, so that the rule names the field."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and 0 < int(value) <= ID_MAX else -1


def _amount(raw: str | None) -> str:
    """The amount as typed, with the viewer's decimal comma or thousands commas read as the domain expects."""
    raw = (raw or "").strip()
    if get_decimal_symbol(get_locale()) == ",":
        return raw.replace(",", ".") if "." not in raw else raw
    return raw.replace(",", "")


def _sdg_tags(raw: str | None) -> list:
    """ "3, 6" gives [3, 6]; anything else is passed on as typed, for the rule to refuse with its message."""
    tokens = [t for t in re.split(r"[\s,;]+", (raw or "").strip()) if t]
    if all(t.isdigit() and len(t) <= 2 for t in tokens):
        return sorted({int(t) for t in tokens})
    return tokens


def _project_input(form: ProjectForm, creating: bool) -> tuple[rules.ProjectInput, list[int], list[int]]:
    """What the form says, for the rules; blank rows left out, with the positions of the rows kept."""
    budget_rows = [i for i, row in enumerate(form.budget) if not row.form.is_blank()]
    funding_rows = [i for i, row in enumerate(form.funding) if not row.form.is_blank()]
    budget = [form.budget[i].form for i in budget_rows]
    funding = [form.funding[i].form for i in funding_rows]
    organisation = [row.organisation_id.data or "" for row in funding]
    data = rules.ProjectInput(
        title=form.title.data or "",
        summary=form.summary.data or "",
        sector=form.sector.data or "",
        commune_id=_number(form.commune_id.data),
        village=form.village.data or "",
        association_id=_number(form.association_id.data) if creating else None,
        pdsec_period=form.pdsec_period.data or "",
        pdsec_line=form.pdsec_line.data or "",
        sdg_tags=_sdg_tags(form.sdg_tags.data),
        budget_lines=[
            {"label": row["label"].data or "", "amount": _amount(row.amount.data), "currency": row.currency.data or ""}
            for row in budget
        ],
        funding_lines=[
            {
                "party_kind": row.party_kind.data or None,
                "organisation_id": (_number(org) if org else None),
                "amount": _amount(row.amount.data),
                "currency": row.currency.data or "",
            }
            for row, org in zip(funding, organisation, strict=True)
        ],
    )
    data.given = {name for name in FORM_FIELDS if name != "version"} | {"budget_lines", "funding_lines"}
    return data, budget_rows, funding_rows


def _place_errors(form: ProjectForm, error: Refused, budget_rows: list[int], funding_rows: list[int]) -> list[str]:
    """Puts each message of the refusal next to its field; returns those that belong to no field."""
    general = [] if error.code == "validation_failed" and error.fields else [error.text()]
    for key, messages in (error.fields or {}).items():
        parts = key.split(".")
        target = None
        if len(parts) == 3 and parts[1].isdigit() and parts[0] in ("budget_lines", "funding_lines"):
            rows, positions = (form.budget, budget_rows) if parts[0] == "budget_lines" else (form.funding, funding_rows)
            index = int(parts[1])
            if index < len(positions) and parts[2] in rows[positions[index]].form:
                target = rows[positions[index]].form[parts[2]]
        elif key in FORM_FIELDS and key != "version":
            target = form[key]
        if target is None:
            general.extend(messages)
        else:
            target.errors = list(messages)
    return general


def _form_data(project: Project) -> dict:
    return {
        "title": project.title,
        "summary": project.summary or "",
        "sector": project.sector,
        "commune_id": str(project.commune_id),
        "association_id": str(project.association_id),
        "village": project.village or "",
        "pdsec_period": project.pdsec_period or "",
        "pdsec_line": project.pdsec_line or "",
        "sdg_tags": ", ".join(str(t) for t in project.sdg_tags or []),
        "version": str(project.version),
        "budget": [
            {"label": line.label, "amount": money.format_amount(line.amount, line.currency), "currency": line.currency}
            for line in project.budget_lines
        ]
        or [{}],
        "funding": [
            {
                "party_kind": line.party_kind,
                "organisation_id": str(line.organisation_id or ""),
                "amount": money.format_amount(line.amount, line.currency),
                "currency": line.currency,
            }
            for line in project.funding_lines
        ]
        or [{}],
    }


def _render_form(
    form: ProjectForm,
    project: Project | None,
    status: int = 200,
    errors: list[str] | None = None,
    saved: Project | None = None,
):
    return render_template(
        "projects/form.html",
        form=form,
        project=project,
        errors=errors or [],
        saved=saved,
        totals=money_summary(saved) if saved else None,
        max_rows=MAX_ROWS,
        failed=status >= 400,
    ), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """The form to propose a project with its budget and co-funding plan. Association officers."""
    associations = _officer_associations(current_user)
    if not associations:
        abort(403)
    if request.method == "GET":
        form = ProjectForm(data={"association_id": str(associations[0].id), "budget": [{}], "funding": [{}]})
        _set_choices(form, associations)
        return _render_form(form, None)
    form = ProjectForm()
    edited = _edit_rows(form)
    _set_choices(form, associations)
    if edited:
        return _render_form(form, None)
    data, budget_rows, funding_rows = _project_input(form, creating=True)
    try:
        project = rules.create_project(current_user, data)
    except Refused as error:
        if error.code == "forbidden":
            abort(403)
        return _render_form(form, None, error.status, _place_errors(form, error, budget_rows, funding_rows))
    flash(_("The project is saved as a draft. Submit it to the commune when it is ready."), "info")
    return redirect(url_for("projects.show", project_id=project.id), code=303)


def _not_editable(project: Project):
    return render_template("projects/not_editable.html", project=project), 409


@bp.route("/<int:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id):
    """The form to change a draft or a project sent back for changes. The proposing association's officers."""
    project = _visible(project_id)
    if not rules.is_association_officer(current_user, project):
        abort(403)
    if project.status not in rules.EDITABLE_STATUSES:
        return _not_editable(project)
    associations = [project.association]
    if request.method == "GET":
        form = ProjectForm(data=_form_data(project))
        _set_choices(form, associations, project)
        return _render_form(form, project)
    form = ProjectForm()
    edited = _edit_rows(form)
    _set_choices(form, associations, project)
    if edited:
        return _render_form(form, project)
    data, budget_rows, funding_rows = _project_input(form, creating=False)
    version = _number(form.version.data)
    try:
        rules.update_project(current_user, project, data, version if version > 0 else None)
    except Refused as error:
        if error.code == "forbidden":
            abort(403)
        saved = _reloaded(project_id)
        if saved.status not in rules.EDITABLE_STATUSES:
            return _not_editable(saved)
        if error.code == "stale_version":
            form.version.data = str(saved.version)  # saving again goes over the version shown beside the form
            return _render_form(form, saved, 409, saved=saved)
        return _render_form(form, saved, error.status, _place_errors(form, error, budget_rows, funding_rows))
    flash(_("The changes are saved."), "info")
    return redirect(url_for("projects.show", project_id=project.id), code=303)
