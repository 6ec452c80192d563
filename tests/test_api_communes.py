"""GET /api/v1/communes and /api/v1/communes/{id}, as a partner's client would call them."""

import pytest

from portal.domain.territories import DEFAULT_MAP_FILE, import_territories
from tests.factories import make_commune, make_map_version
from tests.helpers import assert_constant_queries

ITEM_KEYS = {"id", "code", "name", "cercle", "cercle_code", "region", "region_code", "map_version"}


@pytest.fixture()
def ocha_2015(session, app_context):
    import_territories(DEFAULT_MAP_FILE, "ocha-2015", "OCHA COD-AB Mali 2015", make_current=True)
    session.commit()


def test_the_list_has_the_contract_shape(client, ocha_2015):
    response = client.get("/api/v1/communes")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"items", "page", "per_page", "total"}
    assert (body["page"], body["per_page"], body["total"]) == (1, 20, 701)
    assert len(body["items"]) == 20
    assert all(set(item) == ITEM_KEYS for item in body["items"])
    names = [item["name"] for item in body["items"]]
    assert names == sorted(names)


def test_a_commune_carries_its_cercle_region_and_map_version(client, ocha_2015):
    body = client.get("/api/v1/communes?q=bangassi").get_json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item == {
        "id": item["id"],
        "code": "ML010101",
        "name": "Bangassi",
        "cercle": "Kayes",
        "cercle_code": "ML0101",
        "region": "Kayes",
        "region_code": "ML01",
        "map_version": "ocha-2015",
    }
    assert client.get(f"/api/v1/communes/{item['id']}").get_json() == item


@pytest.mark.parametrize("q", ["segou", "Ségou", "SÉGOU", "S%C3%A9GOU"])
def test_the_search_ignores_case_and_accents(client, ocha_2015, q):
    body = client.get(f"/api/v1/communes?q={q}").get_json()
    assert [item["name"] for item in body["items"]] == ["Segou Commune"]


def test_an_empty_search_lists_everything(client, ocha_2015):
    assert client.get("/api/v1/communes?q=").get_json()["total"] == 701


@pytest.mark.parametrize("q", ["%' OR 1=1 --", "'; DROP TABLE communes; --", "%", "_", '" OR ""="', "\\"])
def test_injection_like_searches_are_only_text(client, ocha_2015, q):
    response = client.get("/api/v1/communes", query_string={"q": q})
    assert response.status_code == 200
    body = response.get_json()
    assert (body["total"], body["items"]) == (0, [])  # no commune name holds these characters
    assert client.get("/api/v1/communes").get_json()["total"] == 701  # the table is still there


