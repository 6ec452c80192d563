"""`flask --app wsgi audit verify|anchor`: the tamper-evident audit log and its anchors outside the database."""

import sys
from datetime import UTC

import click
from flask.cli import AppGroup

from portal.domain.audit import (
    check_anchors,
    own_anchors,
    read_anchors,
    set_aside_anchors_after,
    verify_chain,
    write_anchor,
)

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
    every = read_anchors()
    anchors = own_anchors(every)
    problem = check_anchors(anchors)
    if problem is not None:
        click.echo(f"Checked {result.checked} events; the chain holds, but {problem}.", err=True)
        sys.exit(1)
    others = len(every) - len(anchors)
    click.echo(
        f"Checked {result.checked} events and {len(anchors)} anchors of this database: the chain is intact."
        + (f" {result.erased} events keep only the digest of personal data erased at closure." if result.erased else "")
        + (f" {others} anchors in the file name other databases and were not read." if others else "")
    )


@audit.command("anchor")
def audit_anchor():
    """Append the log's latest hash, with its count and the time, to AUDIT_ANCHOR_FILE (daily, by the worker)."""
    anchor = write_anchor()
    if anchor is None:
        click.echo("The audit log is empty: nothing to anchor.")
    else:
        click.echo(f"Anchored {anchor.count} events, up to event {anchor.last_id} ({anchor.hash[:16]}…).")


@audit.command("set-aside")
@click.argument("made_at", type=click.DateTime(formats=["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]))
def audit_set_aside(made_at):
    """After restoring a PostgreSQL dump made at MADE_AT (UTC): set this database's anchors written since aside
    (`flask restore` does it for SQLite)."""
    moved, where = set_aside_anchors_after(made_at.replace(tzinfo=UTC))
    if moved:
        click.echo(f"Set aside {moved} audit anchors newer than the backup into {where}.")
    else:
        click.echo("No audit anchor is newer than the backup.")
