"""Two-factor authentication (issue 13, item 7): enrolment, the second step of signing in, recovery codes, replay,
accounts that must enrol, and the API's `otp` (api.md "Conventions").

The tests hold the authenticator app's part: they read the secret the enrolment page shows and compute codes
with pyotp, as an app does. Codes are taken at fixed time steps (`Phone.code(step)`), never twice the same one
unless the test is about replay.
"""

import math
import re
from datetime import timedelta

import pyotp
import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from cryptography.fernet import Fernet
from sqlalchemy import func, select

from portal.database import utcnow
from portal.domain import throttle, two_factor
from portal.models import AuditEvent, Organisation, RecoveryCode, TwoFactor, User, UserSession
from tests.factories import PASSWORD, sign_in
from tests.mail import mails_to


@pytest.fixture()
def client(app, session):
    """A browser that reads English, so that the messages checked are the msgids."""
    return new_client(app)


def new_client(app):
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return browser


class Phone:
    """An authenticator app holding `secret`; `code(0)` is the code of the current 30-second step, `code(1)` the
    next one's (the portal accepts one step either side of its clock)."""

    def __init__(self, secret: str):
        self.totp = pyotp.TOTP(secret)
        self.base = self.totp.timecode(utcnow())

    def code(self, offset: int = 0) -> str:
        return self.totp.generate_otp(self.base + offset)


def enrol_through_pages(client) -> tuple[Phone, list[str]]:
    """Sets two-factor up as a person does: the button, the page's secret, a first code; returns the app and the
    recovery codes shown."""
    assert client.post("/account/two-factor/start").status_code == 303
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    phone = Phone(secret)
    shown = client.post(
        "/account/two-factor/enrol", data={"enrol-code": phone.code(0), "enrol-current_password": PASSWORD}
    )
    assert shown.status_code == 200
    return phone, recovery_codes_on(shown)


# A recovery code as shown: five groups of five of the 31 signs that cannot be misread (at least 112 bits).
RECOVERY_CODE = re.compile(r"<li><code>([a-z2-9]{5}(?:-[a-z2-9]{5}){4})</code></li>")


def recovery_codes_on(page) -> list[str]:
    return RECOVERY_CODE.findall(page.get_data(as_text=True))


@pytest.fixture()
def enrolled(app, client, cast):
    """The officer, with two-factor on (set up through the pages), signed out again."""
    sign_in(client, cast.users["officer"])
    phone, codes = enrol_through_pages(client)
    client.post("/auth/logout")
    return cast.users["officer"], phone, codes


def login(client, email="officer@test.org", password=PASSWORD, next_url=None, address="10.2.2.2"):
    data = {"email": email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/auth/login", data=data, environ_base={"REMOTE_ADDR": address})


def give_code(client, code, address="10.2.2.2"):
    return client.post("/auth/two-factor", data={"code": code}, environ_base={"REMOTE_ADDR": address})


def signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def audit_actions(session, user) -> list[str]:
    return list(
        session.scalars(select(AuditEvent.action).where(AuditEvent.subject_id == user.id).order_by(AuditEvent.id))
    )


# Enrolment ---------------------------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_secret_and_a_first_code_turns_it_on(client, cast, session):
    officer = cast.users["officer"]
    sign_in(client, officer)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Set up two-factor authentication" in page
    assert client.get("/account/two-factor/qr.svg").status_code == 404  # nothing to show before the button

    assert client.post("/account/two-factor/start").status_code == 303
    page = client.get("/account/two-factor")
    assert page.headers["Cache-Control"] == "private, no-store"
    html = page.get_data(as_text=True)
    assert 'src="/account/two-factor/qr.svg"' in html
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", html).group(1).replace(" ", "")
    assert len(secret) == 32

    svg = client.get("/account/two-factor/qr.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    body = svg.get_data(as_text=True)
    assert "<svg" in body and "<path" in body
    for forbidden in ("<script", "style=", "<style", "href="):
        assert forbidden not in body

    phone = Phone(secret)
    wrong = client.post(
        "/account/two-factor/enrol",
        data={"enrol-code": "000000" if phone.code() != "000000" else "1", "enrol-current_password": PASSWORD},
    )
    assert wrong.status_code == 422
    assert "not the one your app shows" in wrong.get_data(as_text=True)
    assert session.get(TwoFactor, officer.id).confirmed_at is None

    shown = client.post(
        "/account/two-factor/enrol", data={"enrol-code": phone.code(0), "enrol-current_password": PASSWORD}
    )
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "private, no-store"
    codes = recovery_codes_on(shown)
    assert len(codes) == 10 and len(set(codes)) == 10
    session.expire_all()
    assert session.get(TwoFactor, officer.id).confirmed_at is not None
    # Stored hashed: no code appears in the table.
    stored = set(session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == officer.id)))
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & stored
    assert "user.two_factor_enable" in audit_actions(session, officer)
    assert [m.event for m in mails_to(officer.email, "two_factor_enabled")] == ["two_factor_enabled"]
    # Shown once: the page no longer has them, nor the secret.
    later = client.get("/account/two-factor").get_data(as_text=True)
    assert codes[0] not in later and secret[:4] not in later
    assert client.get("/account/two-factor/qr.svg").status_code == 404


