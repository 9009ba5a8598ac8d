"""Mutation testing of the rule modules, one module at a time, with that module's unit tests.

    python benchmarks/mutation.py                     # every rule module (an hour or more)
    python benchmarks/mutation.py rfm campaign        # some of them
    python benchmarks/mutation.py rfm --no-table      # print only, leave RESULTS.md alone
    python benchmarks/mutation.py rfm --again         # only the last run's survivors, retested
    python benchmarks/mutation.py engine --again --only 'lines_query|_with_firsts'  # some of them
    python benchmarks/mutation.py engine --functions '*x_result_query__*'  # afresh, alone

Not in CI: it is slow. It runs mutmut (configured in pyproject.toml, ``[tool.mutmut]``) in a
scratch copy per module under ``mutants/runs/`` (kept out of git), with ``only_mutate`` and
the test selection narrowed to that module, one worker (``--max-children 1``) at the lowest
priority, then writes the score per module and its survivors into the "Mutation scores"
section of benchmarks/RESULTS.md. A survivor named in ``EQUIVALENT`` below is listed with its
reason; any other survivor is listed as not killed. Wiring tests (``-m "not wiring"``) do not
count: they compare two callers of the same code.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from fnmatch import fnmatch
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RUNS = ROOT / "mutants" / "runs"
RESULTS = HERE / "RESULTS.md"
HEADING = "## Mutation scores"

# module -> (source file, its unit tests: test files, then pytest's -k to leave out the page,
# command-line and PDF tests that only call the rules through the app)
MODULES = {
    "lifecycle": (
        "analytics/insights/lifecycle.py",
        # average_by_stage's tests are in test_segments.py
        ["tests/test_lifecycle.py", "tests/test_lifecycle_edges.py", "tests/test_segments.py"],
    ),
    "cohorts": ("analytics/insights/cohorts.py", ["tests/test_cohorts.py"]),
    "rfm": ("analytics/insights/rfm.py", ["tests/test_rfm.py"]),
    "campaign": ("analytics/insights/campaign.py", ["tests/test_campaign.py"]),
    "payback": (
        "analytics/insights/payback.py",
        ["tests/test_payback.py", "-k", "not (command_line or report_has)"],  # no CLI, no PDF
    ),
    "customers": ("analytics/insights/customers.py", ["tests/test_customers.py"]),
    "segments": ("analytics/insights/segments.py", ["tests/test_segments.py", "tests/test_rfm.py"]),
    # An upload's products as numbers (numbered_products) are stated in test_line_items.py.
    "cleaning": (
        "analytics/ingest/cleaning.py",
        ["tests/test_cleaning_rules.py", "tests/test_line_items.py"],
    ),
    "engine": (
        "analytics/ingest/engine.py",
        [
            "tests/test_cleaning_rules.py",
            "tests/test_engine_rules.py",
            "tests/test_engine_servers.py",
            "tests/test_line_items.py",
        ],
    ),
    "parsing": ("analytics/ingest/parsing.py", ["tests/test_parsing.py"]),
    "verdict": (
        "analytics/value/verdict.py",
        ["tests/test_verdict.py", "-k", "not every_aggregate_of_clv"],  # not the Value page
    ),
    "scorecard": ("analytics/value/scorecard.py", ["tests/test_scorecard.py"]),
    "lists": (
        "analytics/value/lists.py",
        ["tests/test_value_lists.py", "-k", "not (cannot_tell or outlier_switch)"],  # no pages
    ),
    "histories": ("analytics/value/histories.py", ["tests/test_histories.py"]),
    "repurchase": ("analytics/insights/repurchase.py", ["tests/test_repurchase.py"]),
    "products": ("analytics/insights/products.py", ["tests/test_products.py"]),
    "propensity": ("analytics/value/propensity.py", ["tests/test_propensity.py"]),
    "ahead": ("analytics/value/ahead.py", ["tests/test_ahead.py"]),
    "paretonbd": ("analytics/value/paretonbd.py", ["tests/test_paretonbd.py"]),
    "fitters": ("analytics/value/fitters.py", ["tests/test_fitters.py"]),
    "backtest": ("analytics/value/backtest.py", ["tests/test_backtest.py"]),
    "predictive": ("analytics/value/predictive.py", ["tests/test_predictive.py"]),
    "clv": ("analytics/value/clv.py", ["tests/test_clv_rules.py", "tests/test_clv_scoring.py"]),
}

# Survivors that no test can kill: the mutant computes the same thing. A pattern of mutant
# names (a regular expression) -> why. Names hold while the function's code is unchanged.
R = "analytics.insights.rfm."
L = "analytics.insights.lifecycle."
S = "analytics.insights.segments."
C = "analytics.insights.customers."
K = "analytics.insights.cohorts."
G = "analytics.insights.campaign."
P = "analytics.ingest.parsing."
H = "analytics.value.histories."
V = "analytics.value.verdict."
LI = "analytics.value.lists."
SC = "analytics.value.scorecard."
RP = "analytics.insights.repurchase."
PB = "analytics.insights.payback."
PR = "analytics.insights.products."
AS_FLOAT = "astype(None) is float64 too"
FALSY = "None is falsy, as False"
NAT = "a column of NaT either way"
EXACT = "the parts are one or two digits: exact as floats, whatever safe says"
PANDAS_READS = (
    "only which reader tries a format first: pyarrow, or pandas, which reads the same dates and "
    "refuses 30 February itself"
)
NOT_REGEX = "',' and '-' mean the same as text or as a pattern; regex=None or left out is False"
# (function, mutant numbers, why) for analytics/ingest/parsing.py
_PARSING = [
    (
        "_arrow_text",
        (2, 3, 5, 6, 7),
        "the text is always a pyarrow-backed str column (pandas 3): pa.array takes its Arrow "
        "strings as they are, whatever type and from_pandas say",
    ),
    ("_as_text", (2,), "the other branch gives the same stripped text, missing values missing"),
    (
        "_as_text",
        (7, 8, 9),
        "str() of a text is itself, astype('str') gives numbers the same text, and a None is "
        "masked by where(notna) right after",
    ),
    (
        "_candidate_formats",
        (2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
        "the ISO formats overlap: ISO8601 reads what a broken exact format misses, and pandas "
        "one value at a time (a year-first value never day-first) what a broken ISO8601 misses",
    ),
    ("_day_month_parts", (10, 13, 20, 24, 27, 34), EXACT),
    (
        "_day_month_parts",
        (36, 38, 42, 44),
        "the parts are only counted (how many above 12), never aligned with the text",
    ),
    ("_day_month_parts", (39, 45), FALSY),
    (
        "_decimal_mark",
        (18, 27),
        "a value's last comma and last point are never at the same place: > and >= agree",
    ),
    (
        "_decimal_mark",
        (11, 12),
        "a value that starts with a comma and holds a point (',5.00') votes for the point; "
        "without its vote the point can lose only to another value's vote for the comma: a "
        "column written with both marks, which has no right reading",
    ),
    (
        "_decimal_mark",
        (20, 21, 29, 30),
        "the one case added (a point at position 0 and ',dd' at the end, or the mirror) "
        "holds both separators, the voted one last: it has that vote already",
    ),
    ("_naive", (4,), "tz_localize(None) returns a Timestamp without a zone unchanged"),
    ("_numeric_dates", (2,), AS_FLOAT),
    ("_numeric_dates", (6, 9), NAT),
    (
        "_numeric_dates",
        (8, 11),
        "without the unit the column is in nanoseconds, which holds every date the two ranges "
        "give (1900 to 2119)",
    ),
    (
        "_numeric_dates",
        (23, 26, 28),
        "pandas reads eight digits (as text or as whole numbers) as %Y%m%d itself, with NaT for "
        "the same non-dates",
    ),
    ("_numeric_dates", (53,), "'d' and 'D' are both days"),
    ("_parse_leftovers", (9, 30), "a None in the map is NaT for to_datetime, as pd.NaT is"),
    ("_parse_leftovers", (27,), "_naive(NaT) is NaT: the else value"),
    (
        "_parse_leftovers",
        (35,),
        "every value mapped is a Timestamp or NaT already: nothing to coerce",
    ),
    ("_plain_numbers", (7,), FALSY),
    (
        "_plain_numbers",
        (12,),
        "with a missing value the zero-copy conversion raises ArrowInvalid, and the pandas "
        "fallback reads the same numbers",
    ),
    ("_plain_numbers", (13,), AS_FLOAT),
    ("_strptime", (4, 7, 8, 9, 10, 11, 12), PANDAS_READS),
    (
        "_strptime",
        (5, 6),
        "pyarrow reads no value with the literal format 'ISO8601': pandas reads them one at a "
        "time, to the same dates",
    ),
    (
        "_strptime",
        (16, 19, 22, 26, 29),
        "pyarrow raises (no array, or a value that does not fit) and pandas reads the column: "
        + PANDAS_READS.split(": ")[1],
    ),
    ("_strptime", (35,), FALSY),
    ("_written_day", (42, 45, 46), EXACT),
    ("_written_day", (39,), FALSY),
    ("parse_amounts", (2, 4, 52, 54, 55, 57), "a float column of NaN either way"),
    ("parse_amounts", (9, 20, 41, 140, 145), AS_FLOAT),
    ("parse_amounts", (24,), "every value is an int or a float already: nothing to coerce"),
    (
        "parse_amounts",
        (48,),
        "an empty text has no digits: the slow path reads it as NaN and, with no vote, says '.'",
    ),
    ("parse_amounts", (74, 77, 88, 97, 100, 103, 106, 112, 116, 119, 122), NOT_REGEX),
    (
        "parse_amounts",
        (130, 132),
        "to_numeric(errors='coerce') reads a text with two points as NaN anyway",
    ),
    ("parse_dates", (8,), "a datetime column's .dt always has tz"),
    (
        "parse_dates",
        (23,),
        "a true/false column holds no date either way; only the reading's name differs ('typed' "
        "or 'iso'), and it is shown for day- or month-first only",
    ),
    (
        "parse_dates",
        (32, 35),
        "a typed date's str() is ISO, which the text path reads to the same date and time "
        "(offsets dropped as in _naive)",
    ),
    ("parse_dates", (37, 40, 92, 95), NAT),
    ("parse_dates", (49,), "every value is a date already: nothing to coerce"),
    ("parse_dates", (64,), "'None' is unreadable, as None is"),
    (
        "parse_dates",
        (101, 103),
        "a missing or empty value is unreadable either way (every format and pandas refuse it)",
    ),
]
SILENCED = "only which numpy warnings are silenced"
MONTHS = "period_of tells 'week' and 'quarter' apart: any other value means months"
# (mutant names, why) for analytics/insights/payback.py
_PAYBACK = [
    (
        [
            *(f"x__by_channel__mutmut_{n}" for n in range(117, 121)),
            *(f"x__groups__mutmut_{n}" for n in (*range(82, 86), *range(272, 276))),
            *(f"x__groups__mutmut_{n}" for n in range(394, 398)),
            *(f"x__overall__mutmut_{n}" for n in (*range(85, 89), *range(130, 134))),
        ],
        SILENCED,
    ),
    (
        [f"x__by_channel__mutmut_{n}" for n in (17, 20, 21, 210, 213, 218, 235, 238, 241)],
        "the two sequences zipped have the same length (one series and its casefold, a mask "
        "applied to two columns, a label per pair): strict or not, the same pairs",
    ),
    (["x__by_channel__mutmut_259"], FALSY),
    (
        [f"x__by_channel__mutmut_{n}" for n in (55, 57, 70)],
        "the pairs' index is never read (MultiIndex.from_frame, to_numpy and zip read values)",
    ),
    (["x__by_channel__mutmut_65"], "the same channel texts as objects or str"),
    (
        [
            *(f"x__groups__mutmut_{n}" for n in (5, 9, 10, 20, 23, 24, 53, 56, 57)),
            *(f"x_payback_table__mutmut_{n}" for n in (24, 27, 28)),
        ],
        MONTHS,
    ),
    (["x__groups__mutmut_114"], "a group with no new customer has revenue 0: 0 / 0 is NaN already"),
    (
        ["x__groups__mutmut_130", "x__overall__mutmut_129"],
        "no payback month is read as a negative one (>= 0): -1 and -2 say the same",
    ),
    (
        [f"x__groups__mutmut_{n}" for n in (170, 171, 176)],
        "the figure so far is read only for groups with customers whose month h is not over, "
        "whose last k is from 0 to width - 1: the clip's other bounds change nothing",
    ),
    (
        [f"x__groups__mutmut_{n}" for n in (45, 181, 183, 324)],
        "a spend table has a row (one of blank rows only is refused first): last_k and "
        "overall_of are never empty, so there is always an overall row",
    ),
    (["x__groups__mutmut_232"], "without a model _quad gives 0 whatever the gradient's shape"),
    (
        ["x__margin_frame__mutmut_7", "x__margin_frame__mutmut_9"],
        "the same labels held as str instead of object; every reader finds rows by label or "
        "position",
    ),
    (["x__month_end_day__mutmut_2"], "the last day as a float compares alike"),
    (["x__month_number__mutmut_6"], "numpy reads the same months from an object array"),
    (
        [f"x__overall__mutmut_{n}" for n in (100, 101, 111, 112)],
        "behind means at least a quarter of max(1, ...) customers: new_at > 0 (or >= 0) adds "
        "nothing to it",
    ),
    (
        ["x__overall__mutmut_145"],
        "only groups with new customers add spend: no customer means no spend, and 0 / 0 is "
        "NaN either way",
    ),
    (
        ["x__overall__mutmut_84"],
        "the floor matters only when month 0 has 0 or 1 customer, and then later months have "
        "0 or 1 too: a quarter or a half of 1 lets the same counts through",
    ),
    (
        ["x__quad__mutmut_1"],
        "without a model the gradient has 0 columns here, and a model's gradient of 0 "
        "columns gives the same zeros through einsum",
    ),
    (["x__quad__mutmut_16"], "einsum's subscripts are any letters: the same contraction"),
    (
        ["x__records__mutmut_21", "x__records__mutmut_22"],
        "new_customers is set again on the next line (only the JSON's key order moves)",
    ),
    (
        [f"x__records__mutmut_{n}" for n in (63, 65, 68)],
        "the payback month is a whole number made int() right after: rounded to 0, 1 or 4 "
        "digits it is the same",
    ),
    (
        ["x_to_json__mutmut_17", "x_to_json__mutmut_29"],
        "the part is read only for last_month_partial, which overall rows do not have",
    ),
    (["x_empty_spend__mutmut_10"], "pd.Series(dtype=None) is an object column too"),
    (
        ["x_payback_table__mutmut_41"],
        "every spend month is among the months: the bincount is as long without minlength",
    ),
    (
        ["x_payback_table__mutmut_55"],
        "the position is clamped to the last month, which then does not match: < or <= alike",
    ),
    (["x_payback_table__mutmut_71"], "every reader of a group tests group >= 0: -1 or -2"),
    (["x_read_spend__mutmut_103"], AS_FLOAT),
    (
        [f"x_read_spend__mutmut_{n}" for n in (187, 190, 193, 194)],
        "the keys are unique after the duplicate check: any sort gives the same order (and "
        "pandas does not check kind here)",
    ),
    (
        ["x_read_spend__mutmut_23", "x_read_spend__mutmut_25"],
        "the rows' old numbers would be a column of their own, which nothing reads",
    ),
    (
        ["x_sentence__mutmut_16"],
        "a month with no new customer has last_month -1, never old enough: > 0 or >= 0 picks "
        "the same cohorts",
    ),
    (
        ["x_sentence__mutmut_77"],
        "numpy reads 'STABLE' as 'stable'",
    ),
]
INFERS_INT = "np.full infers int64 from a whole number"
# (function, mutant numbers, why) for analytics/insights/products.py
_PRODUCTS = [
    ("__per_customer", (5, 8, 14, 17), INFERS_INT),
    (
        "__per_customer",
        (10, 18, 19, 32, 33),
        "only customers with no purchase kept get this value: they are never watched "
        "(watched -1) nor in a first purchase, and their orders are decades from day -1 or "
        "-2, so nothing read changes",
    ),
    ("__per_customer", (22, 23), "day 0 is 1 January 1970: no first purchase of a shop is on it"),
    (
        "__per_customer",
        (45,),
        "every customer of the base has an order: the bincount is as long without minlength",
    ),
    (
        "__per_customer",
        (49, 50),
        "a second purchase is after the first, so on day 1 or later: >= 0, > 0, >= 1 agree",
    ),
    ("_first_product", (9,), "the same names as objects or str; with None they are objects"),
    ("_first_products", (58, 59, 60, 61), SILENCED),
    ("_what_next", (25, 26, 27, 28), SILENCED),
    (
        "_what_next",
        (17, 18),
        "lines_of gives the second purchases' lines for any rank but 0 (1, 2 or None alike)",
    ),
    (
        "ǁProductIndexǁ_pick_rank",
        (4, 5),
        "the arrays are made read-only so no caller writes into the shared index; none does, "
        "so read-only or not, the same answers",
    ),
    ("_wilson", (14, 15, 16, 17), SILENCED),
    (
        "_journeys",
        (11, 12, 13, 14),
        "an empty steps column either way (pandas makes an empty series of objects)",
    ),
    (
        "_journeys",
        (23,),
        "a customer not back has one purchase, put on the next back customer's row before "
        "that customer's own first purchase overwrites it (numpy assigns in order)",
    ),
    (
        "_journeys",
        (24,),
        "the position is clamped to the last row, which then does not match: < or <= alike",
    ),
    ("_journeys", (35, 38), INFERS_INT),
    ("_prepare", (102, 105), INFERS_INT),
    ("_journeys", (60,), "the same names as objects or str; with '(no product)' objects"),
    ("_not_back", (32,), "numpy reads 'STABLE' as 'stable'"),
    ("_prepare", (91,), "numpy reads 'STABLE' as 'stable'"),
    (
        "_prepare",
        (17,),
        "with the base's own categories get_indexer gives the codes unchanged",
    ),
    ("_prepare", (54, 55), "a wider span keeps the (customer, day) keys apart as well"),
    (
        "_prepare",
        (94, 96),
        "ranks as floats hold the same whole numbers (minimum.at into the int64 best)",
    ),
    ("_shop_repeat_90", (11,), "with nobody watched the mean of nothing is nan as well"),
    ("_to_json", (106, 137, 146), "pandas reads 'RECORDS' as 'records'"),
    (
        "_what_next",
        (35, 43),
        "with nobody (base_n or all_n 0) every count is 0: 0 / 0 is nan as well",
    ),
    ("_wilson", (3, 5, 9, 11), "k and n are counts: as ints they divide into the same floats"),
    ("_wilson", (56,), "with n = 1 the formula gives 0 and 1 exactly"),
]
NO_PROSPECT_CODE = (
    "a customer who has ordered never has code 0 (Prospect): codes are -1 or 1-6, so "
    ">= 0, > 0 and >= 1 pick the same customers"
)
PN = "analytics.value.paretonbd."
PA = "analytics.value.propensity."
AH = "analytics.value.ahead."
PD = "analytics.value.predictive."
CL = "analytics.value.clv."
ERRSTATE = "np.errstate(all=None) keeps numpy's default (warn, not raise): the same figures"
IN_PLACE = (
    "writing the result into the input or a new array: the same values, the input unused after"
)
# (function, mutant numbers, why) for analytics/value/paretonbd.py
_PARETONBD = [
    ("_chunked", (15, 23), "no caller passes extra arguments: *args is always empty"),
    (
        "_chunked",
        (3, 5),
        "each input is first combined with a float parameter (r + x, c + t_x, alpha + T): "
        "whole numbers give the same floats",
    ),
    ("_chunked", (36, 38, 39), "every block returns a pair of arrays: zip strict or not, the same"),
    ("_chunked", (8,), "exactly CHUNK rows make one block either way: the same figures"),
    ("_log_likelihood", (110, 112, 136, 138, 63, 65), IN_PLACE),
    ("_log_likelihood", (24,), ERRSTATE),
    ("_alive_log_odds", (14,), ERRSTATE),
    ("_alive_log_odds", (82, 84, 100, 102), IN_PLACE),
    (
        "_alive_log_odds",
        (70,),
        "einsum reads 'IJ,IJ->J' as 'ij,ij->j': upper-case letters are subscripts too",
    ),
    (
        "_alive_log_odds",
        (107, 108, 110, 111, 112, 114, 115),
        "the slopes are finite, or NaN (0 / 0) in a row with no integral, never infinite for "
        "finite parameters: the infinities' replacements change nothing, and nan=0.0 is "
        "nan_to_num's default",
    ),
    (
        "_log_likelihood",
        (85,),
        "einsum reads 'IJ,IJ->J' as 'ij,ij->j': upper-case letters are subscripts too",
    ),
    (
        "_log_likelihood",
        (38,),
        "a node's log is finite or -inf (span is 0 only when t_x = T), never NaN for finite "
        "parameters: the replacement by -inf changes nothing either way",
    ),
    (
        "_alive_log_odds",
        (46,),
        "top is -inf only when every node is -inf: exp(-inf - top) is 0 whatever top is set to, "
        "and the log-odds are +inf (log 0 of the integral) with any finite top",
    ),
    (
        "_quadrature",
        (24, 28, 32, 33, 34),
        "the map's rate only places the nodes: with each of these rates the likelihood stays "
        "within 4e-12 of lifetimes' closed form on CDNOW and the test histories (checked), as "
        "with the rate written",
    ),
    (
        "objective",
        (37,),
        "the value and its slope are non-finite together: a row's log-likelihood is -inf or NaN "
        "only where its slope divides by the same zero or carries the same NaN",
    ),
]
# (function, mutant numbers, why) for analytics/value/ahead.py
_AHEAD = [
    ("_expected", (13,), ERRSTATE),
    ("_second_moment", (17,), ERRSTATE),
    (
        "_second_moment",
        (52,),
        "the sum stops once P(N >= n) is below 1e-7, a tolerance: at exactly 1e-7 (no input is "
        "known to land on it) one more term of at most (2n + 1) x 1e-7 is added",
    ),
    (
        "revenue_ahead",
        (8, 11, 12),
        "period_of tells 'week' and 'quarter' apart: any other value means months",
    ),
    (
        "revenue_ahead",
        (20,),
        "the last days of the months as floats are the same whole days, and "
        "the days ahead are made floats right after",
    ),
    ("revenue_ahead", (35,), "astype(None) is float64 too"),
    (
        "revenue_ahead",
        (45,),
        "the history is stacked with the float days right after: the same floats",
    ),
    (
        "revenue_ahead",
        (66,),
        "a row with 0 days ahead expects exactly 0 purchases (2F1 at z = 0 is 1), with 0 "
        "variance and 0 slopes: computing it gives the zeros it is otherwise left at",
    ),
]
# (function, mutant numbers, why) for analytics/value/propensity.py
_PROPENSITY = [
    ("_lift", (8,), "numpy reads the sort kind 'STABLE' as 'stable'"),
    ("_lift", (17,), "numpy's 0 / 0 is NaN (a warning, not an error): the same NaN"),
    ("_lift", (22,), "float('NAN') is NaN"),
    (
        "orders_after",
        (8,),
        "to_days casts to whole days anyway: the same day, whatever the time of day",
    ),
    (
        "train",
        (25,),
        "at exactly the limit the sample is every customer in another order: the same rows, the "
        "same model to rounding",
    ),
    ("train", (42,), "0.1 is scikit-learn's default learning rate"),
    ("train", (29,), "choice(replace=None): None is falsy, as False"),
    (
        "train",
        (34, 46),
        "another fixed seed, a choice and not a rule: the sample and the classifier are as "
        "reproducible with 1 as with 0 (tested); only a number printed once with 0 tells them "
        "apart",
    ),
    (
        "train",
        (41, 44, 45),
        "the classifier's settings (200 rounds at most, learning rate 0.1) are tuning choices, "
        "not rules: no right answer depends on them, so a test could only restate them",
    ),
]
FI = "analytics.value.fitters."
BT = "analytics.value.backtest."
SAME_OPTIMUM = (
    "the same likelihood and tolerance end at the same optimum from any start (the fits match "
    "the published CDNOW figures): only the number of steps differs"
)
SCIPY_BFGS = "scipy's method for a problem without bounds or constraints is BFGS"
# (function, mutant numbers, why) for analytics/value/fitters.py (methods as "xǁClassǁname")
_FITTERS = [
    (
        "x__distinct",
        (1, 6, 7, 10, 11, 12, 13),
        "only which path finds the distinct values (a range of whole numbers, or np.unique): "
        "either gives every row its value back, so the objective the same figures",
    ),
    ("x__distinct", (15, 17), "p x the counts is a float either way: the same special functions"),
    ("x__distinct", (19,), "one more value past the largest, which no row points at"),
    ("x_gamma_gamma_objective", (4, 6), "the log-parameters are floats already (scipy's x)"),
    (
        "x_covariance",
        (8, 11, 13),
        "every Hessian here is symmetric (hessian() averages it with its transpose): the "
        "eigenvalue and singular-value pseudo-inverses agree",
    ),
    ("x_minimise", (18, 25), SCIPY_BFGS),
    ("x_minimise", (30,), "scipy reads 'bfgs' as 'BFGS'"),
    ("x_minimise", (59,), "scipy reads 'TRUST-EXACT' as 'trust-exact'"),
    (
        "x_minimise",
        (84, 85),
        "a first guess of the curvature kept for the restarts: " + SAME_OPTIMUM,
    ),
    (
        "x_minimise",
        (78,),
        "the first accepted fit ends the loop: best is None whenever a fit is compared",
    ),
    ("x__coarse_start", (6, 12), SCIPY_BFGS),
    ("x__coarse_start", (16,), "scipy reads 'bfgs' as 'BFGS'"),
    (
        "x__coarse_start",
        (7, 13),
        "without tol the coarse BFGS stops at its default gradient 1e-5 instead of 1e-7, a "
        "little further from the optimum, where the fine fit starts: " + SAME_OPTIMUM,
    ),
    (
        "x__coarse_start",
        (30, 35),
        "BFGS's inverse Hessian stays positive definite (scipy updates it only after a line "
        "search that found positive curvature): no eigenvalue is ever 0 or below",
    ),
    ("x__coarse_start", (32, 34), "a positive factor keeps every eigenvalue's sign"),
    (
        "x_fit_purchases",
        (2,),
        "each fitter makes the frequencies what it needs (lifetimes' fit ints, Pareto/NBD floats)",
    ),
    ("x_fit_purchases", (33,), "the parameters are float64 already"),
    ("xǁ_Robustǁ_fit", (1,), "lifetimes' fit always passes its own tol: the default is unread"),
    ("xǁ_Robustǁ_fit", (4, 6), "another start: " + SAME_OPTIMUM),
    ("xǁ_Robustǁ_fit", (5,), "0.1 / ones is 0.1 x ones"),
    ("xǁ_Robustǁ_fit", (21, 23), "scipy makes x0 float itself; the starts are floats already"),
    (
        "xǁParetoNBDǁfit",
        (3, 5, 14, 16),
        "paretonbd makes the histories float64 itself (_chunked), and the weights are only "
        "summed and multiplied with floats",
    ),
    (
        "xǁParetoNBDǁfit",
        (26,),
        "the start given ignored (a start from 0, without the coarse fit): " + SAME_OPTIMUM,
    ),
    ("xǁParetoNBDǁfit", (29, 31), "the starts given are floats already"),
]
# (function, mutant numbers, why) for analytics/value/backtest.py
_BACKTEST = [
    ("x__error_pct", (9,), "float('NAN') is NaN too"),
    (
        "x_compare",
        (18,),
        "Pareto/NBD is the last of the models: after it, continue and break both end the loop",
    ),
    ("x_compare", (4,), "'' is falsy, as None: the first model run calibrates either way"),
    ("x_compare", (56,), "pandas reads 'INDEX' as 'index'"),
    (
        "x_holdout_activity",
        (7,),
        "to_days casts to whole days anyway: the same day, whatever the unit",
    ),
    ("x_run", (118,), "rank(ascending=None): None is falsy, as False"),
    ("xǁBacktestǁsummary", (20,), "pandas reads 'RECORDS' as 'records'"),
]
WHOLE = (
    "the histories come as numbers: whole numbers (int) compute the same as floats, since each "
    "is added to or divided by a float parameter before any other use"
)
EXPIT = "expit gives a chance in [0, 1], and nan is 0 already: the clip changes nothing"
# (function, mutant numbers, why) for analytics/value/predictive.py
_PREDICTIVE = [
    ("p_alive", (3, 5), WHOLE),
    ("p_alive", (13,), SILENCED),
    ("p_alive", (78,), "the 2.0 is clipped to 1 by _probability"),
    ("_probability", (2, 3, 13), EXPIT),
    ("_probability", (10,), "nan=0.0 is nan_to_num's default"),
    (
        "p_alive_moved",
        (28, 30),
        "paretonbd makes the histories float64 itself (_chunked): whole numbers give the same",
    ),
    ("p_alive_moved", (63,), SILENCED),
    ("purchases_if_alive", (3, 5, 9, 11), WHOLE),
    ("purchases_if_alive", (19,), SILENCED),
    (
        "_if_alive_by_quadrature",
        (51, 54),
        "full_output only silences quadpack's warning (the value is [0] either way)",
    ),
    (
        "purchases_if_alive",
        (37,),
        "no float s has |s - 1| exactly 1e-8 (s - 1 is a multiple of 2^-53 near 1, and 1e-8 "
        "is not): < and <= always agree",
    ),
    ("at_least", (3, 5, 9, 11), WHOLE),
    ("purchase_distribution", (3, 5, 9, 11), WHOLE),
    ("purchase_distribution", (87, 156), SILENCED),
    (
        "purchase_distribution",
        (181, 183, 184),
        "the loop runs at least once (MAX_PURCHASES >= 1) and appends a column each time: "
        "columns is never empty",
    ),
    (
        "percentile_counts",
        (11, 13, 15, 16),
        "only when the loop stops early: the next line drops every history at or below the "
        "line anyway (alive <= 1, so column / alive >= column x alive), and with none left "
        "the loop stops too",
    ),
    ("percentile_counts", (3, 5), "whole counts as floats: the same numbers wherever read"),
]
SAME_AGAIN = "what is passed is what would be computed: the same call on the same inputs"
COPIED = "copy-on-write: a deep copy holds the same values, and only new columns are added"
ONE_DAY_ON = (
    "a repeat purchase day comes after the first, so recency > 0 exactly when frequency > 0"
)
CHECKED = "fit checks for 30 customers and 10 repeat buyers first, so the ages are never all 0"
# (function, mutant numbers, why) for analytics/value/clv.py
_CLV = [
    ("_alive_range", (1,), SILENCED),
    (
        "_alive_range",
        (22, 26),
        "a nan slope comes only from a history whose P(alive) is exactly 0 or 1 (infinite "
        "log-odds), whose range is its figure anyway",
    ),
    ("_alive_range", (44,), "einsum's subscripts are any letters: upper case is the same sum"),
    (
        "_alive_range",
        (62, 65, 71),
        "at a P(alive) of exactly 0 or 1 the slopes are infinite or nan, hence 0, so the delta "
        "method's range is that figure too",
    ),
    ("_cannot_tell_dropout", (18,), ONE_DAY_ON),
    ("_cannot_tell_dropout", (46, 48), CHECKED),
    ("_curve", (5,), SILENCED),
    ("_curve", (10,), "month 0 is 0 days: nothing expected, as the zeros it starts with"),
    ("_order_chance", (1,), SILENCED),
    ("_order_chance", (21,), "a product of chances is never below 0"),
    ("_order_chance", (29,), "nan=0.0 is nan_to_num's default"),
    ("_per_purchase", (4,), SILENCED),
    ("_per_purchase", (17, 19), "the values are numbers: any numeric type divides alike"),
    ("_sensitivity", (2,), SILENCED),
    ("_sensitivity", (24,), "the parameters are read only when mean is not given"),
    ("_sensitivity", (26, 29), SAME_AGAIN),
    (
        "alive_grid",
        (25,),
        "the first edge is the smallest silence: no band is ever below 0",
    ),
    ("alive_grid", (83,), "observed=True is pandas 3's default"),
    (
        "average_by",
        (8,),
        "a DataFrame of Series aligns them on the union of their indexes: a group's extra "
        "customers have no value and are dropped with dropna",
    ),
    ("average_by", (14,), "observed=True is pandas 3's default"),
    ("dominated", (3, 5), "the values are numbers: any numeric type averages alike"),
    ("fit", (25, 27), CHECKED),
    ("fit_spend", (2,), WHOLE),
    ("fit_spend", (51,), "np.corrcoef of a constant is nan as well"),
    ("fit_spend", (55,), "float('NAN') is nan"),
    ("fit_spend", (80,), "the columns are float64 already"),
    ("forecast", (3, 13, 17, 28, 30, 31, 32, 38, 75), SAME_AGAIN),
    ("forecast", (40, 41), COPIED),
    ("forecast", (69,), "every distinct history has a customer: the counts are as long"),
    ("forecast", (111,), "the last axis of a 2-D array is axis 1"),
    ("histories_of", (7, 46), SILENCED),
    ("histories_of", (121,), "None becomes NaT in to_timedelta, as nan does"),
    ("histories_of", (125,), ONE_DAY_ON),
    ("histories_of", (144,), "'d' and 'D' are both days"),
    ("histories_of", (71, 77, 84, 86), WHOLE),
    ("outlier_limit", (8,), "to_days casts to whole days anyway: the same day"),
    ("outlier_limit", (20,), "float('INF') is inf"),
    ("purchases", (3,), SAME_AGAIN),
    ("purchases", (13,), SILENCED),
    ("score_table", (2, 3), COPIED),
    ("total_interval", (3, 5), "the values are numbers: any numeric type adds alike"),
]
CN = "analytics.ingest.cleaning."
STEP = (
    "a step's name only files its SQL among one kind of table's kept SQL: renamed, it meets "
    "no other step's name"
)
NO_CASE = (
    "only the embedded DuckDB names its tables by step (runner.CachedDuckDB), and DuckDB's "
    "names ignore case"
)
PLAIN = (
    "plain ids are those the id rule leaves as they are: running it anyway gives the same keys "
    "(from a copy of the rows rather than a view)"
)
# (function, mutant numbers, why) for analytics/ingest/cleaning.py
CODE_TYPE = (
    "customer numbers as int32, int64 or whole floats: Arrow casts them to int32 exactly, and "
    "pandas' categorical takes any integer codes"
)
_CLEANING = [
    ("_numbered", (18, 20), CODE_TYPE),
    ("_with_code", (14, 16), CODE_TYPE),
    ("clean", (380,), CODE_TYPE),
    ("_small_query", (3,), "the cache's key {} or None: another file for the same SQL"),
    ("_small_query", (14,), NO_CASE),
    ("clean_contact_keys", (17, 18), STEP),
    ("numbered_products", (16, 26, 27), STEP),
    ("numbered_products", (10, 12), "Arrow reads a range as int64 either way: the same positions"),
    (
        "clean_arrow",
        (15, 16, 17, 18, 19, 20, 21, 22),
        "a name in the cache's key only files the SQL: renamed, the same values (roles, last "
        "day, statuses, examples) still tell one kind of table from another",
    ),
    (
        "clean",
        (137, 138, 176, 177, 180, 181, 182, 183, 202, 203, 204),
        STEP,
    ),
    ("clean", (223, 224, 246, 247, 314, 315, 339, 340, 369, 370), STEP),
    ("clean", (30, 31, 32, 33, 34, 169, 172), PLAIN),
    ("clean", (51,), FALSY),
    (
        "clean",
        (71,),
        "rows are folded only when an order id is on several rows: then multi is at least 1, "
        "never 0 or missing",
    ),
    (
        "clean",
        (131,),
        "the lines step runs only on engines without lists (MySQL, through Ibis), whose SQL is "
        "never kept: the name keys nothing",
    ),
    (
        "clean",
        (159,),
        "the product column is never read after (the result selects its columns by name): "
        "dropping it only narrows the kept copy",
    ),
    (
        "clean",
        (184, 185, 186, 187, 188, 189, 190, 194, 198),
        "the keyed rows as a view or as a copy: the result is computed from them before the "
        "input is freed either way; only what is held in memory differs",
    ),
    (
        "clean",
        (237,),
        "the result with every order's name, as a database's: the preview then reads its names "
        "from it instead of from the keyed rows, the same names (only more is kept)",
    ),
    (
        "clean",
        (308,),
        "a currency is a known code or missing, never empty text, and groupby leaves the "
        "missing out: str(code) is never empty",
    ),
    (
        "run_one_way",
        (63,),
        "the second look starting a row earlier compares one pair the first look compared "
        "already: the same answer",
    ),
    ("_summary", (2,), FALSY),
    (
        "_examples",
        (16, 19, 24),
        "two columns of one table have the same length: zip strict or not, the same pairs",
    ),
]
E = "analytics.ingest.engine."
TYPE_CASE = "Ibis reads a type's name in any case: the same type, the same SQL"
NO_ELSE = "a CASE without ELSE, or with ELSE NULL of any type, gives NULL: the same SQL or rows"
BY_NAME = (
    "a column left in the table (not dropped, or under another name) is never read: "
    "result_query and folded select their columns by name; only the kept copy is wider"
)
MISSING_FIRST = (
    "the value is missing only where an earlier reason (bad_date before future, bad_amount "
    "before not_positive and refunded) already takes the order; CASE passes over NULL as "
    "over FALSE"
)
NULL_FLAG = (
    "a null flag is not true: CASE passes over NULL as over FALSE, and NULL OR x is true "
    "exactly where x is"
)
NOT_NULL_REFUND = (
    "refunded amounts are staged with a missing one as 0 (files.py, sources.py): refunded "
    "> 0 is never null"
)
ID_RULE_ANYWAY = (
    "only whether the id rule runs on ids that need none (plain ids, see plain_ids): it "
    "leaves them as they are, the same keys"
)
# (function, mutant numbers, why) for analytics/ingest/engine.py as it runs on DuckDB (the
# MySQL and PostgreSQL branches are listed apart)
_ENGINE_DUCKDB = [
    ("strip_text", (4,), TYPE_CASE),
    ("clean_ids", (38,), TYPE_CASE),
    ("clean_ids", (36,), NO_ELSE),
    ("plain_ids", (4,), TYPE_CASE),
    (
        "plain_ids",
        (8,),
        "counting 'invite' (6 letters) as a placeholder only makes 6-letter ids not plain: "
        + ID_RULE_ANYWAY,
    ),
    ("clean_emails", (5, 14), TYPE_CASE),
    ("clean_emails", (7, 9, 12), NO_ELSE),
    ("currency_code", (5, 24), TYPE_CASE),
    ("currency_code", (17, 20, 22), NO_ELSE),
    ("_status_kinds", (5,), TYPE_CASE),
    (
        "_status_kinds",
        (17, 21, 26, 30),
        "a missing status gives a null flag instead of false, and classify fills the flags' "
        "nulls with false",
    ),
    (
        "_first_by_row",
        (8, 11),
        "DuckDB's arg_min passes over rows whose value is null itself (1.x): the filter says "
        "it again",
    ),
    (
        "_first_by_row",
        (13,),
        "the key's type only types the Ibis function: the same SQL",
    ),
    ("per_order", (9, 10), "_product's first value is worked out, then dropped by folded's select"),
    (
        "folded",
        (15, 16),
        "every row keeps its own _row (an order its first row's): no two rows are alike, so "
        "union drops none either way",
    ),
    ("customer_key", (1,), "every caller says whether the ids are plain: the same SQL"),
    ("customer_key", (29, 35, 56), TYPE_CASE),
    (
        "customer_key",
        (53, 54),
        "without customer ids, _id is dropped unread (the key is the email): the same SQL",
    ),
    ("customer_key", (58, 59, 60, 61, 66, 67, 135, 136, 137, 138), BY_NAME),
    (
        "customer_key",
        (64,),
        "with ids only or emails only, the join finds no row with both: the key is the id, or "
        "the email, as the early return gives",
    ),
    (
        "customer_key",
        (106,),
        "rows with only one of the two add an email whose id is missing (the first id skips "
        "it) or a missing email (which joins nothing): the same known ids",
    ),
    ("classify", (1, 2, 39, 37), NULL_FLAG),
    ("classify", (8, 9, 10, 11, 12, 13, 106, 107, 108, 109, 110, 111), BY_NAME),
    ("classify", (27, 30, 35), "three names and three flags: strict or not, the same pairs"),
    (
        "classify",
        (58,),
        "full refund is null only where the amount is missing (refunded amounts are staged "
        "with a missing one as 0): bad_amount takes the order either way",
    ),
    ("classify", (67, 75, 88, 91), MISSING_FIRST),
    ("classify", (70, 72), "a datetime.date's literal is a date: the same SQL"),
    ("classify", (74, 100, 105), TYPE_CASE),
    ("classify", (93, 95, 98), NO_ELSE),
    ("stats_query", (17, 18, 20, 21, 22, 23, 25), ID_RULE_ANYWAY),
    ("order_names", (8,), "coalesce of a null and the row's name is the row's name, as text"),
    ("order_names", (10, 20), TYPE_CASE),
    (
        "result_query",
        (1,),
        "its one caller (cleaning.clean) always says whether to name the orders: the default "
        "is never used",
    ),
    (
        "result_query",
        (47,),
        "the result with every order's name, as a database's: the preview then reads its names "
        "from it instead of from the keyed rows, the same names (only more is kept)",
    ),
    ("result_query", (84,), TYPE_CASE),
    ("result_query", (69, 72), NOT_NULL_REFUND),
    ("summary_query", (13, 26, 84, 88, 92, 96, 100, 104, 108), TYPE_CASE),
    (
        "summary_query",
        (120, 121),
        "no two rows of the report are alike (each part's rows differ by group or by _row): "
        "union drops none either way",
    ),
    ("_padded", (5, 7), "the parts 0, 1 and 2 are int8 literals anyway: the same SQL"),
    ("_padded", (9,), TYPE_CASE),
    ("orders_query", (5, 7, 9), NO_ELSE),
    ("orders_query", (11,), TYPE_CASE),
    ("with_products", (3,), BY_NAME),
]
SAME_ROWS = (
    "only which of two ways runs a text rule: on every row, or once per distinct value joined "
    "back; both give each row the rule of its own value (a missing one: missing), on every "
    "engine that compares text byte for byte (DuckDB, PostgreSQL, Spark; MySQL always takes "
    "the first)"
)
# (function, mutant numbers, why) for analytics/ingest/engine.py, told apart by a server only
_ENGINE_SERVERS = [
    ("per_value", (1, 2, 5, 8, 9, 10, 11), SAME_ROWS),
    ("customer_key", (13, 17, 24, 40, 44, 51), SAME_ROWS),
    (
        "_engine",
        (5, 6),
        "the name of an Arrow table's engine (no backend) only picks how DuckDB runs a rule "
        "(per row or per value, Ibis's argmin or arg_min): the same values",
    ),
    (
        "_first_by_row",
        (4, 5),
        "DuckDB then spells the first value by row as Ibis's ordered first rather than arg_min: "
        "the same value, about twice the time",
    ),
    (
        "firsts",
        (22, 24),
        "which row of a group is kept does not matter: every row carries the same windows (the "
        "group's aggregates and its first values by row)",
    ),
    ("customer_key", (91,), TYPE_CASE),
    (
        "customer_key",
        (86, 88, 89),
        "a case without else (or with an untyped null) is null where the email is missing: the "
        "same",
    ),
    (
        "customer_key",
        (93, 94),
        "the raw id and email columns (or the cleaned id) left on the keyed rows: every later "
        "step selects its columns by name, so they only widen the rows",
    ),
    ("bytewise", (10,), "PostgreSQL reads encoding names without regard to case"),
    ("quiet", (3, 4), "DuckDB reads SQL words and setting names without regard to case"),
]
EQUIVALENT: dict[str, str] = {
    R + "x_customer_facts__mutmut_[45]": NO_PROSPECT_CODE,
    R + "x_hero_mask__mutmut_[35]": "revenue comes as floats; numbers of any type are "
    "partitioned and compared alike",
    R + "x_hero_summary__mutmut_[35]": "revenue comes as floats; numbers of any type add up alike",
    R + "x_hero_summary__mutmut_16": "no customer means a total of 0.0 (a numpy float): "
    "0.0 / 0 is nan as well",
    R + "x_hero_summary__mutmut_3[02]": "revenue is never negative, and at a total of 0.0 "
    "(a numpy float) hero_revenue / total is nan as well",
    R + "x_hero_summary__mutmut_41": "an average of 0 means every revenue is 0: the heroes' "
    "0 / 0 is nan as well",
    R + "x_quintile_scores__mutmut_1[12456]": "only which of two ways counts the customers "
    "below (bincount or searchsorted): both give the same count, so the same score",
    R + "x_quintile_scores__mutmut_30": "side='left' is searchsorted's default",
    R + "x_quintile_scores__mutmut_37": "1 + 5 x below / n is positive: the cast to int8 "
    "truncates it to the same whole number as //",
    R + "x_quintile_scores__mutmut_[57]": "an empty input: an empty output, whatever its "
    "type (score() turns it into the same empty frame)",
    R + "x_score__mutmut_24": "with no customer, the grid indexed by empty arrays gives the "
    "same empty codes",
    R + "x_score__mutmut_3[023]": "with no customer, the frame takes its length from the "
    "empty index: pandas builds the same empty segment column",
    R + "x_score__mutmut_4": "recency in days is an int64 column already",
    R + "x_score__mutmut_46": "FM keeps the values 1-5 (as floats instead of int8)",
    R + "x_segment_sizes__mutmut_1[57]": "observed=None is pandas' default (True here), and "
    "the reindex on SEGMENTS right after restores every empty segment with 0",
    R + "x_segment_sizes__mutmut_20": "the reindex on SEGMENTS right after restores every "
    "empty segment with 0",
    R + "x_segment_sizes__mutmut_3[01234]": "with observed=False every segment is already "
    "there, in SEGMENTS order: the reindex finds nothing to add or move",
    **{
        f"{L}x_{name}__mutmut_{n}": NO_PROSPECT_CODE
        for name, numbers in {
            "members": (4, 5),
            "stage_counts": (7, 8),
            "stage_mix": (3, 4),
            "transitions": (28, 29, 52, 53, 58, 59),
            "winback": (8, 9),
        }.items()
        for n in numbers
    },
    L + "x__gap_counts_by_day__mutmut_1[013]": "only the gap table's size or whether it is "
    "built: the answer is the same with or without it (tested both ways)",
    L + "x__gap_counts_by_day__mutmut_7": "there is always an order, so always a gap entry: "
    "the else branch never runs",
    L + "x__gap_counts_by_day__mutmut_3[36]": "counts summed as int64 instead of int32: the "
    "same counts",
    L + "x__median_of_counts__mutmut_(14|28)": "the values are whole numbers: searching k or "
    "k + 0.5 with side='right' finds the same place",
    L + "x__running_median_gaps__mutmut_(8|10|14)": "the medians of the first two orders "
    "(ranks 0 and 1) are never read: a customer's own gap counts from the 3rd order on",
    L + "x__running_median_gaps__mutmut_12": "a customer base always has a customer: count "
    "is never empty",
    L + "x_snapshot__mutmut_8": "a datetime.date becomes a day-unit datetime64 anyway",
    L + "x_evolution__mutmut_17": "a datetime.date becomes a day-unit datetime64 anyway",
    L + "x_prepare__mutmut_[35]": "a float 0/1 mask selects as the bool one does in np.where",
    L + "x_prepare__mutmut_7": "every customer has at least one order: count > 0 and >= 0 "
    "pick the same customers",
    L + "x_prepare__mutmut_32": "astype(None) is float64 too",
    L + "x_prepare__mutmut_(37|39|41)": "the order of same-day orders among themselves: the "
    "counts per day, which are all that is read, do not change",
    L + "x_prepare__mutmut_(57|62|68|70)": "a contact without an order, or without a sign-up "
    "date, gets some value far below every date: any such value says the same",
    L + "x__first_match_table__mutmut_(19|22|30)": "the two lists zipped have the same "
    "length: strict or not, the same pairs",
    L + "x__first_match_table__mutmut_[47]": "the same stage codes (as floats)",
    L + "x__first_match_table__mutmut_40": "None is falsy: the table is read-only either way",
    L + "x_average_by_stage__mutmut_[689]": "an unobserved stage's group is NaN, as the "
    "reindex to the stages makes it: observed changes nothing",
    L + "x_funnel_sentences__mutmut_(5|8|11)": "pandas reads 'RECORDS' as 'records'; zip's "
    "strict=None and the default are False",
    L + "x_funnel_sentences__mutmut_17": "after a step nobody reached, no later step has "
    "anyone either: nothing is left to say",
    L + "x_members__mutmut_24": "any negative day is no date (NaT)",
    L + "x_members__mutmut_61": "from_days casts the days to int64 itself",
    L + "x_observed_gaps__mutmut_11": "the same whole numbers, as ints",
    L + "x_purchase_ranks__mutmut_15": "customers without a purchase by t would only add "
    "zeros: every reader sums or compares the counts, and indexes them by a purchase's code",
    L + "x_purchase_ranks__mutmut_(26|29)": "np.full of -1 without a dtype is int64 already",
    L + "x_share_of_buyers__mutmut_(4|6|10|11)": "stage counts always have a Prospect row: "
    "drop() never needs errors='ignore'",
    L + "x_share_of_buyers__mutmut_12": "the Prospect row, the only one that can be NaN, is "
    "dropped first",
    L + "x_share_of_buyers__mutmut_1[57]": "with no buyer every share is nan either way (0 / 0 "
    "in numpy, or x / nan)",
    L + "x_snapshot_dates__mutmut_13": "pandas reads 'w-sun' as 'W-SUN'",
    L + "x_stage_counts__mutmut_15": "a None in a float array is NaN, the same",
    L + "x_stage_counts__mutmut_2": "astype(None) is float64 too",
    L + "x_stage_mix__mutmut_4[1234]": "only which numpy warnings are silenced",
    L + "x_stage_mix__mutmut_58": "a None in a float column is NaN, the same",
    L + "x_winback__mutmut_26": "days overdue are whole numbers either way",
    L + "x_winback__mutmut_(99|102|107|108)": "pandas sorts by several columns with lexsort, "
    "whatever kind says",
    L + "x_winback__mutmut_50": "only which numpy warnings are silenced",
    L + "x_index_from_arrays__mutmut_(31|58|59|60)": "the words of a ValueError that the reopen "
    "catches to prepare the index again (ui/session.py): nobody reads them",
    L + "x_winback__mutmut_60": "one purchase day has a span of 0 days: 0 / 0 is NaN, as the "
    "other branch",
    L + "x_window_sensitivity__mutmut_22": "side='left' is searchsorted's default",
    L + "x_window_sensitivity__mutmut_27": "with nobody, 0 / 0 in numpy is nan as well",
    L + "x_window_sensitivity__mutmut_30": "a column of None is missing as NaN is",
    L + "xǁChangeǁsentence__mutmut_14": "new == old returns earlier: the verb is only chosen "
    "when they differ",
    L + "xǁ_Counterǁadvance__mutmut_1[24]": "starting again or adding an empty slice at the "
    "same day gives the same counts",
    L + "x_evolution__mutmut_59": "customers is the only column that can be missing",
    L + "x_funnel__mutmut_25": "r = 3 and r = 4 both take rank >= 3 (the 4th+ step)",
    L + "x_funnel__mutmut_36": "the median of no gap is NaN too (numpy warns of an empty slice)",
    L + "x_funnel__mutmut_69": "the steps never grow: after a step of 0 comes 0, and 0 / None "
    "is NaN as 0 / NaN",
    L + "x_prepare__mutmut_52": "a contact who never ordered casts to the int64 minimum instead "
    "of -1: every reader asks only pos >= 0",
    L + "x_row_shares__mutmut_3": "a row of zeros gives NaN shares either way (0 / None is NaN)",
    L + "x_winback__mutmut_23": "days_overdue lands after stage instead of before it, and stage "
    "is dropped: the same columns in the same order",
    S + "x_average_by_stage_and_segment__mutmut_(8|13)": "observed=None is pandas' default, True",
    S + "x_average_by_stage_and_segment__mutmut_12": "'mean' is pivot_table's default",
    S + "x_average_by_stage_and_segment__mutmut_20": "pivot_table drops the rows and columns "
    "nobody is in itself (dropna=True)",
    S + "x_average_by_stage_and_segment__mutmut_(21|29|31)": "the stage column is a "
    "Categorical in lifecycle order (lifecycle.members): the pivot's rows come in that "
    "order already",
    S + "x_cross_table__mutmut_(15|17|21|22)": "the stage column is a Categorical of the "
    "seven stages: crosstab(dropna=False) always has a Prospect row to drop",
    S + "x_cross_table__mutmut_4": "dropna=None is falsy, as False",
    S + "x_select__mutmut_33": "days, CLV and chances compare alike as ints or floats",
    S + "x_customer_table__mutmut_32": "join is a left join on the table's customer positions: "
    "the scores (one row per position) reindexed to them first give the same rows",
    S + "x_summary__mutmut_2": "revenue adds up alike in any numeric type",
    S + "x_summary__mutmut_2[46]": "revenue is never negative, and at a total of 0.0 (a numpy "
    "float) the share is nan as well",
    C + "x__customers__mutmut_17": "factorize's ids carry no name: name=None is the default",
    C + "x__customers__mutmut_1[13]": "sort=False is factorize's default (None is falsy)",
    C + "x__assemble__mutmut_31": "the summary is set right after the base is built",
    C + "x_build_customer_base__mutmut_(15|26)": "amounts come as floats",
    C + "x_build_customer_base__mutmut_35": "every customer has an order: the counts are "
    "as long as the ids without minlength",
    C + "x_from_days__mutmut_2[578]": "np.datetime64(None), 'nat' and 'NAT' are NaT too",
    C + "x_from_days__mutmut_19": "DatetimeIndex reads None as NaT",
    C + "x_(summarise|positions)__mutmut_10": "a Timestamp becomes a datetime64 that to_days "
    "turns into the same day",
    C + "x_positions__mutmut_17": "trailing zeros add no position to flatnonzero",
    C + "x__summary_arrays__mutmut_2": "copying the arrays when nothing comes after the end "
    "keeps every order: the same result",
    C + "x__summary_arrays__mutmut_(73|76|77|78|82|85|86|87)": "only the fill for customers "
    "with no order yet, whose rows are dropped (np.full infers int64 from -1)",
    C + "x__summary_arrays__mutmut_11[0123]": "only which numpy warnings are silenced",
    C + "x__summary_arrays__mutmut_(109|125)": "this frequency feeds only monetary: with no "
    "repeat day the repeat spend is 0, and 0 / max(0, 1) = 0.0 is the else value",
    C + "x__summary_arrays__mutmut_28": "np.add.reduceat over no position gives an empty "
    "array, as np.zeros(0)",
    C + "x__summary_arrays__mutmut_34": "with no purchase day the masks are empty, and numpy "
    "takes nothing from a one-element array with an empty mask: the same empty sums",
    C + "x__summary_arrays__mutmut_99": "comparing with the first customer marks more purchase "
    "days 'last' only within a customer, before its true last day, which is written after "
    "them (numpy assigns in order): the same last days",
    C + "x__summary_table__mutmut_(42|47|53)": "astype(None) is float64 too",
    C + "x__summary_table__mutmut_73": "table[has] with every customer kept is the same table",
    C + "x_as_of__mutmut_7": "a date becomes a datetime64 of days with or without 'D'",
    C + "x_as_of__mutmut_21": "only the positions of customers with an order are read: "
    "trailing zeros add none",
    C + "x_as_of__mutmut_(27|30)": "np.full infers int64 from -1",
    C + "x_as_of__mutmut_(31|32)": "only the new numbers of customers kept are read: the fill "
    "for the others is never used",
    C + "x_base_arrays__mutmut_(47|48|50)": "every customer of a base has an order by its last "
    "day: positions() is everyone, so the fill is overwritten in every cell",
    K + "x_existing_base__mutmut_(3|6|7|11|15|16|20|23|24|54|63|64|109|115|116)": "the period "
    "argument only tells 'week' and 'quarter' apart: any other value means months",
    K + "x_period_label__mutmut_14": "a quarter's first month is 1, 4, 7 or 10: (m + 1) // 3 "
    "and (m - 1) // 3 give the same quarter for those",
    K + "x_acquisition_attributes__mutmut_[456]": "every first-order attribute has a label, "
    "so the default of get() is never used",
    K + "x__groups_in_reading_order__mutmut_3": "with exactly 15 groups, every group is in "
    "the top 15: nothing goes to Other either way",
    K + "x_cohort_table__mutmut_(30|34|38|47|51)": "the first filter starts from all customers "
    "(&= and = agree), and a date becomes the same whole day however it is cast",
    K + "x_cohort_table__mutmut_(299|404)": "astype(None) is float64 too",
    K + "x_cohort_table__mutmut_39[4567]": "only which numpy warnings are silenced",
    K + "x_cohort_table__mutmut_(527|529)": "the labels are text either way",
    K + "x_cohort_table__mutmut_(336|339|340)": "a calendar cohort's customers share one "
    "horizon, so its row never falls below half before it ends; the running total by group "
    "already stops where under half were watched: the same cells either way",
    K + "x_cohort_table__mutmut_(273|350)": "a group's period-0 count is 0 (no row kept) or at "
    "least 1: twice a count >= max(n, 2) and >= max(n, 1) differ only for n = 1, where 2 >= 2 and "
    "2 >= 1 both hold and 0 fails both",
    K + "x_cohort_table__mutmut_(125|230)": "the clip never binds: width is one more than the "
    "largest horizon of the chosen customers, and a counted order's k is at most its horizon",
    K + "x_cohort_table__mutmut_(194|197)": INFERS_INT,
    K + "x_cohort_table__mutmut_199": "a customer with no counted order is dropped by top >= 0: "
    "-1 or -2 alike",
    K + "x_cohort_table__mutmut_(221|222)": "with dates as groups the group rule gives the same "
    "cells, average and support (a date cohort's customers share one horizon, so half of them "
    "are watched exactly as long as all); only the eligible counts' number type differs (0 or "
    "0.0) when nobody is watched at all",
    K + "x_cohort_table__mutmut_255": "the amounts taken back at k = horizon + 1 land past the "
    "cohort's horizon, where nobody is eligible (blank) or in the column cut off, and the "
    "average is summed again from the followed customers: what is written there is never shown",
    K + "x_cohort_table__mutmut_(456|458)": "a table has at least one period column (width >= "
    "1): customers_at is never empty, so the else is never taken",
    K + "x_existing_base__mutmut_(49|50)": "the counts are cut to the months' length right "
    "after: a longer minlength only adds zeros past it",
    K + "x_existing_base__mutmut_(67|77)": "astype(None) reads a whole number of days as a "
    "float of the same value (and int() of it is the same)",
    G + "x__group_figures__mutmut_3[1234]": "only which numpy warnings are silenced",
    G + "x_read_list__mutmut_19": "two missing columns read 'a or b' either way: the commas "
    "only come in with three",
    G + "x_lift__mutmut_10": "the start is moved to the day after the list date right after, "
    "whatever the default",
    G + "x_lift__mutmut_(66|74)": "a Timestamp becomes a datetime64 that to_days turns into "
    "the same day",
    G + "x_lift__mutmut_109": "a customer not in the data reads position 0 or 1, and its "
    "figures are replaced by zeros right after (known is False)",
    G + "x_with_control__mutmut_(15|23|29)": "the stratum keys only group rows: other text "
    "makes the same groups",
    G + "x_with_control__mutmut_3[24]": "the frame's index is a RangeIndex after "
    "reset_index, the same as the default",
    G + "x_with_control__mutmut_58": "a random draw equal to the fraction has probability 0",
    G + "x_with_control__mutmut_(49|51)": "the frame's index is a RangeIndex after "
    "reset_index, the same as the default",
    G + "x_lift__mutmut_121": "a customer not in the data gets None orders instead of 0: pandas "
    "counts None as no buyer and sums without it, the same figures",
    **{P + f"x_{name}__mutmut_{n}": why for name, numbers, why in _PARSING for n in numbers},
    V + "x__months__mutmut_(5|8)": "daily periods over the same span hold the same calendar months",
    V + "x_bias__mutmut_(7|13)": "revenue adds up alike in any numeric type",
    V + "x_(error_pct__mutmut_(10|24)|trust__mutmut_10)": "float('NAN') is nan too",
    V + "x_total_range__mutmut_11": "float('INF') is inf too",
    V + "x_error_words__mutmut_21": "an error of exactly 0 is on target and never reaches the "
    "'under' or 'over'",
    V + "x_season_note__mutmut_3[78]": "any day of month m in any year has the same month name",
    V + "x_trust__mutmut_(29|30|39|40)": "only an error beyond 15% (in either direction) comes "
    "here: 0 and 0 to 1 never do",
    LI + "x_outlier_totals__mutmut_(3|5)": "amounts add up alike in any numeric type",
    LI + "x_(outlier_totals__mutmut_(10|12)|reasons__mutmut_13)": "the flags come as "
    "booleans: asarray or to_numpy keeps them so",
    LI + "x_reasons__mutmut_(20|26|31)": "the zipped columns are all the listed customers: "
    "strict or not, the same rows",
    LI + "x_reasons__mutmut_(55|56|59|60|61|62)": "the one caller (ui/value_views.py) puts the "
    "texts in a column of its own name with assign(why=...): the series' name and its type "
    "(str or object, the same texts) are not read",
    LI + "x_disagreements__mutmut_[2457]": "the labels start missing for every customer and "
    "only those of a rule are read (dropna): NA, None or no value, object or inferred type, "
    "the same labels",
    LI + "x_usual_gap__mutmut_16": "a one-time buyer's recency is 0: 0 / 0 is nan as well",
    LI + "x_usual_gap__mutmut_2": "the frequency divides alike as an int or a float",
    LI + "x_usual_gap__mutmut_7": "only which numpy warnings are silenced",
    SC + "x_(auc__mutmut_17|gini__mutmut_(16|47))": "float('NAN') is nan too",
    SC + "x_gini__mutmut_(3|5)": "the amounts are added as float64 (Ties.sums), and integer "
    "amounts sort and add to the same Lorenz areas",
    SC + "x_gini__mutmut_(8|12)": "one customer's perfect area is 1 - 2 / 2 = 0, and with "
    "every amount 0 it is 0 / 0 = nan: either way the Gini is nan, as the early return says",
    SC + "x_gini__mutmut_33": "the perfect order's area computed again: the same area",
    SC + "x_rank__mutmut_(3|45)": "Ties and its sums cast every score and amount to float64, "
    "and whole orders compare with 0 alike as ints",
    SC + "x_rank__mutmut_(54|55|56|61|62|74|78)": "the perfect order's area is a shortcut: "
    "gini computes the same area when it is not given, and returns nan before reading it "
    "when nothing was spent",
    SC + "xǁTiesǁ__init____mutmut_(3|5)": "np.where with -inf gives float64 scores whatever "
    "their numeric type",
    SC + "xǁTiesǁsums__mutmut_(6|8)": "numpy adds booleans as integers (its default for add "
    "on bool), so the positives per tie are counted alike",
    RP + "x_km_curve__mutmut_(3|5|8|10)": "durations come as whole days and the comebacks as "
    "booleans: asarray keeps them so",
    RP + "x_km_curve__mutmut_26": "side='left' is searchsorted's default",
    RP + "x_purchases__mutmut_(10|27)": "a reference date, or a date(), is a day at midnight: "
    "as a datetime64 of any unit it is the same day",
    RP + "x_km_curve__mutmut_(29|30|31|32)": "only which numpy warnings are silenced",
    RP + "x_km_curve__mutmut_(68|69|70|72|73)": "on a day with a comeback survival is below 1, "
    "and where it is 0 the spread is not finite either: each test marks the same days",
    RP + "x_purchases__mutmut_(46|48)": "a float 0/1 mask gives the same positions",
    RP + "x_purchases__mutmut_(72|75)": "the second purchase days as floats hold the same whole "
    "numbers, and every reader compares or subtracts them",
    RP + "x_purchases__mutmut_77": "'no second purchase' is read as a negative day (second "
    "< 0): -1 and -2 say the same",
    RP + "x_purchases__mutmut_89": "a customer with a second purchase has at least two, so no "
    "customer starts right after another's first: side='left' or 'right' find the same",
    RP + "x_purchases__mutmut_(93|96)": "the per-purchase and first-purchase customer codes are "
    "read by no rule here",
    RP + "x_cohort_table__mutmut_(18|59)": "every cohort from np.unique has a customer: the "
    "counts are as long without minlength",
    RP + "x_cohort_table__mutmut_(3|6|7)": "period_of tells 'week' and 'quarter' apart: any "
    "other value means months",
    RP + "x_curve_at__mutmut_(3|5)": "the horizons are whole days already",
    RP + "(x_gap_stats__mutmut_27|x_winback_days__mutmut_14|xǁRepurchaseǁto_json__mutmut_11)": (
        "rounding to 7 digits instead of 6: the figures are whole days or simple fractions"
    ),
    RP + "x_gap_stats__mutmut_(30|33|34)": "the keys and the figures are both three long: "
    "strict or not, the same pairs",
    RP + "xǁRepurchaseǁto_json__mutmut_(15|74)": "pandas reads 'RECORDS' as 'records'",
    H + "x_unique__mutmut_(8|10)": "a float 0/1 mask gives the same positions and counts (the "
    "inverse is int64 anyway)",
    H + "x_unique_whole_days__mutmut_(3|8|9|13)": "only which of the two paths is taken (the "
    "packed keys or the lexsort): both give the same rows, counts and order (tested both ways)",
    H + "x_unique_whole_days__mutmut_(7|11)": "the initial value matters only without any row, "
    "where either path gives nothing; with rows, min(x, 1) >= 0 exactly when x >= 0",
    H + "x_unique_whole_days__mutmut_28": "21 bits a column still fit 3 columns in an int64 "
    "(63 bits), in the same order",
    **{PB + name: why for names, why in _PAYBACK for name in names},
    **{PR + f"x{name}__mutmut_{n}": why for name, numbers, why in _PRODUCTS for n in numbers},
    **{PN + f"x_{name}__mutmut_{n}": why for name, numbers, why in _PARETONBD for n in numbers},
    **{AH + f"x_{name}__mutmut_{n}": why for name, numbers, why in _AHEAD for n in numbers},
    **{PA + f"x_{name}__mutmut_{n}": why for name, numbers, why in _PROPENSITY for n in numbers},
    **{FI + f"{name}__mutmut_{n}": why for name, numbers, why in _FITTERS for n in numbers},
    **{BT + f"{name}__mutmut_{n}": why for name, numbers, why in _BACKTEST for n in numbers},
    **{PD + f"x_{name}__mutmut_{n}": why for name, numbers, why in _PREDICTIVE for n in numbers},
    **{CL + f"x_{name}__mutmut_{n}": why for name, numbers, why in _CLV for n in numbers},
    CL + "xǁSpendModelǁexpected__mutmut_(3|5|10|12)": WHOLE,
    CL + "x__alive_range__mutmut_(27|28)": "a slope of 1 instead of 0 only where a moved "
    "P(alive) rounds to exactly 0 or 1 while the fitted one does not, and there the range stays "
    "at the figure either way",
    PD + "x_purchase_distribution__mutmut_142": "only a tail of exactly 1e-7 tells > and >= "
    "apart: one more column, below 1e-7 (as ahead's _second_moment)",
    **{CN + f"x_{name}__mutmut_{n}": why for name, numbers, why in _CLEANING for n in numbers},
    **{E + f"x_{name}__mutmut_{n}": why for name, numbers, why in _ENGINE_DUCKDB for n in numbers},
    **{E + f"x_{name}__mutmut_{n}": why for name, numbers, why in _ENGINE_SERVERS for n in numbers},
}


# Survivors that are not equivalent, yet no test kills: a pattern -> what would tell them apart
# and why no test does. They count as survivors.
UNKILLED: dict[str, str] = {}


def equivalent(name: str) -> str | None:
    """Why this mutant is equivalent, or None."""
    return _why(EQUIVALENT, name)


def _why(reasons: dict[str, str], name: str) -> str | None:
    for pattern, why in reasons.items():
        if re.fullmatch(pattern, name):
            return why
    return None


def shown(tests: list[str]) -> str:
    """The test selection as written in the table: files, then ``-k "..."``."""
    out, words = [], iter(tests)
    for word in words:
        out.append(f'-k "{next(words)}"' if word == "-k" else word)
    return ", ".join(out).replace(", -k", " -k")


# Why a module's run is long (said in RESULTS.md while it is not measured).
SLOW = {
    "engine": "1,023 mutants, each compiling the cleaning steps' SQL afresh (the cache of "
    "compiled SQL is fresh for every run, see tests/fresh_sql_cache.py), its server tests "
    "cleaning staged tables inside PostgreSQL and MariaDB (started once for the run): about "
    "67 minutes at load 3-6",
}

# Rule modules the script does not run yet, and why.
OUTSIDE: dict[str, str] = {}

KILLED = {1, 3, 24, -24, 152, 255, 36}  # a failing test, pytest's internal error, a timeout


# Test files that need real database servers: one of each is started for the module's run and
# named to the tests by the environment (see tests/postgres.py and tests/mysql.py), so each
# mutant's short test run reuses them rather than starting its own.
SERVER_TESTS = {"tests/test_engine_servers.py"}


@contextlib.contextmanager
def servers(module: str):
    """A PostgreSQL and a MariaDB server while the module's tests need them (where one cannot
    start, its tests skip, as they do locally)."""
    if not SERVER_TESTS & set(MODULES[module][1]):
        yield
        return
    sys.path.insert(0, str(ROOT))
    from tests import mysql, postgres

    started, named = [], []
    try:
        for kind in (postgres, mysql):
            try:
                server = kind.start()
            except Exception as exc:  # noqa: BLE001 - a server that cannot start
                print(f"no {kind.__name__} server for the tests: {exc}", flush=True)
                continue
            except BaseException as exc:  # pytest's skip (or fail, in CI) outside a test
                if isinstance(exc, KeyboardInterrupt | SystemExit):
                    raise
                print(f"no {kind.__name__} server for the tests: {exc}", flush=True)
                continue
            started.append((kind, server))
            for name, value in zip(kind.SHARED, (server.port, server.folder), strict=True):
                if name not in os.environ:
                    os.environ[name] = str(value)
                    named.append(name)
        yield
    finally:
        for kind, server in started:
            kind.stop(server)
        for name in named:
            os.environ.pop(name, None)


def scratch(module: str) -> Path:
    """A copy of what mutmut needs, with the config narrowed to one module."""
    run = RUNS / module
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    for name in ("analytics", "tests", "data"):
        shutil.copytree(
            ROOT / name, run / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
    configure(run, module)
    return run


def configure(run: Path, module: str) -> None:
    """mutmut's config in the copy: only ``module`` mutated, tested by its tests in MODULES."""
    source, tests = MODULES[module]
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    mutmut = config["tool"]["mutmut"]
    mutmut["only_mutate"] = [source]
    mutmut["pytest_add_cli_args_test_selection"] = tests
    pytest_options = config["tool"]["pytest"]["ini_options"]
    (run / "pyproject.toml").write_text(
        "[tool.pytest.ini_options]\n"
        + "".join(f"{k} = {json.dumps(v)}\n" for k, v in pytest_options.items())
        + "\n[tool.mutmut]\n"
        + "".join(f"{k} = {json.dumps(v)}\n" for k, v in mutmut.items())
    )


