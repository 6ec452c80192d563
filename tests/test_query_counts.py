"""Lists run a fixed number of queries whatever the data size (the query counter of tests/helpers.py)."""

from decimal import Decimal

from portal.database import utcnow
from portal.extensions import db
from portal.models import BudgetLine, FundingLine, Organisation, Project
from tests.factories import sign_in
from tests.helpers import assert_constant_queries


def add_associations(count: int) -> None:
    db.session.add_all(
        Organisation(kind="association", name=f"Association {n}", country="FR", city="Paris") for n in range(count)
    )
    db.session.commit()


def add_public_projects(cast, count: int) -> None:
    for n in range(count):
        project = Project(
            title=f"Projet {n}",
            summary="",
            sector="water",
            commune_id=cast.commune_a.id,
            association_id=cast.association.id,
            status="agreed",
            is_public=True,
            first_submitted_at=utcnow(),
            sdg_tags=[],
        )
        project.budget_lines = [
            BudgetLine(
                position=0,
                label="Travaux",
                amount=Decimal(1000),
                currency="XOF",
                rate_to_xof=Decimal(1),
                amount_xof=1000,
            )
        ]
        project.funding_lines = [
            FundingLine(
                position=0,
                party_kind="association",
                organisation_id=cast.association.id,
                amount=Decimal(1000),
                currency="XOF",
                rate_to_xof=Decimal(1),
                amount_xof=1000,
            )
        ]
        db.session.add(project)
    db.session.commit()


def test_the_organisations_page(client, cast):
    assert_constant_queries(client, "/organisations/?kind=association", add_associations)


def test_the_organisations_api(client, cast):
    assert_constant_queries(client, "/api/v1/organisations?per_page=100", add_associations)


def test_the_admin_accounts_page(client, cast):
    from tests.factories import make_user

    def add_users(count):
        for _ in range(count):
            make_user()
        db.session.commit()

    sign_in(client, cast.users["admin"])
    assert_constant_queries(client, "/admin/users", add_users, large=200)


def test_the_projects_api_list(client, cast):
    assert_constant_queries(client, "/api/v1/projects?per_page=100", lambda n: add_public_projects(cast, n), large=300)
