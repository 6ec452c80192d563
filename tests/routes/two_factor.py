"""Two-factor authentication: the second step of signing in, and its set-up on the account page.

The walk's clients hold a session, never a pending second step: the second step sends everyone back to the login
page (303). The set-up pages are one's own: every signed-in role gets them, anonymous visitors the login page;
empty forms are refused with their errors (422); the QR code exists only while a set-up is waiting (404 here).
"""

from tests.routes import HUGE, Sample, huge

EMPTY: dict = {}
OWN_PAGE = {"anonymous": 302, "*": 200}
OWN_FORM = {"anonymous": 302, "*": 422}

ROUTES = {
    ("/auth/two-factor", "GET"): [Sample("/auth/two-factor", {"*": 303}, location="/auth/login")],
    ("/auth/two-factor", "POST"): [
        Sample("/auth/two-factor", {"*": 303}, "empty", form=EMPTY, location="/auth/login"),
        Sample("/auth/two-factor", {"*": 303}, "a code", form={"code": "123456"}, location="/auth/login"),
    ],
    ("/account/two-factor", "GET"): [Sample("/account/two-factor", OWN_PAGE)],
    ("/account/two-factor/start", "POST"): [
        Sample("/account/two-factor/start", {"anonymous": 302, "*": 303}, form=EMPTY)
    ],
    ("/account/two-factor/qr.svg", "GET"): [Sample("/account/two-factor/qr.svg", {"anonymous": 302, "*": 404})],
    ("/account/two-factor/enrol", "POST"): [
        Sample("/account/two-factor/enrol", OWN_FORM, "empty", form=EMPTY),
        # No set-up waiting: the code cannot be checked against anything; the page says so (422).
        Sample("/account/two-factor/enrol", OWN_FORM, "a code", form={"enrol-code": "123456"}),
    ],
    ("/account/two-factor/recovery-codes", "POST"): [
        Sample("/account/two-factor/recovery-codes", OWN_FORM, "empty", form=EMPTY),
        # The right password, but two-factor is off for everyone in the walk.
        Sample(
            "/account/two-factor/recovery-codes",
            OWN_FORM,
            "the password, two-factor off",
            form={"codes-current_password": "correct horse battery"},
        ),
    ],
    ("/account/two-factor/disable", "POST"): [
        Sample("/account/two-factor/disable", OWN_FORM, "empty", form=EMPTY),
    ],
}

# An admin turns another account's two-factor off (nobody has none here: the page says so, 303); others get 403.
ROUTES[("/admin/users/<id:user_id>/two-factor/reset", "POST")] = [
    Sample(
        "/admin/users/{w.users[nobody].id}/two-factor/reset",
        {"anonymous": 302, "admin": 303, "*": 403},
        "nobody",
        form=EMPTY,
    ),
    huge(f"/admin/users/{HUGE}/two-factor/reset"),
]
