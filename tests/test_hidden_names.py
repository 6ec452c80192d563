"""A link that filters the project list by an organisation names it only to who may see it (issue 13, hole 10):
an association awaiting verification is seen by its members, mediators and admins alone."""

import pytest

from portal.extensions import db
from portal.models import Verification
from tests.factories import make_organisation


@pytest.fixture()
def refused(cast):
    association = make_organisation(
        "association", "Amicale refusée de Diéma", home_communes=[cast.commune_a], verification=Verification.REFUSED
    )
    db.session.commit()
    return association


@pytest.mark.parametrize(
    "role, named",
    [("anonymous", False), ("nobody", False), ("mayor", False), ("mediator", True), ("admin", True)],
)
def test_the_list_names_an_unverified_association_only_to_who_may_see_it(client, cast, login_as, refused, role, named):
    if role != "anonymous":
        login_as(role)
    for association in (cast.pending_association, refused):
        page = client.get(f"/projects/?association_id={association.id}").get_data(as_text=True)
        assert (association.name in page) is named, (role, association.name)


def test_a_verified_association_is_named_to_everyone(client, cast):
    page = client.get(f"/projects/?association_id={cast.association.id}").get_data(as_text=True)
    assert cast.association.name in page
