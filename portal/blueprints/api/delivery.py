"""After agreement: contributions paid on the funding lines (report, confirm, contest, proofs), the facility
handed over and its yearly checks, and the commune's register of facilities."""

from flask import request, url_for
from marshmallow import RAISE, Schema, fields, validate

from portal import money
from portal.blueprints.api import api_blueprint
from portal.blueprints.api.auth import api_user, require_api_user
from portal.blueprints.api.common import Id, PageArgs, UtcDateTime, documented_body, list_schema, load_body, page_of
from portal.blueprints.files import send_document
from portal.domain import acceptance, amendments, convention, facilities, progress
from portal.domain import contributions as rules
from portal.domain import projects as project_rules
from portal.domain.territories import get_commune
from portal.errors import Refused
from portal.models import CONDITIONS_OR_UNKNOWN, FACILITY_CONDITIONS, Contribution, Facility, FacilityCheck

blp = api_blueprint("delivery", "After agreement: contributions paid, facilities handed over and their condition.")


# Schemas ------------------------------------------------------------------------------------------------


class ContributionCreate(Schema):
    class Meta:
        unknown = RAISE

    funding_line_id = Id(required=True, metadata={"description": "the line of the co-funding plan it pays"})
    paid_on = fields.Date(required=True, metadata={"description": "the day it was paid; not in the future"})
    amount = fields.Raw(
        required=True, metadata={"description": 'decimal string (numbers accepted; "5 000,00" read as 5000.00)'}
    )
    currency = fields.String(required=True, validate=validate.Length(equal=3))
    reference = fields.String(allow_none=True, validate=validate.Length(max=rules.REFERENCE_MAX))


class ContributionTransitionIn(Schema):
    class Meta:
        unknown = RAISE

    action = fields.String(required=True, validate=validate.Length(max=40))
    comment = fields.String(allow_none=True, validate=validate.Length(max=rules.COMMENT_MAX))
    version = fields.Integer(strict=True, allow_none=True, metadata={"description": "the version read (optional)"})


class FileOut(Schema):
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    url = fields.String()


class ContributionOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    funding_line_id = fields.Integer()
    payer = fields.String(metadata={"description": "the paying party's name"})
    paid_on = fields.Date()
    amount = fields.String()
    currency = fields.String()
    amount_xof = fields.Integer()
    reference = fields.String(allow_none=True)
    status = fields.String(metadata={"description": "reported, confirmed or contested"})
    proof = fields.Nested(FileOut, allow_none=True)
    version = fields.Integer()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class OwnerOut(Schema):
    id = fields.Integer()
    name = fields.String()


class FacilityEntryOut(Schema):
    project_id = fields.Integer()
    title = fields.String()
    sector = fields.String()
    village = fields.String(allow_none=True)
    year = fields.Integer(metadata={"description": "the year of hand-over"})
    cost_xof = fields.Integer(metadata={"description": "the budget total, in XOF"})
    owner = fields.Nested(OwnerOut, allow_none=True)
    condition = fields.String(validate=validate.OneOf(CONDITIONS_OR_UNKNOWN))
    condition_checked_at = UtcDateTime(allow_none=True)


class FacilityCheckOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    condition = fields.String(validate=validate.OneOf(FACILITY_CONDITIONS))
    remark = fields.String()
    photo = fields.Nested(FileOut, allow_none=True)
    checked_at = UtcDateTime()


class FacilityOut(FacilityEntryOut):
    maintenance_plan = fields.String(allow_none=True)
    handed_over_at = UtcDateTime()
    checks = fields.List(fields.Nested(FacilityCheckOut))


BODY_SCHEMAS = {"ContributionCreate": ContributionCreate, "ContributionTransition": ContributionTransitionIn}
UPLOAD = {"type": "string", "format": "binary"}


# Serialisation ------------------------------------------------------------------------------------------


def _file(stored, url) -> dict | None:
    """A stored file as answers describe it, or None when there is none; `url()` names its download."""
    if stored is None:
        return None
    return {"filename": stored.filename, "content_type": stored.content_type, "size": stored.size, "url": url()}


