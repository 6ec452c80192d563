"""The commands of `flask --app wsgi …`, one module per command group."""

from flask import Flask

from portal.cli import (
    audit,
    backup,
    bench,
    demo,
    indicators,
    jobs,
    notifications,
    outbox,
    projects,
    territories,
    translate,
    two_factor,
)

COMMANDS = (
    translate.translate,
    audit.audit,
    demo.seed_demo_command,
    bench.seed_bench_command,
    territories.import_territories_command,
    outbox.outbox,
    jobs.jobs,
    notifications.notifications,
    projects.projects,
    backup.backup_command,
    backup.restore_command,
    indicators.import_indicators_command,
    two_factor.two_factor,
)


def register_cli(app: Flask) -> None:
    """Adds every command group to `flask --app wsgi`."""
    for command in COMMANDS:
        app.cli.add_command(command)
