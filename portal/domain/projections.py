"""Projections for planning: a 5-year linear trend fitted by least squares, with an uncertainty band.

The method, as the pages state it: the straight line that best fits the yearly values (ordinary least squares
on year → value); each projected year is read on that line; the band is the line ± twice the residual
standard deviation s = √(Σ residual² / (n − 2)) — about 95 % of past values fell that close to the line when
the residuals are roughly normal. It needs at least three years of values; a projected value below zero is
shown as zero. A projection is not a forecast of what will happen: it says where the past trend leads.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

HORIZON_YEARS = 5
MIN_POINTS = 3
BAND_WIDTH = 2  # residual standard deviations either side of the line


@dataclass(frozen=True)
class ProjectedYear:
    year: int
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Projection:
    slope: float  # units a year
    intercept: float  # the line's value at year 0 (of no use alone: value = intercept + slope × year)
    residual_sd: float
    years: list[ProjectedYear]


def linear_projection(series: dict[int, Decimal | float | int], horizon: int = HORIZON_YEARS) -> Projection | None:
    """The trend of `series` (year → value) projected `horizon` years past its last year; None with fewer
    than three years."""
    points = sorted((int(year), float(value)) for year, value in series.items())
    n = len(points)
    if n < MIN_POINTS:
        return None
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    intercept = mean_y - slope * mean_x
    residuals = [y - (intercept + slope * x) for x, y in points]
    residual_sd = math.sqrt(sum(r * r for r in residuals) / (n - 2))
    last = points[-1][0]
    years = []
    for year in range(last + 1, last + horizon + 1):
        value = intercept + slope * year
        band = BAND_WIDTH * residual_sd
        years.append(ProjectedYear(year, max(value, 0.0), max(value - band, 0.0), max(value + band, 0.0)))
    return Projection(slope, intercept, residual_sd, years)
