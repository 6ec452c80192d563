"""Invitations do not outlive the rights of whoever sent them (issue 13, hole 4), can be cancelled, and are sent
only by a confirmed account of a verified organisation (hole 5)."""

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, Invitation, Membership
from tests.factories import add_member, make_user, sign_in
from tests.mail import link_in, mails_to

NEWCOMER = "nouveau@example.org"


def _invite(client, organisation, email=NEWCOMER, role="officer"):
    return client.post(f"/organisations/{organisation.id}/invitations", data={"email": email, "role": role})


def _link(email=NEWCOMER) -> str:
    [mail] = mails_to(email, "invitation")
    return link_in(mail, "/auth/invitation/")


def _joins(app, link) -> int:
    """What the invited person gets when they follow the link and create their account."""
    return app.test_client().post(link, data={"name": "Nouveau", "password": "une phrase assez longue"}).status_code


@pytest.fixture()
def second_officer(cast):
    """Association A with two officers: the cast's, and one who will be removed by the other."""
    officer = make_user("second@test.org", "Second responsable")
    add_member(officer, cast.association, "officer")
    db.session.commit()
    return officer


def test_a_removed_officer_does_not_come_back_through_an_invitation(app, client, cast, login_as, second_officer):
    sign_in(client, second_officer)
    assert _invite(client, cast.association).status_code == 303  # to the second officer's other address
    link = _link()
    assert app.test_client().get(link).status_code == 200  # the invitation works…
    login_as("officer")
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == second_officer.id, Membership.organisation_id == cast.association.id
        )
    )
    assert client.post(f"/organisations/{cast.association.id}/members/{membership.id}/remove").status_code == 303
    # …until its sender is removed: the link no longer opens, and joining through it is refused.
    assert app.test_client().get(link).status_code == 404
    assert _joins(app, link) == 404
    invitation = db.session.scalar(select(Invitation).where(Invitation.email == NEWCOMER))
    assert invitation.cancelled_at is not None and invitation.accepted_at is None
    ended = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.end"))
    assert ended is not None and ended.personal_data.data["email"] == NEWCOMER


def test_a_demoted_sender_takes_the_invitation_along(app, client, cast, login_as, second_officer):
    sign_in(client, second_officer)
    _invite(client, cast.association)
    link = _link()
    login_as("officer")
    membership = db.session.scalar(select(Membership).where(Membership.user_id == second_officer.id))
    client.post(f"/organisations/{cast.association.id}/members/{membership.id}/role", data={"role": "member"})
    assert app.test_client().get(link).status_code == 404


def test_acceptance_checks_the_senders_right_again(app, client, cast, login_as, second_officer):
    """Whatever ended the sender's right — here a membership deleted behind the rules' back — the link checks."""
    sign_in(client, second_officer)
    _invite(client, cast.association)
    link = _link()
    db.session.execute(Membership.__table__.delete().where(Membership.user_id == second_officer.id))
    db.session.commit()
    assert _joins(app, link) == 404
    assert (
        db.session.scalar(select(Membership).join(Membership.user).where(Membership.user.has(email=NEWCOMER))) is None
    )


def test_the_sender_or_a_manager_cancels_an_invitation(app, client, cast, login_as):
    login_as("officer")
    _invite(client, cast.association, role="member")
    link = _link()
    invitation = db.session.scalar(select(Invitation).where(Invitation.email == NEWCOMER))
    cancel = f"/organisations/{cast.association.id}/invitations/{invitation.id}/cancel"
    page = client.get(f"/organisations/{cast.association.id}").get_data(as_text=True)
    assert f"Annuler l’invitation de {NEWCOMER}" in page
    login_as("member")
    assert client.post(cancel).status_code == 403  # a member may not
    assert app.test_client().get(link).status_code == 200
    login_as("officer")
    response = client.post(cancel)
    assert response.status_code == 303
    assert f"L’invitation de {NEWCOMER} est annulée." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert app.test_client().get(link).status_code == 404
    assert client.post(cancel).status_code == 404  # nothing left to cancel
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.cancel")) is not None


def test_an_unconfirmed_account_cannot_invite_and_is_told_why(client, cast, login_as):
    officer = login_as("officer")
    officer.email_confirmed_at = None
    db.session.commit()
    response = _invite(client, cast.association)
    assert response.status_code == 403
    assert "Confirmez votre adresse e-mail avant d’inviter" in response.get_data(as_text=True)
    assert mails_to(NEWCOMER) == []


def test_an_association_awaiting_verification_cannot_invite(client, cast):
    officer = make_user("pending-officer@test.org")
    add_member(officer, cast.pending_association, "officer")
    db.session.commit()
    sign_in(client, officer)
    response = _invite(client, cast.pending_association, role="member")
    assert response.status_code == 403
    assert "doit vérifier l’association avant qu’elle invite" in response.get_data(as_text=True)
    assert mails_to(NEWCOMER) == []


def test_disabling_an_account_ends_its_invitations(app, client, cast, login_as, second_officer):
    sign_in(client, second_officer)
    _invite(client, cast.association)
    link = _link()
    login_as("admin")
    assert client.post(f"/admin/users/{second_officer.id}/disable").status_code == 303
    assert app.test_client().get(link).status_code == 404
