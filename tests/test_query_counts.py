"""Lists run a fixed number of queries whatever the data size (the query counter of tests/helpers.py)."""

from portal.extensions import db
from portal.models import Organisation
from tests.factories import sign_in
from tests.helpers import assert_constant_queries
from tests.project_factories import build_project


def add_associations(count: int) -> None:
    db.session.add_all(
        Organisation(kind="association", name=f"Association {n}", country="FR", city="Paris") for n in range(count)
    )
    db.session.commit()


def add_public_projects(cast, count: int) -> None:
    db.session.add_all(
        build_project(
            cast.association,
            cast.commune_a,
            "agreed",
            budget=[("Travaux", 1000, "XOF")],
            funding=[("association", cast.association, 1000, "XOF")],
        )
        for _ in range(count)
    )
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