def dump_contribution(contribution: Contribution) -> dict:
    proof = contribution.proof
    return {
        "id": contribution.id,
        "project_id": contribution.project_id,
        "funding_line_id": contribution.funding_line_id,
        "payer": rules.payer_name(contribution.project, contribution.funding_line),
        "paid_on": contribution.paid_on,
        "amount": money.format_amount(contribution.amount, contribution.currency),
        "currency": contribution.currency,
        "amount_xof": contribution.amount_xof,
        "reference": contribution.reference,
        "status": contribution.status,
        "proof": _file(proof, lambda: url_for("api_delivery.download_proof", contribution_id=contribution.id)),
        "version": contribution.version,
        "created_at": contribution.created_at,
        "updated_at": contribution.updated_at,
    }


def dump_entry(facility: Facility) -> dict:
    project = facility.project
    owner = project.owner_organisation
    return {
        "project_id": project.id,
        "title": project.title,
        "sector": project.sector,
        "village": project.village,
        "year": facilities.year_of(facility),
        "cost_xof": project.budget_total_xof,
        "owner": {"id": owner.id, "name": owner.name} if owner else None,
        "condition": facility.condition,
        "condition_checked_at": facility.condition_checked_at,
    }


def dump_check(check: FacilityCheck) -> dict:
    photo = check.photo
    return {
        "id": check.id,
        "project_id": check.project_id,
        "condition": check.condition,
        "remark": check.remark or "",
        "photo": _file(
            photo, lambda: url_for("api_delivery.download_photo", project_id=check.project_id, check_id=check.id)
        ),
        "checked_at": check.checked_at,
    }


# Contributions ------------------------------------------------------------------------------------------


@blp.route("/projects/<id:project_id>/contributions")
@blp.arguments(PageArgs, location="query")
@blp.response(200, list_schema(ContributionOut, "ContributionList"))
def list_contributions(args, project_id):
    """The project's contributions paid, newest first. Whoever may see the project."""
    project = project_rules.load_project(api_user(), project_id)
    return page_of(rules.project_contributions(project), args["page"], args["per_page"], dump_contribution)


@blp.route("/projects/<id:project_id>/contributions", methods=["POST"])
@documented_body(blp, "ContributionCreate")
@blp.response(201, ContributionOut)
def report_contribution(project_id):
    """Reports a tranche paid on a line of the co-funding plan, from agreement on. The paying party's members
    (not observers); the commune's officials for a line naming nobody (the State, the population)."""
    user = require_api_user()
    project = project_rules.load_project(user, project_id)
    rules.check_can_report(user, project)
    data = load_body(ContributionCreate())
    return dump_contribution(rules.report_contribution(user, project, data))


@blp.route("/contributions/<id:contribution_id>")
@blp.response(200, ContributionOut)
def get_contribution(contribution_id):
    """One contribution. Whoever may see its project (404 for anyone else)."""
    return dump_contribution(rules.load_contribution(api_user(), contribution_id))


@blp.route("/contributions/<id:contribution_id>/transitions", methods=["POST"])
@documented_body(blp, "ContributionTransition")
@blp.response(200, ContributionOut)
def transition_contribution(contribution_id):
    """confirm (the receiving side; a mediator for a contested one), contest (the receiving side, comment
    required), report_again (the paying side, once contested); the answer is the contribution in its new state."""
    user = require_api_user()
    contribution = rules.load_contribution(user, contribution_id)
    data = load_body(ContributionTransitionIn())
    rules.transition(user, contribution, data["action"], data.get("comment"), version=data.get("version"))
    return dump_contribution(contribution)


@blp.route("/contributions/<id:contribution_id>/proof", methods=["POST"])
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {"file": UPLOAD}}}
        },
    }
)
@blp.response(200, ContributionOut)
def upload_proof(contribution_id):
    """Adds (or replaces) the proof of a contribution not yet confirmed (PDF, image, office document; 20 MB at
    most). The paying side."""
    user = require_api_user()
    contribution = rules.load_contribution(user, contribution_id)
    upload = request.files.get("file")
    rules.add_proof(
        user, contribution, upload.stream if upload and upload.filename else None, upload.filename if upload else None
    )
    return dump_contribution(contribution)


@blp.route("/contributions/<id:contribution_id>/proof")
def download_proof(contribution_id):
    """The proof, as an attachment. Whoever may see the project, with the bearer token."""
    return send_document(rules.load_contribution(api_user(), contribution_id).proof)


