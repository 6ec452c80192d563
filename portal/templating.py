"""What every template may use: labels, formatting filters, and the few predicates that hide a link."""

from flask import Flask
from flask_babel import get_locale, gettext
from wtforms.fields import FieldList, FormField

from portal import labels
from portal.domain.meetings import shown_status
from portal.i18n import (
    country_name,
    format_day,
    format_meeting_time,
    format_money,
    format_total,
    format_when,
    zone_name,
)
from portal.visibility import is_mediator_or_admin


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.globals.update(
        kind_label=lambda code: labels.label(labels.KIND_LABELS, code),
        role_label=lambda code: labels.label(labels.ROLE_LABELS, code),
        verification_label=lambda code: labels.label(labels.VERIFICATION_LABELS, code),
        status_label=lambda code: labels.label(labels.STATUS_LABELS, code),
        sector_label=lambda code: labels.label(labels.SECTOR_LABELS, code),
        party_kind_label=lambda code: labels.label(labels.PARTY_KIND_LABELS, code),
        rsvp_label=lambda code: labels.label(labels.RSVP_LABELS, code),
        meeting_status_label=lambda code: labels.label(labels.MEETING_STATUS_LABELS, code),
        # what a page says of a meeting: its status, or "minutes awaited" (portal/domain/meetings.py)
        meeting_status_of=shown_status,
        meeting_state=lambda meeting: labels.label(labels.MEETING_STATUS_LABELS, shown_status(meeting)),
        commitment_status_label=lambda code: labels.label(labels.COMMITMENT_STATUS_LABELS, code),
        commitment_kind_label=lambda code: labels.label(labels.COMMITMENT_KIND_LABELS, code),
        kind_labels=labels.KIND_LABELS,
        country_name=country_name,
        is_mediator_or_admin=is_mediator_or_admin,
        current_locale=lambda: str(get_locale()),
        contribution_status_label=lambda code: labels.label(labels.CONTRIBUTION_STATUS_LABELS, code),
        condition_label=lambda code: labels.label(labels.CONDITION_LABELS, code),
        amendment_status_label=lambda code: labels.label(labels.AMENDMENT_STATUS_LABELS, code),
        acceptance_kind_label=lambda code: labels.label(labels.ACCEPTANCE_KIND_LABELS, code),
        form_error_links=form_error_links,
        error_links=error_links,
    )
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["total"] = format_total
    app.jinja_env.filters["when"] = format_when
    app.jinja_env.filters["meeting_time"] = format_meeting_time
    app.jinja_env.filters["zone_name"] = zone_name
    app.jinja_env.filters["day"] = format_day


def form_error_links(form) -> list[tuple[str, str]]:
    """(field id, "Label: message") for each field of a form that has errors, rows of its lists included, in the
    form's order: what the error banner links to."""
    links = []
    for field in form:
        if isinstance(field, FieldList):
            for row in field:
                links.extend(form_error_links(row.form) if isinstance(row, FormField) else _links_of(row))
        elif isinstance(field, FormField):
            links.extend(form_error_links(field.form))
        else:
            links.extend(_links_of(field))
    return links


def _links_of(field) -> list[tuple[str, str]]:
    if not field.errors or field.type in ("HiddenField", "CSRFTokenField"):
        return []
    messages = " ".join(str(m) for m in field.errors)
    return [(field.id, gettext("%(label)s: %(message)s", label=field.label.text, message=messages))]


def error_links(errors: dict | None, prefix: str, ids: dict | None = None, skip=()) -> list[tuple[str, str]]:
    """(field id, message) for a form whose refusal is a dict of field messages: each key's field is
    "<prefix>-<key>" (the key alone without a prefix) unless `ids` names it (the key "starts_at" is the field "meeting-date"); keys that start
    with one of `skip` have no field (the banner says them apart)."""
    ids = ids or {}
    return [
        (ids.get(key, f"{prefix}-{key}" if prefix else key), " ".join(str(m) for m in messages))
        for key, messages in (errors or {}).items()
        if not key.startswith(tuple(skip))
    ]
