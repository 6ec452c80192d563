"""Factories for test data, and the standard cast of people the route walk and the rules tests use.

Every factory flushes; call `session.commit()` before a request should see the rows (requests run in
their own app context; the test's transaction is still rolled back at the end).
"""

import functools
import itertools

from argon2 import PasswordHasher, profiles

from portal.database import utcnow
from portal.domain.accounts import hash_token, new_token
from portal.extensions import db
from portal.models import (
    Cercle,
    Commune,
    HomeCommune,
    MapVersion,
    Membership,
    Organisation,
    Region,
    User,
    UserSession,
    Verification,
)

PASSWORD = "correct horse battery"
_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def make_map_version(code: str = "test-map", is_current: bool = True) -> MapVersion:
    version = db.session.query(MapVersion).filter_by(code=code).one_or_none()
    if version is None:
        version = MapVersion(code=code, label=f"Test map {code}", is_current=is_current)
        db.session.add(version)
        db.session.flush()
    return version


def make_commune(
    name: str | None = None, region_name: str = "Kayes", cercle_name: str = "Diema", map_code: str = "test-map"
) -> Commune:
    from portal.domain.territories import search_key

    n = _next()
    version = make_map_version(map_code)
    region = db.session.query(Region).filter_by(map_version_id=version.id, name=region_name).one_or_none()
    if region is None:
        region = Region(map_version_id=version.id, code=f"T{n:02d}", name=region_name)
        db.session.add(region)
        db.session.flush()
    cercle = db.session.query(Cercle).filter_by(map_version_id=version.id, name=cercle_name).one_or_none()
    if cercle is None:
        cercle = Cercle(map_version_id=version.id, region_id=region.id, code=f"{region.code}{n:02d}", name=cercle_name)
        db.session.add(cercle)
        db.session.flush()
    name = name or f"Commune {n}"
    commune = Commune(
        map_version_id=version.id,
        cercle_id=cercle.id,
        code=f"{cercle.code}{n:04d}",
        name=name,
        search_name=search_key(name),
    )
    db.session.add(commune)
    db.session.flush()
    return commune


@functools.cache
def _hash_of(password: str) -> str:
    """argon2 is slow on purpose: hash each test password once per run, at TestConfig's cost."""
    return PasswordHasher.from_parameters(profiles.CHEAPEST).hash(password)


def make_user(
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    is_admin: bool = False,
    locale: str | None = None,
    confirmed: bool = True,
) -> User:
    n = _next()
    user = User(
        email=(email or f"user{n}@example.org").lower(),
        name=name or f"User {n}",
        password_hash=_hash_of(password) if password else None,
        is_admin=is_admin,
        locale=locale,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_organisation(
    kind: str,
    name: str | None = None,
    commune: Commune | None = None,
    home_communes: list[Commune] | None = None,
    verification: str = Verification.VERIFIED,
    country: str | None = None,
) -> Organisation:
    n = _next()
    if kind == "commune" and commune is None:
        commune = make_commune()
    organisation = Organisation(
        kind=kind,
        name=name or (commune.name if kind == "commune" else f"{kind.title()} {n}"),
        commune_id=commune.id if commune is not None else None,
        country=country or ("FR" if kind == "association" else None),
        city="Montreuil" if kind == "association" else None,
        verification=verification,
    )
    db.session.add(organisation)
    db.session.flush()
    for home in home_communes or []:
        db.session.add(HomeCommune(association_id=organisation.id, commune_id=home.id, villages="Village"))
    db.session.flush()
    return organisation


def add_member(user: User, organisation: Organisation, role: str) -> Membership:
    membership = Membership(user_id=user.id, organisation_id=organisation.id, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


class Cast:
    """The standard people of a test: one of each role, around commune A and association A."""

    def __init__(self):
        self.commune_a = make_commune("Diéma")
        self.commune_b = make_commune("Béma")
        self.commune_org = make_organisation("commune", commune=self.commune_a)
        self.commune_org_b = make_organisation("commune", commune=self.commune_b)
        self.association = make_organisation(
            "association", "Association des ressortissants de Diéma", home_communes=[self.commune_a]
        )
        self.pending_association = make_organisation(
            "association",
            "Jeunesse de Diéma à Abidjan",
            home_communes=[self.commune_a],
            verification=Verification.PENDING,
            country="CI",
        )
        self.ministry = make_organisation("ministry", "MMEIA")
        self.partner = make_organisation("partner", "Partenaire technique")
        self.users = {
            "admin": make_user("admin@test.org", "Admin", is_admin=True),
            "mediator": make_user("mediator@test.org", "Médiatrice"),
            "mayor": make_user("mayor@test.org", "Maire de Diéma"),
            "deputy": make_user("deputy@test.org", "Adjoint"),
            "mayor_b": make_user("mayor-b@test.org", "Maire de Béma"),
            "officer": make_user("officer@test.org", "Responsable"),
            "member": make_user("member@test.org", "Membre"),
            "representative": make_user("rep@test.org", "Représentant"),
            "observer": make_user("observer@test.org", "Observateur"),
            "nobody": make_user("nobody@test.org", "Sans organisation"),
        }
        add_member(self.users["mediator"], self.ministry, "mediator")
        add_member(self.users["mayor"], self.commune_org, "mayor")
        add_member(self.users["deputy"], self.commune_org, "deputy")
        add_member(self.users["mayor_b"], self.commune_org_b, "mayor")
        add_member(self.users["officer"], self.association, "officer")
        self.member_membership = add_member(self.users["member"], self.association, "member")
        add_member(self.users["representative"], self.partner, "representative")
        add_member(self.users["observer"], self.partner, "observer")

    def add_clerk(self) -> User:
        """The secrétaire général of commune A (role `clerk`): a commune official who prepares and records but
        never binds the commune. Left out of the standard cast so that who-is-told tables stay as they are; the
        rules matrices and the route walk add them."""
        self.users["clerk"] = make_user("clerk@test.org", "Secrétaire général")
        add_member(self.users["clerk"], self.commune_org, "clerk")
        return self.users["clerk"]


def sign_in(client, user: User) -> str:
    """Give the test client a server-side session for `user`, as the login form would."""
    token = new_token()
    db.session.add(UserSession(user_id=user.id, token_hash=hash_token(token)))
    db.session.commit()
    with client.session_transaction() as flask_session:
        flask_session.clear()
        flask_session["sid"] = token
    return token
