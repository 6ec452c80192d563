"""What every blueprint of pages shares around a request: where to go back to, and signing in first."""

from urllib.parse import urlsplit

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import RequestRedirect

from portal.errors import Refused, is_api_request


def safe_next(target: str | None, fallback: str) -> str:
    """A local path to go back to, never another site (open redirects) nor anything a Location header cannot
    carry (control characters): anything else is the fallback."""
    if not target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return fallback
    return target


def login_url() -> str:
    """The login page, coming back here afterwards."""
    return url_for("auth.login", next=request.full_path.rstrip("?"))


def found(loader, *args, **kwargs):
    """`loader(current_user, *args, **kwargs)`, a domain loader; an anonymous visitor it refuses is sent to sign
    in first, and comes back (product.md: a link in a mail must work after signing in). Signed-in users get
    the refusal: 404 for what they may not know exists, 403 for what they see but may not do."""
    try:
        return loader(current_user, *args, **kwargs)
    except Refused:
        if not current_user.is_authenticated:
            abort(redirect(login_url()))
        raise


def form_address_answers_with_its_page():
    """A form's address read with GET — reloading a refused form, going back to it, sharing it — sends to the
    page the form lives on, the nearest address above it that answers GET ("/projects/7/commitments" → the
    project's page), rather than 405. One rule for every form that only takes POST, present and future; the
    API keeps its 405 (api.md)."""
    if request.method not in ("GET", "HEAD") or not isinstance(request.routing_exception, MethodNotAllowed):
        return None
    if is_api_request():
        return None
    adapter = current_app.create_url_adapter(request)
    parts = request.path.rstrip("/").split("/")
    for end in range(len(parts) - 1, 0, -1):
        above = "/".join(parts[:end]) or "/"
        try:
            adapter.match(above, method="GET")
        except RequestRedirect as moved:  # the same page with its trailing slash
            return redirect(urlsplit(moved.new_url).path, code=303)
        except HTTPException:
            continue
        return redirect(request.script_root + above, code=303)
    return None
