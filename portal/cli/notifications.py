"""`flask --app wsgi notifications digest`: in-app notifications and their mail digests."""

import click
from flask import Flask
from flask.cli import AppGroup

from portal.database import write_intent
from portal.extensions import db
from portal.notifications.digest import register_digest_job, send_digests

notifications = AppGroup("notifications", help="In-app notifications and their mail digests.")


@notifications.command("digest")
def notifications_digest():
    """Queue one digest mail per user with notifications waiting for it, and mark them."""
    with write_intent(True):
        try:
            count = send_digests()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    click.echo(f"Digests queued: {count}.")


def register(app: Flask) -> None:
    """Adds the daily digest to the worker's jobs (left out of tests, which add it themselves,
    unless NOTIFICATIONS_DIGEST_JOB says otherwise)."""
    if app.config.get("NOTIFICATIONS_DIGEST_JOB", not app.testing):
        register_digest_job()
