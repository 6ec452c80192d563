"""Accounts, organisations, mediation and administration pages, and their API."""

SIGNED_IN = {"anonymous": 302, "*": 200}
ADMINS = {"anonymous": 302, "admin": 200, "*": 403}
MEDIATORS = {"anonymous": 302, "admin": 200, "mediator": 200, "*": 403}
ASSOCIATION = "/organisations/{cast.association.id}"
PENDING = "/organisations/{cast.pending_association.id}"
NOBODY = "/admin/users/{cast.users[nobody].id}"

ROUTES = {
    # Accounts: empty forms are refused with their errors (422), buttons go through (303).
    "auth.login": ("GET", "/auth/login", {"*": 200}),
    "auth.logout": ("POST", "/auth/logout", {"*": 303}),
    "auth.signup": ("GET", "/auth/signup", {"*": 200}),
    "auth.reset_password_request": ("GET", "/auth/reset-password", {"*": 200}),
    "auth.reset_password": ("GET", "/auth/reset-password/not-a-token", {"*": 404}),
    "auth.confirm": ("GET", "/auth/confirm/not-a-token", {"*": 404}),
    "auth.resend_confirmation": ("POST", "/auth/confirm/resend", {"anonymous": 302, "*": 303}),
    "auth.invitation": ("GET", "/auth/invitation/not-a-token", {"*": 404}),
    "account.show": ("GET", "/account/", SIGNED_IN),
    "account.preferences": ("POST", "/account/preferences", {"anonymous": 302, "*": 422}),
    "account.password": ("POST", "/account/password", {"anonymous": 302, "*": 422}),
    "account.email": ("POST", "/account/email", {"anonymous": 302, "*": 422}),
    "account.sign_out_everywhere": ("POST", "/account/sign-out-everywhere", {"anonymous": 302, "*": 303}),
    # Organisations: public pages; a pending association is seen only by its members, mediators and admins.
    "organisations.index": ("GET", "/organisations/", {"*": 200}),
    "organisations.show": ("GET", ASSOCIATION, {"*": 200}),
    "organisations.invite": (
        "POST",
        ASSOCIATION + "/invitations",
        {"anonymous": 302, "admin": 422, "officer": 422, "*": 403},
    ),
    "organisations.change_role": (
        "POST",
        ASSOCIATION + "/members/{cast.member_membership.id}/role",
        # No role sent: back to the organisation's page, which says the role does not exist there.
        {"anonymous": 302, "admin": 303, "officer": 303, "*": 403},
    ),
    "organisations.remove_member": (
        "POST",
        ASSOCIATION + "/members/{cast.member_membership.id}/remove",
        {"anonymous": 302, "admin": 303, "officer": 303, "*": 403},
    ),
    # No successor sent: back to the page, which asks to choose another member.
    "organisations.hand_over": ("POST", ASSOCIATION + "/hand-over", {"anonymous": 302, "officer": 303, "*": 403}),
    "organisations.leave": (
        "POST",
        ASSOCIATION + "/leave",
        {"anonymous": 302, "officer": 303, "member": 303, "*": 403},
    ),
    "organisations.verify": ("POST", PENDING + "/verify", {"anonymous": 302, "admin": 303, "mediator": 303, "*": 404}),
    "organisations.refuse": ("POST", PENDING + "/refuse", {"anonymous": 302, "admin": 303, "mediator": 303, "*": 404}),
    # Mediation.
    "mediation.associations": ("GET", "/mediation/associations", MEDIATORS),
    "mediation.invite": ("GET", "/mediation/invite", MEDIATORS),
    "mediation.invite_official": (
        "POST",
        "/mediation/invite/official",
        {"anonymous": 302, "admin": 422, "mediator": 422, "*": 403},
    ),
    "mediation.invite_partner": (
        "POST",
        "/mediation/invite/partner",
        {"anonymous": 302, "admin": 422, "mediator": 422, "*": 403},
    ),
    # Administration.
    "admin.index": ("GET", "/admin/", ADMINS),
    "admin.users": ("GET", "/admin/users", ADMINS),
    "admin.disable_user": ("POST", NOBODY + "/disable", {"anonymous": 302, "admin": 303, "*": 403}),
    "admin.enable_user": ("POST", NOBODY + "/enable", {"anonymous": 302, "admin": 303, "*": 403}),
    "admin.toggle_admin": ("POST", NOBODY + "/admin", {"anonymous": 302, "admin": 303, "*": 403}),
    "admin.organisations": ("GET", "/admin/organisations", ADMINS),
    "admin.create_organisation": ("POST", "/admin/organisations", {"anonymous": 302, "admin": 422, "*": 403}),
    "admin.settings": ("GET", "/admin/settings", ADMINS),
    # The API ignores browser sessions: only bearer tokens sign its requests.
    "api_tokens.create_token": ("POST", "/api/v1/tokens", {"*": 400}),
    "api_tokens.revoke_token": ("DELETE", "/api/v1/tokens/current", {"*": 401}),
    "api_tokens.me": ("GET", "/api/v1/me", {"*": 401}),
    "api_organisations.list_organisations": ("GET", "/api/v1/organisations", {"*": 200}),
    "api_organisations.get_organisation": ("GET", "/api/v1/" + ASSOCIATION.lstrip("/"), {"*": 200}),
}

ROUTES.update(
    {
        "admin.rates": ("GET", "/admin/rates", ADMINS),
        "admin.add_rate": ("POST", "/admin/rates", {"anonymous": 302, "admin": 422, "*": 403}),
    }
)
