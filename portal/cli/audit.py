"""`flask --app wsgi audit verify|anchor`: the tamper-evident audit log and its anchors outside the database."""

import sys

import click
from flask.cli import AppGroup

from portal.domain.audit import check_anchors, read_anchors, verify_chain, write_anchor

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
    anchors = read_anchors()
    problem = check_anchors(anchors)
    if problem is not None:
        click.echo(f"Checked {result.checked} events; the chain holds, but {problem}.", err=True)
        sys.exit(1)
    click.echo(f"Checked {result.checked} events and {len(anchors)} anchors: the chain is intact.")


@audit.command("anchor")
def audit_anchor():
    """Append the log's latest hash, with its count and the time, to AUDIT_ANCHOR_FILE (daily, by the worker)."""
    anchor = write_anchor()
    if anchor is None:
        click.echo("The audit log is empty: nothing to anchor.")
    else:
        click.echo(f"Anchored {anchor.count} events, up to event {anchor.last_id} ({anchor.hash[:16]}…).")
