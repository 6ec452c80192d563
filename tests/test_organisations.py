"""Organisations and memberships: who manages, the last-manager rule, verification of associations."""

import pytest
from sqlalchemy import select

from portal.domain import organisations as rules
from portal.errors import Refused
from portal.models import Membership, Organisation, Verification
from tests.factories import add_member, make_organisation, make_user
from tests.mail import link_in, mails_to

# actor → may they change the member's role, remove the member, leave? (in association A)
MANAGEMENT_MATRIX = [
    # actor,          change_role, remove_member
    ("officer", True, True),
    ("admin", True, True),
    ("member", False, False),
    ("mediator", False, False),
    ("mayor", False, False),
    ("nobody", False, False),
]


@pytest.mark.parametrize("actor, may_change, may_remove", MANAGEMENT_MATRIX)
def test_who_may_manage_an_associations_members(session, app_context, cast, actor, may_change, may_remove):
    user = cast.users[actor]
    member = session.get(Membership, cast.member_membership.id)
    if may_change:
        rules.change_role(user, member, "officer")
        assert member.role == "officer"
    else:
        with pytest.raises(Refused) as refused:
            rules.change_role(user, member, "officer")
        assert refused.value.code == "forbidden"
    if may_remove:
        rules.remove_member(user, member)
        assert session.get(Membership, cast.member_membership.id) is None
    else:
        with pytest.raises(Refused):
            rules.remove_member(user, member)


@pytest.mark.parametrize("operation", ["demote", "leave", "remove_by_admin"])
def test_an_organisation_always_keeps_a_manager(session, cast, operation):
    officer = cast.users["officer"]
    own = rules.membership_of(officer, cast.association)
    with pytest.raises(Refused) as refused:
        if operation == "demote":
            rules.change_role(officer, own, "member")
        elif operation == "leave":
            rules.leave(officer, own)
        else:
            rules.remove_member(cast.users["admin"], own)
    assert refused.value.code == "last_manager"
    assert own.role == "officer"


def test_with_two_managers_one_may_leave(session, app_context, cast):
    second = add_member(make_user(), cast.association, "officer")
    rules.leave(cast.users["officer"], rules.membership_of(cast.users["officer"], cast.association))
    assert second.role == "officer"


def test_a_manager_hands_their_role_over_and_takes_the_role_below(session, app_context, cast):
    officer = cast.users["officer"]
    rules.hand_over(officer, cast.association, cast.member_membership)
    assert cast.member_membership.role == "officer"
    assert rules.membership_of(officer, cast.association).role == "member"
    with pytest.raises(Refused):  # no longer the manager
        rules.hand_over(officer, cast.association, cast.member_membership)


def test_a_mayor_hands_over_to_a_deputy_and_becomes_deputy(session, app_context, cast):
    mayor = cast.users["mayor"]
    deputy = rules.membership_of(cast.users["deputy"], cast.commune_org)
    rules.hand_over(mayor, cast.commune_org, deputy)
    assert deputy.role == "mayor"
    assert rules.membership_of(mayor, cast.commune_org).role == "deputy"


def test_roles_must_belong_to_the_kind_of_organisation(session, cast):
    with pytest.raises(Refused) as refused:
        rules.change_role(cast.users["officer"], cast.member_membership, "mayor")
    assert refused.value.code == "validation_failed"


@pytest.mark.parametrize(
    "actor, kind, role, allowed",
    [
        ("officer", "association", "member", True),
        ("officer", "association", "officer", True),
        ("member", "association", "member", False),
        ("mediator", "association", "member", False),
        ("mediator", "commune", "mayor", True),
        ("mediator", "partner", "observer", True),
        ("mayor", "commune", "clerk", True),
        ("deputy", "commune", "clerk", False),
        ("admin", "ministry", "mediator", True),
        ("mayor_b", "commune", "clerk", False),
    ],
)
def test_who_may_invite_whom(session, cast, actor, kind, role, allowed):
    organisation = {
        "association": cast.association,
        "commune": cast.commune_org,
        "partner": cast.partner,
        "ministry": cast.ministry,
    }[kind]
    assert rules.can_invite(cast.users[actor], organisation, role) is allowed


def test_the_member_pages_manage_members_through_the_same_rules(client, login_as, cast, session):
    login_as("officer")
    page = client.get(f"/organisations/{cast.association.id}").get_data(as_text=True)
    assert "Membre" in page and "Inviter quelqu’un" in page
    response = client.post(f"/organisations/{cast.association.id}/leave")
    assert response.status_code == 303
    assert rules.membership_of(session.get(type(cast.users["officer"]), cast.users["officer"].id), cast.association)


