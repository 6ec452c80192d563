"""Alembic environment for Flask-Migrate.

On SQLite, batch migrations rebuild a table by copying it, dropping the old one and renaming the new:
with foreign keys on, dropping the old table would cascade deletes into its child tables. So foreign
keys are off while migrating, and `PRAGMA foreign_key_check` must come back empty before we finish.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db
config.set_main_option("sqlalchemy.url", target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"))


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _skip_empty_autogenerate(context_, revision, directives):
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def _set_sqlite_foreign_keys(connection, enabled: bool) -> None:
    # A PRAGMA foreign_keys inside a transaction is ignored: talk to the driver's connection directly,
    # which runs in autocommit mode (portal/database.py takes BEGIN over from it).
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if enabled else 'OFF'}")


def run_migrations_online():
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", _skip_empty_autogenerate)
    conf_args.setdefault("compare_type", True)

    with target_db.engine.connect() as connection:
        is_sqlite = connection.dialect.name == "sqlite"
        if is_sqlite:
            _set_sqlite_foreign_keys(connection, False)
        try:
            context.configure(connection=connection, target_metadata=target_db.metadata, **conf_args)
            with context.begin_transaction():
                context.run_migrations()
                if is_sqlite:
                    problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise RuntimeError(f"migration left rows that break foreign keys: {problems[:5]}")
            connection.commit()
        finally:
            if is_sqlite:
                _set_sqlite_foreign_keys(connection, True)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
