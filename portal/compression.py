"""For slow, costly connections: answers compressed when the client accepts gzip, and static files under a
name that changes with their content, so browsers keep them for a year and never ask again."""

import gzip
import hashlib
from pathlib import Path

from flask import Flask, request
from flask_login import current_user

# Text that compresses well; files sent from disk (documents, photos) are left alone.
COMPRESSIBLE = frozenset(
    {
        "text/html",
        "text/css",
        "text/csv",
        "text/plain",
        "text/calendar",
        "application/json",
        "application/xml",
        "image/svg+xml",
        "application/javascript",
        "text/javascript",
    }
)
MIN_SIZE = 500  # bytes: below this, gzip's own header is not worth it
YEAR = 365 * 24 * 3600


def compress(response):
    if (
        response.status_code != 200  # nor partial content, nor "not modified"
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
    ):
        return response
    if response.mimetype == "text/html" and current_user.is_authenticated:
        # BREACH: a signed-in page holds secrets (its form tokens) beside text an attacker can make it echo;
        # compressed, its size would leak them a byte at a time. Those pages stay as they are (they are light).
        return response
    if response.direct_passthrough:
        if request.endpoint != "static":
            return response  # files sent straight from disk
        response.direct_passthrough = False  # the stylesheet and icons: small, read once into memory
        source = response.response
        response.make_sequence()
        close = getattr(source, "close", None)
        if close is not None:  # read whole: the file is closed now, not whenever the server closes the answer
            close()
    if response.is_streamed:
        return response
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response


def static_version(app: Flask, filename: str) -> str:
    """A short hash of the static file's content, computed once per file and process."""
    versions = app.extensions.setdefault("static_versions", {})
    if filename not in versions:
        path = Path(app.static_folder) / filename
        versions[filename] = hashlib.sha256(path.read_bytes()).hexdigest()[:12] if path.is_file() else ""
    return versions[filename]


def init_app(app: Flask) -> None:
    @app.url_defaults
    def _fingerprint(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = static_version(app, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def _cache_fingerprinted(response):
        if request.endpoint == "static" and request.args.get("v"):
            response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        return response

    app.after_request(compress)
