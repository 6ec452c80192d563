"""After agreement, on a project's pages, walked at the records of tests/walk.py, with the statuses of issue 11
and product.md: who may see the project sees its contributions and their proofs; the paying party (not an
observer) reports a tranche from agreement on (409 before); the receiving side (the commune) confirms or
contests (with a reason); a handed-over project's facility is public and its owner (the commune) records the
yearly check; before hand-over there is no facility (404). An anonymous visitor signs in first (302) where a
login is needed; what goes through redirects (303)."""

import io

from tests.routes import HUGE, HUGE_ID, Sample
from tests.routes.projects import (
    AGREED,
    DRAFT,
    NONE,
    OTHER,
    SEE_AGREED,
    SEE_DRAFT,
    SEE_OTHER,
    SEE_SUBMITTED,
    SUBMITTED,
    page,
    pdf,
    seen,
)
from tests.walk import PNG

EMPTY: dict = {}
C_AGREED = AGREED + "/contributions/{w.contributions[agreed].id}"
C_OTHER = OTHER + "/contributions/{w.contributions[other].id}"
HANDED = "/projects/{w.handed_over.id}"
PAYERS = {"officer": 422, "member": 422}  # association A pays its own line
NOBODY_LOGGED = {"anonymous": 302, "*": 404}


def png():
    return (io.BytesIO(PNG), "puits.png")


