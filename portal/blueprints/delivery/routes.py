"""A project's contributions page and its facility page. Thin: find the project (the domain's loader: 404 or
403), parse what the person sent, call the operation, render."""

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import money
from portal.blueprints.delivery import bp
from portal.blueprints.files import send_document
from portal.blueprints.forms import typed_amount
from portal.blueprints.guards import login_required
from portal.blueprints.pages import found
from portal.database import utcnow
from portal.domain import acceptance, amendments, facilities, progress
from portal.domain import contributions as rules
from portal.domain import disputes as dispute_rules
from portal.domain import projects as project_rules
from portal.errors import Refused
from portal.extensions import db
from portal.i18n import file_size
from portal.ids import parse_id
from portal.labels import AMENDMENT_STATUS_LABELS, CONDITION_LABELS, CONTRIBUTION_STATUS_LABELS, label
from portal.models import FACILITY_CONDITIONS, Project
from portal.paging import page_number, query_parameters

PER_PAGE = 20
REPORT_FIELDS = ("funding_line_id", "paid_on", "amount", "currency", "reference")


def _project(project_id: int, may=None) -> Project:
    return found(project_rules.load_project, project_id, may, for_page=True)


def _reloaded(project_id: int) -> Project:
    db.session.rollback()
    return _project(project_id)


# Contributions ------------------------------------------------------------------------------------------


def _render_contributions(project: Project, status: int = 200, *, report=None, action=None, notice=None):
    pagination = db.paginate(
        rules.project_contributions(project),
        page=page_number(request.args.get("page")),
        per_page=PER_PAGE,
        error_out=False,
        count=True,
    )
    summary = rules.funding_summary(current_user, project)
    lines = rules.reportable_lines(current_user, project)
    rows = [
        {
            "contribution": c,
            "payer": rules.payer_name(project, c.funding_line),
            "proof_size": file_size(c.proof.size) if c.proof else None,
            "actions": [(name, rules.TRANSITIONS[name]) for name in rules.available_actions(current_user, c)],
            "can_add_proof": rules.can_add_proof(current_user, c),
        }
        for c in pagination.items
    ]
    return render_template(
        "delivery/contributions.html",
        project=project,
        summary=summary,
        pledged_total=sum(row.pledged_xof for row in summary),
        received_total=sum(row.received_xof for row in summary),
        awaiting_total=sum(row.awaiting_xof for row in summary),
        rows=rows,
        pagination=pagination,
        lines=lines,
        currencies=money.accepted_currencies(utcnow().date()) if lines else [],
        payer_names={line.id: rules.payer_name(project, line) for line in lines},
        report_state=report or {},
        action_state=action or {},
        notice=notice,
        can_open_dispute=dispute_rules.can_open(current_user, project),
    ), status


@bp.get("/<id:project_id>/contributions")
@query_parameters("page")
def contributions(project_id):
    """What each party pledged and actually paid on the project, its tranches and their proofs. Who may see it."""
    return _render_contributions(_project(project_id))


@bp.post("/<id:project_id>/contributions")
@login_required
def report(project_id):
    """Reports a tranche paid on a line of the plan, with its proof. The paying party (not observers)."""
    project = _project(project_id, may=rules.may_report)
    values = {name: request.form.get(name, "") for name in REPORT_FIELDS}
    sent = request.files.get("file")
    data = {**values, "funding_line_id": parse_id(values["funding_line_id"]), "amount": typed_amount(values["amount"])}
    try:
        rules.report_contribution(
            current_user,
            project,
            data,
            sent.stream if sent and sent.filename else None,
            sent.filename if sent else None,
        )
    except Refused as error:
        project = _reloaded(project_id)
        if error.status == 409:
            return _render_contributions(project, 409, notice=error.text())
        errors = error.fields or {"amount": [error.text()]}
        return _render_contributions(project, error.status, report={"errors": errors, **values})
    flash(_("The contribution is reported: the receiving side confirms it."), "info")
    return redirect(url_for("delivery.contributions", project_id=project.id), code=303)


def _contribution(project_id: int, contribution_id: int):
    contribution = found(rules.load_contribution, contribution_id)
    if contribution.project_id != project_id:
        abort(404)
    return contribution


