"""The projects API, walked with each role's bearer token (anonymous: no Authorization header) at the real
projects of tests/walk.py. Statuses per docs/api.md: who may not see a project gets 404 (anonymous readers
too: the reads are public for public projects); a write without a token is 401; a visible project one may
not act on is 403; an edit in a state that allows none is 409; an empty body where the role may act is 422;
a create is 201, an edit or a transition 200. When several apply: 401, 404, 403, 409, 422 in that order.
"""

from tests.routes import HUGE, HUGE_ID, Sample
from tests.routes.projects import SEE_AGREED, SEE_DRAFT, SEE_OTHER, SEE_SUBMITTED, pdf

DRAFT = "/api/v1/projects/{w.draft.id}"
SUBMITTED = "/api/v1/projects/{w.submitted.id}"
AGREED = "/api/v1/projects/{w.agreed.id}"
OTHER = "/api/v1/projects/{w.other.id}"
NONE = f"/api/v1/projects/{HUGE}"


def read(see: dict) -> dict:
    """A read: who sees the project 200, the others 404 (an anonymous reader too: the endpoint is public)."""
    return {role: 404 if status == 302 else status for role, status in see.items()}


def write(see: dict, **roles) -> dict:
    """A write: anonymous 401; `roles` as given; whoever else sees the project 403, who does not 404."""
    statuses = {"anonymous": 401}
    for role, status in see.items():
        if role != "anonymous":
            statuses[role] = 403 if status == 200 else status
    return {**statuses, **roles}


def reads(suffix: str = "") -> list[Sample]:
    return [
        Sample(DRAFT + suffix, read(SEE_DRAFT), "draft"),
        Sample(SUBMITTED + suffix, read(SEE_SUBMITTED), "submitted"),
        Sample(AGREED + suffix, read(SEE_AGREED), "agreed"),
        Sample(OTHER + suffix, read(SEE_OTHER), "other"),
        Sample(NONE + suffix, {"*": 404}, HUGE_ID),
    ]


EMPTY: dict = {}
SEE_NONE = {"*": 404}


def proposal(w) -> dict:
    """The smallest whole proposal of association A in commune A."""
    return {
        "title": "Forage à Diéma",
        "summary": "Un forage équipé.",
        "sector": "water",
        "commune_id": w.commune_a.id,
        "association_id": w.association.id,
        "budget_lines": [{"label": "Forage", "amount": "1000000", "currency": "XOF"}],
        "funding_lines": [{"party_kind": "association", "amount": "1000000", "currency": "XOF"}],
    }


def new_lines(w) -> dict:
    """An edit of the draft at the version it was built with: a title and both lists of lines replaced."""
    body = proposal(w)
    return {key: body[key] for key in ("title", "budget_lines", "funding_lines")} | {"version": w.draft.version}


ROUTES = {
    ("/api/v1/projects", "GET"): [Sample("/api/v1/projects", {"*": 200})],
    # Association officers create; an empty body is refused field by field.
    ("/api/v1/projects", "POST"): [
        # Naming no association, an empty body lets the server check the fields or the role first: both
        # answers are right for who is officer of no association.
        Sample(
            "/api/v1/projects",
            {"anonymous": 401, "officer": 422, "*": frozenset({403, 422})},
            "empty",
            json=EMPTY,
        ),
        Sample("/api/v1/projects", {"anonymous": 401, "officer": 201, "*": 403}, "association A's", json=proposal),
    ],
    ("/api/v1/projects/<id:project_id>", "GET"): reads(),
    ("/api/v1/projects/<id:project_id>/history", "GET"): reads("/history"),
    ("/api/v1/projects/<id:project_id>/documents", "GET"): reads("/documents"),
    ("/api/v1/projects/<id:project_id>/documents/<id:document_id>", "GET"): [
        Sample(DRAFT + "/documents/{w.documents[draft].id}", read(SEE_DRAFT), "draft"),
        Sample(SUBMITTED + "/documents/{w.documents[submitted].id}", read(SEE_SUBMITTED), "submitted"),
        Sample(AGREED + "/documents/{w.documents[agreed].id}", read(SEE_AGREED), "agreed"),
        Sample(OTHER + "/documents/{w.documents[other].id}", read(SEE_OTHER), "other"),
        Sample(AGREED + "/documents/{w.documents[other].id}", {"*": 404}, "another project's document"),
        Sample(AGREED + f"/documents/{HUGE}", {"*": 404}, "huge document id"),
        Sample(NONE + f"/documents/{HUGE}", {"*": 404}, HUGE_ID),
    ],
    # The officer edits drafts, submitted projects until the review starts, and projects sent back: without the
    # `version` read, 422; else 409.
    ("/api/v1/projects/<id:project_id>", "PATCH"): [
        Sample(DRAFT, write(SEE_DRAFT, officer=422), "draft", json=EMPTY),
        Sample(DRAFT, write(SEE_DRAFT, officer=200), "draft, new lines at the version read", json=new_lines),
        Sample(DRAFT, write(SEE_DRAFT, officer=409), "draft, a stale version", json={"version": 999, "title": "Puits"}),
        Sample(SUBMITTED, write(SEE_SUBMITTED, officer=422), "submitted", json=EMPTY),
        Sample(AGREED, write(SEE_AGREED, officer=409), "agreed", json=EMPTY),
        Sample(OTHER, write(SEE_OTHER), "other", json=EMPTY),
        Sample(NONE, {"*": 404}, HUGE_ID, json=EMPTY),
    ],
    # The step the record's state allows next (a minimal body: the action), by who the workflow names.
    ("/api/v1/projects/<id:project_id>/transitions", "POST"): [
        Sample(DRAFT + "/transitions", write(SEE_DRAFT, officer=200), "draft", json={"action": "submit"}),
        Sample(
            SUBMITTED + "/transitions", write(SEE_SUBMITTED, mayor=200), "submitted", json={"action": "start_review"}
        ),
        Sample(
            AGREED + "/transitions",
            write(SEE_AGREED, mayor=200),
            "agreed",
            json={"action": "start_implementation"},
        ),
        # A decision that binds the commune: the state refuses the mayor's (409); the clerk may never take it (403).
        Sample(
            AGREED + "/transitions",
            write(SEE_AGREED, mayor=409, clerk=403),
            "agreed, hand over",
            json={"action": "hand_over"},
        ),
        Sample(
            SUBMITTED + "/transitions",
            write(SEE_SUBMITTED, mayor=409, clerk=403),
            "submitted, request changes",
            json={"action": "request_changes"},
        ),
        Sample(OTHER + "/transitions", write(SEE_OTHER), "other", json={"action": "start_review"}),
        Sample(NONE + "/transitions", {"*": 404}, HUGE_ID, json={"action": "submit"}),
    ],
    # Uploads: the association's officers and the commune's officials; an empty form is 422.
    ("/api/v1/projects/<id:project_id>/documents", "POST"): [
        Sample(DRAFT + "/documents", write(SEE_DRAFT, officer=422), "draft", form=EMPTY),
        Sample(SUBMITTED + "/documents", write(SEE_SUBMITTED, officer=422, mayor=422), "submitted", form=EMPTY),
        Sample(
            SUBMITTED + "/documents",
            write(SEE_SUBMITTED, officer=201, mayor=201),
            "submitted, a PDF",
            form={"kind": "quote", "file": pdf},
        ),
        Sample(AGREED + "/documents", write(SEE_AGREED, officer=422, mayor=422), "agreed", form=EMPTY),
        Sample(OTHER + "/documents", write(SEE_OTHER), "other", form=EMPTY),
        Sample(NONE + "/documents", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
}
