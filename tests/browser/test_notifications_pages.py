"""The inbox, the mail preferences and the admin's undelivered mail in Chromium: light, self-contained,
accessible, and usable without JavaScript."""

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import Membership, Organisation, User
from portal.notifications.notify import notify
from portal.notifications.outbox import queue_mail
from tests.browser.pagecheck import check_page
from tests.browser.test_people_pages import load_demo, sign_in

OFFICER = "association@example.org"


def add_inbox_and_dead_letter(live_server) -> int:
    """A few notifications for the association's officer, and one dead mail; returns the association's id."""
    with live_server.app.app_context():
        officer = db.session.scalar(select(User).where(User.email == OFFICER))
        membership = db.session.scalar(select(Membership).where(Membership.user_id == officer.id))
        association = db.session.get(Organisation, membership.organisation_id)
        admin = db.session.scalar(select(User).where(User.is_admin))
        for name in ("Awa Keïta", "Bakary Sylla", "Coumba Diallo"):
            notify("membership_left", actor=admin, organisation=association, member=User(name=name))
        dead = queue_mail("password_reset", "adresse-invalide@example", "Réinitialisez", "…")
        dead.status, dead.attempts = "dead", 1
        dead.last_error = "SendGrid answered 400: The to email does not contain a valid address."
        db.session.commit()
        return association.id


def test_the_inbox_and_the_preferences_are_light_self_contained_and_accessible(page, live_server):
    load_demo(live_server)
    add_inbox_and_dead_letter(live_server)
    sign_in(page, OFFICER)
    check_page(page, "/notifications/")
    check_page(page, "/notifications/preferences")


def test_the_undelivered_mail_page_is_light_self_contained_and_accessible(page, live_server):
    load_demo(live_server)
    add_inbox_and_dead_letter(live_server)
    sign_in(page, "admin@example.org")
    check_page(page, "/admin/outbox")


def test_an_officer_opens_a_notification_and_chooses_a_daily_digest(page, live_server):
    load_demo(live_server)
    association_id = add_inbox_and_dead_letter(live_server)
    sign_in(page, OFFICER)
    header_link = page.locator(".account-menu a[href='/notifications/']")
    unread = int(re.search(r"\((\d+)\)", header_link.inner_text()).group(1))
    assert unread >= 3
    with page.expect_navigation():
        header_link.click()
    with page.expect_navigation():
        page.locator("form[action$='/read'] button").first.click()  # the newest: opens its record
    assert page.url.endswith(f"/organisations/{association_id}")
    assert f"({unread - 1})" in page.locator(".account-menu a[href='/notifications/']").inner_text()

    page.goto("/notifications/preferences")
    choice = page.locator("select#kind_membership")  # labelled (checked by axe above); the label's words change
    assert page.locator("label[for=kind_membership]").inner_text()
    choice.select_option("digest")
    with page.expect_navigation():
        page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    assert page.locator("select#kind_membership").input_value() == "digest"
