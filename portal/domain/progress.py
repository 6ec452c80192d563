"""Progress reports: the commune, as project owner (maître d'ouvrage), reports on the works every reporting period
from agreement (percent complete, spending against the budget lines, a photo, remarks); the association comments.
A report late is reminded to the commune's officials, then flagged to the mediators (scheduled job).

The period is an optional field of `agree` (default: the admin's setting, quarterly); `start_reporting` records
it. Reports are due while the project is agreed or in progress; once completed, none is due.
"""

import calendar
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.database import utcnow
from portal.domain.audit import record
from portal.domain.settings import get_setting
from portal.domain.thumbnails import add_thumbnail
from portal.errors import Refused
from portal.extensions import db
from portal.labels import at_most_characters
from portal.models import DeliveryFile, ProgressReport, Project, ProjectReporting, ProjectStatus, commune_today
from portal.notifications.notify import notify
from portal.services.files import keep_upload
from portal.visibility import is_association_officer, is_commune_official

REPORTING_STATUSES = frozenset({ProjectStatus.AGREED, ProjectStatus.IN_PROGRESS})
REMARKS_MAX = 20_000


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day: 31 January + 1 = 28 February)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def reporting_period(value) -> int:
    """The period given with `agree` in months (1 to 12), or the admin's setting (3: quarterly)."""
    if value in (None, ""):
        return get_setting("reporting_period_months")
    try:
        months = int(str(value).strip())
    except ValueError:
        months = 0
    if isinstance(value, bool) or not 1 <= months <= 12:
        raise Refused(
            "validation_failed",
            fields={"reporting_period": [str(_l("A number of months from 1 to 12 (3: quarterly)."))]},
        )
    return months


def start_reporting(project: Project, months: int) -> ProjectReporting:
    """At agreement: the first report falls due one period later."""
    reporting = db.session.get(ProjectReporting, project.id)
    if reporting is None:
        reporting = ProjectReporting(project_id=project.id)
        db.session.add(reporting)
    reporting.period_months = months
    reporting.next_due_on = add_months(commune_today(), months)
    reporting.reminded_at = reporting.flagged_at = None
    db.session.flush()
    return reporting


def reporting_of(project: Project) -> ProjectReporting | None:
    return db.session.get(ProjectReporting, project.id)


def is_reporter(user, project: Project) -> bool:
    """The commune's officials report on the works (the commune is the project owner)."""
    return is_commune_official(user, project)


def can_report(user, project: Project) -> bool:
    """... while the works are agreed or under way (for the form)."""
    return project.status in REPORTING_STATUSES and is_reporter(user, project)


def can_comment(user, report: ProgressReport, project: Project) -> bool:
    """The association's officers comment on each report."""
    return is_association_officer(user, project)


def _spending(project: Project, spent: dict, errors: dict) -> list[dict]:
    """{budget_line_id: whole XOF} → the rows kept, one per budget line, in its order."""
    rows = []
    for index, line in enumerate(project.budget_lines):
        raw = spent.get(line.id)
        if raw in (None, ""):
            amount = 0
        else:
            try:
                amount = int(str(raw).strip().replace(" ", "").replace("\u00a0", "").replace("\u202f", ""))
            except ValueError:
                amount = -1
            if not 0 <= amount < 10**12:
                errors[f"spending.{index}"] = [str(_l("Whole francs CFA, zero or more."))]
                continue
        rows.append({"budget_line_id": line.id, "label": line.label, "spent_xof": amount})
    unknown = set(spent) - {line.id for line in project.budget_lines}
    if unknown:
        errors["spending"] = [str(_l("Spending goes against the project's budget lines."))]
    return rows


