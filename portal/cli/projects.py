"""`flask --app wsgi projects escalate`: co-funded projects."""

from datetime import timedelta

import click
from flask import Flask
from flask.cli import AppGroup

from portal.domain.documents import sweep_orphan_uploads
from portal.domain.projects import escalate_unanswered
from portal.extensions import db
from portal.notifications.jobs import register_job

projects = AppGroup("projects", help="Co-funded projects.")


@projects.command("escalate")
def escalate_command():
    """Send the projects the commune left unanswered too long to the mediators (the worker does it hourly)."""
    count = escalate_unanswered()
    db.session.commit()
    click.echo(f"{count} project(s) escalated to the mediators.")


def register(app: Flask) -> None:
    if not app.testing:  # tests run the job themselves
        register_job("project_escalation", timedelta(hours=1), escalate_unanswered)
        register_job("orphan_uploads", timedelta(hours=6), sweep_orphan_uploads)
