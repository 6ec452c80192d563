"""`flask --app wsgi jobs run-due`: the scheduled jobs (digests, escalations, clean-ups)."""

import click
from flask import current_app
from flask.cli import AppGroup

from portal.notifications.jobs import run_due_jobs

jobs = AppGroup("jobs", help="Scheduled jobs (digests, reminders, escalations).")


@jobs.command("run-due")
def jobs_run_due():
    """Run the scheduled jobs whose period has passed."""
    ran = run_due_jobs(current_app._get_current_object())
    click.echo(f"Jobs run: {', '.join(ran)}." if ran else "No job was due.")
