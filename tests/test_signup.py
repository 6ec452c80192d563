"""Sign-up answers the same whether the address is taken or not (issue 13, hole 9): the mail says which."""

import re

from sqlalchemy import func, select

from portal.models import Organisation, OutboxMessage, User
from tests.factories import make_user
from tests.mail import link_in, mails_to


def _sign_up(client, cast, email: str, association: str):
    return client.post(
        "/auth/signup",
        data={
            "name": "Awa Traoré",
            "email": email,
            "password": "une phrase assez longue",
            "association_name": association,
            "country": "FR",
            "city": "Lyon",
            "commune_query": "Diéma",
        },
    )


def _page(response, email: str, association: str) -> str:
    page = response.get_data(as_text=True).replace(email, "X").replace(association, "Y")
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


def test_a_new_address_and_a_taken_one_get_the_same_answer(client, session, cast):
    owner = make_user("awa@example.org", "Awa Traoré")
    session.commit()
    fresh = _sign_up(client, cast, "nouvelle@example.org", "Amicale de Diéma à Lyon")
    taken = _sign_up(client, cast, "awa@example.org", "Amicale de Diéma à Lille")
    assert fresh.status_code == taken.status_code == 200
    assert _page(fresh, "nouvelle@example.org", "Amicale de Diéma à Lyon") == _page(
        taken, "awa@example.org", "Amicale de Diéma à Lille"
    )
    assert "Nous avons envoyé un message à" in fresh.get_data(as_text=True)
    # The fresh address has its account (unconfirmed) and its association (pending), and its confirmation link…
    created = session.scalar(select(User).where(User.email == "nouvelle@example.org"))
    assert created is not None and created.email_confirmed_at is None
    assert session.scalar(select(Organisation).where(Organisation.name == "Amicale de Diéma à Lyon")).verification == (
        "pending"
    )
    [confirmation] = mails_to("nouvelle@example.org")
    assert confirmation.event == "account_confirmation"
    # …the taken one created nothing, and its owner is told someone tried, with a way back in.
    assert session.scalar(select(Organisation).where(Organisation.name == "Amicale de Diéma à Lille")) is None
    assert session.scalar(select(func.count()).select_from(User).where(User.email == owner.email)) == 1
    [warning] = mails_to(owner.email)
    assert warning.event == "address_taken"
    assert link_in(warning, "/auth/reset-password") == "/auth/reset-password"


def test_signing_up_does_not_sign_in_until_the_address_is_confirmed_and_the_password_given(client, session, cast):
    _sign_up(client, cast, "nouvelle@example.org", "Amicale de Diéma à Lyon")
    assert client.get("/account/").status_code == 302  # no session yet
    link = link_in(mails_to("nouvelle@example.org")[0], "/auth/confirm/")
    assert client.post(link).status_code == 200
    signed_in = client.post(
        "/auth/login", data={"email": "nouvelle@example.org", "password": "une phrase assez longue"}
    )
    assert signed_in.status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "Amicale de Diéma à Lyon attend la vérification" in home


def test_a_refused_sign_up_still_says_what_is_wrong_next_to_the_field(client, session, cast):
    response = _sign_up(client, cast, "pas-une-adresse", "Amicale")
    assert response.status_code == 422
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
