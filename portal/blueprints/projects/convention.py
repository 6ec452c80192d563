"""A project's convention: the printable agreement of the parties, the council's deliberation and the signed copy.
Thin: the project's loader (404 or 403), the operations of portal/domain/convention.py, render."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.files import send_document
from portal.blueprints.guards import login_required
from portal.blueprints.pages import found
from portal.blueprints.projects import bp
from portal.blueprints.projects.presenters import money_summary
from portal.database import utcnow
from portal.domain import convention as rules
from portal.domain import projects as project_rules
from portal.errors import Refused
from portal.extensions import db
from portal.models import Project


def _project(project_id: int, may=None) -> Project:
    """The project, from agreement on (before, there is no convention: 404)."""
    project = found(project_rules.load_project, project_id, for_page=True)
    if not rules.has_convention(project):
        abort(404)
    if may is not None and not may(current_user, project):
        abort(403)
    return project


def _render(project: Project, status: int = 200, *, state=None):
    return render_template(
        "projects/convention.html",
        project=project,
        totals=money_summary(project),
        convention=rules.convention_of(project),
        parties=rules.parties(project, current_user),
        pledges=rules.pledges(project, current_user),
        reporting_months=rules.reporting_months(project),
        can_record=rules.can_record_deliberation(current_user, project),
        can_upload=rules.can_upload_signed(current_user, project),
        state=state or {},
        printed_at=utcnow(),
    ), status


@bp.get("/<id:project_id>/convention")
def convention(project_id):
    """The convention the parties sign, made to be printed, in the viewer's language; its deliberation and signed
    copy. Who may see the project, from its agreement on."""
    return _render(_project(project_id))


@bp.post("/<id:project_id>/convention/deliberation")
@login_required
def convention_deliberation(project_id):
    """Records the council's deliberation (number and date). The commune's officials."""
    project = _project(project_id, may=rules.is_commune_official_of)
    values = {name: request.form.get(name, "") for name in ("deliberation_number", "deliberation_date")}
    try:
        rules.record_deliberation(current_user, project, values["deliberation_number"], values["deliberation_date"])
    except Refused as error:
        db.session.rollback()
        return _render(_project(project_id), error.status, state={"errors": error.fields or {}, **values})
    flash(_("The deliberation is recorded."), "info")
    return redirect(url_for("projects.convention", project_id=project_id), code=303)


@bp.post("/<id:project_id>/convention/signed")
@login_required
def convention_signed(project_id):
    """Uploads the convention signed by the parties. The commune's officials and the association's officers."""
    project = _project(project_id, may=rules.may_upload_signed)
    sent = request.files.get("file")
    try:
        rules.upload_signed(
            current_user, project, sent.stream if sent and sent.filename else None, sent.filename if sent else None
        )
    except Refused as error:
        db.session.rollback()
        return _render(_project(project_id), error.status, state={"errors": error.fields or {"file": [error.text()]}})
    flash(_("The signed convention is on the portal."), "info")
    return redirect(url_for("projects.convention", project_id=project_id), code=303)


@bp.get("/<id:project_id>/convention/signed")
def convention_signed_file(project_id):
    """The signed convention, as a download. Who may see the project."""
    found_convention = rules.convention_of(_project(project_id))
    return send_document(found_convention.signed_file if found_convention else None)
