"""A project's pages: its page and printable sheet, the proposal form, and the small forms that move it on.
Thin: find the project (portal/domain's loader: 404 or 403), parse what the person sent, call the operation,
render. The list is in listing.py; what the pages show in the viewer's language, in presenters.py."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import money
from portal.blueprints.files import send_document
from portal.blueprints.forms import typed_amount
from portal.blueprints.guards import login_required
from portal.blueprints.pages import found
from portal.blueprints.projects import bp
from portal.blueprints.projects.forms import MAX_ROWS, ProjectForm
from portal.blueprints.projects.presenters import commitment_rows, file_size, money_summary, timeline
from portal.database import utcnow
from portal.domain import commitments as pledges
from portal.domain import disputes as dispute_rules
from portal.domain import documents as docs
from portal.domain import meetings as meeting_rules
from portal.domain import projects as rules
from portal.errors import Refused
from portal.extensions import db
from portal.ids import parse_id
from portal.labels import COMMITMENT_KIND_LABELS, COMMITMENT_STATUS_LABELS, DOCUMENT_KIND_LABELS, STATUS_LABELS, label
from portal.models import Organisation, Project, ProjectComment, commune_today
from portal.visibility import can_read_discussion


def _project(project_id: int, may=None) -> Project:
    """The project with all its page shows, if the viewer may see it and `may` do what they came for."""
    return found(rules.load_project, project_id, may, for_page=True)


def _reloaded(project_id: int) -> Project:
    """After a refusal: drop what the failed operation changed, and read the project again."""
    db.session.rollback()
    return _project(project_id)


# A project's page ---------------------------------------------------------------------------------------


def _render_project(
    project: Project,
    status: int = 200,
    *,
    action: dict | None = None,
    comment: dict | None = None,
    upload: dict | None = None,
    notice: str | None = None,
    commitment: dict | None = None,
):
    actions = rules.available_actions(current_user, project)
    history = rules.project_history(project, current_user)
    can_read = can_read_discussion(current_user, project)
    comments = []
    if can_read:
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
        documents=[(document, file_size(document.size)) for document in project.documents],
        removable={d.id for d in project.documents if docs.can_remove(current_user, project, d)},
        comments=comments,
        can_read_discussion=can_read,
        changes_asked=rules.changes_asked(project),
        timeline=timeline(history),
        path=rules.decision_path(project, history),
        actions=[(name, rules.TRANSITIONS[name]) for name in actions],
        to_confirm={name for name in actions if rules.needs_confirmation(project, name)},
        owners=rules.owner_choices(project) if "hand_over" in actions else [],
        can_edit=rules.can_edit(current_user, project),
        can_upload=docs.can_upload(current_user, project),
        can_comment=rules.can_comment(current_user, project),
        can_schedule_meeting=meeting_rules.can_schedule_about(current_user, project),
        can_open_dispute=dispute_rules.can_open(current_user, project),
        meetings=meeting_rules.project_meetings(current_user, project),
        document_kinds=DOCUMENT_KIND_LABELS,
        action_state=action or {},
        comment_state=comment or {},
        upload_state=upload or {},
        notice=notice,
        **_commitments_of(project, commitment or {}),
    ), status


def _commitments_of(project: Project, state: dict) -> dict:
    """What the page's commitments section shows: the commitments, the lines the viewer confirms as their
    funder, and the form to record one (with what a failed attempt typed, `state`)."""
    can_record = pledges.can_record(current_user, project)
    return {
        "commitments": commitment_rows(project, pledges.project_commitments(project), commune_today()),
        "confirmable_lines": [
            line for line in project.funding_lines if pledges.can_confirm_funding(current_user, project, line)
        ],
        "can_record": can_record,
        "parties": pledges.party_choices(project) if can_record else [],
        "currencies": money.accepted_currencies(utcnow().date()) if can_record else [],
        "commitment_kinds": COMMITMENT_KIND_LABELS,
        "commitment_state": state,
    }


@bp.get("/<id:project_id>")
def show(project_id):
    """A project: its summary, co-funding plan, documents, discussion, history and the viewer's actions. Who may see it.
    `?meeting_id=` (a link from a meeting's page) records a commitment as taken at that meeting."""
    meeting_id = parse_id(request.args.get("meeting_id"))
    commitment = {"name": "record", "meeting_id": str(meeting_id)} if meeting_id else None
    return _render_project(_project(project_id), commitment=commitment)


@bp.get("/<id:project_id>/sheet")
def sheet(project_id):
    """The project sheet, made to be printed. Who may see the project."""
    project = _project(project_id)
    return render_template("projects/sheet.html", project=project, totals=money_summary(project), printed_at=utcnow())


@bp.post("/<id:project_id>/actions/<action>")
@login_required
def act(project_id, action):
    """Takes one step of the workflow (submit, review, agree...). Per the workflow's table."""
    spec = rules.TRANSITIONS.get(action)
    if spec is None:
        abort(404)
    project = _project(project_id, may=spec.who)
    values = {
        "comment": request.form.get("comment", ""),
        "maintenance_plan": request.form.get("maintenance_plan", ""),
        "owner_organisation_id": request.form.get("owner_organisation_id", ""),
        "pledge_due_date": request.form.get("pledge_due_date", ""),
        "reporting_period": request.form.get("reporting_period", ""),
    }
    try:
        confirmable = rules.needs_confirmation(project, action) and action in rules.available_actions(
            current_user, project
        )
        if confirmable and not request.form.get("confirmed"):
            raise Refused(
                "validation_failed",
                fields={"confirmed": [_("Tick the box to confirm: this step cannot be undone.")]},
            )
        rules.transition(
            current_user,
            project,
            action,
            values["comment"],
            # An owner the form cannot name (blank, words, out of range) is refused by the rule, on its field.
            owner_organisation_id=parse_id(values["owner_organisation_id"]),
            maintenance_plan=values["maintenance_plan"],
            pledge_due_date=values["pledge_due_date"].strip() or None,
            reporting_period=values["reporting_period"].strip() or None,
        )
    except Refused as error:
        project = _reloaded(project_id)
        if error.code in ("invalid_transition", "stale_version"):
            notice = _(
                "This action is no longer possible: the project changed meanwhile and is now “%(status)s”. "
                "The page below shows what you can do now.",
                status=label(STATUS_LABELS, project.status),
            )
            return _render_project(project, 409, notice=notice)
        message = None if error.code == "validation_failed" and error.fields else error.text()
        return _render_project(
            project, error.status, action={"name": action, "message": message, "errors": error.fields or {}, **values}
        )
    flash(_("Done: the project is now “%(status)s”.", status=label(STATUS_LABELS, project.status)), "info")
    return redirect(url_for("projects.show", project_id=project.id), code=303)


@bp.post("/<id:project_id>/comments")
@login_required
def comment(project_id):
    """Adds a message to the project's discussion. The parties to the project (not observers) and mediators."""
    project = _project(project_id, may=rules.can_comment)
    body = request.form.get("body", "")
    try:
        rules.add_comment(current_user, project, body)
    except Refused as error:
        project = _reloaded(project_id)
        return _render_project(
            project, error.status, comment={"errors": error.fields or {"body": [error.text()]}, "body": body}
        )
    flash(_("Your message is added to the discussion."), "info")
    return redirect(url_for("projects.show", project_id=project.id, _anchor="discussion"), code=303)


@bp.post("/<id:project_id>/documents")
@login_required
def upload(project_id):
    """Adds a document (PDF, image, office document). The association's officers and the commune's officials."""
    project = _project(project_id, may=docs.can_upload)
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
        project = _reloaded(project_id)
        errors = error.fields or {"file": [error.text()]}
        return _render_project(project, error.status, upload={"errors": errors, "kind": kind})
    flash(_("The document is added."), "info")
    return redirect(url_for("projects.show", project_id=project.id, _anchor="documents"), code=303)


@bp.post("/<id:project_id>/documents/<id:document_id>/remove")
@login_required
def remove_document(project_id, document_id):
    """Takes back a document added by mistake, before the project is agreed. Who added it."""
    project = _project(project_id, may=docs.can_upload)
    try:
        docs.remove_document(current_user, project, document_id)
    except Refused as error:
        if error.code == "not_found":
            abort(404)
        project = _reloaded(project_id)
        return _render_project(project, error.status, upload={"errors": {"file": [error.text()]}})
    flash(_("The document is removed."), "info")
    return redirect(url_for("projects.show", project_id=project_id, _anchor="documents"), code=303)


@bp.get("/<id:project_id>/documents/<id:document_id>")
def download(project_id, document_id):
    """A project's document, as a download. Who may see the project."""
    project = _project(project_id)
    return send_document(next((d for d in project.documents if d.id == document_id), None))


# Commitments (engagements) ------------------------------------------------------------------------------

COMMITMENT_FIELDS = ("organisation_id", "kind", "description", "amount", "currency", "due_date", "meeting_id")


@bp.post("/<id:project_id>/commitments")
@login_required
def record_commitment(project_id):
    """Records a commitment of a party to the project. The parties (not observers) and mediators."""
    project = _project(project_id, may=pledges.is_recorder)
    values = {name: request.form.get(name, "") for name in COMMITMENT_FIELDS}
    data = {
        **values,
        "organisation_id": parse_id(values["organisation_id"]),
        "amount": typed_amount(values["amount"]),
        "meeting_id": parse_id(values["meeting_id"]) if values["meeting_id"].strip() else None,
    }
    try:
        pledges.record_commitment(current_user, project, data)
    except Refused as error:
        project = _reloaded(project_id)
        errors = error.fields or {"description": [error.text()]}
        return _render_project(project, error.status, commitment={"name": "record", "errors": errors, **values})
    flash(_("The commitment is recorded."), "info")
    if data["meeting_id"] is not None:  # from a meeting's page: the next one is taken there too, until they leave
        return redirect(
            url_for("projects.show", project_id=project.id, meeting_id=data["meeting_id"], _anchor="record-commitment"),
            code=303,
        )
    return redirect(url_for("projects.show", project_id=project.id, _anchor="commitments"), code=303)


def _commitment(project_id: int, commitment_id: int, may=None):
    """The commitment, through the path of its own project (404 otherwise)."""
    commitment = found(pledges.load_commitment, commitment_id, may)
    if commitment.project_id != project_id:
        abort(404)
    return commitment


@bp.post("/<id:project_id>/commitments/<id:commitment_id>/actions/<action>")
@login_required
def commitment_act(project_id, commitment_id, action):
    """Takes one step of a commitment's workflow (report fulfilled with evidence, confirm, contest, cancel).
    Per the workflow's table."""
    spec = pledges.TRANSITIONS.get(action)
    if spec is None:
        abort(404)
    commitment = _commitment(project_id, commitment_id)
    sent = request.files.get("file")
    comment = request.form.get("comment", "")
    try:
        if action == "report_fulfilled" and sent and sent.filename:
            pledges.add_evidence(current_user, commitment, sent.stream, sent.filename)
        pledges.transition(current_user, commitment, action, comment, version=parse_id(request.form.get("version")))
    except Refused as error:
        project = _reloaded(project_id)
        if error.code in ("invalid_transition", "stale_version"):
            notice = _(
                "This action is no longer possible: the commitment changed meanwhile. The page below shows it now."
            )
            return _render_project(project, 409, notice=notice)
        errors = error.fields or {"comment": [error.text()]}
        state = {"id": commitment_id, "action": action, "errors": errors, "comment": comment}
        return _render_project(project, error.status, commitment=state)
    flash(
        _("Done: the commitment is now “%(status)s”.", status=label(COMMITMENT_STATUS_LABELS, commitment.status)),
        "info",
    )
    return redirect(url_for("projects.show", project_id=project_id, _anchor=f"commitment-{commitment_id}"), code=303)


@bp.get("/<id:project_id>/commitments/<id:commitment_id>/evidence/<id:evidence_id>")
def commitment_evidence(project_id, commitment_id, evidence_id):
    """A commitment's evidence (a receipt, a title), as a download. Who may see the project."""
    commitment = _commitment(project_id, commitment_id)
    return send_document(next((e for e in commitment.evidence if e.id == evidence_id), None))


@bp.post("/<id:project_id>/funding/<id:line_id>/confirm")
@login_required
def confirm_funding(project_id, line_id):
    """The funder named on a line of the co-funding plan confirms it. Its members (not observers)."""
    project = _project(project_id)
    try:
        pledges.confirm_funding_line(current_user, project, line_id)
    except Refused as error:
        if error.code == "not_found":
            abort(404)
        project = _reloaded(project_id)
        return _render_project(project, error.status, notice=error.text())
    flash(_("Your funding line is confirmed: the project now names you as its funder."), "info")
    return redirect(url_for("projects.show", project_id=project.id, _anchor="budget-" + str(project.id)), code=303)


# Proposing and editing ----------------------------------------------------------------------------------


def _set_choices(form: ProjectForm, associations: list[Organisation], project: Project | None = None) -> None:
    """Communes: the associations' home communes; funding organisations: the parties a plan usually names, and
    any other the project's plan already names."""
    offer = rules.proposal_choices(associations, project)
    groups = [
        (_l("Associations"), associations),
        (_l("Communes"), offer.commune_organisations),
        (_l("Partners"), offer.partners),
    ]
    if offer.others:
        groups.append((_l("Other organisations"), offer.others))
    form.set_choices(associations, offer.communes, groups, _currencies())


def _currencies() -> list[str]:
    return money.accepted_currencies(utcnow().date())


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
        changes_asked=rules.changes_asked(project) if project else None,
    ), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """The form to propose a project with its budget and co-funding plan. Association officers."""
    associations = rules.officer_associations(current_user)
    if not associations:
        abort(403)
    if request.method == "GET":
        line = {"currency": rules.default_line_currency(current_user, associations[0], _currencies())}
        form = ProjectForm(data={"association_id": str(associations[0].id), "budget": [line], "funding": [line]})
        _set_choices(form, associations)
        return _render_form(form, None)
    form = ProjectForm()
    edited = form.edit_rows(request.form)
    _set_choices(form, associations)
    if edited:
        return _render_form(form, None)
    try:
        project = rules.create_project(current_user, form.to_input(creating=True))
    except Refused as error:
        return _render_form(form, None, error.status, form.place_errors(error))
    flash(_("The project is saved as a draft. Submit it to the commune when it is ready."), "info")
    return redirect(url_for("projects.show", project_id=project.id), code=303)


