"""Commitments: record, list, read, move through their workflow, evidence; funders confirming their lines."""

from flask import request, url_for
from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

from portal import money
from portal.blueprints.api import api_blueprint
from portal.blueprints.api.auth import api_user, require_api_user
from portal.blueprints.api.common import Id, PageArgs, UtcDateTime, documented_body, list_schema, load_body, page_of
from portal.blueprints.files import send_document
from portal.domain import commitments as rules
from portal.domain import projects as project_rules
from portal.models import COMMITMENT_KINDS, Commitment, CommitmentEvidence, FundingLine, commune_today

blp = api_blueprint("commitments", "Commitments (engagements) on projects, their evidence, funders' confirmations.")


# Schemas ------------------------------------------------------------------------------------------------


class CommitmentCreate(Schema):
    class Meta:
        unknown = RAISE

    organisation_id = Id(required=True, metadata={"description": "the promising organisation, a party"})
    kind = fields.String(required=True, validate=validate.OneOf(COMMITMENT_KINDS))
    description = fields.String(required=True, validate=validate.Length(min=1, max=rules.DESCRIPTION_MAX))
    due_date = fields.Date(required=True, metadata={"description": "a past date is accepted"})
    amount = fields.Raw(
        allow_none=True,
        metadata={
            "description": 'decimal string (numbers accepted; "5 000,00" read as 5000.00); required for financial'
        },
    )
    currency = fields.String(allow_none=True, validate=validate.Length(equal=3))
    meeting_id = Id(allow_none=True)


class CommitmentTransitionIn(Schema):
    class Meta:
        unknown = RAISE

    action = fields.String(required=True, validate=validate.Length(max=40))
    comment = fields.String(allow_none=True, validate=validate.Length(max=rules.COMMENT_MAX))
    version = fields.Integer(strict=True, allow_none=True, metadata={"description": "the version read (optional)"})


class EvidenceOut(Schema):
    id = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()
    url = fields.String()
    created_at = UtcDateTime()


class NamedRef(Schema):
    id = fields.Integer()
    name = fields.String()


class ContestOut(Schema):
    at = UtcDateTime()
    reason = fields.String(allow_none=True)
    by = fields.Dict(
        metadata={
            "description": "`organisation` (the side that contested) and `person`, each {id, name}, or null when "
            "the viewer may not name them"
        }
    )
    evidence = fields.List(fields.Nested(EvidenceOut), metadata={"description": "the proof given before the contest"})


class CommitmentOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    organisation_id = fields.Integer(
        allow_none=True, metadata={"description": "null for a funder's pledge it has not confirmed, in public"}
    )
    kind = fields.String()
    description = fields.String()
    amount = fields.String(allow_none=True)
    currency = fields.String(allow_none=True)
    amount_xof = fields.Integer(allow_none=True)
    due_date = fields.Date()
    status = fields.String()
    overdue = fields.Boolean()
    meeting_id = fields.Integer(allow_none=True)
    funding_line_id = fields.Integer(allow_none=True)
    pledge = fields.Boolean()
    received_xof = fields.Integer(
        allow_none=True, metadata={"description": "a pledge: its line's confirmed tranches, in XOF; null otherwise"}
    )
    remaining_xof = fields.Integer(
        allow_none=True, metadata={"description": "a pledge: what it has still to receive, in XOF; null otherwise"}
    )
    contested = fields.Nested(
        ContestOut, allow_none=True, metadata={"description": "while contested: when, by whom, why; else null"}
    )
    evidence = fields.List(fields.Nested(EvidenceOut))
    version = fields.Integer()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class CommitmentListArgs(PageArgs):
    class Meta:
        unknown = EXCLUDE

    project_id = Id(strict=False)
    organisation_id = Id(strict=False)
    meeting_id = Id(strict=False)
    overdue = fields.Boolean()


class FundingLineConfirmationOut(Schema):
    id = fields.Integer()
    project_id = fields.Integer()
    party_kind = fields.String()
    organisation_id = fields.Integer()
    amount = fields.String()
    currency = fields.String()
    amount_xof = fields.Integer()
    awaiting_confirmation = fields.Boolean()
    confirmed_at = UtcDateTime()


BODY_SCHEMAS = {"CommitmentCreate": CommitmentCreate, "CommitmentTransition": CommitmentTransitionIn}


# Serialisation ------------------------------------------------------------------------------------------


def dump_evidence(evidence: CommitmentEvidence) -> dict:
    return {
        "id": evidence.id,
        "filename": evidence.filename,
        "content_type": evidence.content_type,
        "size": evidence.size,
        "url": url_for(
            "api_commitments.download_evidence", commitment_id=evidence.commitment_id, evidence_id=evidence.id
        ),
        "created_at": evidence.created_at,
    }


def _ref(ref_id, name) -> dict | None:
    return {"id": ref_id, "name": name} if ref_id is not None else None


def dump_contest(contest: rules.Contest | None) -> dict | None:
    if contest is None:
        return None
    return {
        "at": contest.at,
        "reason": contest.reason,
        "by": {
            "organisation": _ref(contest.organisation_id, contest.organisation),
            "person": _ref(contest.person_id, contest.person),
        },
        "evidence": [dump_evidence(e) for e in contest.earlier_evidence],
    }


