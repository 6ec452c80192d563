"""`flask --app wsgi seed-demo`, and its data: believable people, organisations and projects around two real
communes of the Kayes region.

Idempotent: running it again finds what it made and changes nothing. Refused in production.
"""

from datetime import timedelta

import click
from flask import current_app
from sqlalchemy import select

from portal.database import utcnow
from portal.domain.accounts import hash_password
from portal.domain.commitments import record_commitment
from portal.domain.commitments import transition as commitment_transition
from portal.domain.disputes import open_dispute, post_message
from portal.domain.disputes import transition as dispute_transition
from portal.domain.indicators import SAMPLE_FILE, import_indicators
from portal.domain.meetings import MeetingInput, answer_invitation, answer_minutes, post_minutes, schedule_meeting
from portal.domain.projects import ProjectInput, create_project, transition
from portal.domain.territories import ensure_default_territories
from portal.extensions import db
from portal.models import (
    Commitment,
    Commune,
    Dispute,
    HomeCommune,
    MapVersion,
    Meeting,
    Membership,
    Organisation,
    Project,
    ProjectStatus,
    User,
    Verification,
)

DEMO_PASSWORD = "demo-password"  # noqa: S105 (published in README and api.md; refused in production)

# (email, name, is_admin, locale)
ACCOUNTS = [
    ("admin@example.org", "Administratrice de la plateforme", True, "fr"),
    ("mediator@example.org", "Aminata Traoré", False, "fr"),
    ("mayor@example.org", "Moussa Sissoko", False, "fr"),
    ("mayor2@example.org", "Bakary Diarra", False, "fr"),
    ("association@example.org", "Fatoumata Kanté", False, "fr"),
    ("association2@example.org", "Samba Doucouré", False, "fr"),
    ("observer@example.org", "Claire Martin", False, "fr"),
    ("treasurer@example.org", "Ousmane Diakité", False, "fr"),
    ("pending@example.org", "Mariam Coulibaly", False, "fr"),
]

COMMUNE_A = "ML010304"  # Diéma, cercle of Diéma
COMMUNE_B = "ML010705"  # Guidimé, cercle of Yélimané


def _commune(code: str) -> Commune:
    return db.session.scalar(
        select(Commune).join(MapVersion).where(Commune.code == code, MapVersion.code == "ocha-2015")
    )


def _user(email, name, is_admin, locale) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(
            email=email,
            name=name,
            is_admin=is_admin,
            locale=locale,
            password_hash=hash_password(DEMO_PASSWORD),
            email_confirmed_at=utcnow(),
        )
        db.session.add(user)
        db.session.flush()
    return user


def _organisation(kind: str, name: str, **fields) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.kind == kind, Organisation.name == name))
    if organisation is None:
        organisation = Organisation(kind=kind, name=name, **fields)
        db.session.add(organisation)
        db.session.flush()
    return organisation


def _member(user: User, organisation: Organisation, role: str) -> None:
    exists = db.session.scalar(
        select(Membership.id).where(Membership.user_id == user.id, Membership.organisation_id == organisation.id)
    )
    if exists is None:
        db.session.add(Membership(user_id=user.id, organisation_id=organisation.id, role=role))


def _home(association: Organisation, commune: Commune, villages: str) -> None:
    if db.session.get(HomeCommune, (association.id, commune.id)) is None:
        db.session.add(HomeCommune(association_id=association.id, commune_id=commune.id, villages=villages))


