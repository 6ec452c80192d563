"""Territories: the commune search and pages (public), the map versions (admins), the communes API (public)."""

from tests.routes import HUGE, HUGE_ID, Sample

ADMIN_ONLY = {"anonymous": 302, "admin": 200, "*": 403}

ROUTES = {
    ("/communes/", "GET"): [Sample("/communes/", {"*": 200})],
    ("/communes/<id:commune_id>", "GET"): [
        Sample("/communes/{w.commune_a.id}", {"*": 200}, "commune A"),
        Sample(f"/communes/{HUGE}", {"*": 404}, HUGE_ID),
    ],
    ("/admin/territories", "GET"): [Sample("/admin/territories", ADMIN_ONLY)],
    ("/admin/territories/<id:version_id>/current", "POST"): [
        Sample(
            "/admin/territories/{w.commune_b.map_version_id}/current",
            {"anonymous": 302, "admin": 303, "*": 403},
            "the current map",
        ),
        Sample(f"/admin/territories/{HUGE}/current", {"*": 404}, HUGE_ID),
    ],
    ("/api/v1/communes", "GET"): [
        Sample("/api/v1/communes", {"*": 200}),
        # A bad token is refused everywhere, public endpoints included.
        Sample("/api/v1/communes", {"*": 401}, "a bad token", headers={"Authorization": "Bearer not-a-token"}),
    ],
    ("/api/v1/communes/<id:commune_id>", "GET"): [
        Sample("/api/v1/communes/{w.commune_a.id}", {"*": 200}, "commune A"),
        Sample(f"/api/v1/communes/{HUGE}", {"*": 404}, HUGE_ID),
    ],
}
