"""Project documents: who adds and takes them back, and of which kinds. How a file is checked and kept is
portal/services/files.py's."""

from flask_babel import lazy_gettext as _l

from portal.domain.audit import record
from portal.errors import Refused
from portal.extensions import db
from portal.models import DOCUMENT_KINDS, Project, ProjectDocument
from portal.services.files import keep_upload
from portal.visibility import is_association_officer, is_commune_official


def can_upload(user, project: Project) -> bool:
    return is_association_officer(user, project) or is_commune_official(user, project)


def add_document(actor, project: Project, stream, filename: str | None, kind: str | None) -> ProjectDocument:
    """Stores an uploaded file after checking who sends it, its kind, its size and its content."""
    if not can_upload(actor, project):
        raise Refused("forbidden")
    if kind not in DOCUMENT_KINDS:
        raise Refused("validation_failed", fields={"kind": [str(_l("Choose the kind of document."))]})
    document = keep_upload(ProjectDocument, stream, filename, actor, project_id=project.id, kind=kind)
    record(
        "project.document_add",
        "project",
        project.id,
        actor=actor,
        after={"document_id": document.id, "filename": document.filename, "kind": kind, "size": document.size},
    )
    return document


def can_remove(user, project: Project, document: ProjectDocument) -> bool:
    """Whoever added a document takes it back while they may still add documents and the project is not yet
    agreed; from agreement on, its documents are part of the public record and stay."""
    return (
        getattr(user, "id", None) is not None
        and document.uploaded_by_id == user.id
        and can_upload(user, project)
        and not project.is_public
    )


def remove_document(actor, project: Project, document_id) -> ProjectDocument:
    """Removes a document its sender added by mistake. The file goes with the orphan sweep once the removal is
    committed (removing it now would lose it if the request rolled back); the history keeps that it was there."""
    document = next((d for d in project.documents if d.id == document_id), None)
    if document is None:
        raise Refused("not_found")
    if document.uploaded_by_id != getattr(actor, "id", None) or not can_upload(actor, project):
        raise Refused("forbidden", _l("Only who added a document takes it back."))
    if project.is_public:
        raise Refused("not_editable", _l("The project is agreed: its documents are part of its public record."))
    project.documents.remove(document)
    db.session.delete(document)
    db.session.flush()
    record(
        "project.document_remove",
        "project",
        project.id,
        actor=actor,
        before={"document_id": document.id, "filename": document.filename, "kind": document.kind},
    )
    return document
