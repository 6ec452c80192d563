"""The after-agreement API, walked with each role's bearer token at the records of tests/walk.py. Statuses per
docs/api.md and issue 11: who may see the project reads its contributions (else 404); the paying party reports
(409 before agreement) and adds a proof; the receiving side (the commune) confirms or contests; the register of
a commune is public; a handed-over project's facility is public and its owner (the commune) records the yearly
check. 401, 404, 403, 409, 422 in that order."""

import io

from tests.routes import HUGE, HUGE_ID, Sample
from tests.routes.projects import SEE_AGREED, SEE_DRAFT, SEE_OTHER, SEE_SUBMITTED, pdf
from tests.routes.projects_api import AGREED, DRAFT, NONE, OTHER, SUBMITTED, read, reads, write
from tests.walk import PNG

EMPTY: dict = {}
C_AGREED = "/api/v1/contributions/{w.contributions[agreed].id}"
C_OTHER = "/api/v1/contributions/{w.contributions[other].id}"
C_NONE = f"/api/v1/contributions/{HUGE}"
HANDED = "/api/v1/projects/{w.handed_over.id}"


def a_tranche(w) -> dict:
    return {
        "funding_line_id": w.agreed.funding_lines[0].id,
        "paid_on": "2026-01-15",
        "amount": "150000",
        "currency": "XOF",
    }


def png():
    return (io.BytesIO(PNG), "puits.png")


