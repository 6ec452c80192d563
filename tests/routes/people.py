"""Accounts, organisations, mediation and administration pages, and their API.

Organisations are walked at each role's own organisation and at someone else's: association A (the officer
manages it, the member belongs to it), the partner (the representative manages it, the observer belongs to
it), the ministry (the mediator's), commune A (the mayor's), association B (none of the roles') and a pending
association (seen only by its members, mediators and admins; it has no member here). The organisation
buttons answer 303 whether they went through or were refused by a rule (the page then says why: an
organisation always keeps a manager); who may not press them gets 403, a form that cannot be read 400.
"""

from tests.routes import HUGE, HUGE_ID, Sample, huge

SIGNED_IN = {"anonymous": 302, "*": 200}
ADMINS = {"anonymous": 302, "admin": 200, "*": 403}
MEDIATORS = {"anonymous": 302, "admin": 200, "mediator": 200, "*": 403}
ASSOCIATION = "/organisations/{w.association.id}"
PARTNER = "/organisations/{w.partner.id}"
MINISTRY = "/organisations/{w.ministry.id}"
COMMUNE = "/organisations/{w.commune_org.id}"
ASSOCIATION_B = "/organisations/{w.association_b.id}"
PENDING = "/organisations/{w.pending_association.id}"
NO_ORGANISATION = f"/organisations/{HUGE}"
MEMBER = "/members/{w.member_membership.id}"
NOBODY = "/admin/users/{w.users[nobody].id}"
NO_USER = f"/admin/users/{HUGE}"
EMPTY: dict = {}


def invite(path: str, label: str, **managers) -> Sample:
    return Sample(path + "/invitations", {"anonymous": 302, "admin": 422, "*": 403, **managers}, label, form=EMPTY)


