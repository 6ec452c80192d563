ROUTES = {
    "static": ("GET", "/static/portal.css", {"*": 200}),
    "main.home": ("GET", "/", {"*": 200}),
    "main.set_language": ("POST", "/language", {"*": 303}),
    "api_system.index": ("GET", "/api/v1/", {"*": 200}),
    "api-docs.openapi_json": ("GET", "/api/v1/openapi.json", {"*": 200}),
}