def test_the_account_page_says_whether_two_factor_is_on_and_links_to_it(client, cast):
    sign_in(client, cast.users["member"])
    html = client.get("/account/").get_data(as_text=True)
    assert 'href="/account/two-factor"' in html


# Signing in --------------------------------------------------------------------------------------------------


def test_after_the_password_the_session_waits_for_the_code(client, enrolled, session):
    officer, phone, _codes = enrolled
    sessions_before = session.scalar(select(func.count()).select_from(UserSession))
    answer = login(client, next_url="/communes/")
    assert answer.status_code == 303 and answer.headers["Location"] == "/auth/two-factor"
    assert not signed_in(client)  # the pending step signs nobody in
    assert session.scalar(select(func.count()).select_from(UserSession)) == sessions_before
    assert client.get("/auth/two-factor").status_code == 200

    wrong = give_code(client, "123456" if phone.code(1) != "123456" else "654321")
    assert wrong.status_code == 200 and "wrong or already used" in wrong.get_data(as_text=True)
    assert not signed_in(client)

    right = give_code(client, phone.code(1))
    assert right.status_code == 303 and right.headers["Location"] == "/communes/"
    assert signed_in(client)


def test_a_code_is_not_accepted_twice(client, enrolled, app):
    _officer, phone, _codes = enrolled
    login(client)
    assert give_code(client, phone.code(1)).status_code == 303
    other = new_client(app)
    login(other)
    assert give_code(other, phone.code(1)).status_code == 200  # refused: the same code again
    assert not signed_in(other)
    # Nor an older one than the last accepted (the step before the first code of enrolment's, also in the window).
    assert give_code(other, phone.code(0)).status_code == 200
    assert not signed_in(other)


def test_a_recovery_code_signs_in_once(client, enrolled, app, session):
    officer, _phone, codes = enrolled
    login(client)
    assert give_code(client, codes[3].upper().replace("-", " ")).status_code == 303  # typed loosely
    assert signed_in(client)
    assert "user.recovery_code_used" in audit_actions(session, officer)
    other = new_client(app)
    login(other)
    assert give_code(other, codes[3]).status_code == 200
    assert not signed_in(other)
    assert give_code(other, codes[4]).status_code == 303


def test_the_pending_step_expires_after_a_few_minutes(client, enrolled, monkeypatch):
    _officer, phone, _codes = enrolled
    login(client)
    later = utcnow() + timedelta(minutes=5, seconds=30)
    monkeypatch.setattr(two_factor, "utcnow", lambda: later)
    expired = client.get("/auth/two-factor")
    assert expired.status_code == 303 and expired.headers["Location"] == "/auth/login"
    assert give_code(client, phone.code(1)).status_code == 303  # to the login page, not signed in
    assert not signed_in(client)


