"""Links that act for someone are never stored (issue 13, hole 3): the outbox keeps the mail with a placeholder
and what to sign, the link is made as the mail leaves, and sent mails are deleted after a while."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.database import utcnow
from portal.models import OutboxMessage, OutboxStatus
from portal.notifications.outbox import expire_sent, queue_mail
from portal.signed_links import PLACEHOLDER
from tests.mail import link_in, mails_to

TOKEN_PATHS = ("/auth/reset-password/", "/auth/confirm/", "/auth/invitation/")


def _stored(message: OutboxMessage) -> str:
    return " ".join(filter(None, (message.subject, message.body_text, message.body_html)))


@pytest.mark.parametrize("event", ["password_reset", "email_change", "invitation"])
def test_no_mail_row_holds_a_link_that_acts(client, cast, login_as, event):
    member = cast.users["member"]
    if event == "password_reset":
        client.post("/auth/reset-password", data={"email": member.email})
        [message] = mails_to(member.email, event)
        path = "/auth/reset-password/"
    elif event == "email_change":
        login_as("member")
        client.post("/account/email", data={"em-current_password": "correct horse battery", "em-email": "m2@test.org"})
        [message] = mails_to("m2@test.org", event)
        path = "/auth/confirm/"
    else:
        login_as("officer")
        client.post(f"/organisations/{cast.association.id}/invitations", data={"email": "x@test.org", "role": "member"})
        [message] = mails_to("x@test.org", event)
        path = "/auth/invitation/"
    stored = _stored(message)
    assert PLACEHOLDER in stored and not any(p in stored for p in TOKEN_PATHS)
    assert message.signed_link["path"].startswith(path)
    # The mail as it leaves has the working link (followed by its recipient, who is not signed in).
    link = link_in(message, path)
    assert client.application.test_client().get(link).status_code == 200


def test_a_placeholder_without_what_to_sign_is_refused(app_context, session):
    with pytest.raises(ValueError, match="spec"):
        queue_mail("password_reset", "a@test.org", "Sujet", f"Ouvrez {PLACEHOLDER}")


def test_sent_mails_are_deleted_after_thirty_days_and_the_others_kept(app_context, session):
    now = utcnow()
    old_sent, recent_sent, old_dead, old_pending = (
        queue_mail("membership_left", f"{name}@test.org", "Sujet", "Texte")
        for name in ("old", "recent", "dead", "pending")
    )
    old_sent.status, old_sent.sent_at = OutboxStatus.SENT, now - timedelta(days=31)
    recent_sent.status, recent_sent.sent_at = OutboxStatus.SENT, now - timedelta(days=29)
    old_dead.status, old_dead.created_at = OutboxStatus.DEAD, now - timedelta(days=90)
    old_pending.created_at = now - timedelta(days=90)
    session.flush()
    assert expire_sent(now) == 1
    left = set(session.scalars(select(OutboxMessage.to_email)))
    assert left == {"recent@test.org", "dead@test.org", "pending@test.org"}


def test_a_reset_token_made_as_the_mail_leaves_still_dies_with_the_password(client, cast):
    member = cast.users["member"]
    client.post("/auth/reset-password", data={"email": member.email})
    link = link_in(mails_to(member.email, "password_reset")[0], "/auth/reset-password/")
    assert client.post(link, data={"password": "une autre phrase assez longue"}).status_code == 303
    assert client.get(link).status_code == 404  # the password it was bound to has changed
    assert client.get("/auth/reset-password/forged-token").status_code == 404