def seed_demo() -> dict:
    ensure_default_territories()
    users = {email: _user(email, name, is_admin, locale) for email, name, is_admin, locale in ACCOUNTS}
    if users["treasurer@example.org"].currency is None:  # a treasurer in Montreuil counts in euros too
        users["treasurer@example.org"].currency = "EUR"
    commune_a, commune_b = _commune(COMMUNE_A), _commune(COMMUNE_B)
    now = utcnow()

    ministry = _organisation(
        "ministry",
        "Ministère des Maliens établis à l’extérieur (MMEIA)",
        description="Point focal migration et développement local.",
    )
    partner = _organisation(
        "partner",
        "Programme d’appui au développement local de Kayes (démo)",
        description="Partenaire technique et financier fictif, pour la démonstration.",
    )
    town_a = _organisation("commune", commune_a.name, commune_id=commune_a.id)
    town_b = _organisation("commune", commune_b.name, commune_id=commune_b.id)
    association_a = _organisation(
        "association",
        "Association des ressortissants de Diéma en France",
        country="FR",
        city="Montreuil",
        registration_number="W931000123",
        verification=Verification.VERIFIED,
        verified_by_id=users["mediator@example.org"].id,
        verified_at=now,
        description="Fondée en 1987 par les travailleurs originaires de Diéma installés en Île-de-France.",
    )
    association_b = _organisation(
        "association",
        "Association pour le développement de Guidimé",
        country="ES",
        city="Madrid",
        registration_number="G-28-55341",
        verification=Verification.VERIFIED,
        verified_by_id=users["mediator@example.org"].id,
        verified_at=now,
    )
    pending = _organisation(
        "association", "Jeunesse de Diéma à Abidjan", country="CI", city="Abidjan", verification=Verification.PENDING
    )
    committee = _organisation(
        "committee",
        "ASACO de Diéma",
        commune_id=commune_a.id,
        description="Association de santé communautaire qui gère le centre de santé.",
    )
    _home(association_a, commune_a, "Diéma, Dianguirdé, Lakamané")
    _home(association_b, commune_b, "Guidimé, Kremis")
    _home(pending, commune_a, "Diéma")

    _member(users["mediator@example.org"], ministry, "mediator")
    _member(users["mayor@example.org"], town_a, "mayor")
    _member(users["mayor2@example.org"], town_b, "mayor")
    _member(users["association@example.org"], association_a, "officer")
    _member(users["treasurer@example.org"], association_a, "member")
    _member(users["association2@example.org"], association_b, "officer")
    _member(users["observer@example.org"], partner, "observer")
    _member(users["pending@example.org"], pending, "officer")
    db.session.flush()
    organisations = {
        "a": association_a,
        "b": association_b,
        "town_a": town_a,
        "town_b": town_b,
        "partner": partner,
        "ministry": ministry,
    }
    projects = seed_demo_projects(users, organisations)
    meetings = seed_demo_meetings(users, organisations)
    disputes = seed_demo_disputes(users, organisations)
    import_indicators(SAMPLE_FILE, actor=users["mediator@example.org"])  # idempotent: unchanged values stay
    seed_demo_after_agreement(users, organisations)
    return {
        "accounts": len(users),
        "communes": [commune_a.name, commune_b.name],
        "committee": committee.name,
        "projects": projects,
        "meetings": meetings,
        "disputes": disputes,
    }


# Projects in every state, made through the same operations as the pages, so each has a real history.

