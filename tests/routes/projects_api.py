"""The projects API. The walk signs in through the browser, which the API ignores: every role is anonymous
here. Who may do what with a bearer token is tested in tests/test_api_projects.py and test_project_rules.py."""

NONE = "/api/v1/projects/999999"

ROUTES = {
    "api_projects.list_projects": ("GET", "/api/v1/projects", {"*": 200}),
    "api_projects.create_project": ("POST", "/api/v1/projects", {"*": 400}),  # no JSON body: 400 before 401
    "api_projects.get_project": ("GET", NONE, {"*": 404}),
    "api_projects.update_project": ("PATCH", NONE, {"*": 400}),
    "api_projects.transition_project": ("POST", NONE + "/transitions", {"*": 400}),
    "api_projects.upload_document": ("POST", NONE + "/documents", {"*": 400}),
    "api_projects.list_documents": ("GET", NONE + "/documents", {"*": 404}),
    "api_projects.download_document": ("GET", NONE + "/documents/1", {"*": 404}),
    "api_projects.history": ("GET", NONE + "/history", {"*": 404}),
}
