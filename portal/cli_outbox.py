"""Commands of `flask --app wsgi …` for the outbox worker and the scheduled jobs."""

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

outbox = AppGroup("outbox", help="The mail outbox and its worker.")
jobs = AppGroup("jobs", help="Scheduled jobs (digests, reminders, escalations).")


@outbox.command("work")
@click.option("--once", is_flag=True, help="Run the due jobs, deliver what is due now, then exit.")
def outbox_work(once):
    """Deliver queued mail: until SIGTERM or Ctrl-C, or once with --once."""
    from portal.notifications.jobs import run_due_jobs
    from portal.notifications.worker import drain, work_forever

    app = current_app._get_current_object()
    if not once:
        work_forever(app)
        return
    ran = run_due_jobs(app)
    stats = drain(app)
    click.echo(
        f"Jobs run: {', '.join(ran) or 'none'}. Mails claimed {stats.claimed}, sent {stats.sent}, "
        f"to retry {stats.retried}, dead {stats.dead}, given back {stats.released}, lost {stats.lost}."
    )


@outbox.command("list-dead")
@click.option("--limit", default=100, show_default=True, help="How many, the most recent first.")
def outbox_list_dead(limit):
    """List the mails the worker gave up on, with their last error."""
    from portal.notifications.outbox import dead_messages

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
    from portal.database import write_intent
    from portal.extensions import db
    from portal.notifications.outbox import retry_dead

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


@jobs.command("run-due")
def jobs_run_due():
    """Run the scheduled jobs whose period has passed."""
    from portal.notifications.jobs import run_due_jobs

    ran = run_due_jobs(current_app._get_current_object())
    click.echo(f"Jobs run: {', '.join(ran)}." if ran else "No job was due.")


def register(app: Flask) -> None:
    app.cli.add_command(outbox)
    app.cli.add_command(jobs)