@bp.post("/<id:project_id>/contributions/<id:contribution_id>/actions/<action>")
@login_required
def act(project_id, contribution_id, action):
    """Confirms or contests a tranche (the receiving side; a mediator confirms a contested one), or reports a
    contested one again with a new proof (the paying side)."""
    if action not in rules.TRANSITIONS:
        abort(404)
    contribution = _contribution(project_id, contribution_id)
    comment = request.form.get("comment", "")
    sent = request.files.get("file")
    try:
        # The step first, checked against the version the page showed: adding the proof changes the row.
        rules.transition(current_user, contribution, action, comment, version=parse_id(request.form.get("version")))
        if action == "report_again" and sent and sent.filename:
            rules.add_proof(current_user, contribution, sent.stream, sent.filename)
    except Refused as error:
        project = _reloaded(project_id)
        if error.code in ("invalid_transition", "stale_version"):
            notice = _("This action is no longer possible: the contribution changed meanwhile. The page shows it now.")
            return _render_contributions(project, 409, notice=notice)
        errors = error.fields or {"comment": [error.text()]}
        state = {"id": contribution_id, "action": action, "errors": errors, "comment": comment}
        return _render_contributions(project, error.status, action=state)
    flash(
        _("Done: the contribution is now “%(status)s”.", status=label(CONTRIBUTION_STATUS_LABELS, contribution.status)),
        "info",
    )
    return redirect(url_for("delivery.contributions", project_id=project_id), code=303)


@bp.get("/<id:project_id>/contributions/<id:contribution_id>/proof")
def proof(project_id, contribution_id):
    """A contribution's proof of payment, as a download. Who may see the project."""
    return send_document(_contribution(project_id, contribution_id).proof)


# The facility -------------------------------------------------------------------------------------------


def _facility_project(project_id: int) -> Project:
    """The project, once handed over: before that there is no facility to show (404)."""
    project = _project(project_id)
    if facilities.facility_of(project) is None:
        abort(404)
    return project


def _render_facility(project: Project, status: int = 200, *, check=None):
    checks = facilities.facility_checks(project)
    return render_template(
        "delivery/facility.html",
        project=project,
        facility=facilities.facility_of(project),
        checks=[(c, file_size(c.photo.size) if c.photo else None) for c in checks],
        can_check=facilities.can_check(current_user, project),
        conditions=[(code, CONDITION_LABELS[code]) for code in FACILITY_CONDITIONS],
        check_state=check or {},
    ), status


@bp.get("/<id:project_id>/facility")
def facility(project_id):
    """A facility handed over: its owner, maintenance plan, and the yearly checks of whether it works. Who may
    see the project (everyone: a handed-over project is public)."""
    return _render_facility(_facility_project(project_id))


@bp.post("/<id:project_id>/facility/checks")
@login_required
def check(project_id):
    """Records the yearly check: working, partly or not working, a remark and a photo. The owner's members."""
    project = _facility_project(project_id)
    if not facilities.can_check(current_user, project):
        abort(403)
    values = {"condition": request.form.get("condition", ""), "remark": request.form.get("remark", "")}
    sent = request.files.get("file")
    try:
        facilities.record_check(
            current_user,
            project,
            values["condition"],
            values["remark"],
            sent.stream if sent and sent.filename else None,
            sent.filename if sent else None,
        )
    except Refused as error:
        project = _reloaded(project_id)
        errors = error.fields or {"condition": [error.text()]}
        return _render_facility(project, error.status, check={"errors": errors, **values})
    flash(_("The check is recorded: the commune's register shows it."), "info")
    return redirect(url_for("delivery.facility", project_id=project_id), code=303)


@bp.get("/<id:project_id>/facility/checks/<id:check_id>/photo")
def photo(project_id, check_id):
    """A check's photo, as a download. Who may see the project."""
    project = _facility_project(project_id)
    found_check = facilities.find_check(project, check_id)
    return send_document(found_check.photo if found_check else None)


# Progress reports ---------------------------------------------------------------------------------------


def _render_progress(project: Project, status: int = 200, *, report=None, comment=None):
    pagination = db.paginate(
        progress.project_reports(project),
        page=page_number(request.args.get("page")),
        per_page=PER_PAGE,
        error_out=False,
        count=True,
    )
    can_report = progress.can_report(current_user, project)
    return render_template(
        "delivery/progress.html",
        project=project,
        reporting=progress.reporting_of(project),
        reports=[(r, file_size(r.photo.size) if r.photo else None) for r in pagination.items],
        pagination=pagination,
        can_report=can_report,
        can_comment=progress.can_comment(current_user, None, project),
        report_state=report or {},
        comment_state=comment or {},
    ), status


