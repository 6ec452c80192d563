"""The one table of scheduled jobs, `flask --app wsgi jobs run-due`, and `jobs run NAME` (one job, now).

Every outbox worker (`flask outbox work`) runs these jobs between deliveries, each at most once per period,
by whichever worker claims it first (portal/notifications/jobs.py). A job's name is where its last run is kept:
renaming one runs it again at once. RUN_SCHEDULED_JOBS (off in tests, which run the jobs they test themselves)
turns them all off.
"""

from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.database import utcnow, write_intent
from portal.domain import commitments, disputes, facilities, meetings, progress
from portal.domain.audit import write_anchor
from portal.domain.projects import escalate_unanswered
from portal.domain.throttle import forget_old_failures
from portal.extensions import db
from portal.notifications.digest import send_digests
from portal.notifications.jobs import Job, run_due_jobs
from portal.notifications.outbox import expire_sent
from portal.services.files import sweep_orphan_uploads

SCHEDULED_JOBS: tuple[Job, ...] = (
    Job("notifications_digest", timedelta(days=1), send_digests),
    Job("project_escalation", timedelta(hours=1), escalate_unanswered),
    Job("orphan_uploads", timedelta(hours=6), sweep_orphan_uploads),
    Job("audit_anchor", timedelta(days=1), write_anchor),
    Job("login_failures_sweep", timedelta(days=1), forget_old_failures),
    Job("outbox_expiry", timedelta(days=1), expire_sent),
    Job("meeting_reminders", timedelta(minutes=15), meetings.send_reminders),
    Job("commitment_reminders", timedelta(hours=1), commitments.send_reminders),
    Job("commitment_escalation", timedelta(hours=1), commitments.escalate_overdue),
    Job("dispute_deadlines", timedelta(hours=1), disputes.remind_overdue),
    Job("facility_check_reminders", timedelta(days=1), facilities.send_check_reminders),
    Job("progress_report_reminders", timedelta(days=1), progress.remind_late_reports),
)

jobs = AppGroup("jobs", help="Scheduled jobs (digests, reminders, escalations).")


def scheduled_jobs(app: Flask) -> tuple[Job, ...]:
    """The jobs this app's workers run: SCHEDULED_JOBS, or none when RUN_SCHEDULED_JOBS is off."""
    return SCHEDULED_JOBS if app.config["RUN_SCHEDULED_JOBS"] else ()


@jobs.command("run-due")
def jobs_run_due():
    """Run the scheduled jobs whose period has passed."""
    app = current_app._get_current_object()
    ran = run_due_jobs(app, scheduled_jobs(app))
    click.echo(f"Jobs run: {', '.join(ran)}." if ran else "No job was due.")


@jobs.command("run")
@click.argument("name")
def jobs_run(name: str):
    """Run the scheduled job NAME now, whatever its period (its schedule is left as it was)."""
    known = {job.name: job for job in SCHEDULED_JOBS}
    job = known.get(name)
    if job is None:
        raise click.UsageError(f"No scheduled job is called {name!r}. The jobs: {', '.join(known)}.")
    try:
        with write_intent(True):
            job.func(utcnow())
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Ran the job {name}.")
