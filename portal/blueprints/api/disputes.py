"""Disputes: open, list, read, move through their workflow; the thread, the mediators' notes, files, history.
Confidential: the two parties' acting members, mediators and admins see a dispute; anyone else gets 404."""

from flask import request, url_for
from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from portal.blueprints.api import api_blueprint
from portal.blueprints.api.auth import require_api_user
from portal.blueprints.api.common import Id, PageArgs, UtcDateTime, documented_body, list_schema, load_body, page_of
from portal.blueprints.files import send_document
from portal.database import utcnow
from portal.domain import disputes as rules
from portal.domain import projects as project_rules
from portal.errors import Refused, flatten_messages
from portal.models import Dispute, DisputeDocument, DisputeMessage, DisputeStatus

blp = api_blueprint("disputes", "Disputes (litiges) mediated by the ministry: confidential to their parties.")


# Schemas ------------------------------------------------------------------------------------------------


class DisputeProject(Schema):
    """What is read first: the project, whose visibility (404) and whose parties (403) come before the rest."""

    class Meta:
        unknown = EXCLUDE

    project_id = Id(required=True)


class DisputeCreate(Schema):
    class Meta:
        unknown = RAISE

    project_id = Id(required=True)
    commitment_id = Id(allow_none=True, metadata={"description": "the commitment it is about, of the project"})
    organisation_id = Id(
        allow_none=True, metadata={"description": "the raising party; needed only when the user acts for several"}
    )
    respondent_organisation_id = Id(required=True, metadata={"description": "another party to the project"})
    subject = fields.String(required=True, validate=validate.Length(min=1, max=rules.SUBJECT_MAX))
    description = fields.String(required=True, validate=validate.Length(min=1, max=rules.TEXT_MAX))


class DisputeTransitionIn(Schema):
    class Meta:
        unknown = RAISE

    action = fields.String(required=True, validate=validate.Length(max=40))
    comment = fields.String(allow_none=True, validate=validate.Length(max=rules.TEXT_MAX))
    mediator_id = Id(allow_none=True, metadata={"description": "with assign: the mediator's user id"})
    version = fields.Integer(strict=True, allow_none=True, metadata={"description": "the version read (optional)"})


class DisputeMessageIn(Schema):
    class Meta:
        unknown = RAISE

    body = fields.String(required=True, validate=validate.Length(max=rules.TEXT_MAX))
    private = fields.Boolean(
        load_default=False, metadata={"description": "a mediator's note, seen by mediators and admins only"}
    )


class DisputePartyOut(Schema):
    id = fields.Integer()
    name = fields.String()


class DisputePersonOut(Schema):
    id = fields.Integer()
    name = fields.String()


class DisputeDocumentOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    url = fields.String()
    created_at = UtcDateTime()


class DisputeOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    commitment_id = fields.Integer(allow_none=True)
    claimant = fields.Nested(DisputePartyOut, metadata={"description": "the party that raised it"})
    respondent = fields.Nested(DisputePartyOut)
    subject = fields.String()
    description = fields.String()
    status = fields.String(validate=validate.OneOf(list(DisputeStatus)))
    mediator = fields.Nested(DisputePersonOut, allow_none=True)
    acknowledge_due_at = UtcDateTime()
    resolution_due_at = UtcDateTime()
    acknowledgement_overdue = fields.Boolean()
    resolution_overdue = fields.Boolean()
    acknowledged_at = UtcDateTime(allow_none=True)
    resolved_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)
    appeal_until = UtcDateTime(allow_none=True, metadata={"description": "closed: the last moment to appeal"})
    appealed_at = UtcDateTime(allow_none=True)
    settlement = fields.String(allow_none=True)
    dismissal_reason = fields.String(allow_none=True)
    documents = fields.List(fields.Nested(DisputeDocumentOut))
    session_meeting_ids = fields.List(fields.Integer(), metadata={"description": "its mediation sessions"})
    actions = fields.List(fields.String(), metadata={"description": "what the caller may do now"})
    version = fields.Integer()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class DisputeListArgs(PageArgs):
    class Meta:
        unknown = EXCLUDE

    project_id = Id(strict=False)
    organisation_id = Id(strict=False)
    status = fields.String(validate=validate.OneOf(list(DisputeStatus)))
    overdue = fields.Boolean()


