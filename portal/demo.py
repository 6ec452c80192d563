"""Demo data: believable people and organisations around two real communes of the Kayes region.

Idempotent: running it again finds what it made and changes nothing. Refused in production.
"""

from sqlalchemy import select

from portal.database import utcnow
from portal.domain.accounts import hash_password
from portal.domain.territories import ensure_default_territories
from portal.extensions import db
from portal.models import Commune, HomeCommune, MapVersion, Membership, Organisation, User, Verification

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
    return {"accounts": len(users), "communes": [commune_a.name, commune_b.name], "committee": committee.name}