# (title, sector, association key, village, budget [(label, amount, currency)], funding [(kind, org key, amount,
#  currency)], the path of (actor, action, comment) it has gone through)
PROJECTS = [
    (
        "Forage et château d’eau à Lakamané",
        "water",
        "a",
        "Lakamané",
        [("Forage à 80 m", "9000", "EUR"), ("Château d’eau de 20 m³", "4500000", "XOF")],
        [
            ("association", "a", "7500", "EUR"),
            ("commune", "town_a", "3500000", "XOF"),
            ("population", None, "2903647", "XOF"),
        ],
        "handed_over",
    ),
    (
        "Maternité de Diéma",
        "health",
        "a",
        "Diéma",
        [("Bâtiment", "18000000", "XOF"), ("Équipement", "6000", "EUR")],
        [
            ("association", "a", "12000", "EUR"),
            ("partner", "partner", "6000000", "XOF"),
            ("commune", "town_a", "8064258", "XOF"),
        ],
        "in_progress",
    ),
    (
        "Extension de l’école de Dianguirdé",
        "education",
        "a",
        "Dianguirdé",
        [("Deux salles de classe", "14000000", "XOF"), ("Tables-bancs", "1200000", "XOF")],
        [("association", "a", "15200000", "XOF")],
        "agreed",
    ),
    (
        "Périmètre maraîcher des femmes de Diéma",
        "agriculture",
        "a",
        "Diéma",
        [("Clôture grillagée", "3500000", "XOF"), ("Puits maraîchers", "2500000", "XOF")],
        [("association", "a", "4000000", "XOF"), ("population", None, "1000000", "XOF")],
        "in_consultation",
    ),
    (
        "Éclairage solaire du marché",
        "energy",
        "a",
        "Diéma",
        [("Lampadaires solaires", "7500", "EUR")],
        [("association", "a", "7500", "EUR")],
        "under_review",
    ),
    (
        "Rénovation de la grande mosquée",
        "culture",
        "a",
        "Diéma",
        [("Toiture et crépissage", "5000000", "XOF")],
        [("association", "a", "5000000", "XOF")],
        "submitted",
    ),
    (
        "Moulin à céréales pour le quartier nord",
        "economy",
        "a",
        "Diéma",
        [("Moulin et abri", "2800000", "XOF")],
        [("association", "a", "2000000", "XOF")],
        "changes_requested",
    ),
    (
        "Ambulance pour le CSCom",
        "health",
        "a",
        "Diéma",
        [("Ambulance tout-terrain", "32000", "EUR")],
        [("association", "a", "20000", "EUR")],
        "draft",
    ),
    (
        "Adduction d’eau de Kremis",
        "water",
        "b",
        "Kremis",
        [("Réseau et bornes-fontaines", "25000000", "XOF")],
        [("association", "b", "20000000", "XOF")],
        "declined",
    ),
    (
        "Centre de formation des jeunes",
        "education",
        "b",
        "Guidimé",
        [("Bâtiment", "12000000", "XOF")],
        [("association", "b", "12000000", "XOF")],
        "withdrawn",
    ),
    (
        "Banque de céréales de Guidimé",
        "agriculture",
        "b",
        "Guidimé",
        [("Magasin", "6000000", "XOF"), ("Stock initial", "3000", "EUR")],
        [("association", "b", "6000000", "XOF"), ("association", "b", "3000", "EUR")],
        "completed",
    ),
]

# How each final state is reached: (who acts — "officer" or "mayor" —, action, comment).
PATHS = {
    "draft": [],
    "submitted": [("officer", "submit", None)],
    "under_review": [("officer", "submit", None), ("mayor", "start_review", None)],
    "changes_requested": [
        ("officer", "submit", None),
        ("mayor", "start_review", None),
        (
            "mayor",
            "request_changes",
            "Le plan de financement ne couvre pas le coût du moulin : précisez l’apport de la population.",
        ),
    ],
    "in_consultation": [
        ("officer", "submit", None),
        ("mayor", "start_review", None),
        ("mayor", "open_consultation", None),
    ],
    "agreed": [
        ("officer", "submit", None),
        ("mayor", "start_review", None),
        ("mayor", "open_consultation", None),
        ("mayor", "agree", "Accord du conseil communal en session du 12 mars."),
    ],
    "in_progress": [
        ("officer", "submit", None),
        ("mayor", "start_review", None),
        ("mayor", "open_consultation", None),
        ("mayor", "agree", None),
        ("mayor", "start_implementation", None),
    ],
    "completed": [
        ("officer", "submit", None),
        ("mayor", "start_review", None),
        ("mayor", "open_consultation", None),
        ("mayor", "agree", None),
        ("mayor", "start_implementation", None),
        ("mayor", "complete", None),
    ],
    "handed_over": [
        ("officer", "submit", None),
        ("mayor", "start_review", None),
        ("mayor", "open_consultation", None),
        ("mayor", "agree", None),
        ("mayor", "start_implementation", None),
        ("mayor", "complete", None),
        ("mayor", "hand_over", None),
    ],
    "declined": [
        ("officer", "submit", None),
        ("mayor", "start_review", None),
        ("mayor", "decline", "Le réseau prévu double celui que finance déjà l’Agence de l’eau."),
    ],
    "withdrawn": [("officer", "submit", None), ("officer", "withdraw", None)],
}