def dumper(user, today, commitments: list):
    """dump(commitment) for one answer of `commitments`: today in the communes' zone and the viewer computed once,
    what the pledges received and why the contested ones are, read for all of them at once."""
    progress = rules.pledge_progress(commitments)
    contests = rules.contests(user, commitments)

    def dump(commitment: Commitment) -> dict:
        paid = progress.get(commitment.id)
        return {
            "id": commitment.id,
            "project_id": commitment.project_id,
            "organisation_id": commitment.organisation_id if rules.names_promiser(user, commitment) else None,
            "kind": commitment.kind,
            "description": commitment.description,
            "amount": money.format_amount(commitment.amount, commitment.currency)
            if commitment.amount is not None
            else None,
            "currency": commitment.currency,
            "amount_xof": commitment.amount_xof,
            "due_date": commitment.due_date,
            "status": commitment.status,
            "overdue": commitment.is_overdue(today),
            "meeting_id": commitment.meeting_id,
            "funding_line_id": commitment.funding_line_id,
            "pledge": rules.is_pledge(commitment),
            "received_xof": paid.received_xof if paid else None,
            "remaining_xof": paid.remaining_xof if paid else None,
            "contested": dump_contest(contests.get(commitment.id)),
            "evidence": [dump_evidence(e) for e in commitment.evidence],
            "version": commitment.version,
            "created_at": commitment.created_at,
            "updated_at": commitment.updated_at,
        }

    return dump


def _dump(commitment: Commitment) -> dict:
    return dumper(api_user(), commune_today(), [commitment])(commitment)


# Endpoints ----------------------------------------------------------------------------------------------


@blp.route("/projects/<id:project_id>/commitments", methods=["POST"])
@documented_body(blp, "CommitmentCreate")
@blp.response(201, CommitmentOut)
def create_commitment(project_id):
    """Records a commitment of a party to the project, from its first submission on. A party to the project
    (not an observer) or a mediator."""
    user = require_api_user()
    project = project_rules.load_project(user, project_id)
    rules.check_can_record(user, project)
    data = load_body(CommitmentCreate())
    return _dump(rules.record_commitment(user, project, data))


@blp.route("/commitments")
@blp.arguments(CommitmentListArgs, location="query")
@blp.response(200, list_schema(CommitmentOut, "CommitmentList"))
def list_commitments(args):
    """The commitments of the projects the caller may see, oldest due first; `overdue=true` finds exactly the
    overdue ones. Anyone (those of public projects when anonymous)."""
    user, today = api_user(), commune_today()
    query = rules.with_page_details(rules.visible_commitments(user, args, today))
    query = query.order_by(Commitment.due_date, Commitment.id)
    answer = page_of(query, args["page"], args["per_page"], lambda commitment: commitment)
    dump = dumper(user, today, answer["items"])
    return {**answer, "items": [dump(commitment) for commitment in answer["items"]]}


@blp.route("/commitments/<id:commitment_id>")
@blp.response(200, CommitmentOut)
def get_commitment(commitment_id):
    """One commitment. Whoever may see its project (404 for anyone else)."""
    return _dump(rules.load_commitment(api_user(), commitment_id))


@blp.route("/commitments/<id:commitment_id>/transitions", methods=["POST"])
@documented_body(blp, "CommitmentTransition")
@blp.response(200, CommitmentOut)
def transition_commitment(commitment_id):
    """Moves the commitment through its workflow (product.md): report_fulfilled, confirm, contest, cancel; the
    answer is the commitment in its new state. Per the workflow's table."""
    user = require_api_user()
    commitment = rules.load_commitment(user, commitment_id)
    data = load_body(CommitmentTransitionIn())
    rules.transition(user, commitment, data["action"], data.get("comment"), version=data.get("version"))
    return _dump(commitment)


@blp.route("/commitments/<id:commitment_id>/evidence", methods=["POST"])
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
@blp.response(201, EvidenceOut)
def upload_evidence(commitment_id):
    """Adds evidence (a transfer receipt, a land title: PDF, image, office document; 20 MB at most) to an open
    or contested commitment. The promising organisation's members (not observers)."""
    user = require_api_user()
    commitment = rules.load_commitment(user, commitment_id)
    upload = request.files.get("file")
    evidence = rules.add_evidence(
        user, commitment, upload.stream if upload and upload.filename else None, upload.filename if upload else None
    )
    return dump_evidence(evidence)


@blp.route("/commitments/<id:commitment_id>/evidence/<id:evidence_id>")
def download_evidence(commitment_id, evidence_id):
    """The evidence file, as an attachment. Whoever may see the project, with the bearer token."""
    commitment = rules.load_commitment(api_user(), commitment_id)
    return send_document(next((e for e in commitment.evidence if e.id == evidence_id), None))


def dump_funding_line(project, line: FundingLine) -> dict:
    return {
        "id": line.id,
        "project_id": line.project_id,
        "party_kind": line.party_kind,
        "organisation_id": line.organisation_id,
        "amount": money.format_amount(line.amount, line.currency),
        "currency": line.currency,
        "amount_xof": line.amount_xof,
        "awaiting_confirmation": rules.awaits_funder(project, line),
        "confirmed_at": line.confirmed_at,
    }


@blp.route("/projects/<id:project_id>/funding_lines/<id:line_id>/confirmation", methods=["POST"])
@blp.response(200, FundingLineConfirmationOut)
def confirm_funding_line(project_id, line_id):
    """The funder named on a line (neither the proposing association nor the commune) confirms it. Its members
    (not observers)."""
    user = require_api_user()
    project = project_rules.load_project(user, project_id)
    return dump_funding_line(project, rules.confirm_funding_line(user, project, line_id))
