"""The in-app inbox, mail preferences and the admin's undelivered mail."""

from tests.routes import HUGE, Sample, login_required_huge

SIGNED_IN = {"anonymous": 302, "*": 200}

ROUTES = {
    ("/notifications/", "GET"): [Sample("/notifications/", SIGNED_IN)],
    # The officer's notification: theirs to open; nobody else's (404, as for one that does not exist).
    ("/notifications/<int:notification_id>/read", "POST"): [
        Sample(
            "/notifications/{w.notification.id}/read",
            {"anonymous": 302, "officer": 303, "*": 404},
            "the officer's",
            form={},
        ),
        login_required_huge(f"/notifications/{HUGE}/read"),
    ],
    ("/notifications/read-all", "POST"): [Sample("/notifications/read-all", {"anonymous": 302, "*": 303}, form={})],
    ("/notifications/preferences", "GET"): [Sample("/notifications/preferences", SIGNED_IN)],
    # No choice sent: each kind keeps its current choice (what the form showed), saved as it was.
    ("/notifications/preferences", "POST"): [
        Sample("/notifications/preferences", {"anonymous": 302, "*": 303}, "empty", form={}),
        Sample(
            "/notifications/preferences",
            {"anonymous": 302, "*": 422},
            "an unknown choice",
            form={"kind_membership": "sometimes"},
        ),
    ],
    ("/admin/outbox", "GET"): [Sample("/admin/outbox", {"anonymous": 302, "admin": 200, "*": 403})],
    ("/admin/outbox/<int:message_id>/retry", "POST"): [
        Sample(
            "/admin/outbox/{w.dead_letter.id}/retry",
            {"anonymous": 302, "admin": 303, "*": 403},
            "a dead letter",
            form={},
        ),
        login_required_huge(f"/admin/outbox/{HUGE}/retry", admin=404, **{"*": 403}),
    ],
}
