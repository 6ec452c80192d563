"""What every blueprint of pages shares around a request: where to go back to, and signing in first."""

from urllib.parse import urlsplit

from flask import abort, redirect, request, url_for
from flask_login import current_user

from portal.errors import Refused


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
