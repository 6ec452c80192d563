"""`flask --app wsgi projects escalate`: co-funded projects."""

import click
from flask.cli import AppGroup

from portal.domain.projects import escalate_unanswered
from portal.extensions import db

projects = AppGroup("projects", help="Co-funded projects.")


@projects.command("escalate")
def escalate_command():
    """Send the projects the commune left unanswered too long to the mediators (the worker does it hourly)."""
    count = escalate_unanswered()
    db.session.commit()
    click.echo(f"{count} project(s) escalated to the mediators.")
