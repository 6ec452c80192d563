"""Knowledge for planning (api.md): statistics, communes' profiles and the open-data exports are public — every
role gets them, and a bad token is refused as everywhere."""

from tests.routes import HUGE, HUGE_ID, Sample

BAD_TOKEN = {"Authorization": "Bearer not-a-token"}

ROUTES = {
    ("/api/v1/stats", "GET"): [
        Sample("/api/v1/stats", {"*": 200}),
        Sample("/api/v1/stats?commune_id={w.commune_a.id}&year=2026", {"*": 200}, "filtered"),
        Sample(f"/api/v1/stats?commune_id={HUGE}", {"*": 422}, HUGE_ID),
        Sample("/api/v1/stats", {"*": 401}, "a bad token", headers=BAD_TOKEN),
    ],
    ("/api/v1/communes/<id:commune_id>/profile", "GET"): [
        Sample("/api/v1/communes/{w.commune_a.id}/profile", {"*": 200}, "commune A"),
        Sample(f"/api/v1/communes/{HUGE}/profile", {"*": 404}, HUGE_ID),
    ],
    ("/api/v1/export/projects.csv", "GET"): [
        Sample("/api/v1/export/projects.csv", {"*": 200}),
        Sample("/api/v1/export/projects.csv", {"*": 401}, "a bad token", headers=BAD_TOKEN),
    ],
    ("/api/v1/export/indicators.csv", "GET"): [Sample("/api/v1/export/indicators.csv", {"*": 200})],
    ("/api/v1/export/iati.xml", "GET"): [Sample("/api/v1/export/iati.xml", {"*": 200})],
}