def mutmut(run: Path, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("mutmut")
    command = ["nice", "-n", "19", str(exe), *args]
    return subprocess.run(
        command,
        cwd=run,
        text=True,
        capture_output=capture,
        # One OpenMP thread: mutmut forks a child per mutant after its parent has run the
        # tests, and a child forked from a process whose OpenMP pool has started (scikit-learn's
        # gradient boosting, in the challenger's tests) waits forever for those threads.
        env={**os.environ, "PYTHONPATH": "", "OMP_NUM_THREADS": "1"},
    )


# Every survivor's diff in one process (``mutmut show`` per mutant takes a second or more).
DIFFS = """
import json, sys
from mutmut.__main__ import find_mutant
from mutmut.mutation.diff_apply import get_diff_for_mutant
print(json.dumps({n: get_diff_for_mutant(n, path=find_mutant(n).path) for n in sys.argv[1:]}))
"""


def diff_lines(run: Path, names: list[str]) -> dict[str, str]:
    """The changed line of each mutant, as ``old -> new``."""
    if not names:
        return {}
    done = subprocess.run(
        [sys.executable, "-c", DIFFS, *names],
        cwd=run,
        text=True,
        capture_output=True,
        check=True,
        env={**os.environ, "PYTHONPATH": ""},
    )
    out = {}
    for name, diff in json.loads(done.stdout).items():
        lines = diff.splitlines()
        old = [x[1:].strip() for x in lines if x.startswith("-") and not x.startswith("---")]
        new = [x[1:].strip() for x in lines if x.startswith("+") and not x.startswith("+++")]
        out[name] = f"`{' / '.join(old)}` -> `{' / '.join(new)}`"
    return out


def _codes(run: Path, module: str) -> dict[str, int | None]:
    meta = run / "mutants" / (MODULES[module][0] + ".meta")
    return json.loads(meta.read_text())["exit_code_by_key"]


def _refresh(run: Path, module: str) -> None:
    """The rest of the code as it is now, in the kept copy and its mutated tree (the tests
    copied in read it); the mutated module itself must be unchanged, else its mutants are."""
    source = MODULES[module][0]
    if (ROOT / source).read_bytes() != (run / source).read_bytes():
        raise SystemExit(f"{source} changed since its last run: run {module} afresh")

    def skipped(folder: str, names: list[str]) -> list[str]:
        return [
            n
            for n in names
            if n == "__pycache__" or n.endswith(".pyc") or Path(folder, n) == ROOT / source
        ]

    for copy in (run, run / "mutants"):
        shutil.copytree(ROOT / "analytics", copy / "analytics", dirs_exist_ok=True, ignore=skipped)


def _kept_kills(run: Path, module: str, earlier: dict[str, int | None]) -> dict[str, int | None]:
    """The run's exit codes, where a mutant killed before stays killed: mutmut forgets a
    function's results when the tests that reach it change (a test file added to the
    module's selection), and more tests kill no fewer mutants of the same code."""
    meta = run / "mutants" / (MODULES[module][0] + ".meta")
    data = json.loads(meta.read_text())
    codes = data["exit_code_by_key"]
    forgotten = {n: c for n, c in earlier.items() if c in KILLED and codes.get(n) is None}
    if forgotten:
        codes.update(forgotten)
        meta.write_text(json.dumps(data))
    return codes


def score(
    module: str, again: bool = False, only: str | None = None, functions: list[str] | None = None
) -> dict:
    """Mutate ``module`` afresh; or, with ``again``, test only the last run's survivors in its
    kept copy, with the tests as they are now (new tests added since are found by mutmut).
    ``functions``: a fresh run of only the mutants whose names match these patterns (fnmatch,
    e.g. ``analytics.ingest.engine.x_result_query__mutmut_*``), scored alone."""
    run = RUNS / module
    spent = run / "minutes.txt"
    if again and (run / "mutants").exists():
        shutil.copytree(
            ROOT / "tests",
            run / "tests",
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )
        _refresh(run, module)
        configure(run, module)  # the test selection MODULES gives now (tests added to it)
        before = float(spent.read_text()) if spent.exists() else 0.0
        earlier = _codes(run, module)
        left = sorted(name for name, code in earlier.items() if code not in KILLED)
        if only:  # the survivors of some functions (others' tests may be under way elsewhere)
            left = [name for name in left if re.search(only, name)]
    else:
        run, before, left, earlier = scratch(module), 0.0, list(functions or []), {}
    start = time.monotonic()
    if not again or left:
        with servers(module):
            mutmut(run, "run", "--max-children", "1", *left)
    minutes = round(before + (time.monotonic() - start) / 60, 1)
    spent.write_text(str(minutes))
    codes = _kept_kills(run, module, earlier)
    if functions:  # the module's other mutants did not run: they are not scored
        codes = {n: c for n, c in codes.items() if any(fnmatch(n, f) for f in functions)}
    survivors = sorted(name for name, code in codes.items() if code not in KILLED)
    changes = diff_lines(run, survivors)
    return {
        "module": module,
        "source": MODULES[module][0],
        "tests": MODULES[module][1],
        "total": len(codes),
        "killed": len(codes) - len(survivors),
        "minutes": minutes,
        "survivors": [
            {"name": name, "code": codes[name], "change": changes[name]} for name in survivors
        ],
    }


def table(results: list[dict]) -> str:
    lines = [
        HEADING,
        "",
        "`python benchmarks/mutation.py` (mutmut "
        + subprocess.run(
            [str(Path(sys.executable).with_name("mutmut")), "--version"],
            capture_output=True,
            text=True,
        ).stdout.split()[-1]
        + "): each rule module mutated alone and tested by its own unit tests only (wiring "
        "tests left out, and with -k the page, command-line and PDF tests of a test file); a "
        "timeout counts as killed. Minutes are wall-clock on two cores shared with other "
        "work, one mutant at a time.",
        "",
        "| module | tests | killed / mutants | % | equivalent | killed / (mutants - "
        "equivalent), % | minutes |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        same = sum(1 for s in r["survivors"] if equivalent(s["name"]))
        rest = r["total"] - same
        lines.append(
            f"| {r['source']} | {shown(r['tests'])} | {r['killed']} / {r['total']} "
            f"| {100 * r['killed'] / max(r['total'], 1):.1f} | {same} "
            f"| {100 * r['killed'] / max(rest, 1):.1f} | {r['minutes']} |"
        )
    measured = {r["module"] for r in results}
    missing = [MODULES[m][0] for m in MODULES if m not in measured]
    if missing or OUTSIDE:
        names = missing + list(OUTSIDE)
        lines += ["", "Not measured yet: " + ", ".join(f"`{m}`" for m in names) + "."]
        lines += [f"- `{MODULES[m][0]}`: {why}" for m, why in SLOW.items() if m not in measured]
        lines += [f"- `{m}`: {why}" for m, why in OUTSIDE.items()]
    for r in results:
        if not r["survivors"]:
            continue
        lines += ["", f"Survivors in {r['source']}:", ""]
        for s in r["survivors"]:
            why, open_ = equivalent(s["name"]), _why(UNKILLED, s["name"])
            status = (
                f"equivalent: {why}"
                if why
                else f"not killed (exit {s['code']})" + (f": {open_}" if open_ else "")
            )
            lines.append(f"- `{s['name']}` {s['change']}: {status}")
    return "\n".join(lines) + "\n"


def write(results: list[dict]) -> None:
    """Replace the module rows this run measured; keep the others already in RESULTS.md."""
    text = RESULTS.read_text()
    kept = {}
    saved = RUNS / "scores.json"
    if saved.exists():
        kept = {r["module"]: r for r in json.loads(saved.read_text())}
    kept.update({r["module"]: r for r in results})
    saved.write_text(json.dumps(list(kept.values()), indent=1))
    ordered = [kept[m] for m in MODULES if m in kept]
    section = table(ordered)
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help="some of: " + ", ".join(MODULES))
    parser.add_argument("--no-table", action="store_true", help="do not write RESULTS.md")
    parser.add_argument(
        "--table-only", action="store_true", help="rewrite RESULTS.md from the last scores"
    )
    parser.add_argument(
        "--again",
        action="store_true",
        help="test only the last run's survivors again (after adding tests), in its kept copy",
    )
    parser.add_argument(
        "--only",
        metavar="PATTERN",
        help="with --again: only the survivors whose name matches this regular expression",
    )
    parser.add_argument(
        "--functions",
        nargs="+",
        metavar="PATTERN",
        help="a fresh run of only these mutants (fnmatch patterns of their names), scored "
        "alone and never written to RESULTS.md: a module too slow to run whole after a change "
        "to some of its functions",
    )
    args = parser.parse_args()
    if args.functions:
        args.no_table = True
    if args.table_only:
        write([])
        return
    unknown = set(args.modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown module(s) {sorted(unknown)}: choose among {', '.join(MODULES)}")
    for module in args.modules or list(MODULES):
        result = score(module, args.again, args.only, args.functions)
        print(json.dumps({k: v for k, v in result.items() if k != "survivors"}), flush=True)
        if not args.no_table:
            write([result])  # module by module: a long run keeps what it measured
        for s in result["survivors"]:
            print("  survivor", s["name"], s["change"], flush=True)


if __name__ == "__main__":
    main()
