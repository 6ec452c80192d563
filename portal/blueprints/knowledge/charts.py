"""Charts drawn on the server as SVG with presentation attributes only (no <style>, no <script>: the CSP holds).

Each chart is a list of bars laid out here and drawn by templates/knowledge/_charts.html, always beside a table
of its numbers, so that nothing depends on seeing the picture.
"""

from dataclasses import dataclass

BAR_HEIGHT = 18
GAP = 6
LABEL_WIDTH = 220
BAR_AREA = 280
WIDTH = LABEL_WIDTH + BAR_AREA + 150  # room for "F CFA 999,999,999" past the longest bar
COLOURS = ("#1f5f8b", "#b35900", "#2e7d32", "#6a1b9a", "#8d6e00")  # dark enough on white (WCAG AA)


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as the reader's locale writes it
    y: int
    width: int
    colour: str


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    label_width: int = LABEL_WIDTH


def bar_chart(title: str, items: list[tuple[str, float, str]], colour_by_index: bool = False) -> BarChart:
    """Horizontal bars for (label, value, value as shown), scaled to the largest value."""
    largest = max((value for _, value, _ in items), default=0) or 1
    bars = [
        Bar(
            label=label,
            value=value,
            shown=shown,
            y=index * (BAR_HEIGHT + GAP),
            width=round(BAR_AREA * value / largest) if value > 0 else 0,
            colour=COLOURS[index % len(COLOURS)] if colour_by_index else COLOURS[0],
        )
        for index, (label, value, shown) in enumerate(items)
    ]
    return BarChart(title=title, bars=bars, width=WIDTH, height=max(len(bars), 1) * (BAR_HEIGHT + GAP))


@dataclass(frozen=True)
class Segment:
    x: int
    width: int
    colour: str


@dataclass(frozen=True)
class StackedBar:
    label: str
    shown: str  # the row's total as the reader's locale writes it
    y: int
    segments: list[Segment]
    end: int  # where the row's bars end, for its total


@dataclass(frozen=True)
class StackedChart:
    title: str
    bars: list[StackedBar]
    legend: list[tuple[str, str]]  # (series label, colour)
    width: int
    height: int
    label_width: int = LABEL_WIDTH


def stacked_chart(title: str, series: list[str], rows: list[tuple[str, list[float], str]]) -> StackedChart:
    """Horizontal stacked bars: each row (label, one value per series, total as shown), scaled to the largest
    row total; `series` are the labels of the segments, in the order of the values."""
    largest = max((sum(values) for _, values, _ in rows), default=0) or 1
    bars = []
    for index, (label, values, shown) in enumerate(rows):
        x, segments = LABEL_WIDTH, []
        for position, value in enumerate(values):
            width = round(BAR_AREA * value / largest) if value > 0 else 0
            if width:
                segments.append(Segment(x, width, COLOURS[position % len(COLOURS)]))
            x += width
        bars.append(StackedBar(label, shown, index * (BAR_HEIGHT + GAP), segments, x))
    legend = [(name, COLOURS[position % len(COLOURS)]) for position, name in enumerate(series)]
    return StackedChart(title, bars, legend, WIDTH, max(len(bars), 1) * (BAR_HEIGHT + GAP))
