"""What waits for someone's action, as one kind of item: the home page's "what awaits you"
(portal/domain/awaiting.py, per person) and the mediators' desk (portal/domain/desk.py, for the ministry) list
the same items, in the same order.

An item is what is to be done (`what`, its kind: "answer_project", "confirm_tranche", "dispute_acknowledge"...),
the record it is about, since when it waits, by when (its deadline, where it has one) and whether that deadline
has passed (each kind's own rule: a commitment is overdue from the day after its due date, a project once the
day it goes to the mediators has passed, a dispute past its deadline to acknowledge).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time

from portal.models import Commitment, Contribution, Dispute, Meeting, Organisation, Project

LIMIT = 20  # of each kind on a home page; the lists they link to show the rest

_KINDS = {
    Project: "project",
    Meeting: "meeting",
    Commitment: "commitment",
    Dispute: "dispute",
    Contribution: "contribution",
    Organisation: "organisation",
}


@dataclass(frozen=True)
class Waiting:
    what: str  # what is to be done: the item's kind
    record: Project | Meeting | Commitment | Dispute | Contribution | Organisation
    since: datetime | None  # when it started waiting
    due: datetime | None  # its deadline, where it has one
    overdue: bool = False  # its deadline has passed: the page says so

    @property
    def record_kind(self) -> str:
        return _KINDS[type(self.record)]

    @property
    def key(self) -> tuple:
        """Its place in a queue: the nearest deadline first, where there is none the day the wait began; within
        one kind, the order of that kind's query (deadline, id)."""
        return (_naive(self.due or self.since), self.record_kind, self.record.id)


def nearest_first(items: list[Waiting]) -> list[Waiting]:
    return sorted(items, key=lambda item: item.key)


def day_start(day) -> datetime:
    """A due date as the moment it begins (UTC), to sort it among deadlines."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def _naive(moment: datetime | None) -> datetime:
    return (moment or datetime.max).replace(tzinfo=None)