def test_the_second_step_without_a_password_first_goes_back_to_the_login(client, cast):
    answer = client.post("/auth/two-factor", data={"code": "123456"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/auth/login"


def test_code_guesses_are_throttled_like_password_guesses(app, client, enrolled, monkeypatch):
    _officer, phone, _codes = enrolled
    monkeypatch.setitem(app.config, "MFA_FAILURES_PER_ACCOUNT", "1000 per hour")  # this address's limit alone
    wrong = "111111" if phone.code(1) != "111111" else "222222"
    answers = []
    for _ in range(2):  # five wrong codes end a pending step: the password again, and five more
        assert login(client, address="10.3.3.3").status_code == 303
        answers += [give_code(client, wrong, address="10.3.3.3").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 303] * 2
    blocked = login(client, address="10.3.3.3")  # ten failures of this account from this address
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) > 0


def test_five_wrong_codes_end_the_pending_step_and_the_password_is_asked_again(client, enrolled, app):
    _officer, phone, _codes = enrolled
    login(client)
    wrong = "111111" if phone.code(1) != "111111" else "222222"
    answers = [give_code(client, wrong) for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 303]
    assert answers[-1].headers["Location"] == "/auth/login"
    with client.session_transaction() as cookie:
        assert "mfa_pending" not in cookie
    assert give_code(client, phone.code(1)).headers["Location"] == "/auth/login"
    assert not signed_in(client)
    login(client)  # the password again opens a new step
    assert give_code(client, phone.code(1)).headers["Location"] == "/"
    assert signed_in(client)


def test_a_reset_link_does_not_skip_the_second_factor(client, enrolled, session):
    from tests.mail import link_in

    officer, phone, _codes = enrolled
    client.post("/auth/reset-password", data={"email": officer.email})
    link = link_in(mails_to(officer.email, "password_reset")[-1], "/auth/reset-password/")
    answer = client.post(link, data={"password": "une toute nouvelle phrase"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/auth/two-factor"
    assert not signed_in(client)
    assert give_code(client, phone.code(1)).status_code == 303
    assert signed_in(client)


# Recovery codes and turning it off ------------------------------------------------------------------------------


def test_new_recovery_codes_need_the_password_and_replace_the_old_ones(client, enrolled, app, session):
    officer, _phone, old_codes = enrolled
    login(client)
    give_code(client, old_codes[0])
    refused = client.post("/account/two-factor/recovery-codes", data={"codes-current_password": "not it"})
    assert refused.status_code == 422 and "not your current password" in refused.get_data(as_text=True)
    shown = client.post("/account/two-factor/recovery-codes", data={"codes-current_password": PASSWORD})
    assert shown.status_code == 200
    new_codes = recovery_codes_on(shown)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert "user.recovery_codes_regenerate" in audit_actions(session, officer)
    other = new_client(app)
    login(other)
    assert give_code(other, old_codes[1]).status_code == 200
    assert give_code(other, new_codes[1]).status_code == 303


def test_turning_it_off_needs_the_password_and_a_code(client, enrolled, session):
    officer, phone, codes = enrolled
    login(client)
    give_code(client, codes[0])
    no_code = client.post(
        "/account/two-factor/disable", data={"disable-current_password": PASSWORD, "disable-code": "000000"}
    )
    assert no_code.status_code == 422 and "wrong or already used" in no_code.get_data(as_text=True)
    no_password = client.post(
        "/account/two-factor/disable", data={"disable-current_password": "not it", "disable-code": phone.code(1)}
    )
    assert no_password.status_code == 422
    session.expire_all()
    assert session.get(TwoFactor, officer.id) is not None
    done = client.post(
        "/account/two-factor/disable", data={"disable-current_password": PASSWORD, "disable-code": phone.code(1)}
    )
    assert done.status_code == 303
    session.expire_all()
    assert session.get(TwoFactor, officer.id) is None
    assert session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == officer.id)) == 0
    assert "user.two_factor_disable" in audit_actions(session, officer)
    assert len(mails_to(officer.email, "two_factor_disabled")) == 1
    client.post("/auth/logout")
    assert login(client).headers["Location"] == "/"  # the password alone again


# Accounts that must have it ------------------------------------------------------------------------------------


@pytest.fixture()
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_REQUIRED", True)


@pytest.mark.parametrize("role", ["admin", "mediator"])
def test_an_admin_or_mediator_without_it_is_taken_to_enrolment_and_kept_there(client, cast, required, role):
    user = cast.users[role]
    answer = login(client, user.email)
    assert answer.status_code == 303 and answer.headers["Location"] == "/account/two-factor"
    for path in ("/", "/projects/", "/account/", "/admin/outbox", "/mediation/"):
        blocked = client.get(path)
        assert blocked.status_code == 303 and blocked.headers["Location"] == "/account/two-factor", path
    assert client.post("/account/preferences", data={}).headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "must use two-factor authentication" in page
    phone, codes = enrol_through_pages(client)
    assert len(codes) == 10
    assert client.get("/projects/").status_code == 200
    # Required: it cannot be turned off, and the page offers no way to.
    assert "/account/two-factor/disable" not in client.get("/account/two-factor").get_data(as_text=True)
    refused = client.post(
        "/account/two-factor/disable", data={"disable-current_password": PASSWORD, "disable-code": phone.code(1)}
    )
    assert refused.status_code == 403


@pytest.mark.parametrize("role", ["mayor", "officer", "observer", "nobody"])
def test_everyone_else_may_go_without_it(client, cast, required, role):
    answer = login(client, cast.users[role].email)
    assert answer.headers["Location"] == "/"
    assert client.get("/projects/").status_code == 200


def test_without_the_setting_admins_may_go_without_it(client, cast):
    assert login(client, "admin@test.org").headers["Location"] == "/"
    assert client.get("/admin/outbox").status_code == 200


# The API ---------------------------------------------------------------------------------------------------------


def token_request(client, email="officer@test.org", password=PASSWORD, address="10.4.4.4", **extra):
    return client.post(
        "/api/v1/tokens", json={"email": email, "password": password, **extra}, environ_base={"REMOTE_ADDR": address}
    )


def error_code(response):
    return (response.get_json() or {}).get("error", {}).get("code")


# (account, what is sent as otp) → (status, error code); from api.md: with two-factor on, no otp → 401
# otp_required, a wrong one → 401 invalid_otp; a recovery code stands for a code; a code is accepted once.
API_MATRIX = {
    ("plain", None): (201, None),
    ("plain", "123456"): (201, None),  # an account without two-factor: the otp is not asked, so not read
    ("enrolled", None): (401, "otp_required"),
    ("enrolled", ""): (401, "otp_required"),
    ("enrolled", "wrong"): (401, "invalid_otp"),
    ("enrolled", "code"): (201, None),
    ("enrolled", "recovery"): (201, None),
    ("enrolled", "used recovery"): (401, "invalid_otp"),
    ("enrolled", "replayed code"): (401, "invalid_otp"),
    ("must enrol", None): (403, "mfa_enrolment_required"),
    ("must enrol", "123456"): (403, "mfa_enrolment_required"),
}


@pytest.mark.parametrize(("account", "otp"), list(API_MATRIX))
def test_api_token_otp_matrix(app, client, cast, session, monkeypatch, account, otp):
    expected_status, expected_code = API_MATRIX[account, otp]
    email = "officer@test.org"
    if account == "must enrol":
        monkeypatch.setitem(app.config, "MFA_REQUIRED", True)
        email = "mediator@test.org"
    body = {}
    if account == "enrolled":
        sign_in(client, cast.users["officer"])
        phone, codes = enrol_through_pages(client)
        client.post("/auth/logout")
        sent = {
            "": "",
            "wrong": "000000" if phone.code(1) != "000000" else "999999",
            "code": phone.code(1),
            "recovery": codes[0],
        }
        if otp == "used recovery":
            assert token_request(client, otp=codes[0]).status_code == 201
            sent[otp] = codes[0]
        if otp == "replayed code":
            assert token_request(client, otp=phone.code(1)).status_code == 201
            sent[otp] = phone.code(1)
        if otp is not None:
            body["otp"] = sent[otp]
    elif otp is not None:
        body["otp"] = otp
    response = token_request(client, email, **body)
    assert response.status_code == expected_status, response.get_json()
    assert error_code(response) == expected_code
    if account == "must enrol":
        assert "two-factor" in response.get_json()["error"]["message"]


def test_api_a_wrong_password_is_invalid_credentials_before_any_code(client, enrolled):
    assert error_code(token_request(client, password="not it")) == "invalid_credentials"
    assert error_code(token_request(client, password="not it", otp="123456")) == "invalid_credentials"


def test_api_wrong_codes_count_as_failed_logins(app, client, enrolled, monkeypatch):
    _officer, phone, _codes = enrolled
    monkeypatch.setitem(app.config, "MFA_FAILURES_PER_ACCOUNT", "1000 per hour")  # this address's limit alone
    wrong = "000000" if phone.code(1) != "000000" else "999999"
    answers = [token_request(client, otp=wrong, address="10.5.5.5").status_code for _ in range(11)]
    assert answers == [401] * 10 + [429]
    assert token_request(client, otp=phone.code(1), address="10.5.5.5").status_code == 429
    # From another address the owner still gets in: never a lock put up by someone else's address.
    assert token_request(client, otp=phone.code(1), address="10.6.6.6").status_code == 201


def test_the_openapi_document_describes_the_otp_field(client, session):
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["TokenRequest"]
    assert "otp" in schema["properties"] and "otp_required" in schema["properties"]["otp"]["description"]


# Lost phone, lost codes; closing the account ----------------------------------------------------------------------


def test_an_admin_turns_off_the_two_factor_of_someone_who_lost_everything(client, enrolled, cast, session, app):
    officer, _phone, _codes = enrolled
    sign_in(client, cast.users["admin"])
    users_page = client.get("/admin/users").get_data(as_text=True)
    assert users_page.count("/two-factor/reset") == 1  # the officer's row only: nobody else has it on
    assert f"/admin/users/{officer.id}/two-factor/reset" in users_page
    done = client.post(f"/admin/users/{officer.id}/two-factor/reset")
    assert done.status_code == 303
    session.expire_all()
    assert session.get(TwoFactor, officer.id) is None
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.two_factor_reset"))
    assert event.subject_id == officer.id and event.actor_id == cast.users["admin"].id
    assert len(mails_to(officer.email, "two_factor_disabled")) == 1
    other = new_client(app)
    assert login(other).headers["Location"] == "/"  # the password alone again


@pytest.mark.parametrize("role", ["mediator", "mayor", "member"])
def test_only_admins_turn_off_someone_elses_two_factor(client, enrolled, cast, session, role):
    officer, _phone, _codes = enrolled
    sign_in(client, cast.users[role])
    assert client.post(f"/admin/users/{officer.id}/two-factor/reset").status_code == 403
    session.expire_all()
    assert session.get(TwoFactor, officer.id) is not None


def test_an_admin_cannot_turn_off_their_own_this_way(client, cast, session, app):
    admin = cast.users["admin"]
    sign_in(client, admin)
    enrol_through_pages(client)
    assert client.post(f"/admin/users/{admin.id}/two-factor/reset").status_code == 403
    session.expire_all()
    assert session.get(TwoFactor, admin.id) is not None


def test_the_data_download_says_whether_two_factor_is_on_and_closing_the_account_removes_it(client, cast, session):
    member = cast.users["member"]
    sign_in(client, member)
    assert client.get("/account/data").get_json()["two_factor"] is False
    enrol_through_pages(client)
    data = client.get("/account/data").get_json()
    assert data["two_factor"] is True and "secret" not in str(data)
    assert client.post("/account/close", data={"close-current_password": PASSWORD}).status_code == 303
    session.expire_all()
    assert session.get(TwoFactor, member.id) is None
    assert session.scalar(select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == member.id)) == 0


