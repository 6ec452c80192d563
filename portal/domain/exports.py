"""Open data: CSV of public projects and of indicators, and IATI 2.03 activity XML of public projects.

Only public projects (from agreement on) are ever exported, never drafts nor projects still under discussion.
CSV files are UTF-8 with a byte-order mark, so that a spreadsheet set to French opens them with their accents,
and a free-text cell never starts a formula (portal/domain/spreadsheets.py).
The IATI document follows the 2.03 activity standard (the schema ships in portal/data/iati): the reporting
organisation comes from the configuration, the proposing association, the commune and every funder are
participating organisations with their roles, each funding line is an incoming commitment, and sectors are
mapped to DAC 5-digit purpose codes.
A funder awaiting its confirmation is not named (portal/domain/commitments.py): its line stays a commitment,
described as awaiting its funder, with no provider.
"""

from datetime import UTC, date
from pathlib import Path
from xml.etree import ElementTree as ET

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.database import utcnow
from portal.domain.commitments import names_funder
from portal.domain.indicators import indicator_rows, plain_number
from portal.domain.spreadsheets import FOR_SPREADSHEETS, STANDARD, csv_text, free_text, plain
from portal.domain.stats import DIASPORA_PARTY
from portal.extensions import db
from portal.models import AuditEvent, Cercle, Commune, FundingLine, Organisation, Project
from portal.urls import public_url

IATI_VERSION = "2.03"
IATI_SCHEMA = Path(__file__).resolve().parent.parent / "data" / "iati" / "iati-activities-schema.xsd"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
MALI = "ML"

# DAC 5-digit purpose codes (IATI Sector vocabulary 1) for the portal's sectors.
DAC_SECTORS = {
    "water": "14030",  # basic drinking water supply and basic sanitation
    "health": "12220",  # basic health care
    "education": "11220",  # primary education
    "agriculture": "31120",  # agricultural development
    "energy": "23210",  # energy generation, renewable sources
    "culture": "16061",  # culture and recreation
    "economy": "25010",  # business policy and administration
    "other": "99810",  # sectors not specified
}
# IATI ActivityStatus: 1 pipeline, 2 implementation, 3 finalisation, 4 closed.
ACTIVITY_STATUS = {"agreed": "1", "in_progress": "2", "completed": "3", "handed_over": "4"}
# IATI OrganisationType of each kind of party: 11 local government, 10 government, 21 international NGO (a
# diaspora association abroad), 90 other (a partner whose kind the portal does not know, the population).
ORGANISATION_TYPE = {"commune": "11", "state": "10", "association": "21", "partner": "90", "population": "90"}
# IATI OrganisationRole: 1 funding, 2 accountable, 4 implementing.
ROLE_FUNDING, ROLE_ACCOUNTABLE, ROLE_IMPLEMENTING = "1", "2", "4"
INCOMING_COMMITMENT = "11"  # IATI TransactionType
ACTIVITY_DATE_PLANNED_START = "1"  # IATI ActivityDateType
DESCRIPTION_GENERAL = "1"
AWAITING_FUNDER = "Financeur en attente de sa confirmation"  # the document's language is French (xml:lang)

# Which cells are free text (what people typed or imported: titles, names, units, sources), neutralised against
# formulas by portal/domain/spreadsheets.py; ids, codes the portal sets, dates, amounts and numbers as they are.
PROJECT_COLUMNS = (
    plain("id"),
    free_text("title"),
    plain("sector"),
    plain("status"),
    free_text("commune_code"),
    free_text("commune"),
    free_text("cercle"),
    free_text("region"),
    free_text("map_version"),
    free_text("association"),
    plain("association_country"),
    plain("budget_total_xof"),
    plain("funding_total_xof"),
    plain("diaspora_funding_xof"),
    plain("first_submitted_on"),
    plain("agreed_on"),
    plain("url"),
)
INDICATOR_COLUMNS = (
    free_text("commune_code"),
    free_text("map_version"),
    free_text("commune"),
    free_text("indicator"),
    plain("year"),
    plain("country"),
    plain("sex"),
    plain("value"),
    free_text("unit"),
    free_text("source"),
)


