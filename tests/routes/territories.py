"""Territories: the commune search and pages (public), the map versions (admins), the communes API (public)."""

ADMIN_ONLY = {"anonymous": 302, "admin": 200, "*": 403}

ROUTES = {
    "territories.communes": ("GET", "/communes/", {"*": 200}),
    "territories.commune": ("GET", "/communes/{cast.commune_a.id}", {"*": 200}),
    "territories.admin_territories": ("GET", "/admin/territories", ADMIN_ONLY),
    "territories.make_current": (
        "POST",
        "/admin/territories/{cast.commune_b.map_version_id}/current",
        {"anonymous": 302, "admin": 303, "*": 403},
    ),
    "api_communes.list_communes": ("GET", "/api/v1/communes", {"*": 200}),
    "api_communes.get_commune_by_id": ("GET", "/api/v1/communes/{cast.commune_a.id}", {"*": 200}),
}
