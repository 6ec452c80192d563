"""Commands for projects, and the escalation job the outbox worker runs."""

from datetime import timedelta

import click
from flask import Flask
from flask.cli import AppGroup

projects = AppGroup("projects", help="Co-funded projects.")


def sweep_uploads_job(now) -> None:
    from portal.domain.documents import sweep_orphan_uploads

    sweep_orphan_uploads(now)


def escalate_job(now) -> None:
    from portal.domain.projects import escalate_unanswered

    escalate_unanswered(now)


@projects.command("escalate")
def escalate_command():
    """Send the projects the commune left unanswered too long to the mediators (the worker does it hourly)."""
    from portal.domain.projects import escalate_unanswered
    from portal.extensions import db

    count = escalate_unanswered()
    db.session.commit()
    click.echo(f"{count} project(s) escalated to the mediators.")


def register(app: Flask) -> None:
    from portal.notifications.jobs import register_job

    app.cli.add_command(projects)
    if not app.testing:  # tests run the job themselves
        register_job("project_escalation", timedelta(hours=1), escalate_job)
        register_job("orphan_uploads", timedelta(hours=6), sweep_uploads_job)
