"""The route walk's table, one module per area (tests/test_routes.py walks it).

Each module defines `ROUTES`: (rule, method) → a list of `Sample`s, where `rule` is the rule exactly as in
`app.url_map` ("/projects/<id:project_id>") and `method` one it accepts (HEAD and OPTIONS left out). A sample
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


def huge(path: str, form: dict | None = None) -> Sample:
    """The huge-id sample of a rule with an id: past 2**31-1 it matches no rule (the id converter), so 404 for
    everyone, before any login."""
    return Sample(path, {"*": 404}, HUGE_ID, form=form)
