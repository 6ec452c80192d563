"""Stored files: the one way to keep an upload, and the one registry of the tables that point to stored files.

Plumbing every domain uses the same way, knowing no rule: who may send a file, and what its arrival means (the
audit event, the notices), stays with the domain operation that calls `keep_upload`. Here is only how an upload
is checked (by its bytes, never by its name; against the size cap), named (at random, outside static/) and
recorded (a row of its file table). Every file table inherits `StoredFile` (portal/models/files.py) and is
thereby in `file_models()`, which the orphan sweep, `flask backup`/`restore` and the personal-data export read.
"""

import re
import secrets
import time
import unicodedata
import zipfile
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.database import utcnow
from portal.errors import Refused
from portal.extensions import db
from portal.models import FILE_MODELS

# What a file is, by its bytes ---------------------------------------------------------------------------

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


def stored_path(row) -> Path:
    """Where the file a row of a file table points to is kept."""
    return upload_dir() / row.stored_name


# Keeping an upload -----------------------------------------------------------------------------------------

IMAGE_ONLY_MESSAGE = _l("The photo must be an image (JPEG, PNG, GIF or WebP).")


def keep_upload(model, stream, filename: str | None, uploader, *, image_only: bool = False, **fields):
    """Writes an uploaded stream under a random name and adds its row of `model` (a file table) with `fields`
    (the record it belongs to), flushed. Refused, and nothing left behind, when there is no file, when it is
    empty or past MAX_UPLOAD_BYTES (413), when its bytes are no PDF, image or office document, or, with
    `image_only`, no image."""
    if stream is None:
        raise Refused("validation_failed", fields={"file": [str(_l("Choose a file."))]})
    stored_name, size, content_type = _write(stream)
    if image_only and not content_type.startswith("image/"):
        (upload_dir() / stored_name).unlink(missing_ok=True)
        raise Refused("unsupported_file_type", IMAGE_ONLY_MESSAGE, fields={"file": [str(IMAGE_ONLY_MESSAGE)]})
    return record_stored_file(
        model,
        stored_name,
        filename=filename,
        content_type=content_type,
        size=size,
        uploaded_by_id=uploader.id,
        **fields,
    )


def new_stored_name() -> tuple[str, Path]:
    """A random name in UPLOAD_DIR and its path, for a file about to be written (an upload, a thumbnail)."""
    stored_name = secrets.token_hex(16)
    return stored_name, upload_dir() / stored_name


def record_stored_file(model, stored_name: str, *, filename, content_type: str, size: int, uploaded_by_id, **fields):
    """Adds the row of `model` (a file table) that points to a file already written under `stored_name`."""
    row = model(
        filename=clean_filename(filename),
        stored_name=stored_name,
        content_type=content_type,
        size=size,
        uploaded_by_id=uploaded_by_id,
        created_at=utcnow(),
        **fields,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _write(stream) -> tuple[str, int, str]:
    """(stored name, size, content type) of the stream written to UPLOAD_DIR, checked by size and content."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    stored_name, path = new_stored_name()
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


# The registry ----------------------------------------------------------------------------------------------


def file_models() -> tuple[type, ...]:
    """Every table whose rows point to stored files (each through its `stored_name`)."""
    return tuple(FILE_MODELS)


def referenced_names(names=None) -> set[str]:
    """The stored names some row of a file table points to (among `names`, when given)."""
    referenced: set[str] = set()
    for model in file_models():
        query = select(model.stored_name)
        if names is not None:
            query = query.where(model.stored_name.in_(list(names)))
        referenced |= set(db.session.scalars(query))
    return referenced


def files_by_table() -> dict[str, list[str]]:
    """{table name: the stored names its rows point to}, for every file table."""
    return {model.__tablename__: sorted(db.session.scalars(select(model.stored_name))) for model in file_models()}


def files_uploaded_by(user) -> list[dict]:
    """What the person sent, from every file table: the name, type, size and day of each file."""
    rows = []
    for model in file_models():
        for row in db.session.scalars(select(model).where(model.uploaded_by_id == user.id).order_by(model.id)):
            rows.append(
                {
                    "kind": model.__tablename__,
                    "filename": row.filename,
                    "content_type": row.content_type,
                    "size": row.size,
                    "sent_at": row.created_at.isoformat(),
                }
            )
    return sorted(rows, key=lambda row: (row["sent_at"], row["kind"], row["filename"]))


def sweep_orphan_uploads(now=None, grace_seconds: int = 3600) -> int:
    """Deletes stored files no row of any file table points to: those of uploads whose request failed after the
    file was written (the row rolled back), or whose row was removed. Files younger than the grace period may
    belong to a request under way."""
    directory = upload_dir()
    names = {path.name: path for path in directory.iterdir() if path.is_file()}
    if not names:
        return 0
    referenced = set()
    batch = list(names)
    for start in range(0, len(batch), 500):  # a bounded IN list, however many files there are
        referenced |= referenced_names(batch[start : start + 500])
    limit = (now.timestamp() if now else time.time()) - grace_seconds
    removed = 0
    for name, path in names.items():
        if name not in referenced and path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
