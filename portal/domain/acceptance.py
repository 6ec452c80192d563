"""Acceptance of the works: provisional, then final (réception provisoire, puis définitive), each with its date,
the participants and the signed record (an uploaded document, checked by content). The commune's officials (the
project owner, maître d'ouvrage) record them once the works have started; they are records on the project's
timeline, not conditions of the hand-over.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.domain.audit import record
from portal.errors import Refused
from portal.extensions import db
from portal.labels import at_most_characters
from portal.models import ACCEPTANCE_KINDS, DeliveryFile, Project, ProjectStatus, WorksAcceptance, commune_today
from portal.notifications.notify import notify
from portal.services.files import keep_upload
from portal.visibility import is_commune_official

ACCEPTING_STATUSES = frozenset({ProjectStatus.IN_PROGRESS, ProjectStatus.COMPLETED, ProjectStatus.HANDED_OVER})
PARTICIPANTS_MAX = 20_000


def is_recorder(user, project: Project) -> bool:
    return is_commune_official(user, project)


def project_acceptances(project: Project) -> list[WorksAcceptance]:
    """Provisional first, then final."""
    rows = db.session.scalars(
        select(WorksAcceptance)
        .where(WorksAcceptance.project_id == project.id)
        .options(joinedload(WorksAcceptance.record))
    ).all()
    return sorted(rows, key=lambda row: ACCEPTANCE_KINDS.index(row.kind))


def next_kind(project: Project) -> str | None:
    """What may be recorded next: provisional, then final, then nothing."""
    done = {row.kind for row in project_acceptances(project)}
    return next((kind for kind in ACCEPTANCE_KINDS if kind not in done), None)


def can_record(user, project: Project) -> bool:
    return project.status in ACCEPTING_STATUSES and is_recorder(user, project) and next_kind(project) is not None


def record_acceptance(actor, project: Project, kind, accepted_on, participants, stream, filename) -> WorksAcceptance:
    """Records the provisional acceptance, then the final one, with the signed record."""
    if not is_recorder(actor, project):
        raise Refused("forbidden")
    if project.status not in ACCEPTING_STATUSES:
        raise Refused("invalid_transition", _l("The works are accepted once they have started."))
    expected = next_kind(project)
    if kind in ACCEPTANCE_KINDS and kind != expected:
        raise Refused(
            "invalid_transition",
            _l("The provisional acceptance comes first, then the final one, each once."),
        )
    errors: dict[str, list[str]] = {}
    if kind not in ACCEPTANCE_KINDS:
        errors["kind"] = [str(_l("Provisional or final acceptance."))]
    try:
        day = date.fromisoformat(str(accepted_on or "").strip()) if not isinstance(accepted_on, date) else accepted_on
    except ValueError:
        day = None
    if day is None:
        errors["accepted_on"] = [str(_l("Give the date as YYYY-MM-DD."))]
    elif day > commune_today():
        errors["accepted_on"] = [str(_l("An acceptance cannot be dated in the future."))]
    participants = (participants or "").strip()
    if not participants:
        errors["participants"] = [str(_l("Name who took part (the commune, the association, the contractor…)."))]
    elif len(participants) > PARTICIPANTS_MAX:
        errors["participants"] = [str(at_most_characters(PARTICIPANTS_MAX))]
    if stream is None:
        errors["file"] = [str(_l("Add the signed record (a PDF or a scan)."))]
    if errors:
        raise Refused("validation_failed", fields=errors)
    signed = keep_upload(DeliveryFile, stream, filename, actor, project_id=project.id)
    acceptance = WorksAcceptance(
        project_id=project.id,
        kind=kind,
        accepted_on=day,
        participants=participants,
        record_id=signed.id,
        recorded_by_id=actor.id,
    )
    db.session.add(acceptance)
    db.session.flush()
    record(
        f"acceptance.{kind}",
        "project",
        project.id,
        actor=actor,
        after={"acceptance_id": acceptance.id, "accepted_on": day.isoformat(), "record": signed.filename},
        comment=participants,
    )
    notify("works_accepted", project=project, acceptance=acceptance, actor=actor)
    return acceptance


def find_acceptance(project: Project, acceptance_id) -> WorksAcceptance | None:
    acceptance = db.session.get(WorksAcceptance, acceptance_id)
    return acceptance if acceptance is not None and acceptance.project_id == project.id else None