# Codes guessed across addresses (issue 20) -------------------------------------------------------------------------


def wrong_codes(phone: Phone, count: int) -> list[str]:
    """`count` six-digit codes none of which the phone shows around now (so none may sign in)."""
    right = {phone.code(offset) for offset in range(-3, 4)}
    return [code for code in (f"{n:06d}" for n in range(count + len(right))) if code not in right][:count]


def user_logins(session, user) -> int:
    return session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.subject_id == user.id, AuditEvent.action == "user.login")
    )


def test_a_thousand_wrong_codes_from_a_hundred_addresses_sign_nobody_in_and_the_owner_is_told(
    app, client, enrolled, session, monkeypatch
):
    """Someone who has the password copies the pending step's cookie to 100 addresses (a hundred /64s of one IPv6
    /48) and sends 1,000 wrong codes, giving the password again whenever the step ends: the account's budget of
    wrong codes holds whatever the address, nobody signs in, and the owner is told by mail, once."""
    officer, phone, _codes = enrolled
    addresses = [f"2001:db8:7:{n:x}::1" for n in range(100)]
    logins_before = user_logins(session, officer)

    def new_step(address: str) -> str:
        answer = login(client, address=address)
        assert answer.status_code == 303 and answer.headers["Location"] == "/auth/two-factor"
        return client.get_cookie("session").value

    cookie = new_step(addresses[0])
    statuses = []
    for n, code in enumerate(wrong_codes(phone, 1000)):
        address = addresses[n % 100]
        client.set_cookie("session", cookie)  # the same pending step, from another address
        answer = give_code(client, code, address=address)
        statuses.append(answer.status_code)
        if answer.status_code == 303:  # never signed in: back to the password
            assert answer.headers["Location"] == "/auth/login"
            cookie = new_step(address)
    assert len(statuses) == 1000
    # At most the budget's ten codes were ever checked (five per pending step); every other one waited.
    assert statuses.count(429) >= 990 and set(statuses) <= {200, 303, 429}
    assert user_logins(session, officer) == logins_before
    assert not signed_in(client)
    assert len(mails_to(officer.email, "two_factor_codes_guessed")) == 1
    assert "user.two_factor_guessed" in audit_actions(session, officer)

    # The right code, from a new address, while the budget is spent: refused too, until the window passes.
    owner = new_client(app)
    login(owner, address="10.99.99.99")
    refused = give_code(owner, phone.code(1), address="10.99.99.99")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert not signed_in(owner)

    later = utcnow() + timedelta(minutes=61)
    monkeypatch.setattr(two_factor, "utcnow", lambda: later)
    monkeypatch.setattr(throttle, "utcnow", lambda: later)
    login(owner, address="10.99.99.99")
    assert give_code(owner, phone.totp.at(later), address="10.99.99.99").headers["Location"] == "/"
    assert signed_in(owner)