ROUTES = {
    ("/api/v1/projects/<id:project_id>/contributions", "GET"): reads("/contributions"),
    ("/api/v1/projects/<id:project_id>/contributions", "POST"): [
        Sample(DRAFT + "/contributions", write(SEE_DRAFT, officer=409, member=409), "draft", json=EMPTY),
        Sample(SUBMITTED + "/contributions", write(SEE_SUBMITTED, officer=409, member=409), "submitted", json=EMPTY),
        Sample(
            AGREED + "/contributions",
            write(SEE_AGREED, officer=422, member=422, representative=422),
            "agreed, empty",
            json=EMPTY,
        ),
        Sample(
            AGREED + "/contributions",
            write(SEE_AGREED, officer=201, member=201),  # the partner pays its own line only
            "agreed, a whole tranche",
            json=a_tranche,
        ),
        Sample(OTHER + "/contributions", write(SEE_OTHER), "other", json=EMPTY),
        Sample(NONE + "/contributions", {"*": 404}, HUGE_ID, json=EMPTY),
    ],
    ("/api/v1/contributions/<id:contribution_id>", "GET"): [
        Sample(C_AGREED, read(SEE_AGREED), "agreed"),
        Sample(C_OTHER, read(SEE_OTHER), "other"),
        Sample(C_NONE, {"*": 404}, HUGE_ID),
    ],
    ("/api/v1/contributions/<id:contribution_id>/transitions", "POST"): [
        Sample(C_AGREED + "/transitions", write(SEE_AGREED, mayor=200), "confirm", json={"action": "confirm"}),
        Sample(
            C_AGREED + "/transitions", write(SEE_AGREED, mayor=422), "contest, no reason", json={"action": "contest"}
        ),
        Sample(C_OTHER + "/transitions", write(SEE_OTHER), "other", json={"action": "confirm"}),
        Sample(C_NONE + "/transitions", {"*": 404}, HUGE_ID, json={"action": "confirm"}),
    ],
    ("/api/v1/contributions/<id:contribution_id>/proof", "POST"): [
        Sample(C_AGREED + "/proof", write(SEE_AGREED, officer=200, member=200), "agreed", form={"file": pdf}),
        Sample(C_AGREED + "/proof", write(SEE_AGREED, officer=422, member=422), "no file", form=EMPTY),
        Sample(C_OTHER + "/proof", write(SEE_OTHER), "other", form={"file": pdf}),
        Sample(C_NONE + "/proof", {"*": 404}, HUGE_ID, form={"file": pdf}),
    ],
    ("/api/v1/contributions/<id:contribution_id>/proof", "GET"): [
        Sample(C_AGREED + "/proof", read(SEE_AGREED), "agreed"),
        Sample(C_OTHER + "/proof", read(SEE_OTHER), "other"),
        Sample(C_NONE + "/proof", {"*": 404}, HUGE_ID),
    ],
    ("/api/v1/communes/<id:commune_id>/facilities", "GET"): [
        Sample("/api/v1/communes/{w.commune_a.id}/facilities", {"*": 200}, "commune A"),
        Sample("/api/v1/communes/{w.commune_a.id}/facilities?page=0", {"*": 422}, "page 0"),
        Sample(f"/api/v1/communes/{HUGE}/facilities", {"*": 404}, HUGE_ID),
        Sample("/api/v1/communes/2147483647/facilities", {"*": 404}, "no such commune"),
    ],
    ("/api/v1/projects/<id:project_id>/facility", "GET"): [
        Sample(HANDED + "/facility", {"*": 200}, "handed over"),
        Sample(AGREED + "/facility", {"*": 404}, "not handed over yet"),
        Sample(DRAFT + "/facility", {"*": 404}, "draft"),
        Sample(NONE + "/facility", {"*": 404}, HUGE_ID),
    ],
    ("/api/v1/projects/<id:project_id>/facility/checks", "POST"): [
        Sample(HANDED + "/facility/checks", {"anonymous": 401, "mayor": 422, "*": 403}, "empty", form=EMPTY),
        Sample(
            HANDED + "/facility/checks",
            {"anonymous": 401, "mayor": 201, "*": 403},
            "working, with a photo",
            form={"condition": "working", "remark": "Tout fonctionne.", "file": png},
        ),
        Sample(AGREED + "/facility/checks", {"anonymous": 401, "*": 404}, "not handed over", form=EMPTY),
        Sample(NONE + "/facility/checks", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/api/v1/projects/<id:project_id>/facility/checks/<id:check_id>/photo", "GET"): [
        Sample(HANDED + "/facility/checks/{w.facility_check.id}/photo", {"*": 200}, "handed over"),
        Sample(AGREED + "/facility/checks/{w.facility_check.id}/photo", {"*": 404}, "another project's"),
        Sample(HANDED + f"/facility/checks/{HUGE}/photo", {"*": 404}, HUGE_ID),
    ],
    ("/api/v1/projects/<id:project_id>/progress_reports", "GET"): reads("/progress_reports"),
    ("/api/v1/projects/<id:project_id>/progress_reports", "POST"): [
        Sample(AGREED + "/progress_reports", write(SEE_AGREED, mayor=422), "agreed, empty", json=EMPTY),
        Sample(
            AGREED + "/progress_reports", write(SEE_AGREED, mayor=201), "agreed, 20 %", json={"percent_complete": 20}
        ),
        Sample(
            SUBMITTED + "/progress_reports",
            write(SEE_SUBMITTED, mayor=409),
            "submitted",
            json={"percent_complete": 20},
        ),
        Sample(OTHER + "/progress_reports", write(SEE_OTHER), "other", json=EMPTY),
        Sample(NONE + "/progress_reports", {"*": 404}, HUGE_ID, json=EMPTY),
    ],
    ("/api/v1/projects/<id:project_id>/progress_reports/<id:report_id>/comment", "POST"): [
        Sample(
            AGREED + "/progress_reports/{w.progress_report.id}/comment",
            write(SEE_AGREED, officer=422),
            "empty",
            json=EMPTY,
        ),
        Sample(
            AGREED + "/progress_reports/{w.progress_report.id}/comment",
            write(SEE_AGREED, officer=200),
            "a comment",
            json={"comment": "Et la pompe ?"},
        ),
        Sample(
            OTHER + "/progress_reports/{w.progress_report.id}/comment",
            {"anonymous": 401, "*": 404},
            "another project's",
            json={"comment": "?"},
        ),
        Sample(NONE + f"/progress_reports/{HUGE}/comment", {"*": 404}, HUGE_ID, json=EMPTY),
    ],
    ("/api/v1/projects/<id:project_id>/progress_reports/<id:report_id>/photo", "GET"): [
        Sample(AGREED + "/progress_reports/{w.progress_report.id}/photo", read(SEE_AGREED), "agreed"),
        Sample(OTHER + "/progress_reports/{w.progress_report.id}/photo", {"*": 404}, "another project's"),
        Sample(NONE + f"/progress_reports/{HUGE}/photo", {"*": 404}, HUGE_ID),
    ],
    ("/api/v1/projects/<id:project_id>/amendments", "GET"): reads("/amendments"),
    ("/api/v1/projects/<id:project_id>/amendments", "POST"): [
        # Proposing or accepting an amendment binds the commune: its secrétaire général (clerk) gets 403.
        Sample(
            AGREED + "/amendments", write(SEE_AGREED, officer=422, mayor=422, clerk=403), "agreed, empty", json=EMPTY
        ),
        Sample(
            AGREED + "/amendments",
            write(SEE_AGREED, officer=409, mayor=409, clerk=403),  # one already awaits its answer
            "agreed, a whole proposal",
            json=lambda w: {
                "funding_lines": [{"line_id": w.agreed.funding_lines[0].id, "amount": "650000"}],
                "reason": "Moins.",
                "version": w.agreed.version,
            },
        ),
        Sample(OTHER + "/amendments", write(SEE_OTHER), "other", json=EMPTY),
        Sample(NONE + "/amendments", {"*": 404}, HUGE_ID, json=EMPTY),
    ],
    ("/api/v1/amendments/<id:amendment_id>/transitions", "POST"): [
        Sample(
            "/api/v1/amendments/{w.amendment.id}/transitions",
            write(SEE_AGREED, mayor=200, clerk=403),
            "accept",
            json={"action": "accept"},
        ),
        Sample(
            "/api/v1/amendments/{w.amendment.id}/transitions",
            write(SEE_AGREED, mayor=422, clerk=403),
            "reject, no reason",
            json={"action": "reject"},
        ),
        Sample(f"/api/v1/amendments/{HUGE}/transitions", {"*": 404}, HUGE_ID, json={"action": "accept"}),
    ],
    ("/api/v1/projects/<id:project_id>/acceptances", "GET"): reads("/acceptances"),
    ("/api/v1/projects/<id:project_id>/acceptances", "POST"): [
        Sample(AGREED + "/acceptances", write(SEE_AGREED, mayor=409), "agreed", form=EMPTY),
        Sample(HANDED + "/acceptances", write(SEE_AGREED, mayor=422), "handed over, empty", form=EMPTY),
        Sample(
            HANDED + "/acceptances",
            write(SEE_AGREED, mayor=201),
            "handed over, the final acceptance",
            form={"kind": "final", "accepted_on": "2026-10-01", "participants": "Maire, comité", "file": pdf},
        ),
        Sample(OTHER + "/acceptances", write(SEE_OTHER), "other", form=EMPTY),
        Sample(NONE + "/acceptances", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/api/v1/projects/<id:project_id>/acceptances/<id:acceptance_id>/record", "GET"): [
        Sample(HANDED + "/acceptances/{w.acceptance.id}/record", {"*": 200}, "handed over"),
        Sample(AGREED + "/acceptances/{w.acceptance.id}/record", {"*": 404}, "another project's"),
        Sample(NONE + f"/acceptances/{HUGE}/record", {"*": 404}, HUGE_ID),
    ],
    ("/api/v1/projects/<id:project_id>/convention", "GET"): [
        Sample(AGREED + "/convention", {"*": 200}, "agreed"),
        Sample(SUBMITTED + "/convention", {"*": 404}, "submitted"),
        Sample(NONE + "/convention", {"*": 404}, HUGE_ID),
    ],
    ("/api/v1/projects/<id:project_id>/convention/deliberation", "POST"): [
        Sample(AGREED + "/convention/deliberation", write(SEE_AGREED, mayor=422), "empty", json=EMPTY),
        Sample(
            AGREED + "/convention/deliberation",
            write(SEE_AGREED, mayor=200),
            "a deliberation",
            json={"deliberation_number": "2026-014/CD", "deliberation_date": "2026-03-12"},
        ),
        Sample(SUBMITTED + "/convention/deliberation", {"anonymous": 401, "*": 404}, "submitted", json=EMPTY),
        Sample(NONE + "/convention/deliberation", {"*": 404}, HUGE_ID, json=EMPTY),
    ],
    ("/api/v1/projects/<id:project_id>/convention/signed", "POST"): [
        Sample(AGREED + "/convention/signed", write(SEE_AGREED, mayor=422, officer=422), "no file", form=EMPTY),
        Sample(AGREED + "/convention/signed", write(SEE_AGREED, mayor=200, officer=200), "signed", form={"file": pdf}),
        Sample(SUBMITTED + "/convention/signed", {"anonymous": 401, "*": 404}, "submitted", form=EMPTY),
        Sample(NONE + "/convention/signed", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/api/v1/projects/<id:project_id>/convention/signed", "GET"): [
        Sample(HANDED + "/convention/signed", {"*": 200}, "handed over, signed"),
        Sample(AGREED + "/convention/signed", {"*": 404}, "agreed, not signed yet"),
        Sample(NONE + "/convention/signed", {"*": 404}, HUGE_ID),
    ],
}