# Facilities ---------------------------------------------------------------------------------------------


def _facility_project(user, project_id):
    project = project_rules.load_project(user, project_id)
    if facilities.facility_of(project) is None:
        raise Refused("not_found")
    return project


@blp.route("/communes/<id:commune_id>/facilities")
@blp.arguments(PageArgs, location="query")
@blp.response(200, list_schema(FacilityEntryOut, "FacilityList"))
def commune_facilities(args, commune_id):
    """The commune's register of handed-over facilities, newest hand-over first: cost (the budget total, XOF),
    owner and current condition (working, partly, not_working, unknown). Anyone."""
    if get_commune(commune_id) is None:
        raise Refused("not_found")
    return page_of(facilities.commune_register(commune_id), args["page"], args["per_page"], dump_entry)


@blp.route("/projects/<id:project_id>/facility")
@blp.response(200, FacilityOut)
def get_facility(project_id):
    """A handed-over project's facility with its maintenance plan and checks, newest first. Whoever may see the
    project (404 before hand-over)."""
    project = _facility_project(api_user(), project_id)
    facility = facilities.facility_of(project)
    return {
        **dump_entry(facility),
        "maintenance_plan": project.maintenance_plan,
        "handed_over_at": facility.handed_over_at,
        "checks": [dump_check(check) for check in facilities.facility_checks(project)],
    }


@blp.route("/projects/<id:project_id>/facility/checks", methods=["POST"])
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["condition"],
                    "properties": {
                        "condition": {"type": "string", "enum": list(FACILITY_CONDITIONS)},
                        "remark": {"type": "string", "maxLength": facilities.REMARK_MAX},
                        "file": UPLOAD,
                    },
                }
            }
        },
    }
)
@blp.response(201, FacilityCheckOut)
def record_check(project_id):
    """Records the yearly check of a facility handed over: condition, remark, an optional photo (an image).
    The owner organisation's members (not observers)."""
    user = require_api_user()
    project = _facility_project(user, project_id)
    if not facilities.can_check(user, project):
        raise Refused("forbidden")
    upload = request.files.get("file")
    check = facilities.record_check(
        user,
        project,
        request.form.get("condition"),
        request.form.get("remark"),
        upload.stream if upload and upload.filename else None,
        upload.filename if upload else None,
    )
    return dump_check(check)


@blp.route("/projects/<id:project_id>/facility/checks/<id:check_id>/photo")
def download_photo(project_id, check_id):
    """A check's photo, as an attachment. Whoever may see the project, with the bearer token."""
    project = _facility_project(api_user(), project_id)
    check = facilities.find_check(project, check_id)
    return send_document(check.photo if check else None)


# Progress reports ---------------------------------------------------------------------------------------


class SpendingIn(Schema):
    class Meta:
        unknown = RAISE

    budget_line_id = Id(required=True)
    spent_xof = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=10**12 - 1))


class ProgressReportCreate(Schema):
    class Meta:
        unknown = RAISE

    percent_complete = fields.Integer(strict=True, required=True, validate=validate.Range(min=0, max=100))
    spending = fields.List(fields.Nested(SpendingIn), load_default=list, validate=validate.Length(max=100))
    remarks = fields.String(allow_none=True, validate=validate.Length(max=progress.REMARKS_MAX))


class ProgressCommentIn(Schema):
    class Meta:
        unknown = RAISE

    comment = fields.String(required=True, validate=validate.Length(max=progress.REMARKS_MAX))


class SpendingOut(Schema):
    budget_line_id = fields.Integer()
    label = fields.String()
    spent_xof = fields.Integer()


class ProgressReportOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    percent_complete = fields.Integer()
    spending = fields.List(fields.Nested(SpendingOut))
    spent_xof = fields.Integer()
    remarks = fields.String()
    photo = fields.Nested(FileOut, allow_none=True)
    reported_at = UtcDateTime()
    association_comment = fields.String(allow_none=True)
    commented_at = UtcDateTime(allow_none=True)


BODY_SCHEMAS.update({"ProgressReportCreate": ProgressReportCreate, "ProgressComment": ProgressCommentIn})


