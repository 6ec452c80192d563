"""Language and time zone of the viewer, and the formatting of dates, numbers and money."""

from decimal import Decimal

import pytz
from babel import Locale
from babel.dates import format_time, get_datetime_format, get_timezone_location
from babel.numbers import format_currency, format_decimal, get_currency_symbol
from babel.units import format_unit
from flask import current_app, g, has_request_context, request, session
from flask_babel import format_date, format_datetime, get_locale, get_timezone
from flask_babel import format_time as format_viewer_time
from flask_login import current_user

from portal.database import utcnow
from portal.money import MoneyError, decimals_of, rate_to_xof


def supported_locales() -> tuple[str, ...]:
    return current_app.config["LANGUAGES"]


def locale_from_accept_language(header: str | None) -> str | None:
    """The first entry whose primary tag we support: "en-GB,fr;q=0.5" gives "en".

    werkzeug's best_match would pick "fr" there, since it only matches whole tags.
    """
    if not header:
        return None
    entries = []
    for position, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            entries.append((-quality, position, tag))
    for _q, _pos, tag in sorted(entries):
        primary = tag.split("-")[0]
        if primary in supported_locales():
            return primary
    return None


def select_locale() -> str:
    """The account's preference, else the language switch, else the browser's, else French."""
    if not has_request_context():  # the CLI, the worker's jobs: the default, unless force_locale says
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in supported_locales():
        return user_locale
    return anonymous_locale()


def anonymous_locale() -> str:
    """The language of a visitor who is not signed in: the language switch, else the browser's, else French."""
    chosen = session.get("locale")
    if chosen in supported_locales():
        return chosen
    return (
        locale_from_accept_language(request.headers.get("Accept-Language"))
        or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def select_timezone() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_TIMEZONE"]
    user_timezone = getattr(current_user, "timezone", None) if current_user else None
    return user_timezone or current_app.config["BABEL_DEFAULT_TIMEZONE"]


def format_money(amount: Decimal | int, currency: str = "XOF") -> str:
    """ "6 559 570 F CFA" in French, "F CFA 6,559,570" in English; the currency's own decimals."""
    decimals = decimals_of(currency)
    pattern = None
    if decimals == 0:
        pattern = "#,##0\u00a0¤" if str(get_locale()).startswith("fr") else "¤\u00a0#,##0"
    return format_currency(
        Decimal(amount), currency, format=pattern, locale=get_locale(), currency_digits=decimals != 0
    ).replace("\u202f", "\u00a0")


def currency_label(code: str) -> str:
    """What a currency select shows: "F CFA (XOF)", "€ (EUR)" — the symbol the pages use, and the code."""
    symbol = get_currency_symbol(code, locale=get_locale()).replace("\u202f", "\u00a0")
    return code if symbol == code else f"{symbol} ({code})"


def format_amount_for_form(amount: Decimal, currency: str) -> str:
    """An amount to edit, written as the pages write it ("8 500,50" in French), which the forms read back."""
    decimals = decimals_of(currency)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(amount, format=pattern, locale=get_locale()).replace("\u202f", "\u00a0")


def format_total(amount_xof: int) -> str:
    """A total in F CFA, and beside it in the viewer's own currency when they chose one ("≈ 10 000,00 €")."""
    text = format_money(amount_xof, "XOF")
    currency = getattr(current_user, "currency", None) if has_request_context() else None
    if not currency:
        return text
    rate = _viewer_rate(currency)
    if rate is None:
        return text
    converted = (Decimal(amount_xof) / rate).quantize(Decimal(1).scaleb(-decimals_of(currency)))
    return f"{text} (≈\u00a0{format_money(converted, currency)})"


def _viewer_rate(currency: str) -> Decimal | None:
    """Today's rate, looked up once per request."""
    rates = g.setdefault("viewer_rates", {})
    if currency not in rates:
        try:
            rates[currency] = rate_to_xof(currency, utcnow().date())
        except MoneyError:
            rates[currency] = None
    return rates[currency]


def format_when(value, style: str = "medium") -> str:
    """A UTC datetime in the viewer's time zone and language, to the minute: "15 déc. 2026, 09:00" (seconds
    tell a reader nothing)."""
    if style != "medium":
        return format_datetime(value, style)
    locale = get_locale()
    pattern = get_datetime_format("medium", locale=locale).replace("'", "")
    return pattern.replace("{0}", format_viewer_time(value, "short")).replace("{1}", format_date(value, "medium"))


def zone_name(name: str) -> str:
    """An IANA time zone as people know it, in the viewer's language: "Bamako", "Paris", "Londres"."""
    try:
        return get_timezone_location(pytz.timezone(name), locale=get_locale(), return_city=True)
    except (pytz.UnknownTimeZoneError, LookupError):
        return name


def format_meeting_time(value, zone_name: str, style: str = "medium") -> str:
    """A meeting's time in the viewer's zone, with the meeting's own beside it when it differs:
    "15 déc. 2026, 09:00 (10:00 Paris)"."""
    shown = format_when(value, style)
    viewer_zone = get_timezone()
    try:
        zone = pytz.timezone(zone_name)
    except pytz.UnknownTimeZoneError:
        return shown
    if str(viewer_zone) == zone.zone or value.astimezone(zone).utcoffset() == value.astimezone(viewer_zone).utcoffset():
        return shown
    locale = get_locale()
    local = format_time(value, "short", tzinfo=zone, locale=locale)
    return f"{shown} ({local} {get_timezone_location(zone, locale=locale, return_city=True)})"


def country_name(code: str | None) -> str:
    if not code:
        return "—"
    return Locale.parse(str(get_locale())).territories.get(code.upper(), code)


# The countries the diaspora lives in most, offered first wherever a country is chosen.
DIASPORA_COUNTRIES = (
    "FR",
    "CI",
    "ES",
    "US",
    "SN",
    "GA",
    "CG",
    "IT",
    "DE",
    "BE",
    "CA",
    "MR",
    "GN",
    "BF",
    "NE",
    "DZ",
    "MA",
)


def countries_by_name() -> list[tuple[str, str]]:
    """(ISO code, name in the viewer's language) of every country but Mali, the diaspora's most common first, then
    the rest by name: what a country select offers (the sign-up form, the dashboards' filter)."""
    names = {code: name for code, name in _viewer_locale().territories.items() if len(code) == 2 and code.isalpha()}
    rest = sorted((code for code in names if code not in DIASPORA_COUNTRIES and code != "ML"), key=names.get)
    return [(code, names[code]) for code in (*DIASPORA_COUNTRIES, *rest) if code in names]


def _viewer_locale() -> Locale:
    return Locale.parse(str(get_locale()))


def format_number(value) -> str:
    """A number in the viewer's language: "1 500" in French, "1,500" in English."""
    return format_decimal(value, locale=get_locale()).replace("\u202f", "\u00a0")


def format_day(value) -> str:
    """A calendar date (a due date), in the viewer's language: "1 déc. 2026"."""
    return format_date(value, "medium") if value else ""


def file_size(size: int) -> str:
    """A file's size in the viewer's language: kB under a megabyte, else MB, one decimal."""
    unit, value = (
        ("digital-kilobyte", Decimal(size) / 1000)
        if size < 1_000_000
        else ("digital-megabyte", Decimal(size) / 1_000_000)
    )
    return format_unit(value.quantize(Decimal("0.1")).normalize(), unit, length="short", locale=get_locale())
