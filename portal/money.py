"""Money: Decimal amounts in their own currency, converted once to whole XOF at the rate of the day.

XOF has no minor unit; the euro is tied to the CFA franc at 655.957; any other currency converts at the
rate in force the day a line is entered, from the table admins keep. The rate is stored on the line, so a
total never drifts when rates change.
"""

import re
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from sqlalchemy import select

from portal.extensions import db
from portal.models import CurrencyRate

EUR_PARITY = Decimal("655.957")
FIXED_RATES = {"XOF": Decimal(1), "EUR": EUR_PARITY}
# Decimals each currency allows; XOF amounts are whole francs.
DECIMALS = {"XOF": 0, "XAF": 0, "JPY": 0, "GNF": 0, "RATE": 6}  # RATE: the precision of a rate to XOF
MAX_INTEGER_DIGITS = 12
# Spaces that group thousands as people and our own pages write them: plain, no-break, narrow no-break, thin.
GROUPING_SPACES = re.compile("[ \u00a0\u202f\u2009]")
COMMA_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+")  # "5,000" or "1,500,000": commas that group thousands
NOT_A_NUMBER = _l("Give the amount as a number, such as 5,000.00 or 1,500,000.")


class MoneyError(ValueError):
    """An amount or currency a user gave that cannot be accepted; the message says why."""


def decimals_of(currency: str) -> int:
    return DECIMALS.get(currency, 2)


def amount_text(text: str, decimal_mark: str = ".") -> str:
    """An amount as people write it — "5 000,00", "5000,00", "5,000.00", "4 000,50" — as a decimal string.

    Spaces of any kind group thousands. With both a comma and a point, the last of the two marks the decimals.
    A lone comma marks the decimals where the writer's language says so (`decimal_mark` ",", French) or where
    it cannot group thousands ("5000,00"); "5,000" in English is five thousand. Anything else is returned as
    it is, for `parse_amount` to refuse.
    """
    text = GROUPING_SPACES.sub("", text.strip())
    if "," in text and "." in text:
        decimals_by_comma = text.rfind(",") > text.rfind(".")
        return text.replace(".", "").replace(",", ".") if decimals_by_comma else text.replace(",", "")
    if "," in text:
        if decimal_mark != "," and COMMA_GROUPED.fullmatch(text):
            return text.replace(",", "")
        return text.replace(",", ".")
    return text


def parse_amount(raw, currency: str, decimal_mark: str = ".") -> Decimal:
    """A positive amount with at most 12 digits before the point and the currency's decimals: the one reader
    of amounts, for the pages (which say the viewer's decimal mark) and the API (numbers, or decimal strings
    read by `amount_text`)."""
    if isinstance(raw, bool) or raw is None or (isinstance(raw, str) and not raw.strip()):
        raise MoneyError(_l("Give an amount."))
    if isinstance(raw, float):
        raw = repr(raw)
    try:
        amount = Decimal(amount_text(str(raw), decimal_mark))
    except InvalidOperation:
        raise MoneyError(NOT_A_NUMBER) from None
    if not amount.is_finite():
        raise MoneyError(NOT_A_NUMBER)
    if amount <= 0:
        raise MoneyError(_l("The amount must be more than zero."))
    if amount.adjusted() >= MAX_INTEGER_DIGITS:
        raise MoneyError(_l("The amount is too large: at most 12 digits before the decimal point."))
    allowed = decimals_of(currency)
    if -amount.normalize().as_tuple().exponent > allowed:
        if allowed == 0:
            raise MoneyError(_l("%(currency)s amounts are whole numbers, without decimals.", currency=currency))
        raise MoneyError(
            lazy_ngettext(
                "At most %(num)s decimal for %(currency)s.",
                "At most %(num)s decimals for %(currency)s.",
                allowed,
                currency=currency,
            )
        )
    return amount.quantize(Decimal(1).scaleb(-allowed))


def accepted_currencies(on: date) -> list[str]:
    rated = db.session.scalars(select(CurrencyRate.currency).where(CurrencyRate.valid_from <= on).distinct()).all()
    return sorted(set(FIXED_RATES) | set(rated))


def rate_to_xof(currency: str, on: date) -> Decimal:
    """The XOF value of one unit of `currency` on that day."""
    currency = (currency or "").upper()
    if currency in FIXED_RATES:
        return FIXED_RATES[currency]
    rate = db.session.scalar(
        select(CurrencyRate.rate_to_xof)
        .where(CurrencyRate.currency == currency, CurrencyRate.valid_from <= on)
        .order_by(CurrencyRate.valid_from.desc())
        .limit(1)
    )
    if rate is None:
        raise MoneyError(
            _l(
                "%(currency)s is not accepted: use XOF, EUR or a currency of the rate table.",
                currency=currency[:3] or "?",
            )
        )
    return Decimal(rate)


def to_xof(amount: Decimal, rate: Decimal) -> int:
    """Whole francs, rounded half to even."""
    return int((amount * rate).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def format_amount(amount: Decimal, currency: str) -> str:
    """The API's spelling: the currency's own decimals ("1000" XOF, "1000.00" EUR)."""
    return f"{amount:.{decimals_of(currency)}f}"
