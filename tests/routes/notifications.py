"""The in-app inbox, mail preferences and the admin's undelivered mail."""

SIGNED_IN = {"anonymous": 302, "*": 200}

ROUTES = {
    "notifications.index": ("GET", "/notifications/", SIGNED_IN),
    # No such notification: nobody's, so 404 for everyone signed in (someone else's is tested in
    # tests/test_notifications.py).
    "notifications.read": ("POST", "/notifications/999999/read", {"anonymous": 302, "*": 404}),
    "notifications.read_all": ("POST", "/notifications/read-all", {"anonymous": 302, "*": 303}),
    "notifications.preferences": ("GET", "/notifications/preferences", SIGNED_IN),
    "notifications.dead_letters": ("GET", "/admin/outbox", {"anonymous": 302, "admin": 200, "*": 403}),
    "notifications.retry_dead_letter": (
        "POST",
        "/admin/outbox/999999/retry",
        {"anonymous": 302, "admin": 404, "*": 403},
    ),
}