@bp.get("/<id:project_id>/progress")
@query_parameters("page")
def progress_reports(project_id):
    """The commune's progress reports on the works, with the association's comments. Who may see the project."""
    return _render_progress(_project(project_id))


@bp.post("/<id:project_id>/progress")
@login_required
def post_progress(project_id):
    """Reports on the works: percent complete, spending per budget line, remarks, a photo. The commune's officials."""
    project = _project(project_id, may=progress.is_reporter)
    values = {"percent_complete": request.form.get("percent_complete", ""), "remarks": request.form.get("remarks", "")}
    spent = {line.id: request.form.get(f"spent_{line.id}", "") for line in project.budget_lines}
    sent = request.files.get("file")
    try:
        progress.post_report(
            current_user,
            project,
            values["percent_complete"],
            spent,
            values["remarks"],
            sent.stream if sent and sent.filename else None,
            sent.filename if sent else None,
        )
    except Refused as error:
        project = _reloaded(project_id)
        errors = error.fields or {"percent_complete": [error.text()]}
        return _render_progress(project, error.status, report={"errors": errors, "spent": spent, **values})
    flash(_("The progress report is posted: the association is told."), "info")
    return redirect(url_for("delivery.progress_reports", project_id=project_id), code=303)


@bp.post("/<id:project_id>/progress/<id:report_id>/comment")
@login_required
def comment_progress(project_id, report_id):
    """Comments a progress report. The association's officers."""
    project = _project(project_id)
    report = progress.find_report(project, report_id)
    if report is None:
        abort(404)
    comment = request.form.get("comment", "")
    try:
        progress.comment_report(current_user, project, report, comment)
    except Refused as error:
        project = _reloaded(project_id)
        errors = error.fields or {"comment": [error.text()]}
        if error.status == 403:
            abort(403)
        return _render_progress(project, error.status, comment={"id": report_id, "errors": errors, "comment": comment})
    flash(_("Your comment is added to the report."), "info")
    return redirect(url_for("delivery.progress_reports", project_id=project_id), code=303)


@bp.get("/<id:project_id>/progress/<id:report_id>/photo")
def progress_photo(project_id, report_id):
    """A progress report's photo, as a download. Who may see the project."""
    report = progress.find_report(_project(project_id), report_id)
    return send_document(report.photo if report else None)


# Amendments ---------------------------------------------------------------------------------------------


def _render_amendments(project: Project, status: int = 200, *, proposal=None, decision=None, notice=None):
    lines = {str(line.id): line for line in [*project.budget_lines, *project.funding_lines]}
    rows = [
        {
            "amendment": a,
            "changes": [
                (kind, lines.get(line_id), Decimal(a.before.get(kind, {}).get(line_id, "0")), Decimal(amount))
                for kind in ("budget", "funding")
                for line_id, amount in a.after.get(kind, {}).items()
                if line_id in lines
            ],
            "actions": [(name, amendments.TRANSITIONS[name]) for name in amendments.available_actions(current_user, a)],
        }
        for a in amendments.project_amendments(project)
    ]
    return render_template(
        "delivery/amendments.html",
        project=project,
        rows=rows,
        can_propose=amendments.can_propose(current_user, project),
        proposal_state=proposal or {},
        decision_state=decision or {},
        notice=notice,
    ), status


@bp.get("/<id:project_id>/amendments")
def amendments_page(project_id):
    """The project's amendments, each with its before and after, and the form to propose one. Who may see it."""
    return _render_amendments(_project(project_id))


@bp.post("/<id:project_id>/amendments")
@login_required
def propose_amendment(project_id):
    """Proposes new amounts for lines of the budget or the funding plan. The association's officers and the
    commune's mayor or a deputy."""
    project = _project(project_id, may=amendments.is_proposer)
    budget = {line.id: request.form.get(f"budget_{line.id}", "").strip() for line in project.budget_lines}
    funding = {line.id: request.form.get(f"funding_{line.id}", "").strip() for line in project.funding_lines}
    read = {
        "budget": {line_id: typed_amount(raw) for line_id, raw in budget.items()},
        "funding": {line_id: typed_amount(raw) for line_id, raw in funding.items()},
    }
    reason = request.form.get("reason", "")
    try:
        amendments.propose(
            current_user, project, read["budget"], read["funding"], reason, parse_id(request.form.get("version"))
        )
    except Refused as error:
        project = _reloaded(project_id)
        if error.status == 409:
            return _render_amendments(project, 409, notice=error.text())
        state = {
            "errors": error.fields or {"reason": [error.text()]},
            "budget": budget,
            "funding": funding,
            "reason": reason,
        }
        return _render_amendments(project, error.status, proposal=state)
    flash(_("The amendment is proposed: it takes effect once the other side accepts it."), "info")
    return redirect(url_for("delivery.amendments_page", project_id=project_id), code=303)


