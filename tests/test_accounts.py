"""Signing in and out, server-side sessions, passwords, email confirmation and preferences."""

import re
from datetime import timedelta

from sqlalchemy import select

from portal.database import utcnow
from portal.models import User, UserSession
from tests.factories import PASSWORD, make_user, sign_in
from tests.mail import link_in, mails_to


def csrf_token_of(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def test_the_login_form_has_the_fields_partners_link_to(csrf_app, session):
    html = csrf_app.test_client().get("/auth/login").get_data(as_text=True)
    for name in ("email", "password", "csrf_token"):
        assert f'name="{name}"' in html
    assert '<label for="email">' in html and '<label for="password">' in html


def test_a_login_without_its_csrf_token_is_refused_and_with_it_goes_through(csrf_app, session):
    user = make_user("fatou@example.org")
    session.commit()
    client = csrf_app.test_client()
    refused = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert refused.status_code == 400
    token = csrf_token_of(client, "/auth/login")
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303
    assert user.name in client.get("/").get_data(as_text=True)


def test_login_goes_back_to_a_local_next_page_only(client, session):
    user = make_user()
    session.commit()
    response = client.post("/auth/login?next=/account/", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/account/"
    client.post("/auth/logout")
    response = client.post(
        "/auth/login?next=https://evil.example.com/", data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_a_page_that_needs_a_login_sends_the_visitor_there_and_back(client, session):
    user = make_user()
    session.commit()
    response = client.get("/account/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/account/"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="next" value="/account/"' in html
    back = client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "next": "/account/"})
    assert back.headers["Location"] == "/account/"
    assert client.get("/account/").status_code == 200


def test_the_header_s_sign_in_link_comes_back_to_the_page_but_never_to_a_one_time_link(client, session):
    """Seen in the association's journey: after "address confirmed", "Sign in" led back to the used link."""
    assert 'href="/auth/login?next=/projects/"' in client.get("/projects/").get_data(as_text=True)
    for page in ("/auth/confirm/some-token", "/auth/reset-password/some-token", "/auth/signup"):
        html = client.get(page).get_data(as_text=True)
        assert 'href="/auth/login"' in html and "/auth/login?next=" not in html, page


def test_a_wrong_password_says_so_next_to_the_field_and_keeps_the_email(client, session):
    user = make_user()
    session.commit()
    response = client.post("/auth/login", data={"email": user.email, "password": "wrong"})
    html = response.get_data(as_text=True)
    assert "L’adresse e-mail ou le mot de passe est incorrect." in html
    assert f'value="{user.email}"' in html
    assert client.get("/account/").status_code == 302


def test_email_addresses_are_matched_whatever_their_case(client, session):
    user = make_user("Awa.Keita@Example.org")
    session.commit()
    response = client.post("/auth/login", data={"email": "  AWA.KEITA@example.ORG ", "password": PASSWORD})
    assert response.status_code == 303
    assert user.email == "awa.keita@example.org"


def _session_rows(session, user) -> list[UserSession]:
    session.expire_all()
    return list(session.scalars(select(UserSession).where(UserSession.user_id == user.id)))


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_no_longer_works(app, client, session):
    user = make_user()
    session.commit()
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    stolen = client.get_cookie("session").value
    client.post("/auth/logout")
    assert [row.ended_reason for row in _session_rows(session, user)] == ["logout"]
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/account/").status_code == 302


def test_sign_out_everywhere_ends_every_session_of_the_account(app, client, session):
    user = make_user()
    session.commit()
    phone, laptop = app.test_client(), app.test_client()
    for browser in (phone, laptop):
        browser.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert laptop.get("/account/").status_code == 200
    phone.post("/account/sign-out-everywhere")
    assert laptop.get("/account/").status_code == 302
    assert phone.get("/account/").status_code == 302
    assert all(row.ended_at is not None for row in _session_rows(session, user))


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, session):
    user = make_user()
    session.commit()
    phone, laptop = app.test_client(), app.test_client()
    for browser in (phone, laptop):
        browser.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    response = phone.post(
        "/account/password", data={"pw-current_password": PASSWORD, "pw-password": "a brand new passphrase"}
    )
    assert response.status_code == 303
    assert phone.get("/account/").status_code == 200
    assert laptop.get("/account/").status_code == 302
    fresh = app.test_client()
    assert fresh.post("/auth/login", data={"email": user.email, "password": PASSWORD}).status_code == 200
    assert (
        fresh.post("/auth/login", data={"email": user.email, "password": "a brand new passphrase"}).status_code == 303
    )


def test_a_password_change_needs_the_current_password_and_says_what_is_wrong(client, session):
    user = make_user()
    sign_in(client, user)
    wrong = client.post("/account/password", data={"pw-current_password": "not it", "pw-password": "long enough now"})
    assert wrong.status_code == 422
    assert "Ce n’est pas votre mot de passe actuel." in wrong.get_data(as_text=True)
    short = client.post("/account/password", data={"pw-current_password": PASSWORD, "pw-password": "short"})
    assert short.status_code == 422
    assert "au moins 12 caractères" in short.get_data(as_text=True)
    assert client.get("/account/").status_code == 200  # nothing was changed: still signed in


def test_an_admin_disabling_an_account_ends_its_sessions(app, client, session, cast):
    victim = cast.users["officer"]
    officer_browser = app.test_client()
    sign_in(officer_browser, victim)
    assert officer_browser.get("/account/").status_code == 200
    sign_in(client, cast.users["admin"])
    assert client.post(f"/admin/users/{victim.id}/disable").status_code == 303
    assert officer_browser.get("/account/").status_code == 302
    assert officer_browser.post("/auth/login", data={"email": victim.email, "password": PASSWORD}).status_code == 200
    client.post(f"/admin/users/{victim.id}/enable")
    assert officer_browser.post("/auth/login", data={"email": victim.email, "password": PASSWORD}).status_code == 303


def test_an_expired_session_no_longer_signs_in(app, client, session):
    user = make_user()
    sign_in(client, user)
    row = _session_rows(session, user)[0]
    row.created_at = utcnow() - app.config["SESSION_LIFETIME"] - timedelta(minutes=1)
    session.commit()
    assert client.get("/account/").status_code == 302


def test_the_session_cookie_is_httponly_and_lax_after_login(client, session):
    user = make_user()
    session.commit()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def page_without(response, email):
    """The page with the address typed and the CSRF token (timestamped, so it changes each second) blanked."""
    page = response.get_data(as_text=True).replace(email, "X")
    return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', page)


def test_password_reset_answers_the_same_for_unknown_addresses_and_mails_a_single_use_link(client, session):
    user = make_user("kadia@example.org", locale="fr")
    session.commit()
    known = client.post("/auth/reset-password", data={"email": user.email})
    unknown = client.post("/auth/reset-password", data={"email": "nobody-here@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert page_without(known, user.email) == page_without(unknown, "nobody-here@example.org")
    # The same work either way: one mail queued for each address; the unknown one is told there is no account,
    # and gets no reset link.
    [no_account] = mails_to("nobody-here@example.org")
    assert no_account.event == "password_reset_no_account"
    assert "aucun compte actif" in no_account.body_text and "/auth/reset-password/" not in no_account.body_text
    [mail] = mails_to(user.email)
    assert mail.event == "password_reset"
    assert mail.locale == "fr"
    link = link_in(mail, "/auth/reset-password/")
    assert client.get(link).status_code == 200
    assert client.post(link, data={"password": "my new long password"}).status_code == 303
    assert client.get(link).status_code == 404  # used once
    client.post("/auth/logout")
    assert client.post("/auth/login", data={"email": user.email, "password": "my new long password"}).status_code == 303


def test_a_reset_link_expires(app, client, session):
    user = make_user()
    session.commit()
    client.post("/auth/reset-password", data={"email": user.email})
    link = link_in(mails_to(user.email, "password_reset")[0], "/auth/reset-password/")
    app.config["RESET_TOKEN_LIFETIME"] = timedelta(seconds=-1)
    try:
        assert client.get(link).status_code == 404
    finally:
        app.config["RESET_TOKEN_LIFETIME"] = timedelta(hours=2)


def test_an_email_change_needs_the_password_and_moves_only_when_the_new_address_confirms(client, session):
    user = make_user()
    old = user.email
    sign_in(client, user)
    response = client.post("/account/email", data={"em-current_password": PASSWORD, "em-email": "new@example.org"})
    assert response.status_code == 303
    assert session.get(User, user.id).email == old  # nothing moves before the new address answers
    link = link_in(mails_to("new@example.org", "email_change")[0], "/auth/confirm/")
    page = client.get(link)
    assert page.status_code == 200 and "new@example.org" in page.get_data(as_text=True)
    assert session.get(User, user.id).email == old  # opening the link is not enough
    assert client.post(link).status_code == 200
    moved = session.get(User, user.id)
    assert moved.email == "new@example.org" and moved.email_confirmed_at is not None


def test_an_email_change_to_a_taken_address_answers_the_same_and_tells_its_owner(client, session):
    user, owner = make_user(), make_user("pris@example.org")
    sign_in(client, user)
    taken = client.post("/account/email", data={"em-current_password": PASSWORD, "em-email": "pris@example.org"})
    free = client.post("/account/email", data={"em-current_password": PASSWORD, "em-email": "libre@example.org"})
    assert taken.status_code == free.status_code == 303
    assert taken.headers["Location"] == free.headers["Location"]
    assert [m.event for m in mails_to("pris@example.org")] == ["address_taken"]
    assert [m.event for m in mails_to("libre@example.org")] == ["email_change"]
    assert session.get(User, user.id).email == user.email and session.get(User, owner.id).email == "pris@example.org"


def test_preferences_change_the_language_and_time_zone(client, session):
    user = make_user()
    sign_in(client, user)
    response = client.post(
        "/account/preferences", data={"pref-locale": "en", "pref-timezone": "Europe/Paris", "pref-currency": ""}
    )
    assert response.status_code == 303
    html = client.get("/account/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Your account" in html
    bad = client.post("/account/preferences", data={"pref-locale": "en", "pref-timezone": "Mars/Olympus"})
    assert bad.status_code == 422


# E-mail change links (issue 20): single use, bound to the address and password they were asked with ---------------


def _ask_to_move(client, user, new_email="nouvelle@example.org") -> str:
    response = client.post("/account/email", data={"em-current_password": PASSWORD, "em-email": new_email})
    assert response.status_code == 303
    return link_in(mails_to(new_email, "email_change")[-1], "/auth/confirm/")


def test_an_email_change_link_works_once_and_the_old_address_is_told(client, session):
    user = make_user("ancienne@example.org")
    sign_in(client, user)
    link = _ask_to_move(client, user)
    assert client.post(link).status_code == 200
    assert session.get(User, user.id).email == "nouvelle@example.org"
    [told] = mails_to("ancienne@example.org", "email_changed")
    assert "nouvelle@example.org" in told.body_text
    assert mails_to("nouvelle@example.org", "email_changed") == []
    # Followed again (a copy in someone's mailbox): nothing happens.
    assert client.get(link).status_code == 404
    assert client.post(link).status_code == 404


def test_a_password_change_voids_an_email_change_link(client, session):
    user = make_user()
    old = user.email
    sign_in(client, user)
    link = _ask_to_move(client, user)
    changed = client.post(
        "/account/password", data={"pw-current_password": PASSWORD, "pw-password": "une nouvelle phrase de passe"}
    )
    assert changed.status_code == 303
    assert client.get(link).status_code == 404
    assert client.post(link).status_code == 404
    assert session.get(User, user.id).email == old


def test_signing_out_everywhere_voids_an_email_change_link(client, session):
    user = make_user()
    old = user.email
    sign_in(client, user)
    link = _ask_to_move(client, user)
    assert client.post("/account/sign-out-everywhere").status_code == 303
    assert client.post(link).status_code == 404
    assert session.get(User, user.id).email == old


def test_a_newer_email_change_request_voids_the_older_link(client, session):
    user = make_user("premiere@example.org")
    sign_in(client, user)
    first = _ask_to_move(client, user, "deuxieme@example.org")
    second = _ask_to_move(client, user, "troisieme@example.org")
    assert client.post(first).status_code == 404  # a newer request replaced it
    assert client.post(second).status_code == 200
    assert session.get(User, user.id).email == "troisieme@example.org"
