"""What the workflows of projects, amendments, commitments, contributions and disputes share: a step's table
row, the order in which a step is refused (the contract's: 403 for who may never take it, 409 for a state it is
not taken from or a stale version, then 422), the version check, the comment that goes with a step, and who may
bind the commune."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from portal.errors import Refused
from portal.extensions import db
from portal.labels import at_most_characters
from portal.models import COMMUNE_DECIDING_ROLES, OrganisationKind
from portal.visibility import memberships_of

COMMENT_MAX = 20_000


# Who may bind the commune -------------------------------------------------------------------------------------
# product.md ("Council deliberations"): agreeing, declining, asking for changes, handing over, proposing or
# accepting an amendment and answering a settlement bind the commune, and are the mayor's or a deputy's. The
# secrétaire général, a civil servant, prepares and records (reviews, consultations, meetings, minutes,
# deliberations, commitments, tranches) and gets 403 on these.


def binds(membership) -> bool:
    """Whether this membership may give its organisation's word: any but an observer's; a commune's, only
    through its mayor or a deputy."""
    if membership.role == "observer":
        return False
    return membership.organisation.kind != OrganisationKind.COMMUNE or membership.role in COMMUNE_DECIDING_ROLES


def may_bind_commune(user, project) -> bool:
    """A mayor or deputy of the project's commune: the decisions that bind the commune are theirs."""
    return any(
        m.organisation.kind == OrganisationKind.COMMUNE and m.organisation.commune_id == project.commune_id and binds(m)
        for m in memberships_of(user)
    )


def binding_organisation_ids(user) -> set[int]:
    """The organisations whose word the user may give (a commune only through its mayor or a deputy)."""
    return {m.organisation_id for m in memberships_of(user) if binds(m)}


@dataclass(frozen=True)
class Transition:
    who_from: dict  # state → predicate (user, record) -> bool: who may act from that state
    target: str | None  # the state it leads to; None: the state does not change
    comment_required: bool = False
    label: object = None


def may(table: dict, user, record, action: str) -> bool:
    """Whether `user` may take `action` on `record` now (for buttons): the checks of `check_step`."""
    spec = table.get(action)
    who = spec.who_from.get(record.status) if spec else None
    return who is not None and who(user, record)


def check_step(table: dict, actor, record, action: str, version=None) -> Transition:
    """The row of `action` if `actor` may take it on `record` now; else the refusal, in the contract's order."""
    spec = table.get(action)
    if spec is None:
        raise Refused("validation_failed", fields={"action": [str(_l("Unknown action."))]})
    if not any(who(actor, record) for who in spec.who_from.values()):
        raise Refused("forbidden")
    who = spec.who_from.get(record.status)
    if who is None:
        raise Refused("invalid_transition")
    if not who(actor, record):
        raise Refused("forbidden")
    if version is not None and version != record.version:
        raise Refused("stale_version")
    return spec


def flush_or_stale() -> None:
    """Flushes the change; another request's change to the same row in between is a stale version (409)."""
    try:
        db.session.flush()
    except StaleDataError:
        raise Refused("stale_version") from None


def clean_comment(comment, required: bool, *, field: str = "comment", limit: int = COMMENT_MAX, message=None):
    """The comment stripped (None when empty); too long is 422, missing where required is comment_required."""
    comment = comment.strip() if isinstance(comment, str) else None
    if comment and len(comment) > limit:
        raise Refused("validation_failed", fields={field: [str(at_most_characters(limit))]})
    if required and not comment:
        message = message or _l("Say why: the other side will read it.")
        raise Refused("comment_required", fields={field: [str(message)]})
    return comment or None
