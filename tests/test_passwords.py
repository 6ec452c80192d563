"""New passwords (issue 13, hole 8): at least 12 characters, the most common ones refused — French ones too —,
no composition rules. Every way a password is chosen goes through the same rule."""

import pytest

from portal.extensions import db
from portal.models import User
from tests.factories import PASSWORD, make_user, sign_in

# From the common list zxcvbn ships (not computed here with it): keyboard walks and words people pick.
COMMON = ["qwerty123456", "1qaz2wsx3edc", "leavemealone", "QWERTY123456"]  # case does not save it


@pytest.mark.parametrize("chosen", COMMON)
def test_a_common_password_is_refused_on_the_account_page(client, session, chosen):
    user = make_user()
    sign_in(client, user)
    response = client.post("/account/password", data={"pw-current_password": PASSWORD, "pw-password": chosen})
    assert response.status_code == 422
    assert "Ce mot de passe fait partie des plus courants : choisissez-en un autre." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "chosen, accepted",
    [
        ("onze-lettre", False),  # 11 characters
        ("douze-lettre", True),  # 12, no digit, no capital: length is what counts
        ("mangues de kayes", True),
    ],
)
def test_length_is_the_rule_not_composition(client, session, chosen, accepted):
    user = make_user()
    sign_in(client, user)
    response = client.post("/account/password", data={"pw-current_password": PASSWORD, "pw-password": chosen})
    assert (response.status_code == 303) is accepted, response.status_code


def test_sign_up_refuses_a_common_password_and_keeps_what_was_typed(client, session, cast):
    response = client.post(
        "/auth/signup",
        data={
            "name": "Awa Traoré",
            "email": "awa@example.org",
            "password": "qwerty123456",
            "association_name": "Amicale de Diéma à Lyon",
            "country": "FR",
            "city": "Lyon",
            "commune_query": "Diéma",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Ce mot de passe fait partie des plus courants" in page
    assert "Amicale de Diéma à Lyon" in page
    assert db.session.query(User).filter_by(email="awa@example.org").count() == 0
