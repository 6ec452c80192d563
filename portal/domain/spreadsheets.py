"""CSV files the portal writes: every one through `csv_text`, so that none can carry a formula.

A spreadsheet reads a cell that begins with `=`, `+`, `-` or `@` (or a tab, a carriage return or a NUL, which
some strip first) as a formula: a project titled `=HYPERLINK("http://evil.example","x")` would become a link,
or worse, in the file of whoever opens the export. A free-text cell — what a person typed: a title, a name, a
source — that begins so is written with a single quote in front, which spreadsheets show as text (OWASP's
advice). Amounts and numbers the portal computed are written as they are, so that -5 stays a number; which
cells are free text is said by each column, where the columns are declared.
"""

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

BOM = "\ufeff"  # so that a spreadsheet set to French opens the file with its accents
STANDARD = ","  # the CSV of the API and open data (RFC 4180)
FOR_SPREADSHEETS = ";"  # what a spreadsheet set to French splits on, its decimal separator being the comma
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\0")


@dataclass(frozen=True)
class Column:
    name: str
    free_text: bool = False  # what a person typed: neutralised when it could start a formula


def free_text(name: str) -> Column:
    """A column of free text (titles, names, descriptions)."""
    return Column(name, free_text=True)


def plain(name: str) -> Column:
    """A column the portal fills itself: ids, codes, dates, amounts and computed numbers, written as they are."""
    return Column(name)


def neutralised(cell):
    """The cell as a spreadsheet will read it as text: a single quote before a formula's first character."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_text(columns: tuple[Column, ...], rows: Iterable[Iterable], delimiter: str = STANDARD) -> str:
    """The CSV file (UTF-8 with a byte-order mark, CRLF lines) of a header and rows, free text neutralised; cells
    separated by `delimiter`: STANDARD, or FOR_SPREADSHEETS for a file a French spreadsheet opens in columns."""
    if delimiter not in (STANDARD, FOR_SPREADSHEETS):
        raise ValueError(f"unknown CSV delimiter {delimiter!r}")
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([column.name for column in columns])
    for row in rows:
        writer.writerow(
            [neutralised(cell) if column.free_text else cell for column, cell in zip(columns, row, strict=True)]
        )
    return buffer.getvalue()
