"""Projects: create, read, edit, move through the workflow, documents and history."""

from flask import request, url_for
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate
from sqlalchemy.orm import selectinload, undefer

from portal import money
from portal.blueprints.api import api_blueprint
from portal.blueprints.api.auth import api_user, require_api_user
from portal.blueprints.api.common import Id, PageArgs, UtcDateTime, documented_body, list_schema, load_body, page_of
from portal.blueprints.api.messages import in_range
from portal.blueprints.files import send_document
from portal.domain import commitments
from portal.domain import documents as docs
from portal.domain import projects as rules
from portal.models import DOCUMENT_KINDS, PARTY_KINDS, SECTORS, FundingLine, Project, ProjectDocument, ProjectStatus
from portal.visibility import visible_projects

blp = api_blueprint("projects", "Co-funded projects and their workflow.")


# Schemas ------------------------------------------------------------------------------------------------


class BudgetLineIn(Schema):
    class Meta:
        unknown = RAISE

    label = fields.String(required=True, validate=validate.Length(max=rules.SHORT_MAX))
    amount = fields.Raw(
        required=True, metadata={"description": 'decimal string (numbers accepted; "5 000,00" read as 5000.00)'}
    )
    currency = fields.String(required=True, validate=validate.Length(equal=3))


class FundingLineIn(Schema):
    class Meta:
        unknown = RAISE

    party_kind = fields.String(required=True, validate=validate.OneOf(PARTY_KINDS))
    organisation_id = Id(allow_none=True)
    amount = fields.Raw(required=True)
    currency = fields.String(required=True, validate=validate.Length(equal=3))


class ProjectFields(Schema):
    class Meta:
        unknown = RAISE

    title = fields.String(validate=validate.Length(min=1, max=rules.TITLE_MAX))
    summary = fields.String(validate=validate.Length(max=rules.LONG_MAX))
    sector = fields.String(validate=validate.OneOf(SECTORS))
    commune_id = Id()
    village = fields.String(allow_none=True, validate=validate.Length(max=rules.SHORT_MAX))
    pdsec_period = fields.String(allow_none=True, validate=validate.Length(max=20))
    pdsec_line = fields.String(allow_none=True, validate=validate.Length(max=rules.SHORT_MAX))
    sdg_tags = fields.List(fields.Integer(strict=True, validate=in_range(1, 17)), validate=validate.Length(max=17))
    budget_lines = fields.List(fields.Nested(BudgetLineIn), validate=validate.Length(max=100))
    funding_lines = fields.List(fields.Nested(FundingLineIn), validate=validate.Length(max=100))


class ProjectCreate(ProjectFields):
    title = fields.String(required=True, validate=validate.Length(min=1, max=rules.TITLE_MAX))
    sector = fields.String(required=True, validate=validate.OneOf(SECTORS))
    commune_id = Id(required=True)
    association_id = Id(required=True)
    budget_lines = fields.List(fields.Nested(BudgetLineIn), load_default=list, validate=validate.Length(max=100))
    funding_lines = fields.List(fields.Nested(FundingLineIn), load_default=list, validate=validate.Length(max=100))


class ProjectPatch(ProjectFields):
    version = fields.Integer(required=True, strict=True)


class TransitionIn(Schema):
    class Meta:
        unknown = RAISE

    action = fields.String(required=True, validate=validate.Length(max=40))
    comment = fields.String(allow_none=True, validate=validate.Length(max=rules.LONG_MAX))
    owner_organisation_id = Id(allow_none=True)
    maintenance_plan = fields.String(allow_none=True, validate=validate.Length(max=rules.LONG_MAX))
    pledge_due_date = fields.Date(
        allow_none=True, metadata={"description": "agree: when the plan's pledges fall due (default: +90 days)"}
    )
    reporting_period = fields.Integer(
        strict=True,
        allow_none=True,
        validate=in_range(1, 12),
        metadata={"description": "agree: months between two progress reports (default: 3, quarterly)"},
    )


class MoneyLineOut(Schema):
    amount = fields.String()
    currency = fields.String()
    amount_xof = fields.Integer()


class BudgetLineOut(MoneyLineOut):
    label = fields.String()


