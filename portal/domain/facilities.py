"""Facilities handed over: the commune's register of what its diaspora built, and the owner's yearly word on
whether each facility still works (working, partly, not working), reminded when overdue.

A facility is registered by the project's `hand_over` (portal/domain/projects.py). Its owner is the project's
owner organisation (the commune or a management committee); that organisation's members who act for it (not
observers) record the checks. The register is public, as handed-over projects are.
"""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.database import utcnow
from portal.domain.audit import record
from portal.domain.commitments import acts_for, awaits_funder
from portal.domain.settings import get_setting
from portal.domain.thumbnails import add_thumbnail
from portal.errors import Refused
from portal.extensions import db
from portal.labels import at_most_characters
from portal.models import (
    COMMUNE_TIMEZONE,
    FACILITY_CONDITIONS,
    DeliveryFile,
    Facility,
    FacilityCheck,
    FundingLine,
    Project,
    ProjectStatus,
)
from portal.notifications.notify import notify
from portal.services.files import keep_upload

REMARK_MAX = 20_000


def register_facility(project: Project) -> Facility:
    """At hand-over: the facility enters its commune's register, its condition unknown until the first check."""
    facility = db.session.get(Facility, project.id)
    if facility is None:
        facility = Facility(project_id=project.id, commune_id=project.commune_id, handed_over_at=utcnow())
        db.session.add(facility)
    else:  # handed over again: the register keeps the latest hand-over
        facility.handed_over_at = utcnow()
    db.session.flush()
    return facility


def facility_of(project: Project) -> Facility | None:
    """The project's facility, once it is handed over."""
    if project.status != ProjectStatus.HANDED_OVER:
        return None
    return db.session.get(Facility, project.id)


def can_check(user, project: Project) -> bool:
    """The owner organisation's members (not observers) record the yearly check of a facility handed over."""
    return (
        project.status == ProjectStatus.HANDED_OVER
        and project.owner_organisation_id is not None
        and acts_for(user, project.owner_organisation_id)
    )


def record_check(actor, project: Project, condition, remark, stream=None, filename=None) -> FacilityCheck:
    """The owner says whether the facility works, with a remark and a photo (an image, checked by content)."""
    facility = facility_of(project)
    if facility is None:
        raise Refused("not_found")
    if not can_check(actor, project):
        raise Refused("forbidden")
    errors = {}
    if condition not in FACILITY_CONDITIONS:
        errors["condition"] = [str(_l("Say whether the facility works: working, partly or not working."))]
    remark = (remark or "").strip()
    if len(remark) > REMARK_MAX:
        errors["remark"] = [str(at_most_characters(REMARK_MAX))]
    if errors:
        raise Refused("validation_failed", fields=errors)
    photo = None
    if stream is not None:
        photo = keep_upload(DeliveryFile, stream, filename, actor, image_only=True, project_id=project.id)
        add_thumbnail(photo)
    now = utcnow()
    check = FacilityCheck(
        project_id=project.id,
        condition=condition,
        remark=remark,
        photo_id=photo.id if photo else None,
        recorded_by_id=actor.id,
        checked_at=now,
    )
    db.session.add(check)
    before = facility.condition
    facility.condition = condition
    facility.condition_checked_at = now
    facility.check_reminded_at = None
    db.session.flush()
    record(
        "facility.check",
        "project",
        project.id,
        actor=actor,
        before={"condition": before},
        after={"condition": condition, "check_id": check.id},
        comment=remark or None,
    )
    notify("facility_checked", project=project, check=check, actor=actor)
    return check


def facility_checks(project: Project) -> list[FacilityCheck]:
    """The facility's checks, newest first, with their photo and author."""
    return db.session.scalars(
        select(FacilityCheck)
        .where(FacilityCheck.project_id == project.id)
        .options(joinedload(FacilityCheck.photo), joinedload(FacilityCheck.recorded_by))
        .order_by(FacilityCheck.id.desc())
    ).all()


def find_check(project: Project, check_id) -> FacilityCheck | None:
    check = db.session.get(FacilityCheck, check_id)
    return check if check is not None and check.project_id == project.id else None


# The register ---------------------------------------------------------------------------------------------


def commune_register(commune_id: int):
    """select(Facility) of the commune's handed-over facilities, newest hand-over first, with what the register
    shows (owner, budget, funders) loaded in a fixed number of queries."""
    return (
        select(Facility)
        .join(Project, Project.id == Facility.project_id)
        .where(Facility.commune_id == commune_id, Project.status == ProjectStatus.HANDED_OVER)
        .options(
            joinedload(Facility.project).joinedload(Project.owner_organisation),
            joinedload(Facility.project).selectinload(Project.budget_lines),
            joinedload(Facility.project).selectinload(Project.funding_lines).joinedload(FundingLine.organisation),
        )
        .order_by(Facility.handed_over_at.desc(), Facility.project_id.desc())
    )


def year_of(facility: Facility) -> int:
    """The year of hand-over, in the communes' time zone."""
    return facility.handed_over_at.astimezone(COMMUNE_TIMEZONE).year


def funders_of(project: Project) -> list[str]:
    """The names of the organisations that fund the project (a funder's name once it confirmed its line)."""
    names = []
    for line in project.funding_lines:
        if line.organisation is not None and not awaits_funder(project, line) and line.organisation.name not in names:
            names.append(line.organisation.name)
    return names


# The yearly check, reminded (scheduled job, portal/cli/jobs.py) ------------------------------------------


def send_check_reminders(now=None) -> int:
    """Facilities whose last check (or hand-over) is older than the setting (a year) are reminded to their
    owner once; the next check starts the count again. Returns how many facilities were reminded."""
    now = now or utcnow()
    limit = now - timedelta(days=get_setting("facility_check_days"))
    due = db.session.scalars(
        select(Facility)
        .join(Project, Project.id == Facility.project_id)
        .where(
            Project.status == ProjectStatus.HANDED_OVER,
            Facility.check_reminded_at.is_(None),
            func.coalesce(Facility.condition_checked_at, Facility.handed_over_at) <= limit,
        )
        .options(joinedload(Facility.project))
    ).all()
    for facility in due:
        facility.check_reminded_at = now
        record("facility.check_reminded", "project", facility.project_id, after={"condition": facility.condition})
        notify("facility_check_due", project=facility.project, actor=None)
    db.session.flush()
    return len(due)