def seed_demo_projects(users: dict, organisations: dict) -> int:
    made = 0
    for title, sector, association_key, village, budget, funding, final_state in PROJECTS:
        if db.session.scalar(select(Project.id).where(Project.title == title)) is not None:
            continue
        association = organisations[association_key]
        officer = users["association@example.org" if association_key == "a" else "association2@example.org"]
        mayor = users["mayor@example.org" if association_key == "a" else "mayor2@example.org"]
        commune_id = organisations["town_a" if association_key == "a" else "town_b"].commune_id
        project = create_project(
            officer,
            ProjectInput(
                title=title,
                sector=sector,
                commune_id=commune_id,
                association_id=association.id,
                village=village,
                summary=f"{title} : projet porté par {association.name}.",
                pdsec_period="2024-2028",
                budget_lines=[
                    {"label": label, "amount": amount, "currency": currency} for label, amount, currency in budget
                ],
                funding_lines=[
                    {
                        "party_kind": kind,
                        "organisation_id": organisations[key].id if key else None,
                        "amount": amount,
                        "currency": currency,
                    }
                    for kind, key, amount, currency in funding
                ],
            ),
        )
        for who, action, comment in PATHS[final_state]:
            extra = {}
            if action == "hand_over":
                extra = {
                    "owner_organisation_id": organisations["town_a"].id,
                    "maintenance_plan": "Le comité des usagers gère le forage ; la mairie paie les grosses réparations.",
                }
            transition(officer if who == "officer" else mayor, project, action, comment, **extra)
        made += 1
    return made


def seed_demo_meetings(users: dict, organisations: dict) -> int:
    """A consultation held ten days ago with its minutes approved, and one next week awaiting its answers: both
    about Diéma's projects in consultation, made through the same operations as the pages."""
    town_a, association_a = organisations["town_a"], organisations["a"]
    mayor, officer = users["mayor@example.org"], users["association@example.org"]
    agenda = db.session.scalars(
        select(Project.id)
        .where(Project.association_id == association_a.id, Project.status == ProjectStatus.IN_CONSULTATION)
        .order_by(Project.id)
    ).all()
    if not agenda:
        return 0
    now = utcnow()
    made = 0
    for title, days, minutes in (
        ("Concertation sur les projets de la diaspora", -10, True),
        ("Point d’étape avec l’association des ressortissants", 7, False),
    ):
        if db.session.scalar(select(Meeting.id).where(Meeting.title == title)) is not None:
            continue
        start = (now + timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0, tzinfo=None)
        meeting = schedule_meeting(
            mayor,
            MeetingInput(
                title=title,
                commune_id=town_a.commune_id,
                project_ids=list(agenda),
                starts_at=start,
                timezone="Africa/Bamako",
                duration_minutes=120,
                location="Salle du conseil communal de Diéma",
                online_url="https://visio.example.org/dieme-diaspora",
                invitee_organisation_ids=[association_a.id, organisations["partner"].id],
            ),
        )
        if minutes:
            answer_invitation(officer, meeting, "yes", association_a.id)
            _demo_commitments(meeting, agenda[0], users, organisations)
            post_minutes(
                mayor,
                meeting,
                "Le conseil et l’association ont examiné le plan de financement et le calendrier des travaux.",
                ["Visite du site avec le service technique du cercle.", "Le conseil délibère sur sa part."],
                [association_a.id],
                people="Le maire, deux conseillers, le responsable de l’association (en ligne).",
            )
            answer_minutes(officer, meeting, "approved", organisation_id=association_a.id)
        made += 1
    return made


# The commitments taken at the past consultation, one in each state: (who promises, what, days from the meeting
# to the due date, the steps it went through: (who, action, comment)).
DEMO_COMMITMENTS = [
    ("town_a", "Délibération du conseil sur la part communale", 20, []),
    ("a", "Envoi du devis signé du foreur", 5, [("officer", "report_fulfilled", None)]),
    (
        "town_a",
        "Mise à disposition du terrain",
        10,
        [("mayor", "report_fulfilled", None), ("officer", "confirm", None)],
    ),
    (
        "a",
        "Versement de la première tranche (2 500 €)",
        15,
        [("officer", "report_fulfilled", None), ("mayor", "contest", "Le virement n’apparaît pas sur le compte.")],
    ),
    ("a", "Visite du chantier par le bureau", 30, [("mediator", "cancel", "Remplacée par la visite du cercle.")]),
]