class FundingLineOut(MoneyLineOut):
    id = fields.Integer()
    party_kind = fields.String()
    organisation_id = fields.Integer(
        allow_none=True, metadata={"description": "null in public while a third-party funder has not confirmed"}
    )
    awaiting_confirmation = fields.Boolean(metadata={"description": "the funder has not confirmed its line yet"})


class ProjectOut(Schema):
    id = fields.Integer()
    title = fields.String()
    summary = fields.String()
    sector = fields.String()
    status = fields.String()
    version = fields.Integer()
    commune_id = fields.Integer()
    association_id = fields.Integer()
    village = fields.String(allow_none=True)
    pdsec_period = fields.String(allow_none=True)
    pdsec_line = fields.String(allow_none=True)
    sdg_tags = fields.List(fields.Integer())
    budget_lines = fields.List(fields.Nested(BudgetLineOut))
    funding_lines = fields.List(fields.Nested(FundingLineOut))
    budget_total_xof = fields.Integer()
    funding_total_xof = fields.Integer()
    received_total_xof = fields.Integer()
    owner_organisation_id = fields.Integer(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class ProjectListArgs(PageArgs):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(validate=validate.OneOf([s.value for s in ProjectStatus]))
    commune_id = Id(strict=False)
    association_id = Id(strict=False)
    sector = fields.String(validate=validate.OneOf(SECTORS))
    region = fields.String(validate=validate.Length(max=20))
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={
            "description": "Part of the title, ignoring case and accents (ecole finds École; PDSEC finds PDESC)."
        },
    )


class DocumentOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    kind = fields.String()
    url = fields.String()


class ActorOut(Schema):
    id = fields.Integer(allow_none=True)
    name = fields.String(allow_none=True)


class HistoryEventOut(Schema):
    at = UtcDateTime()
    actor = fields.Nested(ActorOut, allow_none=True)
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    comment = fields.String(allow_none=True)


class HistoryOut(Schema):
    items = fields.List(fields.Nested(HistoryEventOut))


# Bodies the views read themselves (see documented_body); register_api puts them in the OpenAPI document.
BODY_SCHEMAS = {"ProjectCreate": ProjectCreate, "ProjectPatch": ProjectPatch, "ProjectTransition": TransitionIn}


# Serialisation ------------------------------------------------------------------------------------------


def dump_project(project: Project) -> dict:
    user = api_user()
    return {
        "id": project.id,
        "title": project.title,
        "summary": project.summary or "",
        "sector": project.sector,
        "status": project.status,
        "version": project.version,
        "commune_id": project.commune_id,
        "association_id": project.association_id,
        "village": project.village,
        "pdsec_period": project.pdsec_period,
        "pdsec_line": project.pdsec_line,
        "sdg_tags": list(project.sdg_tags or []),
        "budget_lines": [
            {
                "label": line.label,
                "amount": money.format_amount(line.amount, line.currency),
                "currency": line.currency,
                "amount_xof": line.amount_xof,
            }
            for line in project.budget_lines
        ],
        "funding_lines": [
            {
                "id": line.id,
                "party_kind": line.party_kind,
                "organisation_id": line.organisation_id if commitments.names_funder(user, project, line) else None,
                "awaiting_confirmation": commitments.awaits_funder(project, line),
                "amount": money.format_amount(line.amount, line.currency),
                "currency": line.currency,
                "amount_xof": line.amount_xof,
            }
            for line in project.funding_lines
        ],
        "budget_total_xof": project.budget_total_xof,
        "funding_total_xof": project.funding_total_xof,
        "received_total_xof": project.received_total_xof,
        "owner_organisation_id": project.owner_organisation_id,
        "created_at": project.created_at,
        "updated_at": project.updated_at,
    }


def _input(data: dict) -> rules.ProjectInput:
    return rules.ProjectInput(given=set(data), **{k: v for k, v in data.items() if k != "version"})


def _project(project_id: int, may=None) -> Project:
    return rules.load_project(api_user(), project_id, may)


# Endpoints ----------------------------------------------------------------------------------------------


@blp.route("/projects", methods=["POST"])
@documented_body(blp, "ProjectCreate")
@blp.response(201, ProjectOut)
def create_project():
    """Creates a project in draft for one of the caller's associations. Association officers."""
    user = require_api_user()
    data = load_body(ProjectCreate())
    return dump_project(rules.create_project(user, _input(data)))


