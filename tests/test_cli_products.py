"""python -m analytics repurchase / products: the JSON the issue names, exit 2 on bad input."""

import json

import pytest

from analytics.cli import main
from tests.test_repurchase import CUSTOMERS, orders_of

HORIZONS = ["30", "60", "90", "180", "365"]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else None), err


@pytest.fixture
def hand_built(tmp_path):
    path = tmp_path / "orders.csv"
    frame = orders_of(CUSTOMERS)
    frame.insert(0, "order_id", range(1, len(frame) + 1))
    frame.to_csv(path, index=False)
    return path


def test_repurchase_on_hand_built_customers(capsys, hand_built):
    # The customers of tests/test_repurchase.py: Kaplan-Meier says 75% came back by day 30.
    code, out, _ = run(capsys, "repurchase", hand_built)
    assert code == 0
    assert out["customers"] == 6 and out["as_of"] == "2024-04-10"
    assert out["curve"] == {"30": 0.75, "60": 0.75, "90": 0.75, "180": None, "365": None}
    assert list(out["curve_ci"]) == HORIZONS and len(out["curve_ci"]["30"]) == 2
    assert out["cohorts"][0] == {
        "cohort": "2024-01",
        "customers": 3,
        "within": {"30": 0.666667, "60": 0.666667, "90": 0.666667, "180": None, "365": None},
    }
    assert out["gaps"]["first_to_second"] == {"count": 3, "median": 10, "p80": 16, "p90": 18}
    assert set(out["gaps"]["between_purchases"]) == {"count", "median", "p80", "p90"}


def test_repurchase_as_of(capsys, hand_built):
    code, out, _ = run(capsys, "repurchase", hand_built, "--as-of", "2024-03-31")
    assert code == 0 and out["customers"] == 4 and out["as_of"] == "2024-03-31"


@pytest.mark.parametrize("as_of", ["yesterday", "2030-01-01"])
def test_repurchase_bad_date_is_one_line_and_exit_2(capsys, hand_built, as_of):
    code, _, err = run(capsys, "repurchase", hand_built, "--as-of", as_of)
    assert code == 2 and len(err.strip().splitlines()) == 1 and err.startswith("error:")


def test_repurchase_on_the_demo(capsys):
    code, out, _ = run(capsys, "repurchase", "demo")
    assert code == 0
    shares = [out["curve"][d] for d in HORIZONS]
    assert shares == sorted(shares) and 0 < shares[0] and shares[-1] < 1  # never falls
    for d in HORIZONS:
        low, high = out["curve_ci"][d]
        assert low <= out["curve"][d] <= high
    assert sum(c["customers"] for c in out["cohorts"]) == out["customers"]
    assert out["cohorts"][-1]["within"]["30"] is None  # the last month is not watched 30 days