@bp.post("/<id:project_id>/amendments/<id:amendment_id>/actions/<action>")
@login_required
def decide_amendment(project_id, amendment_id, action):
    """Accepts or rejects (with a reason) a proposed amendment. The other side: the commune's mayor or a deputy
    for the association's proposal, the association's officers for the commune's."""
    if action not in amendments.TRANSITIONS:
        abort(404)
    amendment = found(amendments.load_amendment, amendment_id)
    if amendment.project_id != project_id:
        abort(404)
    comment = request.form.get("comment", "")
    try:
        amendments.decide(current_user, amendment, action, comment)
    except Refused as error:
        project = _reloaded(project_id)
        if error.status == 403:
            abort(403)
        if error.status == 409:
            return _render_amendments(project, 409, notice=error.text())
        state = {"id": amendment_id, "action": action, "errors": error.fields or {"comment": [error.text()]}}
        return _render_amendments(project, error.status, decision={**state, "comment": comment})
    flash(_("Done: the amendment is %(status)s.", status=label(AMENDMENT_STATUS_LABELS, amendment.status)), "info")
    return redirect(url_for("delivery.amendments_page", project_id=project_id), code=303)


# Acceptance of the works --------------------------------------------------------------------------------


def _render_acceptance(project: Project, status: int = 200, *, state=None):
    rows = [(a, file_size(a.record.size) if a.record else None) for a in acceptance.project_acceptances(project)]
    can_record = acceptance.can_record(current_user, project)
    return render_template(
        "delivery/acceptance.html",
        project=project,
        rows=rows,
        can_record=can_record,
        next_kind=acceptance.next_kind(project) if can_record else None,
        state=state or {},
    ), status


@bp.get("/<id:project_id>/acceptance")
def acceptance_page(project_id):
    """The acceptance of the works, provisional then final, with their signed records. Who may see the project."""
    return _render_acceptance(_project(project_id))


@bp.post("/<id:project_id>/acceptance")
@login_required
def record_acceptance(project_id):
    """Records the provisional, then the final acceptance with its signed record. The commune's officials."""
    project = _project(project_id, may=acceptance.is_recorder)
    values = {name: request.form.get(name, "") for name in ("kind", "accepted_on", "participants")}
    sent = request.files.get("file")
    try:
        acceptance.record_acceptance(
            current_user,
            project,
            values["kind"],
            values["accepted_on"],
            values["participants"],
            sent.stream if sent and sent.filename else None,
            sent.filename if sent else None,
        )
    except Refused as error:
        project = _reloaded(project_id)
        errors = error.fields or {"kind": [error.text()]}
        return _render_acceptance(project, error.status, state={"errors": errors, **values})
    flash(_("The acceptance is recorded on the project's history."), "info")
    return redirect(url_for("delivery.acceptance_page", project_id=project_id), code=303)


@bp.get("/<id:project_id>/acceptance/<id:acceptance_id>/record")
def acceptance_record(project_id, acceptance_id):
    """An acceptance's signed record, as a download. Who may see the project."""
    found_acceptance = acceptance.find_acceptance(_project(project_id), acceptance_id)
    return send_document(found_acceptance.record if found_acceptance else None)


@bp.get("/<id:project_id>/facility/checks/<id:check_id>/thumbnail")
def photo_thumbnail(project_id, check_id):
    """A check's photo as a small thumbnail, for the facility's page. Who may see the project."""
    project = _facility_project(project_id)
    found_check = facilities.find_check(project, check_id)
    return send_document(found_check.photo.thumbnail if found_check and found_check.photo else None)


@bp.get("/<id:project_id>/progress/<id:report_id>/thumbnail")
def progress_thumbnail(project_id, report_id):
    """A progress report's photo as a small thumbnail, for the progress page. Who may see the project."""
    report = progress.find_report(_project(project_id), report_id)
    return send_document(report.photo.thumbnail if report and report.photo else None)
