"""`flask --app wsgi seed-demo`, and its data: believable people, organisations and projects around two real
communes of the Kayes region.

Idempotent: running it again finds what it made and changes nothing. Refused in production.
"""

import io
from datetime import datetime, timedelta

import click
from flask import current_app
from sqlalchemy import select

from portal.database import clock_at, utcnow
from portal.domain import acceptance, amendments, contributions, convention, facilities, progress
from portal.domain.accounts import hash_password
from portal.domain.commitments import escalate_overdue, record_commitment
from portal.domain.commitments import transition as commitment_transition
from portal.domain.disputes import open_dispute, post_message
from portal.domain.disputes import transition as dispute_transition
from portal.domain.indicators import SAMPLE_FILE, import_indicators
from portal.domain.meetings import MeetingInput, answer_invitation, answer_minutes, post_minutes, schedule_meeting
from portal.domain.projects import ProjectInput, create_project, transition
from portal.domain.territories import ensure_default_territories
from portal.extensions import db
from portal.models import (
    Amendment,
    Commitment,
    Commune,
    Contribution,
    Dispute,
    HomeCommune,
    MapVersion,
    Meeting,
    Membership,
    Organisation,
    ProgressReport,
    Project,
    ProjectStatus,
    User,
    Verification,
)
from portal.models.commitments import commune_today

DEMO_PASSWORD = "demo-password"  # noqa: S105 (published in README and api.md; refused in production)

