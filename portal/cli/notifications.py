"""`flask --app wsgi notifications digest`: in-app notifications and their mail digests."""

import click
from flask.cli import AppGroup

from portal.database import write_intent
from portal.extensions import db
from portal.notifications.digest import send_digests

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