class DisputeMessageOut(Schema):
    id = fields.Integer()
    author = fields.Nested(DisputePersonOut, allow_none=True)
    organisation = fields.Nested(DisputePartyOut, allow_none=True, metadata={"description": "the party written for"})
    private = fields.Boolean()
    body = fields.String()
    created_at = UtcDateTime()


class DisputeHistoryItem(Schema):
    at = UtcDateTime()
    actor = fields.Nested(DisputePersonOut, allow_none=True)
    action = fields.String()
    from_status = fields.String(allow_none=True)
    to_status = fields.String(allow_none=True)
    organisation_ids = fields.List(fields.Integer(), metadata={"description": "accept, object, appeal: for whom"})
    comment = fields.String(allow_none=True)


BODY_SCHEMAS = {
    "DisputeCreate": DisputeCreate,
    "DisputeTransition": DisputeTransitionIn,
    "DisputeMessage": DisputeMessageIn,
}


# Serialisation ------------------------------------------------------------------------------------------


def dump_document(document: DisputeDocument) -> dict:
    return {
        "id": document.id,
        "filename": document.filename,
        "content_type": document.content_type,
        "size": document.size,
        "url": url_for("api_disputes.download_document", dispute_id=document.dispute_id, document_id=document.id),
        "created_at": document.created_at,
    }


def _person(user) -> dict | None:
    return {"id": user.id, "name": user.name} if user is not None else None


def dumper(user, *, with_sessions: bool = True):
    now = utcnow()

    def dump(dispute: Dispute) -> dict:
        return {
            "id": dispute.id,
            "project_id": dispute.project_id,
            "commitment_id": dispute.commitment_id,
            "claimant": {"id": dispute.claimant.id, "name": dispute.claimant.name},
            "respondent": {"id": dispute.respondent.id, "name": dispute.respondent.name},
            "subject": dispute.subject,
            "description": dispute.description,
            "status": dispute.status,
            "mediator": _person(dispute.mediator),
            "acknowledge_due_at": dispute.acknowledge_due_at,
            "resolution_due_at": dispute.resolution_due_at,
            "acknowledgement_overdue": dispute.acknowledgement_overdue(now),
            "resolution_overdue": dispute.resolution_overdue(now),
            "acknowledged_at": dispute.acknowledged_at,
            "resolved_at": dispute.resolved_at,
            "closed_at": dispute.closed_at,
            "appeal_until": rules.appeal_deadline(dispute) if dispute.status == DisputeStatus.CLOSED else None,
            "appealed_at": dispute.appealed_at,
            "settlement": dispute.settlement,
            "dismissal_reason": dispute.dismissal_reason,
            "documents": [dump_document(d) for d in dispute.documents],
            "session_meeting_ids": [m.id for m in rules.sessions_of(dispute)] if with_sessions else [],
            "actions": rules.available_actions(user, dispute),
            "version": dispute.version,
            "created_at": dispute.created_at,
            "updated_at": dispute.updated_at,
        }

    return dump


def dump_message(message: DisputeMessage) -> dict:
    return {
        "id": message.id,
        "author": _person(message.author),
        "organisation": {"id": message.organisation.id, "name": message.organisation.name}
        if message.organisation is not None
        else None,
        "private": message.private,
        "body": message.body,
        "created_at": message.created_at,
    }


# Endpoints ----------------------------------------------------------------------------------------------


@blp.route("/disputes", methods=["POST"])
@documented_body(blp, "DisputeCreate")
@blp.response(201, DisputeOut)
def open_dispute():
    """Opens a dispute of a party to the project against another party; deadlines to acknowledge (10 days) and
    to resolve (60 days) run from now. A member of a party to the project (not an observer)."""
    user = require_api_user()
    try:
        project_id = DisputeProject().load(request.get_json())["project_id"]
    except ValidationError as error:
        raise Refused("validation_failed", fields=flatten_messages(error.messages)) from None
    project = project_rules.load_project(user, project_id)
    rules.check_can_open(user, project)
    data = load_body(DisputeCreate())
    return dumper(user)(rules.open_dispute(user, project, data))


