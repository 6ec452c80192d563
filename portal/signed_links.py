"""Links that act for someone — confirm an address, reset a password, accept an invitation: signed tokens made
when the mail leaves and read back when followed, never stored.

A mail that carries one is rendered and queued with PLACEHOLDER where the link goes, and with the link's
`spec` (what to sign, and the path it goes to) beside it; the outbox worker puts the signed link in only in the
copy it sends. So neither the outbox, nor a backup of it, nor the SQLite WAL ever holds a link that signs in.
"""

from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal.urls import public_url

PLACEHOLDER = "https://portal.invalid/signed-link"


def spec(purpose: str, data: dict, path: str) -> dict:
    """What the worker signs when the mail leaves: `path` holds "{token}", e.g. "/auth/confirm/{token}"."""
    return {"purpose": purpose, "data": data, "path": path}


def sign(purpose: str, data: dict) -> str:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal.{purpose}").dumps(data)


def read(purpose: str, token: str, max_age: timedelta) -> dict | None:
    """The data a token carries, if it was signed for this purpose and is younger than `max_age`."""
    try:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"portal.{purpose}").loads(
            token, max_age=int(max_age.total_seconds())
        )
    except (BadSignature, SignatureExpired):
        return None


def url_of(link: dict) -> str:
    return public_url(link["path"].replace("{token}", sign(link["purpose"], link["data"])))


def filled(texts: tuple, link: dict | None) -> tuple:
    """The mail's texts with the signed link in place of PLACEHOLDER (one link, signed once), as they leave."""
    if not link:
        return texts
    url = url_of(link)
    return tuple(text.replace(PLACEHOLDER, url) if text else text for text in texts)
