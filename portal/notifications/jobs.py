"""The runner of scheduled jobs: digests, reminders, escalations, clean-ups.

The jobs are data, `Job(name, every, func)`, given by the caller: the table `SCHEDULED_JOBS` in
portal/cli/jobs.py, which the outbox worker's loop receives from `flask outbox work` and passes to
`run_due_jobs(app, jobs)` between deliveries. A job's last run is kept in the `settings` table
(`job:<name>:last_run`, an ISO timestamp) and claimed under a lock — `SELECT … FOR UPDATE` on PostgreSQL,
`BEGIN IMMEDIATE` on SQLite — so that two workers never both run it for the same period. The claim is
committed before the job runs: a job that fails is logged and runs again at its next period.
"""

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.database import utcnow, write_intent
from portal.extensions import db
from portal.models import Setting

log = logging.getLogger(__name__)

KEY_MAX_LENGTH = 80  # settings.key


@dataclass(frozen=True)
class Job:
    """A job run at most once per period `every`, by whichever worker claims it first."""

    name: str  # its last run is remembered under this name: renaming a job runs it again at once
    every: timedelta
    func: Callable[[datetime], object]  # called with `now` in an application context; its changes are committed

    def __post_init__(self) -> None:
        if len(self.setting_key) > KEY_MAX_LENGTH:
            raise ValueError(f"job name too long: {self.name!r}")
        if self.every <= timedelta(0):
            raise ValueError("a job runs every positive period")

    @property
    def setting_key(self) -> str:
        return f"job:{self.name}:last_run"


def run_due_jobs(app: Flask, jobs: Iterable[Job], now: datetime | None = None, stop_event=None) -> list[str]:
    """Runs each of `jobs` whose period has passed since its last run; returns the names of those it ran. Once
    `stop_event` is set (the worker is stopping), the jobs not yet started wait for the next run."""
    ran = []
    with app.app_context():
        for job in jobs:
            if stop_event is not None and stop_event.is_set():
                break
            moment = now or utcnow()
            if not _claim(job, moment):
                continue
            try:
                with write_intent(True):
                    job.func(moment)
                    db.session.commit()
            except Exception:
                db.session.rollback()
                log.exception("Job %s failed; it runs again at its next period", job.name)
                continue
            ran.append(job.name)
    return ran


def last_run(name: str) -> datetime | None:
    """When the job last started, as recorded in the settings table."""
    setting = db.session.get(Setting, f"job:{name}:last_run")
    return _parse(setting.value) if setting else None


def _claim(job: Job, now: datetime) -> bool:
    """Records `now` as the job's last run if its period has passed, in a committed transaction."""
    with write_intent(True):
        try:
            setting = db.session.scalar(
                select(Setting)
                .where(Setting.key == job.setting_key)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
            if setting is None:
                db.session.add(Setting(key=job.setting_key, value=now.isoformat(), updated_at=now))
            else:
                previous = _parse(setting.value)
                if previous is not None and previous + job.every > now:
                    db.session.rollback()
                    return False
                setting.value = now.isoformat()
                setting.updated_at = now
            db.session.commit()
            return True
        except IntegrityError:  # another worker inserted the first run at the same moment (PostgreSQL)
            db.session.rollback()
            return False
        except BaseException:
            db.session.rollback()
            raise


def _parse(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else None