def public_projects() -> list[Project]:
    """Every public project with what the exports print, oldest first: a fixed number of queries."""
    return db.session.scalars(
        select(Project)
        .where(Project.is_public)
        .options(
            joinedload(Project.commune).joinedload(Commune.cercle).joinedload(Cercle.region),
            joinedload(Project.commune).joinedload(Commune.map_version),
            joinedload(Project.association),
            selectinload(Project.budget_lines),
            selectinload(Project.funding_lines).joinedload(FundingLine.organisation),
        )
        .order_by(Project.id)
    ).all()


def agreement_dates(project_ids) -> dict[int, date]:
    """The day each project was agreed (its last `agree` on the audit log)."""
    rows = db.session.execute(
        select(AuditEvent.subject_id, func.max(AuditEvent.at))
        .where(AuditEvent.subject_type == "project", AuditEvent.action == "project.agree")
        .where(AuditEvent.subject_id.in_(project_ids))
        .group_by(AuditEvent.subject_id)
    )
    return {project_id: at.astimezone(UTC).date() for project_id, at in rows}


def _agreed_on(project: Project, agreed: dict[int, date]) -> date:
    """The day of agreement; a project agreed before the log kept it falls back to its first submission."""
    found = agreed.get(project.id)
    if found is not None:
        return found
    return (project.first_submitted_at or project.created_at).astimezone(UTC).date()


def projects_csv(for_spreadsheets: bool = False) -> str:
    """The public projects, one line each, as CSV (UTF-8 with BOM).

    The standard file (the API's) separates cells by commas and names places as the official data does ("Segou",
    beside its P-code). `for_spreadsheets`: cells separated by ";" so that a spreadsheet set to French opens it in
    columns, and places under their usual spelling ("Ségou"), as the pages write them.
    """
    place = (lambda record: record.display_name) if for_spreadsheets else (lambda record: record.name)
    projects = public_projects()
    agreed = agreement_dates([project.id for project in projects])
    rows = (
        (
            project.id,
            project.title,
            project.sector,
            project.status,
            project.commune.code,
            place(project.commune),
            place(project.commune.cercle),
            place(project.commune.cercle.region),
            project.commune.map_version.code,
            project.association.name,
            project.association.country or "",
            project.budget_total_xof,
            project.funding_total_xof,
            sum(line.amount_xof for line in project.funding_lines if line.party_kind == DIASPORA_PARTY),
            project.first_submitted_at.astimezone(UTC).date().isoformat() if project.first_submitted_at else "",
            _agreed_on(project, agreed).isoformat(),
            public_url(f"/projects/{project.id}"),
        )
        for project in projects
    )
    return csv_text(PROJECT_COLUMNS, rows, FOR_SPREADSHEETS if for_spreadsheets else STANDARD)


def indicators_csv() -> str:
    """Every entered indicator value with its commune, unit and source, as CSV (UTF-8 with BOM)."""
    rows = (
        (
            row.commune.code,
            row.commune.map_version.code,
            row.commune.name,
            row.indicator,
            row.year,
            row.country,
            row.sex,
            plain_number(row.value),
            row.unit,
            row.source,
        )
        for row in indicator_rows()
    )
    return csv_text(INDICATOR_COLUMNS, rows)


# IATI --------------------------------------------------------------------------------------------------


def _narrative(parent: ET.Element, text: str) -> None:
    ET.SubElement(parent, "narrative").text = text


def _participant(activity: ET.Element, role: str, kind: str, name: str, ref: str | None = None) -> None:
    attributes = {"role": role, "type": ORGANISATION_TYPE[kind]}
    if ref:
        attributes["ref"] = ref
    _narrative(ET.SubElement(activity, "participating-org", attributes), name)


