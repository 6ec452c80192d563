"""Two-factor authentication in Chromium: setting it up from the account page, then signing in with a code; each
page checked (weight, other hosts, CSP, accessibility), the QR code image included."""

import re

import pyotp

from portal.database import utcnow
from portal.extensions import db
from tests.browser.pagecheck import check_page
from tests.browser.test_people_pages import sign_in
from tests.factories import PASSWORD, make_user


def test_setting_up_two_factor_and_signing_in_with_a_code(page, live_server):
    with live_server.app.app_context():
        make_user("deux-facteurs@example.org", "Awa Deux-Facteurs")
        db.session.commit()
    sign_in(page, "deux-facteurs@example.org", PASSWORD)

    check_page(page, "/account/two-factor")
    with page.expect_navigation():
        page.get_by_role("button", name="Configurer la double authentification").click()
    report = check_page(page, "/account/two-factor")
    assert any(url.endswith("/account/two-factor/qr.svg") for url in report.parts), report.parts
    image = page.get_by_role("img", name="Code QR de votre secret de double authentification")
    assert image.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.locator("main code").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    step = totp.timecode(utcnow())

    page.get_by_label("Le code que montre votre application").fill(totp.generate_otp(step))
    page.get_by_label("Votre mot de passe").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Activer la double authentification").click()
    codes = page.locator("ul.recovery-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{5}(-[a-z2-9]{5}){4}", c) for c in codes)

    with page.expect_navigation():
        page.get_by_role("button", name="Se déconnecter").click()
    sign_in(page, "deux-facteurs@example.org", PASSWORD)
    assert page.url.endswith("/auth/two-factor")
    check_page(page, "/auth/two-factor")
    page.get_by_label("Code").fill(totp.generate_otp(step + 1))
    with page.expect_navigation():
        page.get_by_role("button", name="Continuer").click()
    assert page.url.endswith("/")
    assert "Awa Deux-Facteurs" in page.content()
