"""Co-funded projects' pages. The cast has no project: a project path names one that does not exist, which an
anonymous visitor is asked to sign in for and everyone else gets 404 (tests/test_project_pages.py walks real
projects, state by state and role by role)."""

NO_PROJECT = "/projects/999999"
NOT_FOUND = {"anonymous": 302, "*": 404}

ROUTES = {
    "projects.index": ("GET", "/projects/", {"*": 200}),
    "projects.new": ("GET", "/projects/new", {"anonymous": 302, "officer": 200, "*": 403}),
    "projects.show": ("GET", NO_PROJECT, NOT_FOUND),
    "projects.sheet": ("GET", NO_PROJECT + "/sheet", NOT_FOUND),
    "projects.edit": ("GET", NO_PROJECT + "/edit", NOT_FOUND),
    "projects.act": ("POST", NO_PROJECT + "/actions/submit", NOT_FOUND),
    "projects.comment": ("POST", NO_PROJECT + "/comments", NOT_FOUND),
    "projects.upload": ("POST", NO_PROJECT + "/documents", NOT_FOUND),
    "projects.download": ("GET", NO_PROJECT + "/documents/1", NOT_FOUND),
}
