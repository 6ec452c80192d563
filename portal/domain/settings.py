"""Platform settings an admin changes without a deployment: one table of known keys, typed and bounded."""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from portal.database import utcnow
from portal.domain.audit import record
from portal.errors import Refused
from portal.extensions import db
from portal.models import Setting


@dataclass(frozen=True)
class SettingSpec:
    key: str
    label: object
    default: int
    minimum: int
    maximum: int


SETTINGS = {
    spec.key: spec
    for spec in [
        SettingSpec(
            "project_escalation_days", _l("Days before an unanswered project goes to the mediators"), 30, 1, 365
        ),
        SettingSpec("dispute_acknowledge_days", _l("Days for a mediator to acknowledge a dispute"), 10, 1, 365),
        SettingSpec("dispute_resolve_days", _l("Days to resolve a dispute"), 60, 1, 730),
        SettingSpec("dispute_appeal_days", _l("Days after its closure a party may appeal a dispute"), 30, 1, 365),
        SettingSpec(
            "meeting_reminder_hours", _l("Hours before a meeting its reminder is sent (by default)"), 48, 0, 720
        ),
        SettingSpec("pledge_due_days", _l("Days after agreement a pledge of the funding plan falls due"), 90, 1, 730),
        SettingSpec("commitment_reminder_days", _l("Days before its due date a commitment is reminded"), 7, 1, 90),
        SettingSpec(
            "commitment_escalation_days", _l("Days overdue before a commitment goes to the mediators"), 30, 1, 365
        ),
        SettingSpec(
            "facility_check_days", _l("Days after its last check a facility's owner is asked for the next"), 365, 1, 730
        ),
        SettingSpec(
            "reporting_period_months", _l("Months between two progress reports (default of an agreement)"), 3, 1, 12
        ),
        SettingSpec(
            "progress_flag_days", _l("Days a progress report is late before the mediators are told"), 30, 1, 365
        ),
    ]
}


def get_setting(key: str) -> int:
    spec = SETTINGS[key]
    row = db.session.get(Setting, key)
    try:
        return int(row.value) if row is not None else spec.default
    except ValueError:
        return spec.default


def set_setting(actor, key: str, raw_value: str) -> None:
    spec = SETTINGS.get(key)
    if spec is None:
        raise Refused("not_found")
    try:
        value = int(str(raw_value).strip())
    except ValueError:
        value = None
    if value is None or not spec.minimum <= value <= spec.maximum:
        raise Refused(
            "validation_failed",
            fields={key: [str(_l("A whole number from %(min)s to %(max)s.", min=spec.minimum, max=spec.maximum))]},
        )
    before = get_setting(key)
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=str(value), updated_at=utcnow()))
    else:
        row.value = str(value)
    db.session.flush()
    record("setting.change", "setting", None, actor=actor, before={key: before}, after={key: value})