def dump_report(report) -> dict:
    photo = report.photo
    return {
        "id": report.id,
        "project_id": report.project_id,
        "percent_complete": report.percent_complete,
        "spending": list(report.spending or []),
        "spent_xof": report.spent_xof,
        "remarks": report.remarks or "",
        "photo": _file(
            photo,
            lambda: url_for("api_delivery.download_report_photo", project_id=report.project_id, report_id=report.id),
        ),
        "reported_at": report.reported_at,
        "association_comment": report.association_comment,
        "commented_at": report.commented_at,
    }


@blp.route("/projects/<id:project_id>/progress_reports")
@blp.arguments(PageArgs, location="query")
@blp.response(200, list_schema(ProgressReportOut, "ProgressReportList"))
def list_reports(args, project_id):
    """The commune's progress reports on the works, newest first. Whoever may see the project."""
    project = project_rules.load_project(api_user(), project_id)
    return page_of(progress.project_reports(project), args["page"], args["per_page"], dump_report)


@blp.route("/projects/<id:project_id>/progress_reports", methods=["POST"])
@documented_body(blp, "ProgressReportCreate")
@blp.response(201, ProgressReportOut)
def post_report(project_id):
    """Reports on the works (percent complete, spending per budget line in whole XOF, remarks) while the project
    is agreed or in progress. The commune's officials."""
    user = require_api_user()
    project = project_rules.load_project(user, project_id)
    if not progress.is_reporter(user, project):
        raise Refused("forbidden")
    data = load_body(ProgressReportCreate())
    spent = {row["budget_line_id"]: row["spent_xof"] for row in data["spending"]}
    return dump_report(progress.post_report(user, project, data["percent_complete"], spent, data.get("remarks")))


@blp.route("/projects/<id:project_id>/progress_reports/<id:report_id>/comment", methods=["POST"])
@documented_body(blp, "ProgressComment")
@blp.response(200, ProgressReportOut)
def comment_report(project_id, report_id):
    """Comments a progress report (a new comment replaces the previous one). The association's officers."""
    user = require_api_user()
    project = project_rules.load_project(user, project_id)
    report = progress.find_report(project, report_id)
    if report is None:
        raise Refused("not_found")
    if not progress.can_comment(user, report, project):
        raise Refused("forbidden")
    data = load_body(ProgressCommentIn())
    return dump_report(progress.comment_report(user, project, report, data["comment"]))


@blp.route("/projects/<id:project_id>/progress_reports/<id:report_id>/photo")
def download_report_photo(project_id, report_id):
    """A progress report's photo, as an attachment. Whoever may see the project, with the bearer token."""
    report = progress.find_report(project_rules.load_project(api_user(), project_id), report_id)
    return send_document(report.photo if report else None)


# Amendments ---------------------------------------------------------------------------------------------


class LineAmountIn(Schema):
    class Meta:
        unknown = RAISE

    line_id = Id(required=True)
    amount = fields.Raw(required=True, metadata={"description": "the line's new amount, in its currency"})


class AmendmentCreate(Schema):
    class Meta:
        unknown = RAISE

    budget_lines = fields.List(fields.Nested(LineAmountIn), load_default=list, validate=validate.Length(max=100))
    funding_lines = fields.List(fields.Nested(LineAmountIn), load_default=list, validate=validate.Length(max=100))
    reason = fields.String(required=True, validate=validate.Length(max=amendments.REASON_MAX))
    version = fields.Integer(strict=True, required=True, metadata={"description": "the project's version read"})


class AmendmentTransitionIn(Schema):
    class Meta:
        unknown = RAISE

    action = fields.String(required=True, validate=validate.Length(max=40))
    comment = fields.String(allow_none=True, validate=validate.Length(max=amendments.REASON_MAX))


class AmendmentOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    status = fields.String(metadata={"description": "proposed, accepted or rejected"})
    proposed_by_organisation_id = fields.Integer()
    reason = fields.String()
    before = fields.Dict(metadata={"description": '{"budget": {line id: amount}, "funding": {...}}'})
    after = fields.Dict()
    decision_comment = fields.String(allow_none=True)
    created_at = UtcDateTime()
    decided_at = UtcDateTime(allow_none=True)


BODY_SCHEMAS.update({"AmendmentCreate": AmendmentCreate, "AmendmentTransition": AmendmentTransitionIn})