@blp.route("/disputes")
@blp.arguments(DisputeListArgs, location="query")
@blp.response(200, list_schema(DisputeOut, "DisputeList"))
def list_disputes(args):
    """The disputes the caller may see, newest first: a party's own, or all for mediators and admins."""
    user = require_api_user()
    query = rules.with_list_details(rules.filter_disputes(user, args))
    return page_of(query, args["page"], args["per_page"], dumper(user, with_sessions=False))


@blp.route("/disputes/<id:dispute_id>")
@blp.response(200, DisputeOut)
def get_dispute(dispute_id):
    """One dispute. Its parties' acting members, mediators and admins; 404 for anyone else."""
    user = require_api_user()
    return dumper(user)(rules.load_dispute(user, dispute_id, for_page=True))


@blp.route("/disputes/<id:dispute_id>/transitions", methods=["POST"])
@documented_body(blp, "DisputeTransition")
@blp.response(200, DisputeOut)
def transition_dispute(dispute_id):
    """Moves the dispute through its workflow (product.md). Any mediator who is not a party: acknowledge,
    start_mediation (assigns the acting mediator if none is), resolve (the settlement as comment), dismiss
    (reason), close; a mediator or an admin: assign (`mediator_id`); a party: accept, object (comment), appeal
    (comment; once, within 30 days of closure) — for a commune, its mayor or a deputy (its secrétaire général:
    403). Each party accepts or objects once per settlement: a second answer is 409 `invalid_transition`."""
    user = require_api_user()
    dispute = rules.load_dispute(user, dispute_id, for_page=True)
    data = load_body(DisputeTransitionIn())
    rules.transition(
        user,
        dispute,
        data["action"],
        data.get("comment"),
        mediator_id=data.get("mediator_id"),
        version=data.get("version"),
    )
    return dumper(user)(dispute)


@blp.route("/disputes/<id:dispute_id>/messages")
@blp.response(200, list_schema(DisputeMessageOut, "DisputeMessageList"))
@blp.arguments(PageArgs, location="query")
def list_messages(args, dispute_id):
    """The thread, oldest first, with the mediators' notes for mediators and admins."""
    user = require_api_user()
    query = rules.thread_query(user, rules.load_dispute(user, dispute_id))
    return page_of(query, args["page"], args["per_page"], dump_message)


@blp.route("/disputes/<id:dispute_id>/messages", methods=["POST"])
@documented_body(blp, "DisputeMessage")
@blp.response(201, DisputeMessageOut)
def post_message(dispute_id):
    """A message to the parties and the mediator (the parties' acting members, mediators), or with
    `private: true` a mediator's note; until the dispute is closed or dismissed."""
    user = require_api_user()
    dispute = rules.load_dispute(user, dispute_id)
    rules.check_may_write(user, dispute)
    data = load_body(DisputeMessageIn())
    return dump_message(rules.post_message(user, dispute, data["body"], private=data["private"]))


@blp.route("/disputes/<id:dispute_id>/documents", methods=["POST"])
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
)
@blp.response(201, DisputeDocumentOut)
def upload_document(dispute_id):
    """Adds a file (PDF, image, office document; 20 MB at most) to the dispute. Its parties' acting members and
    the mediators, until it is closed or dismissed."""
    user = require_api_user()
    dispute = rules.load_dispute(user, dispute_id)
    upload = request.files.get("file")
    document = rules.add_document(
        user, dispute, upload.stream if upload and upload.filename else None, upload.filename if upload else None
    )
    return dump_document(document)


@blp.route("/disputes/<id:dispute_id>/documents/<id:document_id>")
def download_document(dispute_id, document_id):
    """A dispute's file, as an attachment. Who may see the dispute, with the bearer token."""
    dispute = rules.load_dispute(require_api_user(), dispute_id)
    return send_document(next((d for d in dispute.documents if d.id == document_id), None))


@blp.route("/disputes/<id:dispute_id>/history")
@blp.response(200, DisputeHistoryItem(many=True))
def history(dispute_id):
    """Every recorded event of the dispute, oldest first, from the audit log (the notes for mediators and
    admins only)."""
    user = require_api_user()
    return rules.timeline(user, rules.load_dispute(user, dispute_id))
