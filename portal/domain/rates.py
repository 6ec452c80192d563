"""The dated table of exchange rates that admins keep (EUR and XOF are fixed by the CFA parity)."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.domain.audit import record
from portal.errors import Refused
from portal.extensions import db
from portal.models import CurrencyRate
from portal.money import FIXED_RATES, MoneyError, parse_amount


def add_rate(actor, currency: str, valid_from: date | None, raw_rate) -> CurrencyRate:
    """An admin records what a currency is worth in XOF from a date on (EUR and XOF are fixed)."""
    errors = {}
    currency = (currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        errors["currency"] = [str(_l("An ISO 4217 code of three letters, such as USD or GNF."))]
    elif currency in FIXED_RATES:
        errors["currency"] = [str(_l("%(currency)s has a fixed rate.", currency=currency))]
    if valid_from is None:
        errors["valid_from"] = [str(_l("Give the date from which the rate applies."))]
    try:
        rate = parse_amount(raw_rate, "RATE")
    except MoneyError as error:
        errors["rate_to_xof"] = [str(error)]
        rate = None
    if not errors and db.session.scalar(
        select(CurrencyRate.id).where(CurrencyRate.currency == currency, CurrencyRate.valid_from == valid_from)
    ):
        errors["valid_from"] = [str(_l("This currency already has a rate from that date."))]
    if errors:
        raise Refused("validation_failed", fields=errors)
    row = CurrencyRate(currency=currency, valid_from=valid_from, rate_to_xof=rate, created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    record(
        "currency_rate.add",
        "currency_rate",
        row.id,
        actor=actor,
        after={"currency": currency, "valid_from": valid_from.isoformat(), "rate_to_xof": str(rate)},
    )
    return row
