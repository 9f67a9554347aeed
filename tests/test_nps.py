import math

import pytest

from core.nps import category, margin_of_error, nps, summarise


@pytest.mark.parametrize(
    ("score", "expected"),
    [(0, "detractor"), (6, "detractor"), (7, "passive"), (8, "passive"), (9, "promoter"), (10, "promoter")],
)
def test_category_boundaries(score, expected):
    assert category(score) == expected


@pytest.mark.parametrize("score", [-1, 11])
def test_category_refuses_out_of_range(score):
    with pytest.raises(ValueError):
        category(score)


def test_playbook_example_gives_plus_five():
    assert nps(promoters=25, passives=55, detractors=20) == 5


def test_rounding_is_half_away_from_zero():
    assert nps(1, 7, 0) == 13  # 12.5
    assert nps(0, 7, 1) == -13  # -12.5
    assert nps(1, 2, 0) == 33
    assert nps(10, 0, 0) == 100 and nps(0, 0, 4) == -100


def test_empty_site_has_no_number():
    assert nps(0, 0, 0) is None
    assert margin_of_error(0, 0, 0) is None
    summary = summarise({}, min_sample=30)
    assert summary.total == 0 and summary.nps is None and not summary.enough_data


def test_margin_of_error_by_hand():
    # 25 / 55 / 20 of 100: p+ = .25, p- = .20, variance = (.45 - .0025) / 100.
    expected = 1.96 * math.sqrt((0.45 - 0.05**2) / 100) * 100
    assert margin_of_error(25, 55, 20) == pytest.approx(expected, abs=0.05)
    assert margin_of_error(25, 55, 20) == 13.1
    # Everyone a promoter: no spread at all.
    assert margin_of_error(40, 0, 0) == 0.0


def test_minimum_sample_hides_the_number_publicly():
    below = summarise({"promoter": 20, "detractor": 9}, min_sample=30)
    assert below.nps == 38 and not below.enough_data
    assert below.public()["nps"] is None and below.public()["margin_of_error"] is None
    assert below.public()["total"] == 29
    reached = summarise({"promoter": 20, "detractor": 10}, min_sample=30)
    assert reached.enough_data and reached.public()["nps"] == 33