def _demo_commitments(meeting: Meeting, project_id: int, users: dict, organisations: dict) -> None:
    project = db.session.get(Project, project_id)
    people = {
        "officer": users["association@example.org"],
        "mayor": users["mayor@example.org"],
        "mediator": users["mediator@example.org"],
    }
    for promising, description, days, steps in DEMO_COMMITMENTS:
        commitment = record_commitment(
            people["mayor"],
            project,
            {
                "organisation_id": organisations[promising].id,
                "kind": "administrative" if promising == "town_a" else "technical",
                "description": description,
                "due_date": (meeting.starts_at + timedelta(days=days)).date().isoformat(),
                "meeting_id": meeting.id,
            },
        )
        for who, action, comment in steps:
            commitment_transition(people[who], commitment, action, comment)


# Disputes at several stages, each visible only to its two parties, the mediator and the admin: (subject, the
# project's title, claimant, respondent, the commitment it is about (its description) or None, description, the
# steps it went through: (who, action, comment)). "session" schedules a mediation session, "note" a mediator's
# note, "message" a message of the thread.
DEMO_DISPUTES = [
    (
        "Première tranche contestée par la mairie",
        None,  # the project of the contested commitment
        "a",
        "town_a",
        "Versement de la première tranche (2 500 €)",
        "Nous avons viré la première tranche le 3 du mois ; la mairie dit ne pas l’avoir reçue. Nous joignons "
        "l’avis de virement et demandons une vérification avec la perception.",
        [
            ("mediator", "acknowledge", None),
            ("mediator", "start_mediation", None),
            ("mayor", "message", "La perception n’a rien reçu à ce jour ; nous attendons le relevé du Trésor."),
            ("mediator", "note", "Demander à la banque de l’association la preuve de réception SWIFT."),
            ("mediator", "session", None),
        ],
    ),
    (
        "Retard de la part communale de la maternité",
        "Maternité de Diéma",
        "a",
        "town_a",
        None,
        "La part de la commune devait être votée au budget de l’année ; les travaux attendent le second oeuvre.",
        [
            ("mediator", "acknowledge", None),
            ("mediator", "start_mediation", None),
            (
                "mediator",
                "resolve",
                "La commune inscrit sa part au budget additionnel et verse 4 000 000 F CFA avant la fin du "
                "trimestre ; l’association avance l’équipement dans l’intervalle.",
            ),
            ("officer", "accept", None),
        ],
    ),
    (
        "Entretien du château d’eau de Lakamané",
        "Forage et château d’eau à Lakamané",
        "town_a",
        "a",
        None,
        "Le comité des usagers ne collecte plus les cotisations ; la pompe est à l’arrêt depuis trois semaines.",
        [
            ("mediator", "acknowledge", None),
            ("mediator", "start_mediation", None),
            ("mediator", "resolve", "L’association finance la réparation ; le comité reprend la collecte mensuelle."),
            ("officer", "accept", None),
            ("mayor", "accept", None),
            ("mediator", "close", None),
        ],
    ),
    (
        "Stock de la banque de céréales",
        "Banque de céréales de Guidimé",
        "b",
        "town_b",
        None,
        "Le stock de départ promis par la commune n’a pas été livré à la réception du magasin.",
        [],
    ),
    (
        "Terrain de la maternité",
        "Maternité de Diéma",
        "town_a",
        "a",
        None,
        "L’association a changé l’emplacement sans délibération du conseil.",
        [("mediator", "dismiss", "Le changement a été délibéré le 12 mars : la délibération est jointe au projet.")],
    ),
]


def seed_demo_disputes(users: dict, organisations: dict) -> int:
    """The disputes of DEMO_DISPUTES, through the same operations as the pages; each once."""
    speaker = {
        "a": users["association@example.org"],
        "b": users["association2@example.org"],
        "town_a": users["mayor@example.org"],
        "town_b": users["mayor2@example.org"],
    }
    people = {
        "mediator": users["mediator@example.org"],
        "officer": users["association@example.org"],
        "mayor": users["mayor@example.org"],
    }
    made = 0
    for subject, title, claimant, respondent, about, description, steps in DEMO_DISPUTES:
        if db.session.scalar(select(Dispute.id).where(Dispute.subject == subject)) is not None:
            continue
        commitment = None
        if about is not None:
            commitment = db.session.scalar(select(Commitment).where(Commitment.description == about))
            if commitment is None:
                continue
            project = commitment.project
        else:
            project = db.session.scalar(select(Project).where(Project.title == title))
        dispute = open_dispute(
            speaker[claimant],
            project,
            {
                "organisation_id": organisations[claimant].id,
                "respondent_organisation_id": organisations[respondent].id,
                "commitment_id": commitment.id if commitment is not None else None,
                "subject": subject,
                "description": description,
            },
        )
        for who, action, comment in steps:
            if action in ("message", "note"):
                post_message(people[who], dispute, comment, private=action == "note")
            elif action == "session":
                start = (utcnow() + timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0, tzinfo=None)
                schedule_meeting(
                    people[who],
                    MeetingInput(
                        title="Séance de médiation : " + subject,
                        starts_at=start,
                        timezone="Africa/Bamako",
                        duration_minutes=90,
                        online_url="https://visio.example.org/mediation-dieme",
                        dispute_id=dispute.id,
                    ),
                )
            else:
                dispute_transition(people[who], dispute, action, comment)
        made += 1
    return made


