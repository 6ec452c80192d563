"""The 5-year projection against series computed by hand (least squares; band ± 2 residual standard deviations)."""

import math

import pytest

from portal.domain.projections import linear_projection


def test_a_straight_series_goes_on_straight_with_no_band():
    # 10, 12, 14, 16, 18 from 2018: slope 2 a year, every point on the line.
    projection = linear_projection({2018: 10, 2019: 12, 2020: 14, 2021: 16, 2022: 18})
    assert [p.year for p in projection.years] == [2023, 2024, 2025, 2026, 2027]
    assert [p.value for p in projection.years] == pytest.approx([20, 22, 24, 26, 28])
    assert all(p.low == pytest.approx(p.value) == pytest.approx(p.high) for p in projection.years)
    assert projection.slope == pytest.approx(2)


def test_a_noisy_series_by_hand():
    # 2020: 1, 2021: 3, 2022: 2. Means: x 2021, y 2. Slope = ((-1)(-1) + 0 + (1)(0)) / (1 + 0 + 1) = 0.5.
    # Fitted: 1.5, 2, 2.5; residuals -0.5, 1, -0.5; SSR 1.5; s = sqrt(1.5 / (3 - 2)) = 1.2247...
    projection = linear_projection({2022: 2, 2020: 1, 2021: 3})
    s = math.sqrt(1.5)
    assert projection.residual_sd == pytest.approx(s)
    first, last = projection.years[0], projection.years[-1]
    assert (first.year, first.value) == (2023, pytest.approx(3.0))
    assert (first.low, first.high) == (pytest.approx(3.0 - 2 * s), pytest.approx(3.0 + 2 * s))
    assert (last.year, last.value) == (2027, pytest.approx(5.0))


def test_a_falling_series_never_projects_below_zero():
    # 30, 20, 10 from 2020: slope -10; 2023 → 0, 2024 → -10 shown as 0.
    projection = linear_projection({2020: 30, 2021: 20, 2022: 10})
    assert [p.value for p in projection.years] == pytest.approx([0, 0, 0, 0, 0])


@pytest.mark.parametrize("series", [{}, {2020: 5}, {2020: 5, 2021: 6}])
def test_fewer_than_three_years_give_no_projection(series):
    assert linear_projection(series) is None