ROUTES = {
    **page("/contributions"),
    ("/projects/<id:project_id>/contributions", "POST"): [
        Sample(DRAFT + "/contributions", seen(SEE_DRAFT, officer=409, member=409), "draft", form=EMPTY),
        Sample(SUBMITTED + "/contributions", seen(SEE_SUBMITTED, officer=409, member=409), "submitted", form=EMPTY),
        # The partner pays its line too (its form is refused the same way), the commune pays none of this plan.
        Sample(AGREED + "/contributions", seen(SEE_AGREED, **PAYERS, representative=422), "agreed, empty", form=EMPTY),
        Sample(
            AGREED + "/contributions",
            seen(SEE_AGREED, officer=303, member=303),  # the partner pays its own line only
            "agreed, a whole tranche",
            form={
                "funding_line_id": "{w.agreed.funding_lines[0].id}",
                "paid_on": "2026-01-15",
                "amount": "150000",
                "currency": "XOF",
            },
        ),
        Sample(OTHER + "/contributions", seen(SEE_OTHER), "other", form=EMPTY),
        Sample(NONE + "/contributions", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/projects/<id:project_id>/contributions/<id:contribution_id>/actions/<action>", "POST"): [
        Sample(C_AGREED + "/actions/confirm", seen(SEE_AGREED, mayor=303), "confirm"),
        Sample(C_AGREED + "/actions/contest", seen(SEE_AGREED, mayor=422), "contest without a reason", form=EMPTY),
        Sample(C_OTHER + "/actions/confirm", seen(SEE_OTHER), "other"),
        Sample(C_AGREED + "/actions/fly", NOBODY_LOGGED, "unknown action"),
        Sample(
            AGREED + "/contributions/{w.contributions[other].id}/actions/confirm",
            NOBODY_LOGGED,
            "another project's contribution",
        ),
        Sample(NONE + f"/contributions/{HUGE}/actions/confirm", {"*": 404}, HUGE_ID),
    ],
    ("/projects/<id:project_id>/contributions/<id:contribution_id>/proof", "GET"): [
        Sample(C_AGREED + "/proof", SEE_AGREED, "agreed"),
        Sample(C_OTHER + "/proof", SEE_OTHER, "other"),
        Sample(AGREED + "/contributions/{w.contributions[other].id}/proof", NOBODY_LOGGED, "elsewhere"),
        Sample(NONE + f"/contributions/{HUGE}/proof", {"*": 404}, HUGE_ID),
    ],
    ("/projects/<id:project_id>/facility", "GET"): [
        Sample(HANDED + "/facility", {"*": 200}, "handed over"),
        Sample(AGREED + "/facility", {"*": 404}, "not handed over yet"),
        Sample(DRAFT + "/facility", NOBODY_LOGGED, "draft"),
        Sample(NONE + "/facility", {"*": 404}, HUGE_ID),
    ],
    ("/projects/<id:project_id>/facility/checks", "POST"): [
        Sample(HANDED + "/facility/checks", {"anonymous": 302, "mayor": 422, "*": 403}, "empty", form=EMPTY),
        Sample(
            HANDED + "/facility/checks",
            {"anonymous": 302, "mayor": 303, "*": 403},
            "working, with a photo",
            form={"condition": "working", "remark": "Tout fonctionne.", "file": png},
        ),
        Sample(AGREED + "/facility/checks", NOBODY_LOGGED, "not handed over yet", form=EMPTY),
        Sample(NONE + "/facility/checks", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/projects/<id:project_id>/facility/checks/<id:check_id>/photo", "GET"): [
        Sample(HANDED + "/facility/checks/{w.facility_check.id}/photo", {"*": 200}, "handed over"),
        Sample(HANDED + f"/facility/checks/{HUGE}/photo", {"*": 404}, HUGE_ID),
        Sample(AGREED + "/facility/checks/{w.facility_check.id}/photo", {"*": 404}, "another project's"),
    ],
    **page("/progress"),
    # The commune's officials report while the works are agreed or under way (409 before and after); the association's
    # officers comment (a comment is required).
    ("/projects/<id:project_id>/progress", "POST"): [
        Sample(AGREED + "/progress", seen(SEE_AGREED, mayor=422), "agreed, empty", form=EMPTY),
        Sample(AGREED + "/progress", seen(SEE_AGREED, mayor=303), "agreed, 20 %", form={"percent_complete": "20"}),
        Sample(SUBMITTED + "/progress", seen(SEE_SUBMITTED, mayor=409), "submitted", form={"percent_complete": "20"}),
        Sample(OTHER + "/progress", seen(SEE_OTHER), "other", form=EMPTY),
        Sample(DRAFT + "/progress", seen(SEE_DRAFT), "draft", form=EMPTY),
        Sample(NONE + "/progress", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/projects/<id:project_id>/progress/<id:report_id>/comment", "POST"): [
        Sample(AGREED + "/progress/{w.progress_report.id}/comment", seen(SEE_AGREED, officer=422), "empty", form=EMPTY),
        Sample(
            AGREED + "/progress/{w.progress_report.id}/comment",
            seen(SEE_AGREED, officer=303),
            "a comment",
            form={"comment": "Et la pompe ?"},
        ),
        Sample(
            OTHER + "/progress/{w.progress_report.id}/comment",
            seen(SEE_OTHER) | {"admin": 404, "mediator": 404, "observer": 404},
            "another project's",
            form=EMPTY,
        ),
        Sample(NONE + f"/progress/{HUGE}/comment", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/projects/<id:project_id>/progress/<id:report_id>/photo", "GET"): [
        Sample(AGREED + "/progress/{w.progress_report.id}/photo", SEE_AGREED, "agreed"),
        Sample(
            OTHER + "/progress/{w.progress_report.id}/photo",
            SEE_OTHER | {"admin": 404, "mediator": 404, "observer": 404},
            "another project's",
        ),
        Sample(NONE + f"/progress/{HUGE}/photo", {"*": 404}, HUGE_ID),
    ],
    **page("/amendments"),
    # An amendment awaits the commune's answer on the agreed project: no other is proposed meanwhile (409).
    # Proposing or accepting one binds the commune: its secrétaire général (clerk) gets 403.
    ("/projects/<id:project_id>/amendments", "POST"): [
        Sample(AGREED + "/amendments", seen(SEE_AGREED, officer=409, mayor=409, clerk=403), "agreed", form=EMPTY),
        Sample(
            SUBMITTED + "/amendments", seen(SEE_SUBMITTED, officer=409, mayor=409, clerk=403), "submitted", form=EMPTY
        ),
        Sample(OTHER + "/amendments", seen(SEE_OTHER), "other", form=EMPTY),
        Sample(NONE + "/amendments", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/projects/<id:project_id>/amendments/<id:amendment_id>/actions/<action>", "POST"): [
        Sample(
            AGREED + "/amendments/{w.amendment.id}/actions/accept", seen(SEE_AGREED, mayor=303, clerk=403), "accept"
        ),
        Sample(
            AGREED + "/amendments/{w.amendment.id}/actions/reject",
            seen(SEE_AGREED, mayor=422, clerk=403),
            "reject, no reason",
        ),
        Sample(AGREED + "/amendments/{w.amendment.id}/actions/fly", NOBODY_LOGGED, "unknown action"),
        Sample(OTHER + "/amendments/{w.amendment.id}/actions/accept", NOBODY_LOGGED, "another project's"),
        Sample(NONE + f"/amendments/{HUGE}/actions/accept", {"*": 404}, HUGE_ID),
    ],
    **page("/acceptance"),
    # The commune's officials record the acceptance once the works have started (409 before); the handed-over
    # project's provisional acceptance is on record (the walk's), its final one comes next.
    ("/projects/<id:project_id>/acceptance", "POST"): [
        Sample(AGREED + "/acceptance", seen(SEE_AGREED, mayor=409), "agreed", form=EMPTY),
        Sample(HANDED + "/acceptance", seen(SEE_AGREED, mayor=422), "handed over, empty", form=EMPTY),
        Sample(
            HANDED + "/acceptance",
            seen(SEE_AGREED, mayor=303),
            "handed over, the final acceptance",
            form={"kind": "final", "accepted_on": "2026-10-01", "participants": "Maire, comité", "file": pdf},
        ),
        Sample(OTHER + "/acceptance", seen(SEE_OTHER), "other", form=EMPTY),
        Sample(NONE + "/acceptance", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/projects/<id:project_id>/acceptance/<id:acceptance_id>/record", "GET"): [
        Sample(HANDED + "/acceptance/{w.acceptance.id}/record", SEE_AGREED, "handed over"),
        Sample(AGREED + "/acceptance/{w.acceptance.id}/record", {"*": 404}, "another project's"),
        Sample(NONE + f"/acceptance/{HUGE}/record", {"*": 404}, HUGE_ID),
    ],
    # The convention exists from agreement on (404 before, for whoever sees the project).
    ("/projects/<id:project_id>/convention", "GET"): [
        Sample(AGREED + "/convention", SEE_AGREED, "agreed"),
        Sample(SUBMITTED + "/convention", {"anonymous": 302, "*": 404}, "submitted"),
        Sample(OTHER + "/convention", {"anonymous": 302, "*": 404}, "other"),
        Sample(NONE + "/convention", {"*": 404}, HUGE_ID),
    ],
    ("/projects/<id:project_id>/convention/deliberation", "POST"): [
        Sample(AGREED + "/convention/deliberation", seen(SEE_AGREED, mayor=422), "empty", form=EMPTY),
        Sample(
            AGREED + "/convention/deliberation",
            seen(SEE_AGREED, mayor=303),
            "a deliberation",
            form={"deliberation_number": "2026-014/CD", "deliberation_date": "2026-03-12"},
        ),
        Sample(SUBMITTED + "/convention/deliberation", {"anonymous": 302, "*": 404}, "submitted", form=EMPTY),
        Sample(NONE + "/convention/deliberation", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/projects/<id:project_id>/convention/signed", "POST"): [
        Sample(AGREED + "/convention/signed", seen(SEE_AGREED, mayor=422, officer=422), "no file", form=EMPTY),
        Sample(AGREED + "/convention/signed", seen(SEE_AGREED, mayor=303, officer=303), "signed", form={"file": pdf}),
        Sample(SUBMITTED + "/convention/signed", {"anonymous": 302, "*": 404}, "submitted", form=EMPTY),
        Sample(NONE + "/convention/signed", {"*": 404}, HUGE_ID, form=EMPTY),
    ],
    ("/projects/<id:project_id>/convention/signed", "GET"): [
        Sample(HANDED + "/convention/signed", SEE_AGREED, "handed over, signed"),
        Sample(AGREED + "/convention/signed", {"*": 404}, "agreed, not signed yet"),
        Sample(NONE + "/convention/signed", {"*": 404}, HUGE_ID),
    ],
    ("/projects/<id:project_id>/facility/checks/<id:check_id>/thumbnail", "GET"): [
        Sample(HANDED + "/facility/checks/{w.facility_check.id}/thumbnail", {"*": 200}, "handed over"),
        Sample(AGREED + "/facility/checks/{w.facility_check.id}/thumbnail", {"*": 404}, "another project's"),
        Sample(HANDED + f"/facility/checks/{HUGE}/thumbnail", {"*": 404}, HUGE_ID),
    ],
    ("/projects/<id:project_id>/progress/<id:report_id>/thumbnail", "GET"): [
        Sample(AGREED + "/progress/{w.progress_report.id}/thumbnail", SEE_AGREED, "agreed"),
        Sample(
            OTHER + "/progress/{w.progress_report.id}/thumbnail",
            SEE_OTHER | {"admin": 404, "mediator": 404, "observer": 404},
            "another project's",
        ),
        Sample(NONE + f"/progress/{HUGE}/thumbnail", {"*": 404}, HUGE_ID),
    ],
}