# After agreement (helper-after): tranches paid, and a facility handed over in each demo commune with its yearly
# check, made through the same operations as the pages.

GUIDIME_WELL = "Puits pastoral de Kremis"
# A one-page PDF standing for a signed record of acceptance (the demo has no scans).
DEMO_RECORD = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def seed_demo_after_agreement(users: dict, organisations: dict) -> None:
    from portal.domain import contributions, facilities
    from portal.models import Contribution, FacilityCheck

    officer, mayor = users["association@example.org"], users["mayor@example.org"]
    officer_b, mayor_b = users["association2@example.org"], users["mayor2@example.org"]
    if db.session.scalar(select(Project.id).where(Project.title == GUIDIME_WELL)) is None:
        well = create_project(
            officer_b,
            ProjectInput(
                title=GUIDIME_WELL,
                sector="water",
                commune_id=organisations["town_b"].commune_id,
                association_id=organisations["b"].id,
                village="Kremis",
                summary=f"{GUIDIME_WELL} : projet porté par {organisations['b'].name}.",
                pdsec_period="2019-2023",
                budget_lines=[{"label": "Puits busé et abreuvoir", "amount": "7200000", "currency": "XOF"}],
                funding_lines=[
                    {
                        "party_kind": "association",
                        "organisation_id": organisations["b"].id,
                        "amount": "6000000",
                        "currency": "XOF",
                    },
                    {
                        "party_kind": "commune",
                        "organisation_id": organisations["town_b"].id,
                        "amount": "1200000",
                        "currency": "XOF",
                    },
                ],
            ),
        )
        for who, action, _comment in PATHS["handed_over"]:
            extra = {}
            if action == "hand_over":
                extra = {
                    "owner_organisation_id": organisations["town_b"].id,
                    "maintenance_plan": "Le comité des éleveurs entretient le puits ; la mairie remplace la margelle.",
                }
            transition(officer_b if who == "officer" else mayor_b, well, action, None, **extra)

    def paid(title, payer, receiver, lines, check=None):
        project = db.session.scalar(select(Project).where(Project.title == title))
        if project is None or db.session.scalar(select(Contribution.id).where(Contribution.project_id == project.id)):
            return
        for index, amount, currency, days_ago, confirm in lines:
            line = project.funding_lines[index]
            tranche = contributions.report_contribution(
                payer[index],
                project,
                {
                    "funding_line_id": line.id,
                    "paid_on": (utcnow() - timedelta(days=days_ago)).date().isoformat(),
                    "amount": amount,
                    "currency": currency,
                    "reference": f"VIR-{project.id}-{index}-{days_ago}",
                },
            )
            if confirm:
                contributions.transition(receiver[index], tranche, "confirm")
        if check and not db.session.scalar(select(FacilityCheck.id).where(FacilityCheck.project_id == project.id)):
            owner, condition, remark = check
            facilities.record_check(owner, project, condition, remark)

    # Lakamané's borehole: the association and the commune paid their lines in full, confirmed; it works.
    paid(
        "Forage et château d’eau à Lakamané",
        {0: officer, 1: mayor},
        {0: mayor, 1: officer},
        [(0, "4500", "EUR", 200, True), (0, "3000", "EUR", 120, True), (1, "3500000", "XOF", 90, True)],
        (mayor, "working", "Le château d’eau est plein ; la pompe a été révisée en mars."),
    )
    # Diéma's maternity: the association's first tranche confirmed, the second reported and awaiting the commune.
    paid(
        "Maternité de Diéma",
        {0: officer},
        {0: mayor},
        [(0, "6000", "EUR", 60, True), (0, "3000", "EUR", 5, False)],
    )
    # Diéma's maternity: the commune's progress report, and the association's comment on it.
    from portal.domain import progress
    from portal.models import ProgressReport

    maternity = db.session.scalar(select(Project).where(Project.title == "Maternité de Diéma"))
    if maternity is not None and not db.session.scalar(
        select(ProgressReport.id).where(ProgressReport.project_id == maternity.id)
    ):
        building = maternity.budget_lines[0]
        report = progress.post_report(
            mayor,
            maternity,
            45,
            {building.id: "9000000"},
            "Murs montés jusqu’au chaînage ; la toiture attend la deuxième tranche de l’association.",
        )
        progress.comment_report(
            officer, maternity, report, "La deuxième tranche est partie le 25 : merci de confirmer."
        )
    # Dianguirdé's school: the association proposed dearer benches, and the mayor accepted the amendment.
    from portal.domain import amendments
    from portal.models import Amendment

    school = db.session.scalar(select(Project).where(Project.title == "Extension de l’école de Dianguirdé"))
    if school is not None and not db.session.scalar(select(Amendment.id).where(Amendment.project_id == school.id)):
        benches, own_line = school.budget_lines[1], school.funding_lines[0]
        amendment = amendments.propose(
            officer,
            school,
            {benches.id: "1500000"},
            {own_line.id: "15500000"},
            "Les tables-bancs en métal coûtent 300 000 F CFA de plus ; l’association prend la différence.",
            school.version,
        )
        amendments.decide(mayor, amendment, "accept")
    # Lakamané's borehole: accepted provisionally, then finally, each with its signed record.
    import io

    from portal.domain import acceptance
    from portal.models import WorksAcceptance

    borehole = db.session.scalar(select(Project).where(Project.title == "Forage et château d’eau à Lakamané"))
    if borehole is not None and not db.session.scalar(
        select(WorksAcceptance.id).where(WorksAcceptance.project_id == borehole.id)
    ):
        for kind, days_ago in (("provisional", 150), ("final", 30)):
            acceptance.record_acceptance(
                mayor,
                borehole,
                kind,
                (utcnow() - timedelta(days=days_ago)).date().isoformat(),
                "Le maire, le bureau de l’association, l’entreprise de forage, le service de l’hydraulique de Diéma",
                io.BytesIO(DEMO_RECORD),
                f"PV de réception {kind}.pdf",
            )
    # Conventions: Lakamané's approved by the council and signed; the maternity's approved, not signed yet.
    from portal.domain import convention
    from portal.models import ProjectConvention

    for title, number, days_ago, signed in (
        ("Forage et château d’eau à Lakamané", "2024-007/CD-Diéma", 400, True),
        ("Maternité de Diéma", "2026-003/CD-Diéma", 120, False),
    ):
        project = db.session.scalar(select(Project).where(Project.title == title))
        if project is None or db.session.get(ProjectConvention, project.id) is not None:
            continue
        day = (utcnow() - timedelta(days=days_ago)).date().isoformat()
        convention.record_deliberation(mayor, project, number, day)
        if signed:
            convention.upload_signed(officer, project, io.BytesIO(DEMO_RECORD), "Convention signée.pdf")
    # Kremis' well: paid and handed over; partly working.
    paid(
        GUIDIME_WELL,
        {0: officer_b, 1: mayor_b},
        {0: mayor_b, 1: officer_b},
        [(0, "6000000", "XOF", 300, True), (1, "1200000", "XOF", 280, True)],
        (mayor_b, "partly", "L’abreuvoir fuit ; le comité a commandé un joint."),
    )


@click.command("seed-demo")
def seed_demo_command():
    """Load the territories and the demo accounts (password: demo-password). Idempotent; refused in production."""
    if current_app.config["ENV_NAME"] == "production":
        raise click.ClickException("seed-demo refuses to run in production: it creates accounts with a known password.")
    summary = seed_demo()
    db.session.commit()
    click.echo(
        f"Demo data ready: {summary['accounts']} accounts (password demo-password), "
        f"communes {', '.join(summary['communes'])}."
    )
