"""The home page, the language switch, static files and the API's index and description."""

from tests.routes import Sample

ROUTES = {
    ("/static/<path:filename>", "GET"): [Sample("/static/portal.css", {"*": 200})],
    ("/", "GET"): [Sample("/", {"*": 200})],
    ("/language", "POST"): [Sample("/language", {"*": 303}, form={})],
    ("/privacy", "GET"): [Sample("/privacy", {"*": 200})],
    ("/api/v1/", "GET"): [Sample("/api/v1/", {"*": 200})],
    ("/api/v1/openapi.json", "GET"): [Sample("/api/v1/openapi.json", {"*": 200})],
}