@blp.route("/projects")
@blp.arguments(ProjectListArgs, location="query")
@blp.response(200, list_schema(ProjectOut, "ProjectList"))
def list_projects(args):
    """The projects the caller may see, newest first, with filters. Anyone (public projects when anonymous)."""
    query = rules.filter_projects(visible_projects(api_user()), args).options(
        selectinload(Project.budget_lines),
        selectinload(Project.funding_lines).joinedload(FundingLine.organisation),
        undefer(Project.received_total_xof),
    )
    return page_of(query.order_by(Project.id.desc()), args["page"], args["per_page"], dump_project)


@blp.route("/projects/<id:project_id>")
@blp.response(200, ProjectOut)
def get_project(project_id):
    """One project. Whoever may see it (404 for anyone else)."""
    return dump_project(_project(project_id))


@blp.route("/projects/<id:project_id>", methods=["PATCH"])
@documented_body(blp, "ProjectPatch")
@blp.response(200, ProjectOut)
def update_project(project_id):
    """Edits a draft, a submitted project until its review starts (the commune is told), or a project sent back for
    changes; lists given replace the lists. Association officers."""
    user = require_api_user()
    project = _project(project_id)
    rules.check_editable(user, project)
    data = load_body(ProjectPatch())
    return dump_project(rules.update_project(user, project, _input(data), data["version"]))


@blp.route("/projects/<id:project_id>/transitions", methods=["POST"])
@documented_body(blp, "ProjectTransition")
@blp.response(200, ProjectOut)
def transition_project(project_id):
    """Moves the project through its workflow (product.md); the answer is the project in its new state.
    Per the workflow's table: agree, decline, request_changes and hand_over bind the commune and are its mayor's
    or a deputy's (its secrétaire général: 403)."""
    user = require_api_user()
    project = _project(project_id)
    data = load_body(TransitionIn())
    rules.transition(
        user,
        project,
        data["action"],
        data.get("comment"),
        owner_organisation_id=data.get("owner_organisation_id"),
        maintenance_plan=data.get("maintenance_plan"),
        pledge_due_date=data.get("pledge_due_date"),
        reporting_period=data.get("reporting_period"),
    )
    return dump_project(project)


def dump_document(document: ProjectDocument) -> dict:
    return {
        "id": document.id,
        "filename": document.filename,
        "content_type": document.content_type,
        "size": document.size,
        "kind": document.kind,
        "url": url_for("api_projects.download_document", project_id=document.project_id, document_id=document.id),
    }


@blp.route("/projects/<id:project_id>/documents", methods=["POST"])
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "kind"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "kind": {"type": "string", "enum": list(DOCUMENT_KINDS)},
                    },
                }
            }
        },
    }
)
@blp.response(201, DocumentOut)
def upload_document(project_id):
    """Adds a document (PDF, image, office document; 20 MB at most). The association's officers and the
    commune's officials."""
    user = require_api_user()
    project = _project(project_id)
    upload = request.files.get("file")
    document = docs.add_document(
        user, project, upload.stream if upload else None, upload.filename if upload else None, request.form.get("kind")
    )
    return dump_document(document)


@blp.route("/projects/<id:project_id>/documents")
@blp.response(200, list_schema(DocumentOut, "DocumentList"))
def list_documents(project_id):
    """The project's documents. Whoever may see the project."""
    project = _project(project_id)
    items = [dump_document(d) for d in project.documents]
    return {"items": items, "page": 1, "per_page": max(len(items), 1), "total": len(items)}


@blp.route("/projects/<id:project_id>/documents/<id:document_id>")
def download_document(project_id, document_id):
    """The file itself, as an attachment. Whoever may see the project, with the bearer token."""
    project = _project(project_id)
    return send_document(next((d for d in project.documents if d.id == document_id), None))


@blp.route("/projects/<id:project_id>/history")
@blp.response(200, HistoryOut)
def history(project_id):
    """Every recorded event of the project, oldest first. Whoever may see the project."""
    project = _project(project_id)
    items = rules.project_history(project, api_user())
    return {"items": items, "page": 1, "per_page": max(len(items), 1), "total": len(items)}