def test_an_officer_invites_a_treasurer_who_joins_with_a_new_account(app, client, login_as, cast, session):
    login_as("officer")
    response = client.post(
        f"/organisations/{cast.association.id}/invitations",
        data={"email": "tresorier@example.org", "name": "Ousmane", "role": "member"},
    )
    assert response.status_code == 303
    [mail] = mails_to("tresorier@example.org", "invitation")
    link = link_in(mail, "/auth/invitation/")
    newcomer = app.test_client()
    form = newcomer.get(link).get_data(as_text=True)
    assert 'value="Ousmane"' in form
    joined = newcomer.post(link, data={"name": "Ousmane Diakité", "password": "tresorier-2026!"})
    assert joined.status_code == 303
    assert newcomer.get(f"/organisations/{cast.association.id}").status_code == 200
    membership = session.scalar(
        select(Membership)
        .join(Membership.user)
        .where(
            Membership.organisation_id == cast.association.id,
            Membership.role == "member",
            Membership.user.has(email="tresorier@example.org"),
        )
    )
    assert membership is not None
    assert newcomer.get(link).status_code == 404  # an invitation is used once


def test_an_expired_invitation_no_longer_works(app, client, login_as, cast, session):
    from datetime import timedelta

    login_as("officer")
    app.config["INVITATION_LIFETIME"] = timedelta(seconds=-1)
    try:
        client.post(
            f"/organisations/{cast.association.id}/invitations", data={"email": "late@example.org", "role": "member"}
        )
    finally:
        app.config["INVITATION_LIFETIME"] = timedelta(days=14)
    link = link_in(mails_to("late@example.org", "invitation")[0], "/auth/invitation/")
    assert app.test_client().get(link).status_code == 404


def test_a_pending_association_is_hidden_from_the_public_and_verified_by_a_mediator(client, login_as, cast, session):
    pending = cast.pending_association
    assert client.get(f"/organisations/{pending.id}").status_code == 404
    assert client.get(f"/api/v1/organisations/{pending.id}").status_code == 404
    officer = make_user("jeunesse@example.org")
    add_member(officer, pending, "officer")
    session.commit()
    login_as("mediator")
    assert pending.name in client.get("/mediation/associations").get_data(as_text=True)
    assert client.post(f"/organisations/{pending.id}/verify").status_code == 303
    stored = session.get(Organisation, pending.id)
    assert stored.verification == Verification.VERIFIED
    assert stored.verified_by_id == cast.users["mediator"].id
    assert mails_to("jeunesse@example.org", "association_verified")
    client.post("/auth/logout")
    assert client.get(f"/organisations/{pending.id}").status_code == 200


def test_a_refusal_needs_a_reason_and_tells_the_officers(client, login_as, cast, session):
    pending = cast.pending_association
    add_member(make_user("jeunesse@example.org"), pending, "officer")
    session.commit()
    login_as("mediator")
    client.post(f"/organisations/{pending.id}/refuse", data={"reason": "  "})
    assert session.get(Organisation, pending.id).verification == Verification.PENDING
    client.post(f"/organisations/{pending.id}/refuse", data={"reason": "Statuts non fournis."})
    assert session.get(Organisation, pending.id).refusal_reason == "Statuts non fournis."
    [mail] = mails_to("jeunesse@example.org", "association_refused")
    assert "Statuts non fournis." in mail.body_text


def test_a_mediator_invites_a_mayor_and_the_commune_organisation_is_created(client, login_as, cast, session):
    from tests.factories import make_commune

    commune = make_commune("Lakamané")
    session.commit()
    login_as("mediator")
    response = client.post(
        "/mediation/invite/official",
        data={"official-commune": "lakamane", "official-role": "mayor", "official-email": "maire@lakamane.ml"},
    )
    assert response.status_code == 303
    organisation = session.scalar(select(Organisation).where(Organisation.commune_id == commune.id))
    assert organisation.kind == "commune"
    assert mails_to("maire@lakamane.ml", "invitation")


def test_someone_else_cannot_use_anothers_invitation_while_signed_in(app, client, login_as, cast, session):
    login_as("officer")
    client.post(f"/organisations/{cast.association.id}/invitations", data={"email": "x@example.org", "role": "member"})
    link = link_in(mails_to("x@example.org", "invitation")[0], "/auth/invitation/")
    other = app.test_client()
    from tests.factories import sign_in

    sign_in(other, cast.users["nobody"])
    assert other.get(link).status_code == 403


def test_an_organisation_of_each_kind_has_a_public_page(client, session):
    for kind in ("ministry", "partner", "committee"):
        organisation = make_organisation(kind)
        session.commit()
        assert client.get(f"/organisations/{organisation.id}").status_code == 200