ROUTES = {
    # Accounts: empty forms are refused with their errors (422), buttons go through (303).
    ("/auth/login", "GET"): [Sample("/auth/login", {"*": 200})],
    ("/auth/login", "POST"): [
        Sample("/auth/login", {"*": 422}, "empty", form=EMPTY),
        Sample(
            "/auth/login",
            {"*": 303},
            "the officer's password, next=/x",
            form={"email": "officer@test.org", "password": "correct horse battery", "next": "/communes/"},
            location="/communes/",
        ),
        # A `next` that is not a plain local path is ignored: back to the home page.
        Sample(
            "/auth/login",
            {"*": 303},
            "the officer's password, next with a line break",
            form={"email": "officer@test.org", "password": "correct horse battery", "next": "/\nfoo"},
            location="/",
        ),
    ],
    ("/auth/logout", "POST"): [Sample("/auth/logout", {"*": 303}, form=EMPTY)],
    ("/auth/signup", "GET"): [Sample("/auth/signup", {"*": 200})],
    ("/auth/signup", "POST"): [Sample("/auth/signup", {"*": 422}, "empty", form=EMPTY)],
    ("/auth/reset-password", "GET"): [Sample("/auth/reset-password", {"*": 200})],
    ("/auth/reset-password", "POST"): [
        Sample("/auth/reset-password", {"*": 422}, "empty", form=EMPTY),
        # Always the same answer, whether the account exists or not.
        Sample("/auth/reset-password", {"*": 200}, "an unknown address", form={"email": "ghost@example.org"}),
    ],
    ("/auth/reset-password/<token>", "GET"): [Sample("/auth/reset-password/not-a-token", {"*": 404})],
    ("/auth/reset-password/<token>", "POST"): [Sample("/auth/reset-password/not-a-token", {"*": 404}, form=EMPTY)],
    ("/auth/confirm/<token>", "GET"): [Sample("/auth/confirm/not-a-token", {"*": 404})],
    ("/auth/confirm/<token>", "POST"): [Sample("/auth/confirm/not-a-token", {"*": 404}, form=EMPTY)],
    ("/auth/confirm/resend", "POST"): [Sample("/auth/confirm/resend", {"anonymous": 302, "*": 303}, form=EMPTY)],
    ("/auth/invitation/<token>", "GET"): [Sample("/auth/invitation/not-a-token", {"*": 404})],
    ("/auth/invitation/<token>", "POST"): [Sample("/auth/invitation/not-a-token", {"*": 404}, form=EMPTY)],
    ("/account/", "GET"): [Sample("/account/", SIGNED_IN)],
    ("/account/preferences", "POST"): [Sample("/account/preferences", {"anonymous": 302, "*": 422}, form=EMPTY)],
    ("/account/password", "POST"): [Sample("/account/password", {"anonymous": 302, "*": 422}, form=EMPTY)],
    ("/account/email", "POST"): [Sample("/account/email", {"anonymous": 302, "*": 422}, form=EMPTY)],
    # One's own other session, one's own API token: the officer's in the walk; anyone else's is none of theirs.
    ("/account/sessions/<id:session_id>/end", "POST"): [
        Sample(
            "/account/sessions/{w.officer_session.id}/end", {"anonymous": 302, "officer": 303, "*": 404}, form=EMPTY
        ),
        huge(f"/account/sessions/{HUGE}/end"),
    ],
    ("/account/tokens/<id:token_id>/revoke", "POST"): [
        Sample("/account/tokens/{w.officer_token.id}/revoke", {"anonymous": 302, "officer": 303, "*": 404}, form=EMPTY),
        huge(f"/account/tokens/{HUGE}/revoke"),
    ],
    ("/account/data", "GET"): [Sample("/account/data", {"anonymous": 302, "*": 200})],
    # Closing needs the password: an empty form is refused (422), nothing is closed.
    ("/account/close", "POST"): [Sample("/account/close", {"anonymous": 302, "*": 422}, form=EMPTY)],
    ("/account/sign-out-everywhere", "POST"): [
        Sample("/account/sign-out-everywhere", {"anonymous": 302, "*": 303}, form=EMPTY)
    ],
    # Organisations: public pages; a pending association is seen only by its members, mediators and admins.
    ("/organisations/", "GET"): [Sample("/organisations/", {"*": 200})],
    ("/organisations/<id:organisation_id>", "GET"): [
        Sample(ASSOCIATION, {"*": 200}, "association A"),
        Sample(ASSOCIATION_B, {"*": 200}, "association B"),
        Sample(PENDING, {"admin": 200, "mediator": 200, "*": 404}, "pending"),
        huge(NO_ORGANISATION, form=None),
    ],
    # Invitations: each organisation's managers (and admins); an empty form is refused (422).
    ("/organisations/<id:organisation_id>/invitations", "POST"): [
        invite(ASSOCIATION, "association A", officer=422),
        # Mediators invite commune officials and partners' people too.
        invite(PARTNER, "partner", representative=422, mediator=422),
        invite(MINISTRY, "ministry", mediator=422),
        invite(COMMUNE, "commune A", mayor=422, mediator=422, clerk=403),  # the mayor manages the commune's people
        invite(ASSOCIATION_B, "association B"),
        # Not seen by who is not its member, a mediator or an admin: 404.
        Sample(PENDING + "/invitations", {"anonymous": 302, "admin": 422, "mediator": 403, "*": 404}, "pending"),
        huge(NO_ORGANISATION + "/invitations"),
    ],
    # Cancelling an invitation: its sender and who may invite into its role (the officer, admins).
    ("/organisations/<id:organisation_id>/invitations/<id:invitation_id>/cancel", "POST"): [
        Sample(
            ASSOCIATION + "/invitations/{w.invitation.id}/cancel",
            {"anonymous": 302, "admin": 303, "officer": 303, "*": 403},
            "the officer's invitation",
            form=EMPTY,
        ),
        # Through someone else's organisation's path: not one of its invitations.
        Sample(
            ASSOCIATION_B + "/invitations/{w.invitation.id}/cancel",
            {"anonymous": 302, "*": 404},
            "at association B",
            form=EMPTY,
        ),
        huge(NO_ORGANISATION + f"/invitations/{HUGE}/cancel"),
    ],
    ("/organisations/<id:organisation_id>/members/<id:membership_id>/role", "POST"): [
        # No role sent: back to the organisation's page, which says the role does not exist there.
        Sample(
            ASSOCIATION + MEMBER + "/role",
            {"anonymous": 302, "admin": 303, "officer": 303, "*": 403},
            "association A's member",
            form=EMPTY,
        ),
        # A membership of association A through association B's path: none of B's.
        Sample(
            ASSOCIATION_B + MEMBER + "/role",
            {"anonymous": 302, "admin": 404, "*": 403},
            "association A's member at association B",
            form=EMPTY,
        ),
        huge(NO_ORGANISATION + f"/members/{HUGE}/role"),
    ],
    ("/organisations/<id:organisation_id>/members/<id:membership_id>/remove", "POST"): [
        Sample(
            ASSOCIATION + MEMBER + "/remove",
            {"anonymous": 302, "admin": 303, "officer": 303, "*": 403},
            "association A's member",
            form=EMPTY,
        ),
        huge(NO_ORGANISATION + f"/members/{HUGE}/remove"),
        # A huge membership id at a real organisation: its managers look it up.
        Sample(ASSOCIATION + f"/members/{HUGE}/remove", {"*": 404}, "huge membership id", form=EMPTY),
    ],
    # Handing over: the manager only; without a successor, back to the page, which asks to choose one.
    ("/organisations/<id:organisation_id>/hand-over", "POST"): [
        Sample(ASSOCIATION + "/hand-over", {"anonymous": 302, "officer": 303, "*": 403}, "association A", form=EMPTY),
        Sample(
            ASSOCIATION + "/hand-over",
            {"anonymous": 302, "officer": 303, "*": 403},
            "association A, to the member",
            form={"successor": "{w.member_membership.id}"},
        ),
        Sample(PARTNER + "/hand-over", {"anonymous": 302, "representative": 303, "*": 403}, "partner", form=EMPTY),
        huge(NO_ORGANISATION + "/hand-over"),
    ],
    # Leaving: members only; the last manager's leaving is refused by a rule, on the page (303).
    ("/organisations/<id:organisation_id>/leave", "POST"): [
        Sample(
            ASSOCIATION + "/leave",
            {"anonymous": 302, "officer": 303, "member": 303, "*": 403},
            "association A",
            form=EMPTY,
        ),
        Sample(
            PARTNER + "/leave",
            {"anonymous": 302, "representative": 303, "observer": 303, "*": 403},
            "partner",
            form=EMPTY,
        ),
        huge(NO_ORGANISATION + "/leave"),
    ],
    ("/organisations/<id:organisation_id>/verify", "POST"): [
        Sample(PENDING + "/verify", {"anonymous": 302, "admin": 303, "mediator": 303, "*": 404}, "pending", form=EMPTY),
        huge(NO_ORGANISATION + "/verify"),
    ],
    ("/organisations/<id:organisation_id>/refuse", "POST"): [
        Sample(PENDING + "/refuse", {"anonymous": 302, "admin": 303, "mediator": 303, "*": 404}, "pending", form=EMPTY),
        huge(NO_ORGANISATION + "/refuse"),
    ],
    # Mediation.
    ("/mediation/associations", "GET"): [Sample("/mediation/associations", MEDIATORS)],
    ("/mediation/invite", "GET"): [Sample("/mediation/invite", MEDIATORS)],
    ("/mediation/invite/official", "POST"): [
        Sample("/mediation/invite/official", {"anonymous": 302, "admin": 422, "mediator": 422, "*": 403}, form=EMPTY)
    ],
    ("/mediation/invite/partner", "POST"): [
        Sample("/mediation/invite/partner", {"anonymous": 302, "admin": 422, "mediator": 422, "*": 403}, form=EMPTY)
    ],
    # Administration: admins only, refused to others before anything is looked up.
    ("/admin/", "GET"): [Sample("/admin/", ADMINS)],
    ("/admin/users", "GET"): [Sample("/admin/users", ADMINS)],
    ("/admin/users/<id:user_id>/disable", "POST"): [
        Sample(NOBODY + "/disable", {"anonymous": 302, "admin": 303, "*": 403}, "nobody", form=EMPTY),
        huge(NO_USER + "/disable"),
    ],
    ("/admin/users/<id:user_id>/enable", "POST"): [
        Sample(NOBODY + "/enable", {"anonymous": 302, "admin": 303, "*": 403}, "nobody", form=EMPTY),
        huge(NO_USER + "/enable"),
    ],
    ("/admin/users/<id:user_id>/admin", "POST"): [
        Sample(NOBODY + "/admin", {"anonymous": 302, "admin": 303, "*": 403}, "nobody", form=EMPTY),
        huge(NO_USER + "/admin"),
    ],
    ("/admin/organisations", "GET"): [Sample("/admin/organisations", ADMINS)],
    ("/admin/organisations", "POST"): [
        Sample("/admin/organisations", {"anonymous": 302, "admin": 422, "*": 403}, "empty", form=EMPTY)
    ],
    ("/admin/settings", "GET"): [Sample("/admin/settings", ADMINS)],
    # Every setting left empty: refused with the errors.
    ("/admin/settings", "POST"): [
        Sample("/admin/settings", {"anonymous": 302, "admin": 422, "*": 403}, "empty", form=EMPTY)
    ],
    ("/admin/rates", "GET"): [Sample("/admin/rates", ADMINS)],
    ("/admin/rates", "POST"): [Sample("/admin/rates", {"anonymous": 302, "admin": 422, "*": 403}, "empty", form=EMPTY)],
    # The API: bearer tokens only (the walk sends each role's; anonymous sends none).
    ("/api/v1/tokens", "POST"): [
        Sample("/api/v1/tokens", {"*": 422}, "empty", json=EMPTY),
        Sample(
            "/api/v1/tokens", {"*": 401}, "an unknown account", json={"email": "ghost@test.org", "password": "wrong"}
        ),
        Sample(
            "/api/v1/tokens",
            {"*": 201},
            "the officer's password",
            json={"email": "officer@test.org", "password": "correct horse battery"},
        ),
    ],
    ("/api/v1/tokens/current", "DELETE"): [Sample("/api/v1/tokens/current", {"anonymous": 401, "*": 204})],
    ("/api/v1/me", "GET"): [Sample("/api/v1/me", {"anonymous": 401, "*": 200})],
    ("/api/v1/organisations", "GET"): [Sample("/api/v1/organisations", {"*": 200})],
    ("/api/v1/organisations/<id:organisation_id>", "GET"): [
        Sample("/api/v1/organisations/{w.association.id}", {"*": 200}, "association A"),
        Sample(
            "/api/v1/organisations/{w.pending_association.id}", {"admin": 200, "mediator": 200, "*": 404}, "pending"
        ),
        Sample(f"/api/v1/organisations/{HUGE}", {"*": 404}, HUGE_ID),
    ],
}
