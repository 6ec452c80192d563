"""Disputes' pages: the list, the form to open one, a dispute's page, and the small forms that move it on (the
workflow's actions, the thread, the mediators' notes, the files). Thin: find the dispute (portal/domain's
loader: 404 for anyone who may not see it), parse what the person sent, call the operation, render."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.blueprints.disputes import bp
from portal.blueprints.disputes.presenters import party_answers
from portal.blueprints.files import send_document
from portal.blueprints.guards import login_required
from portal.blueprints.pages import found
from portal.database import utcnow
from portal.domain import disputes as rules
from portal.domain import projects as project_rules
from portal.errors import Refused
from portal.extensions import db
from portal.i18n import file_size
from portal.ids import parse_id
from portal.labels import DISPUTE_EVENT_LABELS, DISPUTE_STATUS_LABELS, label
from portal.models import Dispute, Project
from portal.paging import page_number

PER_PAGE = 20


def _dispute(dispute_id: int) -> Dispute:
    """The dispute with what its page shows, if the viewer may see it (404 for anyone else)."""
    return found(rules.load_dispute, dispute_id, for_page=True)


def _reloaded(dispute_id: int) -> Dispute:
    """After a refusal: drop what the failed operation changed, and read the dispute again."""
    db.session.rollback()
    return _dispute(dispute_id)


# The list -----------------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def index():
    """The disputes the viewer may see (their parties', or every one for mediators and admins), newest first,
    20 a page, by status and overdue. Signed-in users."""
    page = page_number(request.args.get("page"))
    status = request.args.get("status", "")
    status = status if status in DISPUTE_STATUS_LABELS else ""
    overdue = request.args.get("overdue") == "1"
    rows = (
        db.session.scalars(
            rules.with_list_details(rules.filter_disputes(current_user, {"status": status, "overdue": overdue}))
            .limit(PER_PAGE + 1)
            .offset((page - 1) * PER_PAGE)
        )
        .unique()
        .all()
    )
    return render_template(
        "disputes/index.html",
        disputes=rows[:PER_PAGE],
        has_next=len(rows) > PER_PAGE,
        page=page,
        status=status,
        overdue=overdue,
        statuses=DISPUTE_STATUS_LABELS,
        now=utcnow(),
    )


# Opening a dispute --------------------------------------------------------------------------------------

OPEN_FIELDS = ("organisation_id", "respondent_organisation_id", "commitment_id", "subject", "description")


def _prefill(project: Project, claimants: list) -> dict:
    """The form as it opens: the party raised for when there is one, and the commitment (with its promiser as
    the other party) when the link came from a commitment."""
    values = dict.fromkeys(OPEN_FIELDS, "")
    if len(claimants) == 1:
        values["organisation_id"] = str(claimants[0].id)
    commitment_id = parse_id(request.args.get("commitment_id"))
    commitment = next((c for c in rules.contestable_commitments(project) if c.id == commitment_id), None)
    if commitment is not None:
        values["commitment_id"] = str(commitment.id)
        if str(commitment.organisation_id) != values["organisation_id"]:
            values["respondent_organisation_id"] = str(commitment.organisation_id)
    return values


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """The form to open a dispute about a project (`?project_id=`, optionally `&commitment_id=`). The acting
    members of the project's parties."""
    project = found(project_rules.load_project, parse_id(request.values.get("project_id")), rules.can_open)
    claimants = rules.opening_parties(current_user, project)
    errors: dict = {}
    status = 200
    if request.method == "GET":
        values = _prefill(project, claimants)
    else:
        values = {name: request.form.get(name, "") for name in OPEN_FIELDS}
        data = {
            **values,
            "organisation_id": parse_id(values["organisation_id"]),
            "respondent_organisation_id": parse_id(values["respondent_organisation_id"]),
            # A commitment the form cannot name (words, out of range) is refused by the rule, on its field.
            "commitment_id": (parse_id(values["commitment_id"]) or -1) if values["commitment_id"].strip() else None,
        }
        sent = request.files.get("file")
        try:
            dispute = rules.open_dispute(current_user, project, data)
            if sent and sent.filename:
                rules.add_document(current_user, dispute, sent.stream, sent.filename)
        except Refused as error:
            db.session.rollback()
            if error.status in (403, 404):
                raise
            errors = error.fields or {"file": [error.text()]}
            status = error.status
            project = found(project_rules.load_project, project.id)
            claimants = rules.opening_parties(current_user, project)
        else:
            flash(_("The dispute is opened; the other party and the mediators are told."), "info")
            return redirect(url_for("disputes.show", dispute_id=dispute.id), code=303)
    return render_template(
        "disputes/form.html",
        project=project,
        claimants=claimants,
        respondents=rules.respondent_choices(project),
        commitments=rules.contestable_commitments(project),
        values=values,
        errors=errors,
    ), status


# A dispute's page ---------------------------------------------------------------------------------------


def _render_dispute(
    dispute: Dispute,
    status: int = 200,
    *,
    action: dict | None = None,
    message: dict | None = None,
    note: dict | None = None,
    upload: dict | None = None,
    notice: str | None = None,
):
    user = current_user
    available = rules.available_actions(user, dispute)
    messages = rules.thread(user, dispute)
    timeline = rules.timeline(user, dispute)
    can_assign = "assign" in available
    return render_template(
        "disputes/show.html",
        dispute=dispute,
        now=utcnow(),
        actions=[(name, rules.TRANSITIONS[name]) for name in available if name != "assign"],
        comment_labels=rules.COMMENT_LABELS,
        can_assign=can_assign,
        mediators=rules.mediator_choices() if can_assign else [],
        can_take=can_assign and rules.mediates(user, dispute) and dispute.mediator_id != user.id,
        claimants_of_viewer=rules.parties_of(user, dispute),
        answers=party_answers(dispute) if dispute.settlement else [],
        messages=[m for m in messages if not m.private],
        notes=[m for m in messages if m.private],
        sees_notes=rules.sees_notes(user, dispute),
        can_write=rules.can_write(user, dispute),
        can_write_note=rules.can_write_note(user, dispute),
        documents=[(document, file_size(document.size)) for document in dispute.documents],
        sessions=rules.sessions_of(dispute),
        can_hold_session=rules.may_hold_session(user, dispute),
        timeline=timeline,
        event_labels=DISPUTE_EVENT_LABELS,
        status_labels=DISPUTE_STATUS_LABELS,
        appeal_deadline=rules.appeal_deadline(dispute),
        action_state=action or {},
        message_state=message or {},
        note_state=note or {},
        upload_state=upload or {},
        notice=notice,
    ), status


@bp.get("/<id:dispute_id>")
def show(dispute_id):
    """A dispute: its parties, project, deadlines, mediator, settlement and answers, the thread, the notes (for
    mediators and admins), files, mediation sessions, history and the viewer's actions. Its two parties'
    acting members, mediators and admins."""
    return _render_dispute(_dispute(dispute_id))


def _changed_meanwhile(dispute: Dispute, error: Refused):
    if error.code == "stale_version":
        text = _(
            "This action is no longer possible: the dispute changed meanwhile and is now “%(status)s”. "
            "The page below shows what you can do now.",
            status=label(DISPUTE_STATUS_LABELS, dispute.status),
        )
    else:
        text = error.text()
    return _render_dispute(dispute, 409, notice=text)


@bp.post("/<id:dispute_id>/actions/<action>")
@login_required
def act(dispute_id, action):
    """Takes one step of the workflow (assign, acknowledge, start the mediation, resolve, dismiss, close, accept,
    object, appeal). Per the workflow's table."""
    if action not in rules.TRANSITIONS:
        abort(404)
    dispute = _dispute(dispute_id)
    values = {"comment": request.form.get("comment", ""), "mediator_id": request.form.get("mediator_id", "")}
    try:
        rules.transition(
            current_user,
            dispute,
            action,
            values["comment"],
            mediator_id=parse_id(values["mediator_id"]),
            version=parse_id(request.form.get("version")),
        )
    except Refused as error:
        if error.status in (403, 404):
            raise
        dispute = _reloaded(dispute_id)
        if error.status == 409:
            return _changed_meanwhile(dispute, error)
        errors = error.fields or {"comment": [error.text()]}
        return _render_dispute(dispute, error.status, action={"name": action, "errors": errors, **values})
    flash(_done(action, dispute), "info")
    return redirect(url_for("disputes.show", dispute_id=dispute.id), code=303)


def _done(action: str, dispute: Dispute) -> str:
    """What was recorded: an answer to the settlement leaves the status as it is, so it says the answer."""
    if action == "accept":
        return _("You accepted the settlement; the mediator will close the dispute.")
    if action == "object":
        return _("Your objection to the settlement is recorded; the mediator and the other party will read it.")
    return _("Done: the dispute is now “%(status)s”.", status=label(DISPUTE_STATUS_LABELS, dispute.status))


def _post(dispute_id: int, private: bool):
    dispute = _dispute(dispute_id)
    body = request.form.get("body", "")
    try:
        rules.post_message(current_user, dispute, body, private=private)
    except Refused as error:
        if error.status in (403, 404):
            raise
        dispute = _reloaded(dispute_id)
        if error.status == 409:
            return _changed_meanwhile(dispute, error)
        state = {"errors": error.fields or {"body": [error.text()]}, "body": body}
        return _render_dispute(dispute, error.status, **{"note" if private else "message": state})
    if private:
        flash(_("Your note is kept; the parties do not see it."), "info")
        return redirect(url_for("disputes.show", dispute_id=dispute.id, _anchor="notes"), code=303)
    flash(_("Your message is added to the thread."), "info")
    return redirect(url_for("disputes.show", dispute_id=dispute.id, _anchor="thread"), code=303)


@bp.post("/<id:dispute_id>/messages")
@login_required
def message(dispute_id):
    """Adds a message to the thread. The parties' acting members and the mediators, until it is over."""
    return _post(dispute_id, private=False)


@bp.post("/<id:dispute_id>/notes")
@login_required
def note(dispute_id):
    """Adds a mediator's private note (the parties never see it). Mediators who are not a party."""
    return _post(dispute_id, private=True)


@bp.post("/<id:dispute_id>/documents")
@login_required
def upload(dispute_id):
    """Adds a file (a receipt, a letter, a photo). The parties' acting members and the mediators."""
    dispute = _dispute(dispute_id)
    sent = request.files.get("file")
    try:
        rules.add_document(
            current_user, dispute, sent.stream if sent and sent.filename else None, sent.filename if sent else None
        )
    except Refused as error:
        if error.status in (403, 404):
            raise
        dispute = _reloaded(dispute_id)
        if error.status == 409:
            return _changed_meanwhile(dispute, error)
        return _render_dispute(dispute, error.status, upload={"errors": error.fields or {"file": [error.text()]}})
    flash(_("The file is added."), "info")
    return redirect(url_for("disputes.show", dispute_id=dispute.id, _anchor="documents"), code=303)


@bp.get("/<id:dispute_id>/documents/<id:document_id>")
def download(dispute_id, document_id):
    """A dispute's file, as a download. Who may see the dispute."""
    dispute = _dispute(dispute_id)
    return send_document(next((d for d in dispute.documents if d.id == document_id), None))
