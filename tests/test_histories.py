"""Distinct customer histories, counted by hand.

Six customers as (frequency, recency, T) in days:

    A (2, 30, 100)   B (0, 0, 50)   C (2, 30, 100)   D (1, 10, 100)   E (0, 0, 50)   F (2, 40, 100)

Four distinct histories, in (frequency, recency, T) order: (0, 0, 50) twice (B, E),
(1, 10, 100) once (D), (2, 30, 100) twice (A, C), (2, 40, 100) once (F). Their (frequency, T)
pairs: (0, 50), (1, 100), (2, 100), the last shared by the two histories of frequency 2.
"""

import numpy as np
import pandas as pd
import pytest

from analytics.value import histories

ROWS = [(2, 30, 100), (0, 0, 50), (2, 30, 100), (1, 10, 100), (0, 0, 50), (2, 40, 100)]
UNIQUE = [(0, 0, 50), (1, 10, 100), (2, 30, 100), (2, 40, 100)]
COUNTS = [2, 1, 2, 1]
ROW_OF = [2, 0, 2, 1, 0, 3]  # A..F


def summary(rows, scale=1.0):
    frame = pd.DataFrame(rows, columns=["frequency", "recency", "T"], dtype="float64")
    frame[["recency", "T"]] /= scale
    return frame


@pytest.mark.parametrize("scale", [1.0, 7.0])  # days (whole numbers) and weeks (fractions)
def test_distinct_histories_by_hand(scale):
    unique, counts, row = histories.unique_rows(summary(ROWS, scale))
    assert unique.tolist() == summary(UNIQUE, scale).to_numpy().tolist()
    assert counts.tolist() == COUNTS and row.tolist() == ROW_OF
    pairs, pair = histories.pairs(unique)
    assert pairs.tolist() == [[0, 50 / scale], [1, 100 / scale], [2, 100 / scale]]
    assert pair.tolist() == [0, 1, 2, 2]


def test_the_general_path_gives_the_same():
    rows = summary(ROWS).to_numpy()
    for got, want in zip(histories.unique(rows), histories.unique_rows(summary(ROWS)), strict=True):
        assert np.asarray(got).tolist() == np.asarray(want).tolist()


@pytest.mark.parametrize(
    "rows",
    [
        # Days up to 2^20 - 1 fit in 20 bits each; at 2^20 the recency's bit would be taken
        # for T's: (0, 0, 2^20) and (0, 1, 0) must stay two histories.
        [(0, 0, 2**20), (0, 1, 0)],
        [(0, 0, 2**20 - 1), (0, 1, 0)],
        [(1, 2**20 - 1, 2**20 - 1), (1, 2**20 - 1, 2**20 - 2)],
        # Half a day is not a whole day: 1.5 and 1 stay apart.
        [(1.5, 0, 0), (1, 0, 0)],
        [(1, 0.5, 3), (1, 0, 3)],
        # A negative number (no history has one) is still told apart.
        [(-1, 0, 0), (0, 0, 0)],
    ],
)
def test_histories_that_differ_stay_apart(rows):
    unique, counts, row = histories.unique_rows(summary(rows))
    assert counts.tolist() == [1, 1] and sorted(row.tolist()) == [0, 1]
    assert unique[row].tolist() == summary(rows).to_numpy().tolist()


def test_no_customer():
    unique, counts, row = histories.unique_rows(summary([]))
    assert unique.shape == (0, 3) and len(counts) == 0 and len(row) == 0


@pytest.mark.parametrize(
    "rows, unique, counts, row_of",
    [
        # Sorted by frequency, then recency, then T (not by T first): (2, 1.5, 10) comes last.
        (
            [(2, 1.5, 10), (1, 1.5, 20), (1, 0.5, 20), (2, 1.5, 10)],
            [(1, 0.5, 20), (1, 1.5, 20), (2, 1.5, 10)],
            [1, 1, 2],
            [2, 1, 0, 2],
        ),
        # The same frequency and T, recency 5.5, 3.5, 5.5: the two 5.5 are one history.
        ([(1, 5.5, 9), (1, 3.5, 9), (1, 5.5, 9)], [(1, 3.5, 9), (1, 5.5, 9)], [1, 2], [1, 0, 1]),
        # Nothing whole at all: 1.5 and 1.25 stay apart.
        ([(1.5, 2.5, 3.5), (1.25, 2.5, 3.5)], [(1.25, 2.5, 3.5), (1.5, 2.5, 3.5)], [1, 1], [1, 0]),
    ],
)
def test_fractions_are_sorted_and_counted_as_whole_days_are(rows, unique, counts, row_of):
    got, n, row = histories.unique_rows(summary(rows))
    assert got.tolist() == [list(r) for r in unique]
    assert n.tolist() == counts and row.tolist() == row_of


def test_whole_numbers_come_back_as_floats():
    """The models raise the histories to negative powers, which integers cannot take."""
    ints = pd.DataFrame({"frequency": [1, 0], "recency": [5, 0], "T": [9, 9]})
    unique, _, _ = histories.unique_rows(ints)
    assert unique.dtype == np.float64
