"""Absolute links for mails, which are read outside any request."""

from flask import current_app


def public_url(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path