def post_report(actor, project: Project, percent, spent: dict, remarks, stream=None, filename=None) -> ProgressReport:
    """The commune reports; the association's officers are told, and the next report falls due a period later."""
    if not is_reporter(actor, project):
        raise Refused("forbidden")
    if project.status not in REPORTING_STATUSES:
        raise Refused("invalid_transition", _l("Progress is reported while the works are agreed or under way."))
    errors: dict[str, list[str]] = {}
    try:
        percent = int(str(percent).strip()) if not isinstance(percent, bool) else -1
    except (TypeError, ValueError):
        percent = -1
    if not 0 <= percent <= 100:
        errors["percent_complete"] = [str(_l("A whole percentage from 0 to 100."))]
    spending = _spending(project, spent or {}, errors)
    remarks = (remarks or "").strip()
    if len(remarks) > REMARKS_MAX:
        errors["remarks"] = [str(at_most_characters(REMARKS_MAX))]
    if errors:
        raise Refused("validation_failed", fields=errors)
    photo = None
    if stream is not None:
        photo = keep_upload(DeliveryFile, stream, filename, actor, image_only=True, project_id=project.id)
        add_thumbnail(photo)
    report = ProgressReport(
        project_id=project.id,
        percent_complete=percent,
        spending=spending,
        remarks=remarks,
        photo_id=photo.id if photo else None,
        reported_by_id=actor.id,
        reported_at=utcnow(),
    )
    db.session.add(report)
    db.session.flush()
    reporting = reporting_of(project)
    if reporting is not None:
        reporting.next_due_on = add_months(commune_today(), reporting.period_months)
        reporting.reminded_at = reporting.flagged_at = None
    db.session.flush()
    record(
        "progress.report",
        "project",
        project.id,
        actor=actor,
        after={"report_id": report.id, "percent_complete": percent, "spent_xof": report.spent_xof},
        comment=remarks or None,
    )
    notify("progress_report_posted", project=project, report=report, actor=actor)
    return report


def comment_report(actor, project: Project, report: ProgressReport, comment) -> ProgressReport:
    """The association's officers comment on a report (a new comment replaces theirs)."""
    if not can_comment(actor, report, project):
        raise Refused("forbidden")
    comment = (comment or "").strip()
    if not comment:
        raise Refused("comment_required", fields={"comment": [str(_l("Write your comment."))]})
    if len(comment) > REMARKS_MAX:
        raise Refused("validation_failed", fields={"comment": [str(at_most_characters(REMARKS_MAX))]})
    report.association_comment = comment
    report.commented_by_id = actor.id
    report.commented_at = utcnow()
    db.session.flush()
    record("progress.comment", "project", project.id, actor=actor, after={"report_id": report.id}, comment=comment)
    notify("progress_report_commented", project=project, report=report, actor=actor, comment=comment)
    return report


def project_reports(project: Project):
    """select(ProgressReport) of the project, newest first, with its photo and authors."""
    return (
        select(ProgressReport)
        .where(ProgressReport.project_id == project.id)
        .options(
            joinedload(ProgressReport.photo),
            joinedload(ProgressReport.reported_by),
            joinedload(ProgressReport.commented_by),
        )
        .order_by(ProgressReport.id.desc())
    )


def find_report(project: Project, report_id) -> ProgressReport | None:
    report = db.session.get(ProgressReport, report_id)
    return report if report is not None and report.project_id == project.id else None


# Late reports (scheduled job, portal/cli/jobs.py) -------------------------------------------------------


def remind_late_reports(now=None) -> int:
    """A report past its due date is reminded once to the commune's officials; past the setting's days more
    (30), flagged once to the mediators. A new report starts the count again. Returns how many were told."""
    now = now or utcnow()
    today = commune_today(now)
    active = (
        select(ProjectReporting)
        .join(Project, Project.id == ProjectReporting.project_id)
        .where(Project.status.in_(REPORTING_STATUSES))
        .options(joinedload(ProjectReporting.project))
    )
    late = db.session.scalars(
        active.where(ProjectReporting.next_due_on < today, ProjectReporting.reminded_at.is_(None))
    ).all()
    for reporting in late:
        reporting.reminded_at = now
        notify("progress_report_due", project=reporting.project, due_on=reporting.next_due_on, actor=None)
    limit = today - timedelta(days=get_setting("progress_flag_days"))
    missing = db.session.scalars(
        active.where(ProjectReporting.next_due_on < limit, ProjectReporting.flagged_at.is_(None))
    ).all()
    for reporting in missing:
        reporting.flagged_at = now
        record(
            "progress.flag",
            "project",
            reporting.project_id,
            after={"next_due_on": reporting.next_due_on.isoformat()},
        )
        notify("progress_report_missing", project=reporting.project, due_on=reporting.next_due_on, actor=None)
    db.session.flush()
    return len(late) + len(missing)
