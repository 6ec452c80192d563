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

# Pages (product.md: the public sees statistics and open data; commune officials enter their commune's values,
# mediators any commune's). The mayor is commune A's; nobody else but the mediator may enter values.
PROFILE_A = "/communes/{w.commune_a.id}"
ENTER = {"anonymous": 302, "mayor": 200, "mediator": 200, "*": 403}
ENTER_B = {"anonymous": 302, "mediator": 200, "*": 403}
POST_EMPTY = {"anonymous": 302, "mayor": 422, "mediator": 422, "*": 403}
VALUE_A = PROFILE_A + "/indicators/{w.indicator_value.id}"

ROUTES.update(
    {
        ("/dashboards", "GET"): [
            Sample("/dashboards", {"*": 200}),
            Sample("/dashboards?region=ML01&cercle=x&year=abc&sector=nope&country=FRA&commune=%25", {"*": 200}, "odd"),
        ],
        ("/open-data", "GET"): [Sample("/open-data", {"*": 200})],
        ("/open-data/projects-spreadsheet.csv", "GET"): [Sample("/open-data/projects-spreadsheet.csv", {"*": 200})],
        ("/communes/<id:commune_id>/profile", "GET"): [
            Sample(PROFILE_A + "/profile", {"*": 200}, "commune A"),
            Sample(f"/communes/{HUGE}/profile", {"*": 404}, HUGE_ID),
        ],
        ("/communes/<id:commune_id>/planning", "GET"): [
            Sample(PROFILE_A + "/planning", {"*": 200}, "commune A"),
            Sample(f"/communes/{HUGE}/planning", {"*": 404}, HUGE_ID),
        ],
        ("/communes/<id:commune_id>/indicators/new", "GET"): [
            Sample(PROFILE_A + "/indicators/new", ENTER, "commune A"),
            Sample("/communes/{w.commune_b.id}/indicators/new", ENTER_B, "commune B"),
            Sample(f"/communes/{HUGE}/indicators/new", {"*": 404}, HUGE_ID),
        ],
        ("/communes/<id:commune_id>/indicators/new", "POST"): [
            Sample(PROFILE_A + "/indicators/new", POST_EMPTY, "empty", form={}),
            Sample(
                PROFILE_A + "/indicators/new",
                {"anonymous": 302, "mayor": 303, "mediator": 303, "*": 403},
                "a value",
                form={"indicator": "returnees", "year": "2024", "value": "12", "source": "Mairie"},
            ),
            Sample(f"/communes/{HUGE}/indicators/new", {"*": 404}, HUGE_ID, form={}),
        ],
        ("/communes/<id:commune_id>/indicators/<id:value_id>", "GET"): [
            Sample(VALUE_A, ENTER, "commune A's value"),
            # Commune B's page of commune A's value: no such value there (404) for who may enter B's values.
            Sample("/communes/{w.commune_b.id}/indicators/{w.indicator_value.id}", ENTER_B | {"mediator": 404}, "B"),
            Sample(f"/communes/{HUGE}/indicators/{HUGE}", {"*": 404}, HUGE_ID),
        ],
        ("/communes/<id:commune_id>/indicators/<id:value_id>", "POST"): [
            Sample(VALUE_A, POST_EMPTY, "empty", form={}),
            Sample(
                VALUE_A,
                {"anonymous": 302, "mayor": 303, "mediator": 303, "*": 403},
                "corrected over the version read",
                form={"value": "12500", "source": "RGPH 2024", "version": "1"},
            ),
            Sample(
                VALUE_A,
                {"anonymous": 302, "mayor": 409, "mediator": 409, "*": 403},
                "over a stale version",
                form={"value": "12500", "source": "RGPH 2024", "version": "7"},
            ),
            Sample(f"/communes/{HUGE}/indicators/{HUGE}", {"*": 404}, HUGE_ID, form={}),
        ],
    }
)
