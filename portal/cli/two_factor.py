"""`flask --app wsgi two-factor rotate-key`: re-encrypts every TOTP secret under the newest key."""

import click
from flask.cli import AppGroup

from portal.database import write_intent
from portal.domain import two_factor as two_factor_domain
from portal.extensions import db

two_factor = AppGroup("two-factor", help="Two-factor authentication: the key that encrypts the TOTP secrets.")


@two_factor.command("rotate-key")
def rotate_key():
    """Re-encrypt every TOTP secret under the first key of TOTP_ENCRYPTION_KEYS (put the new key first, keep the
    old ones after it until this has run; then they may go)."""
    with write_intent(True):
        try:
            count = two_factor_domain.rotate_key()
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    click.echo(f"Secrets re-encrypted under the newest key: {count}.")
