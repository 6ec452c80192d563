"""People and organisations in Chromium: the sign-up journey, and every page checked as its users see it."""

import re

import pytest
from sqlalchemy import select

from portal.cli.demo import seed_demo
from portal.extensions import db
from portal.models import Organisation, OutboxMessage
from tests.browser.pagecheck import check_page
from tests.mail import link_in


def load_demo(live_server) -> dict:
    """The demo data in the live server's database (idempotent), and a few ids."""
    with live_server.app.app_context():
        seed_demo()
        db.session.commit()
        association = db.session.scalar(
            select(Organisation).where(Organisation.kind == "association").order_by(Organisation.id)
        )
        return {"association": association.id}


def latest_link(live_server, email: str, path_prefix: str) -> str:
    with live_server.app.app_context():
        mail = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.to_email == email).order_by(OutboxMessage.id.desc())
        )
        assert mail is not None, f"no mail to {email}"
        return link_in(mail, path_prefix)


def sign_in(page, email: str, password: str = "demo-password"):
    page.goto("/auth/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Se connecter").click()


def sign_out(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Se déconnecter").click()


PUBLIC_PAGES = [
    "/privacy",
    "/auth/login",
    "/auth/signup",
    "/auth/reset-password",
    "/organisations/",
    "/organisations/?kind=association",
    "/organisations/{association}",
]
SIGNED_IN_PAGES = {
    "association@example.org": ["/", "/account/", "/organisations/{association}"],
    "mediator@example.org": ["/", "/mediation/associations", "/mediation/invite"],
    "admin@example.org": [
        "/admin/",
        "/admin/users",
        "/admin/organisations",
        "/admin/settings",
        "/admin/territories",
        "/admin/rates",
    ],
}


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_are_light_self_contained_and_accessible(page, live_server, path):
    ids = load_demo(live_server)
    check_page(page, path.format(**ids))


@pytest.mark.parametrize("email", sorted(SIGNED_IN_PAGES))
def test_signed_in_pages_are_light_self_contained_and_accessible(page, live_server, email):
    ids = load_demo(live_server)
    sign_in(page, email)
    for path in SIGNED_IN_PAGES[email]:
        check_page(page, path.format(**ids))


def test_an_association_signs_up_is_verified_and_invites_its_treasurer(browser, live_server):
    load_demo(live_server)
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    context.set_default_timeout(10_000)
    page = context.new_page()

    # The representative registers the association; the commune name is typed without its accent.
    page.goto("/auth/signup")
    page.get_by_label("Votre nom").fill("Hawa Sissoko")
    page.get_by_label("Adresse e-mail").fill("hawa@exemple.fr")
    page.get_by_label("Mot de passe").fill("un mot de passe solide")
    page.get_by_label("Nom de l’association").fill("Ressortissants de Kobadiala à Paris")
    page.get_by_label("Pays de résidence").select_option("FR")
    page.get_by_label("Ville").fill("Paris")
    page.get_by_label("Commune d’origine au Mali").fill("lakamane")
    with page.expect_navigation():
        page.get_by_role("button", name="Créer le compte et l’association").click()
    assert "Nous avons envoyé un message à hawa@exemple.fr" in page.content()
    # The representative confirms the address with the mailed link (a button: mail scanners open links), then
    # signs in, and sees the association wait for the ministry.
    page.goto(latest_link(live_server, "hawa@exemple.fr", "/auth/confirm/"))
    with page.expect_navigation():
        page.get_by_role("button", name="Confirmer mon adresse").click()
    assert "Adresse confirmée" in page.content()
    sign_in(page, "hawa@exemple.fr", "un mot de passe solide")
    assert "attend la vérification" in page.content()
    sign_out(page)

    # A mediator verifies it.
    sign_in(page, "mediator@example.org")
    page.get_by_role("link", name=re.compile("association")).first.click()
    with page.expect_navigation():
        page.get_by_role("link", name="Ressortissants de Kobadiala à Paris").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Vérifier", exact=True).click()
    assert "L’association est vérifiée" in page.content()
    sign_out(page)

    # Its officer signs in and invites the treasurer.
    sign_in(page, "hawa@exemple.fr", "un mot de passe solide")
    with page.expect_navigation():
        page.get_by_role("link", name="Ressortissants de Kobadiala à Paris").click()
    page.get_by_label("Adresse e-mail").fill("tresorier@exemple.fr")
    page.get_by_label("Rôle", exact=True).select_option("member")
    with page.expect_navigation():
        page.get_by_role("button", name="Envoyer l’invitation").click()
    assert "L’invitation est envoyée à tresorier@exemple.fr" in page.content()

    # The officer switches to English, and the page follows.
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Invite someone").is_visible()
    sign_out_en = page.get_by_role("button", name="Sign out")
    with page.expect_navigation():
        sign_out_en.click()

    # The treasurer follows the mailed link and joins with a new account.
    treasurer = browser.new_context(base_url=live_server.url, locale="fr-FR")
    treasurer_page = treasurer.new_page()
    treasurer_page.goto(latest_link(live_server, "tresorier@exemple.fr", "/auth/invitation/"))
    treasurer_page.get_by_label("Votre nom").fill("Ousmane Traoré")
    treasurer_page.get_by_label("Mot de passe").fill("tresorerie-2026")
    with treasurer_page.expect_navigation():
        treasurer_page.get_by_role("button", name="Rejoindre").click()
    assert "Bienvenue dans Ressortissants de Kobadiala à Paris" in treasurer_page.content()
    treasurer.close()
    context.close()


def test_a_form_that_fails_keeps_what_was_typed_and_says_why_next_to_the_field(page, live_server):
    load_demo(live_server)
    page.goto("/auth/signup")
    page.get_by_label("Votre nom").fill("Awa")
    page.get_by_label("Adresse e-mail").fill("pas-une-adresse")
    page.get_by_label("Nom de l’association").fill("Les amis de Kayes")
    page.get_by_label("Commune d’origine au Mali").fill("zzzz")
    with page.expect_navigation():
        page.get_by_role("button", name="Créer le compte et l’association").click()
    assert page.get_by_label("Votre nom").input_value() == "Awa"
    assert page.get_by_label("Nom de l’association").input_value() == "Les amis de Kayes"
    email = page.get_by_label("Adresse e-mail")
    assert email.get_attribute("aria-invalid") == "true"
    assert "Saisissez une adresse e-mail valide." in page.locator("#email-error").inner_text()
    assert page.locator("#password-error").is_visible()
    check_page(page, "/auth/signup")  # the form page itself, fresh, still passes
