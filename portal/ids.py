"""Record ids as the portal reads them: positive integers that fit PostgreSQL's integer columns.

Every id a person or a client sends goes through here — `<id:…>` in a URL (404 past the bound), `parse_id`
for a form's text, `is_id` for a JSON value — so that no lookup ever overflows a column (a 500).
"""

from werkzeug.routing import IntegerConverter

ID_MAX = 2**31 - 1


def is_id(value) -> bool:
    """An int (not a bool) within the columns' range."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= ID_MAX


def parse_id(text) -> int | None:
    """The id a form or query string gives as text, or None for anything else (blank, words, out of range)."""
    text = str(text or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    value = int(text)
    return value if is_id(value) else None


def _digits_up_to(limit: int) -> str:
    """A regular expression for the integers 1..limit written without leading zeros."""
    digits = str(limit)
    parts = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        low = "1" if i == 0 else "0"
        if digit > low:
            rest = len(digits) - i - 1
            parts.append(f"{digits[:i]}[{low}-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    parts.append(digits)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """`<id:project_id>`: 1 to ID_MAX. Anything else (0, -1, 007, 2147483648, 10^30) matches no rule at all, so
    every method gets 404: a converter that refused a matched path would leave werkzeug answering 405 for the
    other methods of that path."""

    regex = _digits_up_to(ID_MAX)