def _funder_name(line: FundingLine, project: Project) -> tuple[str, str] | None:
    """The kind and name of a funding line's party, as IATI prints it; None for a funder awaiting its confirmation,
    which the public may not name (portal/domain/commitments.py; the export is read by the public: no viewer)."""
    if not names_funder(None, project, line):
        return None
    if line.organisation is not None:
        return line.party_kind, line.organisation.name
    if line.party_kind == "association":
        return "association", project.association.name
    if line.party_kind == "commune":
        return "commune", project.commune.name
    names = {"state": "État du Mali / collectivités territoriales", "population": "Population (contribution en nature)"}
    return line.party_kind, names.get(line.party_kind, line.party_kind)


def _activity(parent: ET.Element, project: Project, agreed_on: date, config, commune_orgs: dict[int, str]) -> None:
    reporting_ref = config["IATI_REPORTING_ORG_REF"]
    activity = ET.SubElement(
        parent,
        "iati-activity",
        {
            "last-updated-datetime": project.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            XML_LANG: "fr",
            "default-currency": "XOF",
        },
    )
    ET.SubElement(activity, "iati-identifier").text = f"{reporting_ref}-{project.id}"
    reporting = ET.SubElement(
        activity, "reporting-org", {"ref": reporting_ref, "type": config["IATI_REPORTING_ORG_TYPE"]}
    )
    _narrative(reporting, config["IATI_REPORTING_ORG_NAME"])
    _narrative(ET.SubElement(activity, "title"), project.title)
    _narrative(ET.SubElement(activity, "description", {"type": DESCRIPTION_GENERAL}), project.summary or project.title)

    _participant(activity, ROLE_IMPLEMENTING, "association", project.association.name)
    commune_name = commune_orgs.get(project.commune_id) or project.commune.name
    _participant(activity, ROLE_ACCOUNTABLE, "commune", commune_name)
    funders = []
    for line in project.funding_lines:
        funder = _funder_name(line, project)
        if funder is not None and funder not in funders:
            funders.append(funder)
    for kind, name in funders:
        _participant(activity, ROLE_FUNDING, kind, name)

    ET.SubElement(activity, "activity-status", {"code": ACTIVITY_STATUS[project.status]})
    ET.SubElement(activity, "activity-date", {"type": ACTIVITY_DATE_PLANNED_START, "iso-date": agreed_on.isoformat()})
    ET.SubElement(activity, "recipient-country", {"code": MALI, "percentage": "100"})
    ET.SubElement(activity, "sector", {"vocabulary": "1", "code": DAC_SECTORS[project.sector], "percentage": "100"})
    for line in project.funding_lines:
        transaction = ET.SubElement(activity, "transaction")
        ET.SubElement(transaction, "transaction-type", {"code": INCOMING_COMMITMENT})
        ET.SubElement(transaction, "transaction-date", {"iso-date": agreed_on.isoformat()})
        value = ET.SubElement(transaction, "value", {"currency": "XOF", "value-date": agreed_on.isoformat()})
        value.text = str(line.amount_xof)
        provider = _funder_name(line, project)
        if provider is None:  # the amount is public, not who promised it
            _narrative(ET.SubElement(transaction, "description"), AWAITING_FUNDER)
        else:
            _narrative(ET.SubElement(transaction, "provider-org"), provider[1])


def iati_xml() -> bytes:
    """The public projects as an IATI 2.03 `iati-activities` document (UTF-8)."""
    config = current_app.config
    projects = public_projects()
    agreed = agreement_dates([project.id for project in projects])
    commune_orgs = dict(
        db.session.execute(
            select(Organisation.commune_id, Organisation.name).where(
                Organisation.kind == "commune", Organisation.commune_id.in_({p.commune_id for p in projects})
            )
        ).all()
    )
    root = ET.Element(
        "iati-activities",
        {"version": IATI_VERSION, "generated-datetime": utcnow().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
    )
    for project in projects:
        _activity(root, project, _agreed_on(project, agreed), config, commune_orgs)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