def dump_amendment(amendment) -> dict:
    return {
        "id": amendment.id,
        "project_id": amendment.project_id,
        "status": amendment.status,
        "proposed_by_organisation_id": amendment.proposed_by_organisation_id,
        "reason": amendment.reason,
        "before": amendment.before,
        "after": amendment.after,
        "decision_comment": amendment.decision_comment,
        "created_at": amendment.created_at,
        "decided_at": amendment.decided_at,
    }


@blp.route("/projects/<id:project_id>/amendments")
@blp.response(200, list_schema(AmendmentOut, "AmendmentList"))
def list_amendments(project_id):
    """The project's amendments, newest first, each with its before and after. Whoever may see the project."""
    items = [
        dump_amendment(a) for a in amendments.project_amendments(project_rules.load_project(api_user(), project_id))
    ]
    return {"items": items, "page": 1, "per_page": max(len(items), 1), "total": len(items)}


@blp.route("/projects/<id:project_id>/amendments", methods=["POST"])
@documented_body(blp, "AmendmentCreate")
@blp.response(201, AmendmentOut)
def propose_amendment(project_id):
    """Proposes new amounts for lines of the budget or the funding plan, over the project's `version`; in force
    once the other side accepts it. The association's officers and the commune's mayor or a deputy (its
    secrétaire général: 403)."""
    user = require_api_user()
    project = project_rules.load_project(user, project_id)
    if not amendments.is_proposer(user, project):
        raise Refused("forbidden")
    data = load_body(AmendmentCreate())
    budget = {row["line_id"]: row["amount"] for row in data["budget_lines"]}
    funding = {row["line_id"]: row["amount"] for row in data["funding_lines"]}
    return dump_amendment(amendments.propose(user, project, budget, funding, data["reason"], data["version"]))


@blp.route("/amendments/<id:amendment_id>/transitions", methods=["POST"])
@documented_body(blp, "AmendmentTransition")
@blp.response(200, AmendmentOut)
def decide_amendment(amendment_id):
    """accept (the new amounts take effect) or reject (comment required) a proposed amendment. The other side."""
    user = require_api_user()
    amendment = amendments.load_amendment(user, amendment_id)
    data = load_body(AmendmentTransitionIn())
    return dump_amendment(amendments.decide(user, amendment, data["action"], data.get("comment")))


# Acceptance of the works --------------------------------------------------------------------------------


class AcceptanceOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    kind = fields.String(metadata={"description": "provisional or final"})
    accepted_on = fields.Date()
    participants = fields.String()
    record = fields.Nested(FileOut, allow_none=True)
    created_at = UtcDateTime()


def dump_acceptance(row) -> dict:
    signed = row.record
    return {
        "id": row.id,
        "project_id": row.project_id,
        "kind": row.kind,
        "accepted_on": row.accepted_on,
        "participants": row.participants,
        "record": _file(
            signed,
            lambda: url_for("api_delivery.download_acceptance_record", project_id=row.project_id, acceptance_id=row.id),
        ),
        "created_at": row.created_at,
    }


@blp.route("/projects/<id:project_id>/acceptances")
@blp.response(200, list_schema(AcceptanceOut, "AcceptanceList"))
def list_acceptances(project_id):
    """The acceptance of the works, provisional then final. Whoever may see the project."""
    rows = acceptance.project_acceptances(project_rules.load_project(api_user(), project_id))
    items = [dump_acceptance(row) for row in rows]
    return {"items": items, "page": 1, "per_page": max(len(items), 1), "total": len(items)}


@blp.route("/projects/<id:project_id>/acceptances", methods=["POST"])
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["kind", "accepted_on", "participants", "file"],
                    "properties": {
                        "kind": {"type": "string", "enum": ["provisional", "final"]},
                        "accepted_on": {"type": "string", "format": "date"},
                        "participants": {"type": "string"},
                        "file": UPLOAD,
                    },
                }
            }
        },
    }
)
@blp.response(201, AcceptanceOut)
def record_acceptance(project_id):
    """Records the provisional, then the final acceptance of the works with its signed record, once the works have
    started. The commune's officials."""
    user = require_api_user()
    project = project_rules.load_project(user, project_id)
    if not acceptance.is_recorder(user, project):
        raise Refused("forbidden")
    upload = request.files.get("file")
    return dump_acceptance(
        acceptance.record_acceptance(
            user,
            project,
            request.form.get("kind"),
            request.form.get("accepted_on"),
            request.form.get("participants"),
            upload.stream if upload and upload.filename else None,
            upload.filename if upload else None,
        )
    )


