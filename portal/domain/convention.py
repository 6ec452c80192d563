"""The convention: at agreement the portal drafts the agreement the commune, the association and any partner
sign (parties and representatives, the project, its budget and funding plan with the pledges and their due dates,
the commune as maître d'ouvrage, the reporting period, upkeep, mediation of disputes). A commune official records
the council's deliberation (number and date); the commune or the association uploads the signed copy, and the
project then reads "convention signed".
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.database import utcnow
from portal.domain.audit import record
from portal.domain.commitments import funder_name, names_promiser
from portal.errors import Refused
from portal.extensions import db
from portal.labels import at_most_characters
from portal.models import (
    MANAGER_ROLES,
    PUBLIC_STATUSES,
    Commitment,
    DeliveryFile,
    Membership,
    Organisation,
    OrganisationKind,
    Project,
    ProjectConvention,
    ProjectReporting,
    User,
    commune_today,
)
from portal.notifications.notify import notify
from portal.services.files import keep_upload
from portal.visibility import is_association_officer, is_commune_official, party_organisation_ids

NUMBER_MAX = 100


def has_convention(project: Project) -> bool:
    """A convention exists from agreement on."""
    return project.status in PUBLIC_STATUSES


def convention_of(project: Project) -> ProjectConvention | None:
    return db.session.get(ProjectConvention, project.id)


def is_signed(project: Project) -> bool:
    found = convention_of(project)
    return found is not None and found.signed_file_id is not None


def _row(project: Project) -> ProjectConvention:
    found = convention_of(project)
    if found is None:
        found = ProjectConvention(project_id=project.id)
        db.session.add(found)
        db.session.flush()
    return found


@dataclass(frozen=True)
class Party:
    organisation: Organisation
    role: object  # what it is to the convention, translated
    representatives: list[str]  # the names of who speaks for it: its managers (the mayor, the officers…)


def parties(project: Project, viewer) -> list[Party]:
    """The signing parties: the commune (maître d'ouvrage), the association, then each other funder, with their
    representatives' names (two queries). A funder awaiting its confirmation is left out for a viewer who may not
    name it (portal/domain/commitments.py)."""
    named = {line.organisation_id for line in project.funding_lines if funder_name(viewer, project, line)}
    funders = {line.organisation_id for line in project.funding_lines if line.organisation_id is not None}
    ids = party_organisation_ids(project) - (funders - named)  # a funder none of whose lines the viewer may name
    organisations = db.session.scalars(select(Organisation).where(Organisation.id.in_(ids))).all()
    rows = db.session.execute(
        select(Membership.organisation_id, Membership.role, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id.in_(ids))
        .order_by(User.name)
    ).all()
    names: dict[int, list[str]] = {}
    for organisation_id, role, name in rows:
        names.setdefault(organisation_id, []).append((role, name))

    def managers(organisation):
        manager_role = MANAGER_ROLES[OrganisationKind(organisation.kind)]
        return [name for role, name in names.get(organisation.id, []) if role == manager_role]

    def order(organisation):
        return (
            organisation.kind != OrganisationKind.COMMUNE,
            organisation.id != project.association_id,
            organisation.name,
        )

    result = []
    for organisation in sorted(organisations, key=order):
        if organisation.kind == OrganisationKind.COMMUNE:
            role = _l("The commune, project owner (maître d'ouvrage)")
        elif organisation.id == project.association_id:
            role = _l("The diaspora association, proposer and co-funder")
        else:
            role = _l("Co-funder")
        result.append(Party(organisation, role, managers(organisation)))
    return result


def pledges(project: Project, viewer) -> list[tuple[Commitment, str | None]]:
    """The pledges of the funding plan (commitments of its lines) with their due dates, each with its party's name
    as `viewer` may read it (None: a funder awaiting its confirmation)."""
    found = db.session.scalars(
        select(Commitment)
        .where(Commitment.project_id == project.id, Commitment.funding_line_id.is_not(None))
        .options(joinedload(Commitment.organisation), joinedload(Commitment.funding_line))
        .order_by(Commitment.id)
    ).all()
    return [(pledge, pledge.organisation.name if names_promiser(viewer, pledge) else None) for pledge in found]


def reporting_months(project: Project) -> int | None:
    reporting = db.session.get(ProjectReporting, project.id)
    return reporting.period_months if reporting else None


def is_commune_official_of(user, project: Project) -> bool:
    return is_commune_official(user, project)


def may_upload_signed(user, project: Project) -> bool:
    """The commune's officials and the association's officers upload the signed copy."""
    return is_commune_official(user, project) or is_association_officer(user, project)


def can_record_deliberation(user, project: Project) -> bool:
    return has_convention(project) and is_commune_official(user, project)


def can_upload_signed(user, project: Project) -> bool:
    return has_convention(project) and may_upload_signed(user, project)


def record_deliberation(actor, project: Project, number, day) -> ProjectConvention:
    """A commune official records the council's deliberation approving the convention: its number and date."""
    if not is_commune_official(actor, project):
        raise Refused("forbidden")
    if not has_convention(project):
        raise Refused("not_found")
    errors = {}
    number = (number or "").strip()
    if not number:
        errors["deliberation_number"] = [str(_l("Give the deliberation's number."))]
    elif len(number) > NUMBER_MAX:
        errors["deliberation_number"] = [str(at_most_characters(NUMBER_MAX))]
    try:
        parsed = date.fromisoformat(str(day or "").strip()) if not isinstance(day, date) else day
    except ValueError:
        parsed = None
    if parsed is None:
        errors["deliberation_date"] = [str(_l("Give the date as YYYY-MM-DD."))]
    elif parsed > commune_today():
        errors["deliberation_date"] = [str(_l("A deliberation cannot be dated in the future."))]
    if errors:
        raise Refused("validation_failed", fields=errors)
    convention = _row(project)
    before = {"number": convention.deliberation_number, "date": str(convention.deliberation_date or "") or None}
    convention.deliberation_number, convention.deliberation_date = number, parsed
    convention.updated_by_id = actor.id
    db.session.flush()
    record(
        "convention.deliberation",
        "project",
        project.id,
        actor=actor,
        before=before,
        after={"number": number, "date": parsed.isoformat()},
    )
    return convention


def upload_signed(actor, project: Project, stream, filename) -> ProjectConvention:
    """The commune or the association uploads the convention signed by every party (a new upload replaces it)."""
    if not may_upload_signed(actor, project):
        raise Refused("forbidden")
    if not has_convention(project):
        raise Refused("not_found")
    signed = keep_upload(DeliveryFile, stream, filename, actor, project_id=project.id)
    convention = _row(project)
    convention.signed_file_id, convention.signed_at = signed.id, utcnow()
    convention.signed_file = signed
    convention.updated_by_id = actor.id
    db.session.flush()
    record("convention.signed", "project", project.id, actor=actor, after={"filename": signed.filename})
    notify("convention_signed", project=project, actor=actor)
    return convention
