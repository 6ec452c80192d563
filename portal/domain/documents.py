"""Project documents: accepted by what the bytes are, not by what the name says; stored outside static/."""

import re
import secrets
import unicodedata
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.domain.audit import record
from portal.errors import Refused
from portal.extensions import db
from portal.models import DOCUMENT_KINDS, CommitmentEvidence, DeliveryFile, Project, ProjectDocument
from portal.visibility import is_association_officer, is_commune_official

OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")  # .doc, .xls, .ppt
ZIP_OFFICE = {  # what an Office Open XML or OpenDocument archive holds, and what it then is
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OPENDOCUMENT_TYPES = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}


def detect_content_type(head: bytes, path: Path) -> str | None:
    """PDF, images and office documents, by their signature; None for anything else."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(OLE_SIGNATURE):
        with path.open("rb") as source:
            start = source.read(65536)
        return "application/msword" if b"W\x00o\x00r\x00d" in start else "application/vnd.ms-office"
    if head.startswith(b"PK\x03\x04"):
        return _office_archive_type(path)
    return None


# An archive is judged by its directory and a few bytes of one member, never by inflating it: a small upload
# can declare (or hide) gigabytes. Past these bounds it is refused at once.
ARCHIVE_MAX_ENTRIES = 10_000
MIMETYPE_MAX_BYTES = 100  # "application/vnd.oasis.opendocument.presentation" is 47


def _office_archive_type(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > ARCHIVE_MAX_ENTRIES:
                return None
            names = {entry.filename for entry in entries}
            if "mimetype" in names:
                return _opendocument_type(archive, archive.getinfo("mimetype"))
            if "[Content_Types].xml" in names:
                for prefix, content_type in ZIP_OFFICE.items():
                    if any(name.startswith(prefix) for name in names):
                        return content_type
    # zipfile raises NotImplementedError for a compression method it does not know: not an office document.
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return None
    return None


def _opendocument_type(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> str | None:
    """The OpenDocument type its `mimetype` entry names, reading at most MIMETYPE_MAX_BYTES + 1 inflated bytes
    whatever the entry declares (a forged small size cannot make it read more)."""
    if entry.file_size > MIMETYPE_MAX_BYTES:
        return None
    with archive.open(entry) as member:
        raw = member.read(MIMETYPE_MAX_BYTES + 1)
    if len(raw) > MIMETYPE_MAX_BYTES:
        return None
    mimetype = raw.decode("ascii", "replace").strip()
    return mimetype if mimetype in OPENDOCUMENT_TYPES else None


def clean_filename(name: str | None) -> str:
    """The name to show and to offer on download: no path, no control characters, at most 200 characters."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").split("/")[-1])
    name = re.sub(r"[\x00-\x1f\x7f\"<>|:*?]", "", name).strip(" .")
    return name[:200] or "document"


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def can_upload(user, project: Project) -> bool:
    return is_association_officer(user, project) or is_commune_official(user, project)


def store_upload(stream) -> tuple[str, int, str]:
    """Writes an uploaded stream under a random name outside static/, checking its size and its content:
    (stored name, size, content type). Nothing stays behind when it is refused."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    stored_name = secrets.token_hex(16)
    path = upload_dir() / stored_name
    size = 0
    try:
        with path.open("wb") as target:
            while chunk := stream.read(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise Refused("payload_too_large", _l("The largest file you can send is 20 MB."))
                target.write(chunk)
        if size == 0:
            raise Refused("validation_failed", fields={"file": [str(_l("The file is empty."))]})
        with path.open("rb") as source:
            content_type = detect_content_type(source.read(16), path)
        if content_type is None:
            raise Refused(
                "unsupported_file_type",
                _l("Send a PDF, an image (JPEG, PNG) or an office document."),
                fields={"file": [str(_l("Send a PDF, an image (JPEG, PNG) or an office document."))]},
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return stored_name, size, content_type


def add_document(actor, project: Project, stream, filename: str | None, kind: str | None) -> ProjectDocument:
    """Stores an uploaded file after checking who sends it, its kind, its size and its content."""
    if not can_upload(actor, project):
        raise Refused("forbidden")
    if kind not in DOCUMENT_KINDS:
        raise Refused("validation_failed", fields={"kind": [str(_l("Choose the kind of document."))]})
    if stream is None:
        raise Refused("validation_failed", fields={"file": [str(_l("Choose a file."))]})
    stored_name, size, content_type = store_upload(stream)
    document = ProjectDocument(
        project_id=project.id,
        kind=kind,
        filename=clean_filename(filename),
        stored_name=stored_name,
        content_type=content_type,
        size=size,
        uploaded_by_id=actor.id,
    )
    db.session.add(document)
    db.session.flush()
    record(
        "project.document_add",
        "project",
        project.id,
        actor=actor,
        after={"document_id": document.id, "filename": document.filename, "kind": kind, "size": size},
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


def document_path(document: ProjectDocument) -> Path:
    return upload_dir() / document.stored_name


def sweep_orphan_uploads(now=None, grace_seconds: int = 3600) -> int:
    """Deletes stored files no document row points to: those of uploads whose request failed after the file
    was written (the row rolled back). Files younger than the grace period may belong to a request under way."""
    import time

    from sqlalchemy import select

    directory = upload_dir()
    names = {path.name: path for path in directory.iterdir() if path.is_file()}
    if not names:
        return 0
    referenced = set()
    for model in (ProjectDocument, CommitmentEvidence, DeliveryFile):  # every table whose rows point to stored files
        referenced |= set(db.session.scalars(select(model.stored_name).where(model.stored_name.in_(list(names)))))
    limit = (now.timestamp() if now else time.time()) - grace_seconds
    removed = 0
    for name, path in names.items():
        if name not in referenced and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
