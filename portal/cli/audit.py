"""`flask --app wsgi audit verify`: the tamper-evident audit log."""

import sys

import click
from flask.cli import AppGroup

from portal.domain.audit import verify_chain

audit = AppGroup("audit", help="The tamper-evident audit log.")


@audit.command("verify")
def audit_verify():
    """Recompute the audit log's hash chain; exit 1 naming the first event that does not match."""
    result = verify_chain()
    if result.first_bad is not None:
        click.echo(
            f"Checked {result.checked} events; event {result.first_bad.id} "
            f"({result.first_bad.action} on {result.first_bad.subject_type} "
            f"{result.first_bad.subject_id}) does not match: {result.reason}.",
            err=True,
        )
        sys.exit(1)
    click.echo(f"Checked {result.checked} events: the chain is intact.")
