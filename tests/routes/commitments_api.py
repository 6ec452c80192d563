"""The commitments API, walked with each role's bearer token at the commitments of tests/walk.py. Statuses per
docs/api.md and product.md: who may see the project sees its commitments (else 404); the promising organisation's
members (not observers) report and add evidence, the other side or a mediator confirms, its author or a mediator
cancels; a party or a mediator records; the funder named on a line confirms it. 401, 404, 403, 409, 422 in that
order."""

from tests.routes import HUGE, HUGE_ID, Sample
from tests.routes.projects import SEE_AGREED, SEE_OTHER, SEE_SUBMITTED, pdf
from tests.routes.projects_api import DRAFT, NONE, read, write

AGREED = "/api/v1/projects/{w.agreed.id}"
SUBMITTED = "/api/v1/projects/{w.submitted.id}"
OTHER = "/api/v1/projects/{w.other.id}"
C_SUBMITTED = "/api/v1/commitments/{w.commitments[submitted].id}"
C_AGREED = "/api/v1/commitments/{w.commitments[agreed].id}"
C_OTHER = "/api/v1/commitments/{w.commitments[other].id}"
C_NONE = f"/api/v1/commitments/{HUGE}"
EMPTY: dict = {}
PARTIES_SUBMITTED = {"officer": 422, "member": 422, "mayor": 422, "mediator": 422}


def an_open_promise(w) -> dict:
    """The commune promises something administrative, due in a month."""
    return {
        "organisation_id": w.commune_org.id,
        "kind": "administrative",
        "description": "Délibération du conseil",
        "due_date": "2027-01-31",
    }


ROUTES = {
    ("/api/v1/projects/<id:project_id>/commitments", "POST"): [
        # A draft never submitted takes no commitment yet (409) for the association that sees it.
        Sample(
            DRAFT + "/commitments", {"anonymous": 401, "officer": 409, "member": 409, "*": 404}, "draft", json=EMPTY
        ),
        Sample(SUBMITTED + "/commitments", write(SEE_SUBMITTED, **PARTIES_SUBMITTED), "submitted", json=EMPTY),
        Sample(
            AGREED + "/commitments",
            write(SEE_AGREED, **PARTIES_SUBMITTED, representative=422),
            "agreed",
            json=EMPTY,
        ),
        Sample(
            AGREED + "/commitments",
            write(SEE_AGREED, officer=201, member=201, mayor=201, mediator=201, representative=201),
            "agreed, a whole promise",
            json=an_open_promise,
        ),
        Sample(OTHER + "/commitments", write(SEE_OTHER, mediator=422), "other", json=EMPTY),
        Sample(NONE + "/commitments", {"*": 404}, HUGE_ID, json=EMPTY),
    ],
    ("/api/v1/commitments", "GET"): [
        Sample("/api/v1/commitments", {"*": 200}),
        Sample("/api/v1/commitments?overdue=true&organisation_id=1", {"*": 200}, "filtered"),
    ],
    ("/api/v1/commitments/<id:commitment_id>", "GET"): [
        Sample(C_SUBMITTED, read(SEE_SUBMITTED), "submitted"),
        Sample(C_AGREED, read(SEE_AGREED), "agreed"),
        Sample(C_OTHER, read(SEE_OTHER), "other"),
        Sample(C_NONE, {"*": 404}, HUGE_ID),
    ],
    ("/api/v1/commitments/<id:commitment_id>/transitions", "POST"): [
        # The association's open promise: its members report it fulfilled.
        Sample(
            C_SUBMITTED + "/transitions",
            write(SEE_SUBMITTED, officer=200, member=200),
            "submitted, report",
            json={"action": "report_fulfilled"},
        ),
        # The commune reported it fulfilled: the other side (association, partner) or a mediator confirms.
        Sample(
            C_AGREED + "/transitions",
            write(SEE_AGREED, officer=200, member=200, representative=200, mediator=200),
            "agreed, confirm",
            json={"action": "confirm"},
        ),
        # A mediator cancels an open commitment, with a comment: without one, 422.
        Sample(C_OTHER + "/transitions", write(SEE_OTHER, mediator=422), "other, cancel", json={"action": "cancel"}),
        Sample(C_NONE + "/transitions", {"*": 404}, HUGE_ID, json={"action": "confirm"}),
    ],
    ("/api/v1/commitments/<id:commitment_id>/evidence", "POST"): [
        Sample(
            C_SUBMITTED + "/evidence", write(SEE_SUBMITTED, officer=422, member=422), "submitted, empty", form=EMPTY
        ),
        Sample(
            C_SUBMITTED + "/evidence",
            write(SEE_SUBMITTED, officer=201, member=201),
            "submitted, a PDF",
            form={"file": pdf},
        ),
        # Reported fulfilled: no more evidence from the commune until it is contested.
        Sample(C_AGREED + "/evidence", write(SEE_AGREED, mayor=409), "agreed", form=EMPTY),
        Sample(C_OTHER + "/evidence", write(SEE_OTHER), "other", form=EMPTY),
        Sample(C_NONE + "/evidence", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/api/v1/commitments/<id:commitment_id>/evidence/<id:evidence_id>", "GET"): [
        Sample(C_SUBMITTED + "/evidence/{w.commitment_evidence[submitted].id}", read(SEE_SUBMITTED), "submitted"),
        Sample(C_AGREED + "/evidence/{w.commitment_evidence[agreed].id}", read(SEE_AGREED), "agreed"),
        Sample(C_OTHER + "/evidence/{w.commitment_evidence[other].id}", read(SEE_OTHER), "other"),
        Sample(C_AGREED + "/evidence/{w.commitment_evidence[other].id}", {"*": 404}, "another commitment's"),
        Sample(C_NONE + f"/evidence/{HUGE}", {"*": 404}, HUGE_ID),
    ],
    ("/api/v1/projects/<id:project_id>/funding_lines/<id:line_id>/confirmation", "POST"): [
        # The partner's representative confirms; its observer only reads.
        Sample(
            AGREED + "/funding_lines/{w.partner_line.id}/confirmation",
            write(SEE_AGREED, representative=200),
            "the partner's line",
            json=EMPTY,
        ),
        Sample(AGREED + f"/funding_lines/{HUGE}/confirmation", {"*": 404}, "huge line id", json=EMPTY),
        Sample(
            SUBMITTED + "/funding_lines/{w.partner_line.id}/confirmation",
            {"anonymous": 401, "*": 404},
            "another project's line",
            json=EMPTY,
        ),
        Sample(NONE + "/funding_lines/1/confirmation", {"*": 404}, HUGE_ID, json=EMPTY),
    ],
}