@blp.route("/projects/<id:project_id>/acceptances/<id:acceptance_id>/record")
def download_acceptance_record(project_id, acceptance_id):
    """An acceptance's signed record, as an attachment. Whoever may see the project, with the bearer token."""
    row = acceptance.find_acceptance(project_rules.load_project(api_user(), project_id), acceptance_id)
    return send_document(row.record if row else None)


# The convention -----------------------------------------------------------------------------------------


class DeliberationIn(Schema):
    class Meta:
        unknown = RAISE

    deliberation_number = fields.String(required=True, validate=validate.Length(max=convention.NUMBER_MAX))
    deliberation_date = fields.Date(required=True)


class ConventionPartyOut(Schema):
    organisation = fields.Nested(OwnerOut)
    representatives = fields.List(fields.String())


class ConventionOut(Schema):
    project_id = fields.Integer()
    signed = fields.Boolean()
    signed_at = UtcDateTime(allow_none=True)
    signed_copy = fields.Nested(FileOut, allow_none=True)
    deliberation_number = fields.String(allow_none=True)
    deliberation_date = fields.Date(allow_none=True)
    reporting_period_months = fields.Integer(allow_none=True)
    parties = fields.List(fields.Nested(ConventionPartyOut))
    url = fields.String(metadata={"description": "the printable convention (a page)"})


BODY_SCHEMAS.update({"Deliberation": DeliberationIn})


def _convention_project(user, project_id):
    project = project_rules.load_project(user, project_id)
    if not convention.has_convention(project):
        raise Refused("not_found")
    return project


def dump_convention(project) -> dict:
    row = convention.convention_of(project)
    signed = row.signed_file if row else None
    return {
        "project_id": project.id,
        "signed": signed is not None,
        "signed_at": row.signed_at if row else None,
        "signed_copy": _file(signed, lambda: url_for("api_delivery.download_signed_convention", project_id=project.id)),
        "deliberation_number": row.deliberation_number if row else None,
        "deliberation_date": row.deliberation_date if row else None,
        "reporting_period_months": convention.reporting_months(project),
        "parties": [
            {
                "organisation": {"id": party.organisation.id, "name": party.organisation.name},
                "representatives": party.representatives,
            }
            for party in convention.parties(project, api_user())  # a funder awaiting confirmation, as they may read it
        ],
        "url": url_for("projects.convention", project_id=project.id),
    }


@blp.route("/projects/<id:project_id>/convention")
@blp.response(200, ConventionOut)
def get_convention(project_id):
    """The project's convention: its parties, the council's deliberation, whether it is signed. Whoever may see
    the project, from its agreement on (404 before)."""
    return dump_convention(_convention_project(api_user(), project_id))


@blp.route("/projects/<id:project_id>/convention/deliberation", methods=["POST"])
@documented_body(blp, "Deliberation")
@blp.response(200, ConventionOut)
def record_deliberation(project_id):
    """Records the council's deliberation approving the convention (number and date). The commune's officials."""
    user = require_api_user()
    project = _convention_project(user, project_id)
    if not convention.is_commune_official_of(user, project):
        raise Refused("forbidden")
    data = load_body(DeliberationIn())
    convention.record_deliberation(user, project, data["deliberation_number"], data["deliberation_date"])
    return dump_convention(project)


@blp.route("/projects/<id:project_id>/convention/signed", methods=["POST"])
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {"file": UPLOAD}}}
        },
    }
)
@blp.response(200, ConventionOut)
def upload_signed_convention(project_id):
    """Uploads the convention signed by the parties (a new upload replaces it). The commune's officials and the
    association's officers."""
    user = require_api_user()
    project = _convention_project(user, project_id)
    upload = request.files.get("file")
    convention.upload_signed(
        user, project, upload.stream if upload and upload.filename else None, upload.filename if upload else None
    )
    return dump_convention(project)


@blp.route("/projects/<id:project_id>/convention/signed")
def download_signed_convention(project_id):
    """The signed convention, as an attachment. Whoever may see the project, with the bearer token."""
    row = convention.convention_of(_convention_project(api_user(), project_id))
    return send_document(row.signed_file if row else None)
