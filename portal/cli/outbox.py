"""`flask --app wsgi outbox work|list-dead|retry`: the mail outbox and its worker."""

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from portal.cli.jobs import scheduled_jobs
from portal.database import write_intent
from portal.extensions import db
from portal.notifications.jobs import run_due_jobs
from portal.notifications.outbox import dead_messages, retry_dead
from portal.notifications.worker import drain, work_forever

outbox = AppGroup("outbox", help="The mail outbox and its worker.")


@outbox.command("work")
@click.option("--once", is_flag=True, help="Run the due jobs, deliver what is due now, then exit.")
def outbox_work(once):
    """Deliver queued mail and run the scheduled jobs: until SIGTERM or Ctrl-C, or once with --once."""
    app = current_app._get_current_object()
    if not once:
        work_forever(app, jobs=scheduled_jobs(app))
        return
    ran = run_due_jobs(app, scheduled_jobs(app))
    stats = drain(app)
    click.echo(
        f"Jobs run: {', '.join(ran) or 'none'}. Mails claimed {stats.claimed}, sent {stats.sent}, "
        f"to retry {stats.retried}, dead {stats.dead}, given back {stats.released}, lost {stats.lost}."
    )


@outbox.command("list-dead")
@click.option("--limit", default=100, show_default=True, help="How many, the most recent first.")
def outbox_list_dead(limit):
    """List the mails the worker gave up on, with their last error."""
    messages = dead_messages(limit)
    if not messages:
        click.echo("No dead mail.")
        return
    for message in messages:
        click.echo(
            f"{message.id}\t{message.created_at:%Y-%m-%d %H:%M}\t{message.event}\t{message.to_email}\t"
            f"{message.attempts} attempts\t{message.last_error or ''}"
        )


@outbox.command("retry")
@click.argument("message_ids", metavar="ID...", nargs=-1, required=True, type=int)
def outbox_retry(message_ids):
    """Put dead mails back in the queue, with a fresh count of attempts."""
    failed = False
    for message_id in message_ids:
        with write_intent(True):
            try:
                retry_dead(message_id)
                db.session.commit()
            except (LookupError, ValueError) as error:
                db.session.rollback()
                click.echo(f"Not retried: {error}.", err=True)
                failed = True
                continue
        click.echo(f"Mail {message_id} is queued again.")
    if failed:
        sys.exit(1)
