"""Sending a stored file, for pages and the API alike."""

from flask import Response, send_file

from portal.errors import Refused
from portal.services.files import stored_path


def send_document(document) -> Response:
    """The document as a download under its own name: an attachment (never shown inline), kept by no cache on the
    way (`private, no-store`: it may be personal). 404 when there is none, or its file is gone."""
    path = stored_path(document) if document is not None else None
    if path is None or not path.is_file():
        raise Refused("not_found")
    response = send_file(
        path, mimetype=document.content_type, as_attachment=True, download_name=document.filename, max_age=0
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