def test_the_api_spends_the_same_budget_of_wrong_codes_from_any_address(app, client, enrolled, session):
    officer, phone, _codes = enrolled
    answers = [
        token_request(client, otp=code, address=f"10.8.{n}.1").status_code
        for n, code in enumerate(wrong_codes(phone, 100))
    ]
    assert answers == [401] * 10 + [429] * 90
    assert len(mails_to(officer.email, "two_factor_codes_guessed")) == 1
    refused = token_request(client, otp=phone.code(1), address="10.9.9.9")
    assert refused.status_code == 429 and error_code(refused) == "rate_limited"
    # The site shares the budget: the right code waits there too.
    login(client, address="10.9.9.10")
    assert give_code(client, phone.code(1), address="10.9.9.10").status_code == 429


# Set-up asks for the password, and offers to sign everything else out (issue 20) -----------------------------------


def test_turning_two_factor_on_asks_for_the_password(client, cast, session):
    member = cast.users["member"]
    sign_in(client, member)
    client.post("/account/two-factor/start")
    page = client.get("/account/two-factor").get_data(as_text=True)
    phone = Phone(re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", ""))
    for password in ("", "not my password"):
        refused = client.post(
            "/account/two-factor/enrol", data={"enrol-code": phone.code(0), "enrol-current_password": password}
        )
        assert refused.status_code == 422
        html = refused.get_data(as_text=True)
        assert f'value="{phone.code(0)}"' in html  # what was typed is kept
        error = re.search(r'id="enrol-current_password-error">([^<]*)<', html)
        assert error is not None, "the password's error sits next to its field"
    assert "not your current password" in html
    session.expire_all()
    assert session.get(TwoFactor, member.id).confirmed_at is None
    # Throttled like a login: ten wrong passwords, then 429.
    answers = [
        client.post(
            "/account/two-factor/enrol", data={"enrol-code": phone.code(0), "enrol-current_password": "wrong again"}
        ).status_code
        for _ in range(10)
    ]
    assert answers[-1] == 429


def _other_browser_and_token(app, client, user, second_factor=None):
    """Another signed-in browser of `user`, and an API token of theirs."""
    other = new_client(app)
    login(other, email=user.email)
    if second_factor is not None:
        give_code(other, second_factor.pop())
    assert signed_in(other)
    body = {"otp": second_factor.pop()} if second_factor is not None else {}
    token = token_request(client, email=user.email, **body).get_json()["token"]
    return other, token


def token_works(client, token) -> bool:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize("change", ["enrol", "recovery codes", "disable"])
def test_each_change_offers_to_sign_out_every_other_session_and_revoke_the_tokens(app, client, cast, session, change):
    member = cast.users["member"]
    form = {"enrol": "enrol", "recovery codes": "codes", "disable": "disable"}[change]
    if change == "enrol":
        other, token = _other_browser_and_token(app, client, member)
        sign_in(client, member)
        client.post("/account/two-factor/start")
        page = client.get("/account/two-factor").get_data(as_text=True)
        phone = Phone(re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", ""))
        data = {"enrol-code": phone.code(0)}
    else:
        sign_in(client, member)
        phone, codes = enrol_through_pages(client)
        client.post("/auth/logout")
        other, token = _other_browser_and_token(app, client, member, second_factor=codes[:2])
        login(client, email=member.email)
        give_code(client, codes[2])
        page = client.get("/account/two-factor").get_data(as_text=True)
        data = {"disable-code": phone.code(1)} if change == "disable" else {}
    # Offered, and ticked unless the person unticks it.
    assert re.search(rf'<input checked id="{form}-sign_out_others" name="{form}-sign_out_others" type="checkbox"', page)
    data |= {f"{form}-current_password": PASSWORD, f"{form}-sign_out_others": "y"}
    path = {"enrol": "enrol", "recovery codes": "recovery-codes", "disable": "disable"}[change]
    done = client.post(f"/account/two-factor/{path}", data=data)
    assert done.status_code in (200, 303)
    assert signed_in(client)  # this browser stays
    assert not signed_in(other)
    assert not token_works(client, token)


def test_unticked_the_other_sessions_and_tokens_stay(app, client, cast, session):
    member = cast.users["member"]
    other, token = _other_browser_and_token(app, client, member)
    sign_in(client, member)
    client.post("/account/two-factor/start")
    page = client.get("/account/two-factor").get_data(as_text=True)
    phone = Phone(re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", ""))
    client.post("/account/two-factor/enrol", data={"enrol-code": phone.code(0), "enrol-current_password": PASSWORD})
    assert signed_in(other) and token_works(client, token)


# Tokens that would skip a required second factor (issue 20) ---------------------------------------------------------


def test_an_existing_token_of_an_account_that_must_enrol_is_refused(app, client, cast, monkeypatch):
    token = token_request(client, email="mediator@test.org").get_json()["token"]  # before the setting
    monkeypatch.setitem(app.config, "MFA_REQUIRED", True)
    headers = {"Authorization": f"Bearer {token}"}
    for path in ("/api/v1/me", "/api/v1/projects"):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 403 and error_code(refused) == "mfa_enrolment_required", path
    assert client.delete("/api/v1/tokens/current", headers=headers).status_code == 204  # it may still give itself up
    # An account that has no such duty keeps using its token.
    other = token_request(client, email="mayor@test.org").get_json()["token"]
    assert token_works(client, other)


def test_granting_the_admin_flag_revokes_the_accounts_tokens(client, cast, session):
    token = token_request(client, email="member@test.org").get_json()["token"]
    kept = token_request(client, email="mayor@test.org").get_json()["token"]
    sign_in(client, cast.users["admin"])
    assert client.post(f"/admin/users/{cast.users['member'].id}/admin").status_code == 303
    assert not token_works(client, token)
    assert token_works(client, kept)


def test_becoming_a_mediator_revokes_the_accounts_tokens(app, client, cast, session):
    from portal.domain import organisations

    token = token_request(client, email="nobody@test.org").get_json()["token"]
    observer_token = token_request(client, email="observer@test.org").get_json()["token"]
    with app.app_context():
        nobody, admin = (session.get(User, cast.users[role].id) for role in ("nobody", "admin"))
        organisations.add_membership(session.get(Organisation, cast.ministry.id), nobody, "mediator", actor=admin)
        session.commit()
    assert not token_works(client, token)
    assert token_works(client, observer_token)  # no privilege gained, no token lost


# Secrets at rest (issue 20) --------------------------------------------------------------------------------------------


def test_recovery_codes_carry_at_least_112_bits_and_are_kept_as_salted_slow_hashes(client, cast, session):
    sign_in(client, cast.users["member"])
    _phone, codes = enrol_through_pages(client)
    assert len(codes) == 10
    for code in codes:
        signs = code.replace("-", "")
        assert len(signs) * math.log2(31) >= 112  # 31 signs that cannot be misread
    stored = list(
        session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == cast.users["member"].id))
    )
    assert all(h.startswith("$argon2id$") for h in stored)  # argon2: salted, slow
    assert len({h.split("$")[4] for h in stored}) == 10  # a salt of its own each
    assert sum(_verifies(h, codes[0]) for h in stored) == 1


def _verifies(stored_hash: str, code: str) -> bool:
    try:
        return PasswordHasher().verify(stored_hash, code.replace("-", ""))
    except VerificationError:
        return False


def test_the_totp_secret_is_kept_encrypted_with_the_configured_key(app, client, cast, session):
    member = cast.users["member"]
    sign_in(client, member)
    client.post("/account/two-factor/start")
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r"<code>([A-Z2-7 ]+)</code>", page).group(1).replace(" ", "")
    stored = session.scalar(select(TwoFactor.secret).where(TwoFactor.user_id == member.id))
    assert secret not in stored
    assert Fernet(app.config["TOTP_ENCRYPTION_KEYS"].encode()).decrypt(stored.encode()).decode() == secret


def test_rotating_the_key_reencrypts_every_secret_under_the_newest(app, client, enrolled, session, monkeypatch):
    officer, phone, _codes = enrolled
    old_key = app.config["TOTP_ENCRYPTION_KEYS"]
    new_key = Fernet.generate_key().decode()
    monkeypatch.setitem(app.config, "TOTP_ENCRYPTION_KEYS", f"{new_key},{old_key}")
    result = app.test_cli_runner().invoke(args=["two-factor", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    session.expire_all()
    stored = session.scalar(select(TwoFactor.secret).where(TwoFactor.user_id == officer.id))
    assert Fernet(new_key.encode()).decrypt(stored.encode())
    # The old key may go: codes still sign in.
    monkeypatch.setitem(app.config, "TOTP_ENCRYPTION_KEYS", new_key)
    login(client)
    assert give_code(client, phone.code(1)).headers["Location"] == "/"