@pytest.mark.parametrize("param", ["q", "version"])
def test_a_nul_character_cannot_be_read(client, ocha_2015, param):
    response = client.get("/api/v1/communes", query_string={param: "a\x00b"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_request"


def test_a_search_too_long_is_422_on_q(client, ocha_2015):
    response = client.get("/api/v1/communes", query_string={"q": "x" * 201})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"q"}


def test_the_version_filter_chooses_the_map(client, session, app_context):
    make_commune("Kayes")  # on the current test map
    make_map_version("reform-2023", is_current=False)
    make_commune("Kayes", map_code="reform-2023")
    make_commune("Kita", map_code="reform-2023")
    session.commit()

    current = client.get("/api/v1/communes").get_json()
    assert [(i["name"], i["map_version"]) for i in current["items"]] == [("Kayes", "test-map")]
    other = client.get("/api/v1/communes?version=reform-2023").get_json()
    assert [(i["name"], i["map_version"]) for i in other["items"]] == [
        ("Kayes", "reform-2023"),
        ("Kita", "reform-2023"),
    ]
    searched = client.get("/api/v1/communes?version=reform-2023&q=KI").get_json()
    assert [i["name"] for i in searched["items"]] == ["Kita"]


@pytest.mark.parametrize("version", ["nope", "x" * 21])
def test_an_unknown_version_is_422_on_version(client, ocha_2015, version):
    response = client.get("/api/v1/communes", query_string={"version": version})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed" and error["message"]
    assert set(error["fields"]) == {"version"}


# --- The paging contract --------------------------------------------------------------------------------


def test_per_page_above_100_is_clamped(client, ocha_2015):
    body = client.get("/api/v1/communes?per_page=1000").get_json()
    assert (body["per_page"], len(body["items"]), body["total"]) == (100, 100, 701)


def test_pages_follow_each_other_without_gap_or_overlap(client, ocha_2015):
    seen = []
    for page in range(1, 9):
        body = client.get(f"/api/v1/communes?per_page=100&page={page}").get_json()
        assert body["page"] == page
        seen.extend(item["id"] for item in body["items"])
    assert len(seen) == len(set(seen)) == 701


def test_a_page_past_the_end_is_an_empty_list(client, ocha_2015):
    response = client.get("/api/v1/communes?page=99&per_page=50")
    assert response.status_code == 200
    assert response.get_json() == {"items": [], "page": 99, "per_page": 50, "total": 701}


@pytest.mark.parametrize(
    "query, fields",
    [
        ("page=0", {"page"}),
        ("page=-1", {"page"}),
        ("per_page=0", {"per_page"}),
        ("per_page=abc", {"per_page"}),
        ("page=abc&per_page=-5", {"page", "per_page"}),
        (f"page={10**12}", {"page"}),
        (f"page={10**30}", {"page"}),
    ],
)
def test_bad_paging_is_422_with_the_fields_named(client, ocha_2015, query, fields):
    response = client.get(f"/api/v1/communes?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert set(error["fields"]) == fields
    assert all(isinstance(messages, list) and messages for messages in error["fields"].values())


def test_the_list_runs_a_fixed_number_of_queries(client, session, app_context):
    def add_rows(n):
        for _ in range(n):
            make_commune()
        session.commit()

    assert assert_constant_queries(client, "/api/v1/communes?per_page=100", add_rows) <= 3


def test_the_version_filter_runs_a_fixed_number_of_queries(client, session, app_context):
    make_map_version("other-map", is_current=False)

    def add_rows(n):
        for _ in range(n):
            make_commune(map_code="other-map")
        session.commit()

    assert assert_constant_queries(client, "/api/v1/communes?per_page=100&version=other-map&q=commune", add_rows) <= 3


# --- One commune ----------------------------------------------------------------------------------------


def test_a_commune_of_another_map_is_found_by_id(client, session, app_context):
    make_map_version("reform-2023", is_current=False)
    commune_id = make_commune("Kita", map_code="reform-2023").id
    session.commit()
    body = client.get(f"/api/v1/communes/{commune_id}").get_json()
    assert (body["id"], body["name"], body["map_version"]) == (commune_id, "Kita", "reform-2023")


@pytest.mark.parametrize("commune_id", ["0", "999999", str(10**20)])
def test_an_unknown_commune_is_404_in_the_error_shape(client, session, commune_id):
    response = client.get(f"/api/v1/communes/{commune_id}")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["code"] == "not_found" and error["message"] and "fields" not in error


def test_a_non_numeric_id_is_404_in_the_error_shape(client, session):
    response = client.get("/api/v1/communes/abc")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_openapi_document_describes_the_communes(client, session):
    spec = client.get("/api/v1/openapi.json").get_json()
    listing = spec["paths"]["/api/v1/communes"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"q", "version", "page", "per_page"}
    assert "200" in listing["responses"] and "422" in listing["responses"]
    assert "/api/v1/communes/{commune_id}" in spec["paths"]
    item = spec["components"]["schemas"]["Commune"]["properties"]
    assert set(item) == ITEM_KEYS


def test_a_write_method_is_405(client, session):
    response = client.post("/api/v1/communes", json={})
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"
