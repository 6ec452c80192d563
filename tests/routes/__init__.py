"""The route walk's table, one module per area (tests/test_routes.py walks it).

Each module defines `ROUTES`: (rule, method) → a list of `Sample`s, where `rule` is the rule exactly as in
`app.url_map` ("/projects/<int:project_id>") and `method` one it accepts (HEAD and OPTIONS left out). A sample
is one request at real records of the walk (tests/walk.py), with the status each role must get.

A sample path may contain `{w.…}` placeholders filled from the walk's records, e.g.
"/projects/{w.draft.id}". Expected statuses are keyed by role (tests/test_routes.py `ROLES`), with "*" for
every role not named; a `frozenset` of statuses is allowed only where several answers are truly right (say
why beside it). `bugs` marks single roles ("*" for all) whose answer is wrong today: their case is
`xfail(strict=True)`, with the reason given (a `Bug` that names a database: on that database only).

A form sample is posted as a form (multipart on /api/ paths, as the API's uploads are); a form value may hold
`{w.…}` placeholders too, or be a function of nothing, called for each request (a file to upload). A JSON sample may be a function of the
walk's records.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

HUGE = 99999999999  # past 2**31 - 1: no such row, and never a 500
HUGE_ID = "huge id"


@dataclass(frozen=True)
class Bug:
    reason: str
    only_on: str | None = None  # "postgresql": the answer is wrong on that database only


@dataclass(frozen=True)
class Sample:
    path: str
    expected: Mapping[str, int | frozenset]
    label: str = ""
    form: dict | None = None  # a form body (multipart when it holds files); the browser's requests
    json: object = None  # a JSON body; the API's requests
    bugs: Mapping[str, str | Bug] = field(default_factory=dict)
    location: str | None = None  # the path a redirect must go to
    headers: Mapping[str, str] = field(default_factory=dict)  # sent as well (over the role's token)


# SQLite stores any integer; PostgreSQL's `integer` stops at 2**31-1, and a lookup past it fails there.
HUGE_500 = Bug(
    "BUG: an id past 2**31-1 in the URL answers 500 on PostgreSQL (integer out of range), not 404", "postgresql"
)
SIGNED_IN_ROLES = ("admin", "mediator", "mayor", "officer", "member", "representative", "observer", "nobody")


def login_required_huge(path: str, form: dict | None = None, **statuses) -> Sample:
    """The huge-id sample of a rule that needs a login: anonymous 302 first, then 404 (or `statuses`: admin
    pages refuse non-admins before looking anything up), 500 on PostgreSQL today where the answer is 404."""
    expected = {"anonymous": 302, "*": 404, **statuses}
    bugs = {role: HUGE_500 for role in SIGNED_IN_ROLES if expected.get(role, expected["*"]) == 404}
    return Sample(path, expected, HUGE_ID, form={} if form is None else form, bugs=bugs)