# (email, name, is_admin, locale)
ACCOUNTS = [
    ("admin@example.org", "Administratrice de la plateforme", True, "fr"),
    ("mediator@example.org", "Aminata Traoré", False, "fr"),
    ("mayor@example.org", "Moussa Sissoko", False, "fr"),
    ("mayor2@example.org", "Bakary Diarra", False, "fr"),
    ("clerk@example.org", "Awa Dembélé", False, "fr"),
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
    today = utcnow()
    with clock_at(today - timedelta(days=STORY_DAYS)):  # the people and organisations were there first
        users, organisations, committee = _people_and_organisations()
    story = Story(today)
    projects = plan_projects(story, users, organisations)
    meetings = plan_meetings(story, users, organisations)
    disputes = plan_disputes(story, users, organisations)
    plan_after_agreement(story, users, organisations)
    story.tell()
    import_indicators(SAMPLE_FILE, actor=users["mediator@example.org"])  # idempotent: unchanged values stay
    return {
        "accounts": len(users),
        "communes": [_commune(COMMUNE_A).name, _commune(COMMUNE_B).name],
        "committee": committee.name,
        "projects": projects,
        "meetings": meetings,
        "disputes": disputes,
    }


def _people_and_organisations() -> tuple[dict, dict, Organisation]:
    ensure_default_territories()
    users = {email: _user(email, name, is_admin, locale) for email, name, is_admin, locale in ACCOUNTS}
    if users["treasurer@example.org"].currency is None:  # a treasurer in Montreuil counts in euros too
        users["treasurer@example.org"].currency = "EUR"
    commune_a, commune_b = _commune(COMMUNE_A), _commune(COMMUNE_B)
    now = utcnow()

    ministry = _organisation(
        "ministry",
        "Ministère des Maliens de l’Extérieur et de l’Intégration Africaine (MMEIA)",
        description="Point focal migration et développement local.",
    )
    partner = _organisation(
        "partner",
        "Programme d’appui au développement local de Kayes (démo)",
        description="Partenaire technique et financier fictif, pour la démonstration.",
    )
    town_a = _organisation("commune", commune_a.display_name, commune_id=commune_a.id)
    town_b = _organisation("commune", commune_b.display_name, commune_id=commune_b.id)
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
    # Villages: Diéma is the commune's chief town; Tintinkoro and Kobadiala (Diéma), Samantara and Fassadiala
    # (Guidimé) are invented hamlets, no list of the communes' villages being at hand. A village is never named
    # after another commune (Lakamané, Dianguirdé, Kremis are communes of their own): tests/test_demo_story.py.
    _home(association_a, commune_a, "Diéma, Tintinkoro, Kobadiala")
    _home(association_b, commune_b, "Samantara, Fassadiala")
    _home(pending, commune_a, "Diéma")

    _member(users["mediator@example.org"], ministry, "mediator")
    _member(users["mayor@example.org"], town_a, "mayor")
    _member(users["mayor2@example.org"], town_b, "mayor")
    _member(users["clerk@example.org"], town_a, "clerk")  # the secrétaire général: prepares, never decides
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
    return users, organisations, committee


# Projects in every state, made through the same operations as the pages, so each has a real history.

# (title, sector, association key, village, budget [(label, amount, currency)], funding [(kind, org key, amount,
#  currency)], the path of (actor, action, comment) it has gone through)
PROJECTS = [
    (
        "Forage et château d’eau à Kobadiala",
        "water",
        "a",
        "Kobadiala",
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
        "Extension de l’école de Tintinkoro",
        "education",
        "a",
        "Tintinkoro",
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
        "Adduction d’eau de Samantara",
        "water",
        "b",
        "Samantara",
        [("Réseau et bornes-fontaines", "25000000", "XOF")],
        [("association", "b", "20000000", "XOF")],
        "declined",
    ),
    (
        "Centre de formation des jeunes",
        "education",
        "b",
        "Fassadiala",
        [("Bâtiment", "12000000", "XOF")],
        [("association", "b", "12000000", "XOF")],
        "withdrawn",
    ),
    (
        "Banque de céréales de Guidimé",
        "agriculture",
        "b",
        "Fassadiala",
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


# The story: every step dated, told in order ------------------------------------------------------------------

STORY_DAYS = 730  # the people and organisations arrive two years back; the oldest project follows


class Story:
    """The demo's steps, each dated some days before today, told oldest first with the clock at its date
    (`clock_at`): each history, audit event and notification reads in the order and at the pace it would have
    happened, and the audit chain is appended in that same order."""

    def __init__(self, today: datetime):
        self.today = today
        self.steps: list = []

    def day(self, days_ago: float) -> datetime:
        return self.today - timedelta(days=days_ago)

    def on(self, days_ago: float, step, *args, **kwargs) -> None:
        self.steps.append((days_ago, len(self.steps), lambda: step(*args, **kwargs)))

    def tell(self) -> None:
        for days_ago, _, step in sorted(self.steps, key=lambda item: (-item[0], item[1])):
            with clock_at(self.day(days_ago)):
                step()


def _project(title: str) -> Project | None:
    return db.session.scalar(select(Project).where(Project.title == title))


# When each project was drafted (days before today); its steps follow at the pace of STEP_DAYS.
STARTED_DAYS_AGO = {
    "Forage et château d’eau à Kobadiala": 480,
    "Maternité de Diéma": 200,
    "Extension de l’école de Tintinkoro": 150,
    "Périmètre maraîcher des femmes de Diéma": 120,
    "Éclairage solaire du marché": 45,
    "Rénovation de la grande mosquée": 12,
    "Moulin à céréales pour le quartier nord": 70,
    "Ambulance pour le CSCom": 6,
    "Adduction d’eau de Samantara": 260,
    "Centre de formation des jeunes": 330,
    "Banque de céréales de Guidimé": 620,
}
# Days since the step before: a review starts weeks after the submission, the works take months.
STEP_DAYS = {
    "submit": 2,
    "start_review": 21,
    "request_changes": 10,
    "open_consultation": 14,
    "agree": 28,
    "decline": 20,
    "withdraw": 30,
    "start_implementation": 20,
    "complete": 230,
    "hand_over": 25,
}
# The pledges of long works fall due later than the setting's 90 days after agreement.
PLEDGE_DAYS = {"Maternité de Diéma": 240, "Extension de l’école de Tintinkoro": 240}
MAINTENANCE_PLANS = {
    "Forage et château d’eau à Kobadiala": "Le comité des usagers gère le forage ; la mairie paie les grosses réparations.",
}


def _act(title: str, actor: User, action: str, comment: str | None, **extra) -> None:
    if action == "agree" and title in PLEDGE_DAYS:
        extra["pledge_due_date"] = (commune_today() + timedelta(days=PLEDGE_DAYS[title])).isoformat()
    transition(actor, _project(title), action, comment, **extra)


def _plan_path(story: Story, title: str, days: float, final_state: str, officer, mayor, owner) -> None:
    for who, action, comment in PATHS[final_state]:
        days -= STEP_DAYS[action]
        extra = {}
        if action == "hand_over":
            extra = {"owner_organisation_id": owner.id, "maintenance_plan": MAINTENANCE_PLANS[title]}
        story.on(days, _act, title, officer if who == "officer" else mayor, action, comment, **extra)


def _project_input(title, sector, association, commune_id, village, budget, funding, organisations, pdsec):
    return ProjectInput(
        title=title,
        sector=sector,
        commune_id=commune_id,
        association_id=association.id,
        village=village,
        summary=f"{title} : projet porté par {association.name}.",
        pdsec_period=pdsec,
        budget_lines=[{"label": label, "amount": amount, "currency": currency} for label, amount, currency in budget],
        funding_lines=[
            {
                "party_kind": kind,
                "organisation_id": organisations[key].id if key else None,
                "amount": amount,
                "currency": currency,
            }
            for kind, key, amount, currency in funding
        ],
    )


def plan_projects(story: Story, users: dict, organisations: dict) -> int:
    made = 0
    for title, sector, association_key, village, budget, funding, final_state in PROJECTS:
        if _project(title) is not None:
            continue
        association = organisations[association_key]
        officer = users["association@example.org" if association_key == "a" else "association2@example.org"]
        mayor = users["mayor@example.org" if association_key == "a" else "mayor2@example.org"]
        town = organisations["town_a" if association_key == "a" else "town_b"]
        days = STARTED_DAYS_AGO[title]
        project = _project_input(
            title, sector, association, town.commune_id, village, budget, funding, organisations, "2024-2028"
        )
        story.on(days, create_project, officer, project)
        _plan_path(story, title, days, final_state, officer, mayor, town)
        made += 1
    return made


# A consultation held two months ago, its minutes approved and its commitments followed since; one next week
# awaiting its answers: (title, days ago it was scheduled, days ago it is held, with minutes).
DEMO_MEETINGS = [
    ("Concertation sur les projets de la diaspora", 75, 60, True),
    ("Point d’étape avec l’association des ressortissants", 3, -7, False),
]


def plan_meetings(story: Story, users: dict, organisations: dict) -> int:
    """The meetings of DEMO_MEETINGS about Diéma's projects in consultation, made through the same operations as
    the pages; the commitments taken at the first, one of them overdue long enough to reach the mediators."""
    town_a, association_a = organisations["town_a"], organisations["a"]
    mayor, officer = users["mayor@example.org"], users["association@example.org"]

    def agenda() -> list[int]:
        return db.session.scalars(
            select(Project.id)
            .where(Project.association_id == association_a.id, Project.status == ProjectStatus.IN_CONSULTATION)
            .order_by(Project.id)
        ).all()

    def schedule(title, held):
        if not agenda():
            return
        start = story.day(held).replace(hour=10, minute=0, second=0, microsecond=0, tzinfo=None)
        schedule_meeting(
            mayor,
            MeetingInput(
                title=title,
                commune_id=town_a.commune_id,
                project_ids=list(agenda()),
                starts_at=start,
                timezone="Africa/Bamako",
                duration_minutes=120,
                location="Salle du conseil communal de Diéma",
                online_url="https://visio.example.org/dieme-diaspora",
                invitee_organisation_ids=[association_a.id, organisations["partner"].id],
            ),
        )

    def meeting(title) -> Meeting | None:
        return db.session.scalar(select(Meeting).where(Meeting.title == title))

    def minutes(title):
        post_minutes(
            mayor,
            meeting(title),
            "Le conseil et l’association ont examiné le plan de financement et le calendrier des travaux.",
            ["Visite du site avec le service technique du cercle.", "Le conseil délibère sur sa part."],
            [association_a.id],
            people="Le maire, deux conseillers, le responsable de l’association (en ligne).",
        )

    made = 0
    for title, scheduled, held, with_minutes in DEMO_MEETINGS:
        if meeting(title) is not None:
            continue
        story.on(scheduled, schedule, title, held)
        if with_minutes:
            story.on(
                scheduled - 4, lambda title=title: answer_invitation(officer, meeting(title), "yes", association_a.id)
            )
            _plan_commitments(story, held, lambda title=title: meeting(title), users, organisations)
            story.on(held - 2, minutes, title)
            story.on(
                held - 5,
                lambda title=title: answer_minutes(
                    officer, meeting(title), "approved", organisation_id=association_a.id
                ),
            )
            story.on(5, escalate_overdue)  # the commitment left open for over a month goes to the mediators
        made += 1
    return made


# The commitments taken at the past consultation, one in each state: (who promises, what, days from the meeting
# to the due date, the steps it went through: (who, action, comment, days from the meeting)). The council's
# deliberation is still open forty days after its due date: overdue, and escalated to the mediators.
DEMO_COMMITMENTS = [
    ("town_a", "Délibération du conseil sur la part communale", 20, []),
    ("a", "Envoi du devis signé du foreur", 5, [("officer", "report_fulfilled", None, 4)]),
    (
        "town_a",
        "Mise à disposition du terrain",
        10,
        [("mayor", "report_fulfilled", None, 8), ("officer", "confirm", None, 9)],
    ),
    (
        "a",
        "Versement de la première tranche (2 500 €)",
        15,
        [
            ("officer", "report_fulfilled", None, 14),
            ("mayor", "contest", "Le virement n’apparaît pas sur le compte.", 17),
        ],
    ),
    ("a", "Visite du chantier par le bureau", 30, [("mediator", "cancel", "Remplacée par la visite du cercle.", 12)]),
]


def _commitment(description: str) -> Commitment | None:
    return db.session.scalar(select(Commitment).where(Commitment.description == description))


def _plan_commitments(story: Story, held: float, meeting, users: dict, organisations: dict) -> None:
    people = {
        "officer": users["association@example.org"],
        "mayor": users["mayor@example.org"],
        "mediator": users["mediator@example.org"],
    }

    def take(promising, description, days):
        taken_at = meeting()
        record_commitment(
            people["mayor"],
            db.session.get(Project, min(item.project_id for item in taken_at.agenda)),
            {
                "organisation_id": organisations[promising].id,
                "kind": "administrative" if promising == "town_a" else "technical",
                "description": description,
                "due_date": (taken_at.starts_at + timedelta(days=days)).date().isoformat(),
                "meeting_id": taken_at.id,
            },
        )

    for promising, description, days, steps in DEMO_COMMITMENTS:
        story.on(held - 0.5, take, promising, description, days)  # after the meeting, whatever the hour
        for who, action, comment, after in steps:
            story.on(
                held - after,
                lambda who=who, description=description, action=action, comment=comment: commitment_transition(
                    people[who], _commitment(description), action, comment
                ),
            )


# Disputes at several stages, each visible only to its two parties, the mediator and the admin: (subject, the
# project's title, claimant, respondent, the commitment it is about (its description) or None, description, days
# ago it was opened, the steps it went through: (who, action, comment, days ago)). "session" schedules a
# mediation session for next week, "note" a mediator's note, "message" a message of the thread. The cereal bank's
# is still waiting for a mediator, past its deadline to be acknowledged (10 days by default).
DEMO_DISPUTES = [
    (
        "Première tranche contestée par la mairie",
        None,  # the project of the contested commitment
        "a",
        "town_a",
        "Versement de la première tranche (2 500 €)",
        "Nous avons viré la première tranche le 3 du mois ; la mairie dit ne pas l’avoir reçue. Nous joignons "
        "l’avis de virement et demandons une vérification avec la perception.",
        41,
        [
            ("mediator", "acknowledge", None, 39),
            ("mediator", "start_mediation", None, 37),
            ("mayor", "message", "La perception n’a rien reçu à ce jour ; nous attendons le relevé du Trésor.", 30),
            ("mediator", "note", "Demander à la banque de l’association la preuve de réception SWIFT.", 25),
            ("mediator", "session", None, 2),
        ],
    ),
    (
        "Retard de la part communale de la maternité",
        "Maternité de Diéma",
        "a",
        "town_a",
        None,
        "La part de la commune devait être votée au budget de l’année ; les travaux attendent le second oeuvre.",
        90,
        [
            ("mediator", "acknowledge", None, 88),
            ("mediator", "start_mediation", None, 85),
            (
                "mediator",
                "resolve",
                "La commune inscrit sa part au budget additionnel et verse 4 000 000 F CFA avant la fin du "
                "trimestre ; l’association avance l’équipement dans l’intervalle.",
                70,
            ),
            ("officer", "accept", None, 66),
        ],
    ),
    (
        "Entretien du château d’eau de Kobadiala",
        "Forage et château d’eau à Kobadiala",
        "town_a",
        "a",
        None,
        "Le comité des usagers ne collecte plus les cotisations ; la pompe est à l’arrêt depuis trois semaines.",
        110,
        [
            ("mediator", "acknowledge", None, 108),
            ("mediator", "start_mediation", None, 104),
            (
                "mediator",
                "resolve",
                "L’association finance la réparation ; le comité reprend la collecte mensuelle.",
                95,
            ),
            ("officer", "accept", None, 93),
            ("mayor", "accept", None, 92),
            ("mediator", "close", None, 90),
        ],
    ),
    (
        "Stock de la banque de céréales",
        "Banque de céréales de Guidimé",
        "b",
        "town_b",
        None,
        "Le stock de départ promis par la commune n’a pas été livré à la réception du magasin.",
        18,
        [],
    ),
    (
        "Terrain de la maternité",
        "Maternité de Diéma",
        "town_a",
        "a",
        None,
        "L’association a changé l’emplacement sans délibération du conseil.",
        150,
        [
            (
                "mediator",
                "dismiss",
                "Le changement a été délibéré le 12 mars : la délibération est jointe au projet.",
                145,
            )
        ],
    ),
]


def plan_disputes(story: Story, users: dict, organisations: dict) -> int:
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

    def dispute_of(subject) -> Dispute | None:
        return db.session.scalar(select(Dispute).where(Dispute.subject == subject))

    def open_(subject, title, claimant, respondent, about, description):
        commitment = _commitment(about) if about is not None else None
        if about is not None and commitment is None:
            return
        project = commitment.project if commitment is not None else _project(title)
        open_dispute(
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

    def step(subject, who, action, comment):
        dispute = dispute_of(subject)
        if dispute is None:
            return
        if action in ("message", "note"):
            post_message(people[who], dispute, comment, private=action == "note")
        elif action == "session":
            start = (story.today + timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0, tzinfo=None)
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

    made = 0
    for subject, title, claimant, respondent, about, description, opened, steps in DEMO_DISPUTES:
        if dispute_of(subject) is not None:
            continue
        story.on(opened, open_, subject, title, claimant, respondent, about, description)
        for who, action, comment, days_ago in steps:
            story.on(days_ago, step, subject, who, action, comment)
        made += 1
    return made


# After agreement: tranches paid, works accepted, conventions, a progress report, an amendment, and a facility
# handed over in each demo commune with its yearly check, made through the same operations as the pages.

GUIDIME_WELL = "Puits pastoral de Samantara"
STARTED_DAYS_AGO[GUIDIME_WELL] = 700
MAINTENANCE_PLANS[GUIDIME_WELL] = "Le comité des éleveurs entretient le puits ; la mairie remplace la margelle."
# A one-page PDF standing for a signed record of acceptance (the demo has no scans).
DEMO_RECORD = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def plan_after_agreement(story: Story, users: dict, organisations: dict) -> None:
    """What follows agreement, for the projects made in this run only (so a second run changes nothing)."""
    officer, mayor = users["association@example.org"], users["mayor@example.org"]
    officer_b, mayor_b = users["association2@example.org"], users["mayor2@example.org"]
    new = {title for title in STARTED_DAYS_AGO if _project(title) is None}
    if GUIDIME_WELL in new:
        well = _project_input(
            GUIDIME_WELL,
            "water",
            organisations["b"],
            organisations["town_b"].commune_id,
            "Samantara",
            [("Puits busé et abreuvoir", "7200000", "XOF")],
            [("association", "b", "6000000", "XOF"), ("commune", "town_b", "1200000", "XOF")],
            organisations,
            "2019-2023",
        )
        story.on(STARTED_DAYS_AGO[GUIDIME_WELL], create_project, officer_b, well)
        _plan_path(
            story,
            GUIDIME_WELL,
            STARTED_DAYS_AGO[GUIDIME_WELL],
            "handed_over",
            officer_b,
            mayor_b,
            organisations["town_b"],
        )

    def report(title, payer, index, amount, currency, paid_days_ago):
        project = _project(title)
        contributions.report_contribution(
            payer,
            project,
            {
                "funding_line_id": project.funding_lines[index].id,
                "paid_on": story.day(paid_days_ago).date().isoformat(),
                "amount": amount,
                "currency": currency,
                "reference": f"VIR-{project.id}-{index}-{paid_days_ago}",
            },
        )

    def confirm(title, receiver, index, paid_days_ago):
        project = _project(title)
        reference = f"VIR-{project.id}-{index}-{paid_days_ago}"
        tranche = db.session.scalar(
            select(Contribution).where(Contribution.project_id == project.id, Contribution.reference == reference)
        )
        contributions.transition(receiver, tranche, "confirm")

    def paid(title, payer, receiver, lines):
        """Each tranche reported two days after it was paid, confirmed by the other side four days later."""
        if title not in new:
            return
        for index, amount, currency, paid_days_ago, confirmed in lines:
            story.on(paid_days_ago - 2, report, title, payer[index], index, amount, currency, paid_days_ago)
            if confirmed:
                story.on(paid_days_ago - 6, confirm, title, receiver[index], index, paid_days_ago)

    def check(title, owner, condition, remark, days_ago):
        if title in new:
            story.on(days_ago, lambda: facilities.record_check(owner, _project(title), condition, remark))

    # Kobadiala's borehole: the association and the commune paid their lines in full, confirmed; it works.
    borehole = "Forage et château d’eau à Kobadiala"
    paid(
        borehole,
        {0: officer, 1: mayor},
        {0: mayor, 1: officer},
        [(0, "4500", "EUR", 390, True), (0, "3000", "EUR", 300, True), (1, "3500000", "XOF", 280, True)],
    )
    check(borehole, mayor, "working", "Le château d’eau est plein ; la pompe a été révisée en mars.", 20)
    # Diéma's maternity: the association's first tranche confirmed, the second reported and awaiting the commune.
    maternity = "Maternité de Diéma"
    paid(maternity, {0: officer}, {0: mayor}, [(0, "6000", "EUR", 100, True), (0, "3000", "EUR", 7, False)])
    # Guidimé's cereal bank: the association paid both its lines before the works.
    paid(
        "Banque de céréales de Guidimé",
        {0: officer_b, 1: officer_b},
        {0: mayor_b, 1: mayor_b},
        [(0, "6000000", "XOF", 540, True), (1, "3000", "EUR", 520, True)],
    )
    # Samantara's well: paid and handed over; partly working.
    paid(
        GUIDIME_WELL,
        {0: officer_b, 1: mayor_b},
        {0: mayor_b, 1: officer_b},
        [(0, "6000000", "XOF", 600, True), (1, "1200000", "XOF", 580, True)],
    )
    check(GUIDIME_WELL, mayor_b, "partly", "L’abreuvoir fuit ; le comité a commandé un joint.", 60)

    # Diéma's maternity: the commune's progress report, and the association's comment on it.
    def progress_report():
        project = _project(maternity)
        building = project.budget_lines[0]
        progress.post_report(
            mayor,
            project,
            45,
            {building.id: "9000000"},
            "Murs montés jusqu’au chaînage ; la toiture attend la deuxième tranche de l’association.",
        )

    def progress_comment():
        project = _project(maternity)
        latest = db.session.scalar(
            select(ProgressReport).where(ProgressReport.project_id == project.id).order_by(ProgressReport.id.desc())
        )
        progress.comment_report(officer, project, latest, "La deuxième tranche est partie : merci de confirmer.")

    if maternity in new:
        story.on(30, progress_report)
        story.on(5, progress_comment)

    # Tintinkoro's school: the association proposed dearer benches, and the mayor accepted the amendment.
    school = "Extension de l’école de Tintinkoro"

    def propose():
        project = _project(school)
        benches, own_line = project.budget_lines[1], project.funding_lines[0]
        amendments.propose(
            officer,
            project,
            {benches.id: "1500000"},
            {own_line.id: "15500000"},
            "Les tables-bancs en métal coûtent 300 000 F CFA de plus ; l’association prend la différence.",
            project.version,
        )

    def decide():
        project = _project(school)
        amendment = db.session.scalar(select(Amendment).where(Amendment.project_id == project.id))
        amendments.decide(mayor, amendment, "accept")

    if school in new:
        story.on(40, propose)
        story.on(33, decide)

    # Kobadiala's borehole: accepted provisionally after the works, finally a year later, each with its record.
    def accept_works(kind, days_ago):
        acceptance.record_acceptance(
            mayor,
            _project(borehole),
            kind,
            story.day(days_ago).date().isoformat(),
            "Le maire, le bureau de l’association, l’entreprise de forage, le service de l’hydraulique de Diéma",
            io.BytesIO(DEMO_RECORD),
            f"PV de réception {kind}.pdf",
        )

    if borehole in new:
        story.on(160, accept_works, "provisional", 160)
        story.on(30, accept_works, "final", 30)

    # Conventions: Kobadiala's approved by the council and signed; the maternity's approved, not signed yet.
    def deliberate(title, number, days_ago):
        convention.record_deliberation(mayor, _project(title), number, story.day(days_ago).date().isoformat())

    def sign(title):
        convention.upload_signed(officer, _project(title), io.BytesIO(DEMO_RECORD), "Convention signée.pdf")

    for title, number, days_ago, signed in (
        (borehole, "2024-007/CD-Diéma", 410, True),
        (maternity, "2026-003/CD-Diéma", 120, False),
    ):
        if title in new:
            story.on(days_ago, deliberate, title, number, days_ago)
            if signed:
                story.on(days_ago - 5, sign, title)


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
