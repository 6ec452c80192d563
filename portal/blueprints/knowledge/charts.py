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