def _not_editable(project: Project):
    return render_template("projects/not_editable.html", project=project), 409


@bp.route("/<id:project_id>/edit", methods=["GET", "POST"])
@login_required
def edit(project_id):
    """The form to change a draft, a submitted project until its review starts, or a project sent back for changes.
    The proposing association's officers."""
    project = _project(project_id, may=rules.is_association_officer)
    if not rules.can_edit(current_user, project):
        return _not_editable(project)
    associations = [project.association]
    if request.method == "GET":
        form = ProjectForm(data=ProjectForm.data_of(project))
        _set_choices(form, associations, project)
        return _render_form(form, project)
    form = ProjectForm()
    edited = form.edit_rows(request.form)
    _set_choices(form, associations, project)
    if edited:
        return _render_form(form, project)
    try:
        rules.update_project(current_user, project, form.to_input(creating=False), form.version_read())
    except Refused as error:
        saved = _reloaded(project_id)
        if not rules.can_edit(current_user, saved):
            return _not_editable(saved)
        if error.code == "stale_version":
            form.version.data = str(saved.version)  # saving again goes over the version shown beside the form
            return _render_form(form, saved, 409, saved=saved)
        return _render_form(form, saved, error.status, form.place_errors(error))
    flash(_("The changes are saved."), "info")
    return redirect(url_for("projects.show", project_id=project.id), code=303)
