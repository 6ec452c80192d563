"""What a session left open or an unconfirmed address cannot do (issue 13, hole 6): guess the password through
the change forms without limit, keep API tokens alive past "sign out everywhere", submit a project."""

from sqlalchemy import select

from portal.database import utcnow
from portal.extensions import db
from portal.models import ApiToken, ProjectStatus, UserSession
from tests.factories import PASSWORD, make_user, sign_in
from tests.project_api import token
from tests.project_factories import make_project

S = ProjectStatus


def test_wrong_current_passwords_are_limited_like_logins(client, session):
    user = make_user()
    sign_in(client, user)
    answers = [
        client.post(
            "/account/password",
            data={"pw-current_password": f"guess number {n}", "pw-password": "une phrase assez longue"},
        ).status_code
        for n in range(11)
    ]
    assert answers == [422] * 10 + [429]  # 10 failures in 15 minutes per account and address, as for logins
    email = client.post("/account/email", data={"em-current_password": PASSWORD, "em-email": "nouvelle@example.org"})
    assert email.status_code == 429 and "Retry-After" in email.headers  # the same count, whichever form


def test_sign_out_everywhere_revokes_the_api_tokens_too(client, session):
    user = make_user()
    session.commit()
    headers = token(client, user.email)
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    sign_in(client, user)
    assert client.post("/account/sign-out-everywhere").status_code == 303
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_an_unconfirmed_officer_keeps_drafts_but_does_not_submit(client, cast, login_as):
    draft = make_project(cast.association, cast.commune_a, S.DRAFT)
    db.session.commit()
    officer = login_as("officer")
    officer.email_confirmed_at = None
    db.session.commit()
    response = client.post(f"/projects/{draft.id}/actions/submit")
    assert response.status_code == 403
    assert "Confirmez votre adresse e-mail avant de soumettre un projet" in response.get_data(as_text=True)
    headers = token(client, officer.email)
    api = client.post(f"/api/v1/projects/{draft.id}/transitions", json={"action": "submit"}, headers=headers)
    assert api.status_code == 403 and api.get_json()["error"]["code"] == "forbidden"
    assert db.session.get(type(draft), draft.id).status == S.DRAFT
    officer = db.session.get(type(officer), officer.id)  # each request ends the session its objects came from
    officer.email_confirmed_at = utcnow()
    db.session.commit()
    confirmed = client.post(f"/projects/{draft.id}/actions/submit")
    assert confirmed.status_code == 303


def test_one_other_session_is_signed_out_from_the_account_page(app, session):
    user, stranger = make_user(), make_user()
    session.commit()
    here, phone = app.test_client(), app.test_client()
    sign_in(here, user)
    sign_in(phone, user)
    stranger_client = app.test_client()
    sign_in(stranger_client, stranger)
    page = here.get("/account/").get_data(as_text=True)
    assert page.count("Déconnecter cette session") == 1  # the phone's, not this browser's
    phone_row = session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    ).all()[-1]
    assert stranger_client.post(f"/account/sessions/{phone_row.id}/end").status_code == 404  # not theirs
    assert phone.get("/account/").status_code == 200
    assert here.post(f"/account/sessions/{phone_row.id}/end").status_code == 303
    assert phone.get("/account/").status_code == 302  # signed out
    assert here.get("/account/").status_code == 200  # this browser stays


def test_an_api_token_is_listed_and_revoked_from_the_account_page(client, app, session):
    user, stranger = make_user(), make_user()
    session.commit()
    headers = token(client, user.email)
    sign_in(client, user)
    page = client.get("/account/").get_data(as_text=True)
    assert "Révoquer ce jeton" in page
    row = session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    other = app.test_client()
    sign_in(other, stranger)
    assert other.post(f"/account/tokens/{row.id}/revoke").status_code == 404
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 303
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert "Aucun jeton d’API" in client.get("/account/").get_data(as_text=True)


# Personal data: the notice, the download, closing the account --------------------------------------------


def test_the_privacy_notice_is_public_and_linked_from_every_page(client, session):
    page = client.get("/privacy").get_data(as_text=True)
    assert "Ce qui est conservé" in page and "Vos droits" in page
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)


def test_a_person_downloads_what_the_portal_keeps_about_them(client, cast, login_as):
    officer = login_as("officer")
    response = client.get("/account/data")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["account"]["email"] == officer.email
    assert {"organisation": cast.association.name, "kind": "association", "role": "officer"} in data["memberships"]
    assert "password_hash" not in str(data) and "token_hash" not in str(data)


def test_closing_an_account_erases_it_keeps_the_record_and_the_chain(app, client, cast, login_as):
    from portal.domain.audit import verify_chain
    from tests.project_factories import make_project

    project = make_project(cast.association, cast.commune_a, ProjectStatus.SUBMITTED)
    db.session.commit()
    member = login_as("member")
    assert client.post(f"/projects/{project.id}/comments", data={"body": "Le devis arrive."}).status_code == 303
    email = member.email
    refused = client.post("/account/close", data={"close-current_password": "pas le bon"})
    assert refused.status_code == 422
    assert client.post("/account/close", data={"close-current_password": PASSWORD}).status_code == 303
    assert client.get("/account/").status_code == 302  # signed out
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 200  # refused
    login_as("officer")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Le devis arrive." in page and "Ancien membre" in page and "Membre" not in page.split("Le devis")[0][-300:]
    with app.app_context():
        assert verify_chain().first_bad is None


def test_the_last_manager_hands_the_role_over_before_closing(client, cast, login_as):
    login_as("officer")  # the association's only officer
    response = client.post("/account/close", data={"close-current_password": PASSWORD})
    assert response.status_code == 422
    assert "Vous êtes le dernier responsable de" in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 200
