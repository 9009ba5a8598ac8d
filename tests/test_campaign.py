"""Control groups and lift on hand-built lists and orders whose right answer we can state."""

import numpy as np
import pandas as pd
import pytest

from analytics.errors import LensError
from analytics.insights import campaign
from analytics.insights.customers import build_customer_base

LIST_DATE = pd.Timestamp("2024-03-01")


def shop(buyers_after: dict[str, int], n: int = 500, on_list_date: int = 0):
    """n treatment and n control customers, all with an order in January; ``buyers_after``
    of each group order once on 10 March; ``on_list_date`` of each order on the list date."""
    rows, listed = [], []
    for group, prefix in [("treatment", "t"), ("control", "c")]:
        for i in range(n):
            cid = f"{prefix}{i}"
            listed.append((cid, group, LIST_DATE))
            rows.append((cid, "2024-01-15", 10.0))
            if i < buyers_after[group]:
                rows.append((cid, "2024-03-10", 50.0))
            elif i < buyers_after[group] + on_list_date:
                rows.append((cid, "2024-03-01", 50.0))
    rows.append(("late", "2024-04-30", 5.0))  # the data runs to 30 April
    orders = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    orders["order_date"] = pd.to_datetime(orders["order_date"])
    orders["order_id"] = np.arange(len(orders)).astype(str)
    listed = pd.DataFrame(listed, columns=["customer_id", "group", "list_date"])
    return build_customer_base(orders), listed


def test_forty_against_ten_percent():
    base, listed = shop({"treatment": 200, "control": 50})
    result = campaign.lift(listed, base)
    groups = result.groups
    assert groups.loc["treatment", "conversion"] == 0.4
    assert groups.loc["control", "conversion"] == 0.1
    assert groups.loc["treatment", "revenue_per_customer"] == 20.0  # 200 x 50 / 500
    low, high = result.conversion_diff_ci
    assert result.conversion_diff == pytest.approx(0.3)
    assert low < 0.30 < high and low > 0
    # Revenue per customer: 20 vs 5, incremental revenue 15 x 500 treatment customers.
    assert result.revenue_per_customer_diff == pytest.approx(15.0)
    assert result.incremental_revenue == pytest.approx(7500.0)
    r_low, r_high = result.incremental_revenue_ci
    assert r_low < 7500 < r_high and r_low > 0
    assert "chance alone would not" in result.sentence()
    assert (result.since, result.until) == (pd.Timestamp("2024-03-02"), pd.Timestamp("2024-04-30"))
    daily = result.daily.set_index(["group", "day"])["conversion"]
    assert daily["treatment", pd.Timestamp("2024-03-09")] == 0
    assert daily["treatment", pd.Timestamp("2024-03-10")] == 0.4
    assert daily["control", pd.Timestamp("2024-04-30")] == 0.1


def test_the_intervals_are_the_95_percent_ones_worked_out_independently():
    """Conversion: 0.4 - 0.1 = 0.3, standard error sqrt(0.4 x 0.6 / 500 + 0.1 x 0.9 / 500)
    = sqrt(0.00066) = 0.025690 (both groups' variances), 1.959964 x that = 0.050352: the
    95% interval is (0.24965, 0.35035); a 90% one would be (0.2577, 0.3423). Revenue per
    customer: scipy's own Welch t-test (unequal variances) on the same 500 + 500 customers
    gives its 95% interval, about 15 +- 2.52."""
    from scipy import stats

    base, listed = shop({"treatment": 200, "control": 50})
    result = campaign.lift(listed, base)
    low, high = result.conversion_diff_ci
    assert (low, high) == (pytest.approx(0.24965, abs=5e-5), pytest.approx(0.35035, abs=5e-5))
    treated = np.r_[np.full(200, 50.0), np.zeros(300)]
    control = np.r_[np.full(50, 50.0), np.zeros(450)]
    welch = stats.ttest_ind(treated, control, equal_var=False).confidence_interval(0.95)
    r_low, r_high = result.revenue_per_customer_diff_ci
    assert (r_low, r_high) == (pytest.approx(welch.low, rel=1e-9), pytest.approx(welch.high))
    assert r_high - r_low == pytest.approx(2 * 2.5238, abs=1e-3)
    assert result.incremental_revenue_ci == (
        pytest.approx(500 * welch.low),
        pytest.approx(500 * welch.high),
    )


def test_equal_rates_give_an_interval_holding_zero():
    base, listed = shop({"treatment": 100, "control": 100})
    result = campaign.lift(listed, base)
    low, high = result.conversion_diff_ci
    assert result.conversion_diff == 0 and low < 0 < high
    assert "could be chance" in result.sentence()


def test_orders_on_the_list_date_never_count():
    base, listed = shop({"treatment": 0, "control": 0}, on_list_date=100)
    result = campaign.lift(listed, base)
    assert result.groups["buyers"].sum() == 0
    # Asking to start on the list date is moved to the day after.
    early = campaign.lift(listed, base, since=LIST_DATE - pd.Timedelta(days=5))
    assert early.since == LIST_DATE + pd.Timedelta(days=1) and early.groups["buyers"].sum() == 0


def test_guard_rails_warn_and_refuse():
    base, listed = shop({"treatment": 5, "control": 1}, n=40)
    result = campaign.lift(listed, base, until=pd.Timestamp("2024-03-05"))
    text = " ".join(result.warnings)
    assert "Only 4 days" in text and "fewer than 100 customers" in text
    assert "would be detected" in text
    missing = pd.concat(
        [listed, pd.DataFrame([("ghost", "control", LIST_DATE)], columns=listed.columns)]
    )
    assert any(
        "1 customers of the list are not" in w for w in campaign.lift(missing, base).warnings
    )
    with pytest.raises(LensError, match="no group column. Expected columns: customer_id, group"):
        campaign.lift(listed.drop(columns="group"), base)
    with pytest.raises(LensError, match="before the campaign's first day"):
        campaign.lift(listed.assign(list_date=pd.Timestamp("2024-06-01")), base)


def big_list(n: int = 10_000) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "stage": rng.choice(["Loyal", "At risk", "Inactive", "New"], n, p=[0.1, 0.2, 0.6, 0.1]),
            "rfm_segment": rng.choice(["Champions", "Lost", "Promising"], n),
        }
    )


def test_control_share_seed_and_strata():
    rows = big_list()
    out = campaign.with_control(rows, 0.2, seed=7, list_date=LIST_DATE)
    control = out["group"] == "control"
    assert abs(control.mean() - 0.2) <= 0.02
    assert set(out["list_date"]) == {LIST_DATE}
    again = campaign.with_control(rows, 0.2, seed=7, list_date=LIST_DATE)
    assert out["group"].equals(again["group"])  # same seed, same groups
    other = campaign.with_control(rows, 0.2, seed=8, list_date=LIST_DATE)
    assert not out["group"].equals(other["group"])
    # Every stratum (stage x segment) gets its share: both groups look alike.
    by_stratum = out.assign(control=control).groupby(["stage", "rfm_segment"])["control"]
    assert ((by_stratum.mean() - 0.2).abs() <= 0.06).all()
    assert (by_stratum.size() > 50).all()
    with pytest.raises(LensError, match="10% to 50%"):
        campaign.with_control(rows, 0.6, seed=1, list_date=LIST_DATE)


def test_the_result_in_words_and_for_json():
    """40% against 10% (the intervals worked out above: +25.0 to +35.0 points) reads as an
    effect; the same figures the other way round (10% against 40%) as a loss. The JSON gives
    each group's figures as counted: 500 customers, 200 buyers with one order of 50 each
    (10,000), 20 a customer; 50 buyers and 2,500 in control."""
    base, listed = shop({"treatment": 200, "control": 50})
    result = campaign.lift(listed, base)
    assert result.sentence() == (
        "40.0% of the treatment group ordered between 02 Mar 2024 and 30 Apr 2024, against "
        "10.0% of the control group (+30.0 points, 95% interval +25.0 to +35.0). The campaign "
        "made more customers order: chance alone would not."
    )
    out = result.to_dict()
    assert out["treatment"] == {
        "customers": 500,
        "buyers": 200,
        "conversion": 0.4,
        "orders": 200,
        "revenue": 10000.0,
        "revenue_per_customer": 20.0,
    }
    assert out["control"] == {
        "customers": 500,
        "buyers": 50,
        "conversion": 0.1,
        "orders": 50,
        "revenue": 2500.0,
        "revenue_per_customer": 5.0,
    }
    assert (out["since"], out["until"]) == ("2024-03-02", "2024-04-30")
    assert out["conversion_diff"] == pytest.approx(0.3)
    assert out["conversion_diff_ci"] == list(result.conversion_diff_ci)
    assert out["revenue_per_customer_diff"] == pytest.approx(15.0)
    assert out["revenue_per_customer_diff_ci"] == list(result.revenue_per_customer_diff_ci)
    assert out["incremental_revenue"] == pytest.approx(7500.0)
    assert out["incremental_revenue_ci"] == list(result.incremental_revenue_ci)
    assert out["sentence"] == result.sentence() and out["warnings"] == []
    assert len(result.daily) == 2 * 60 and result.daily.index.is_unique  # 2 Mar-30 Apr
    worse = campaign.lift(*reversed(shop({"treatment": 50, "control": 200})))
    assert worse.sentence().endswith(
        "(-30.0 points, 95% interval -35.0 to -25.0). Fewer contacted customers ordered: "
        "chance alone would not do that."
    )


def test_a_list_read_back_is_trimmed_and_checked():
    """Headers in any case and spacing, ids and groups trimmed, groups in any case; a row
    without a customer id is dropped, a customer listed twice counts once."""
    frame = pd.DataFrame(
        {
            " Customer_ID ": [" a ", "b", None, "a"],
            "GROUP": [" Treatment", "control ", "control", "treatment"],
            "List_Date": ["2024-03-01 10:00", "2024-03-01", "2024-03-01", "2024-03-01"],
        }
    )
    rows, day = campaign.read_list(frame)
    assert rows["customer_id"].tolist() == ["a", "b"]
    assert rows["group"].tolist() == ["treatment", "control"]
    assert day == pd.Timestamp("2024-03-01")
    with pytest.raises(LensError, match=r"\(export a list with a control group first\)\.$"):
        campaign.read_list(frame.drop(columns="GROUP"))
    with pytest.raises(LensError, match="also says maybe"):
        campaign.read_list(frame.assign(GROUP="maybe"))
    with pytest.raises(LensError, match="must hold one date"):
        campaign.read_list(frame.assign(List_Date=["2024-03-01", "2024-03-02"] * 2))


def test_the_draw_without_strata_and_the_list_definition():
    """100 customers with nothing to stratify by, 20% to control: 100 x 0.2 = 20 exactly (no
    fraction to round at random). 10 New and 10 Loyal at 50%: 5 of each. The list's
    definition names the strata and says who to send it to."""
    plain = campaign.with_control(
        pd.DataFrame({"customer_id": [f"c{i}" for i in range(100)]}, index=range(100, 200)),
        0.2,
        seed=3,
        list_date=LIST_DATE,
    )
    assert (plain["group"] == "control").sum() == 20 and plain.index.tolist() == list(range(100))
    assert list(plain.columns) == ["group", "list_date", "customer_id"]
    staged = campaign.with_control(
        pd.DataFrame({"customer_id": range(20), "stage": ["New"] * 10 + ["Loyal"] * 10}),
        0.5,
        seed=3,
        list_date=LIST_DATE,
    )
    assert staged.groupby("stage")["group"].apply(lambda g: (g == "control").sum()).tolist() == [
        5,
        5,
    ]
    assert campaign.definition("demo", "W 180", 0.2, 7, "Loyal customers") == {
        "list": "Loyal customers",
        "source": "demo",
        "settings": "W 180",
        "control_share": 0.2,
        "seed": 7,
        "strata": "stage and rfm_segment",
        "send to": "the treatment rows only",
    }


def test_welch_with_a_group_of_one():
    """A group of one customer has no spread of its own (no variance from one value): the
    interval comes from the other group alone. Treatment 10 and 20 (mean 15, variance 50,
    over 2: 25), control one customer at 5: difference 10, standard error 5, and with
    Welch's degrees of freedom (25^2 / (25^2 / 1) = 1) t = 12.706: 10 +- 63.53."""
    diff, (low, high) = campaign._welch(np.array([10.0, 20.0]), np.array([5.0]))
    assert diff == 10.0
    assert (low, high) == (
        pytest.approx(10 - 12.7062 * 5, abs=1e-3),
        pytest.approx(10 + 63.531, abs=1e-3),
    )
    same, (a, b) = campaign._welch(np.array([5.0]), np.array([5.0]))
    assert same == a == b == 0.0  # nothing varies: no interval to draw


def test_the_warnings_say_how_thin_and_how_early_by_hand():
    """40 + 40 customers with 5 + 1 buyers: pooled rate 6 / 80 = 0.075, so the smallest
    difference seen 80% of the time at 95% is (1.959964 + 0.841621) x sqrt(0.075 x 0.925 x
    (1/40 + 1/40)) = 2.801585 x 0.058896 = 0.1650: 16.5 points. Fourteen days of orders
    (2 to 15 March) are enough; thirteen are not."""
    base, listed = shop({"treatment": 5, "control": 1}, n=40)
    thin = campaign.lift(listed, base, until=pd.Timestamp("2024-03-15"))
    assert thin.warnings == [
        "A group has fewer than 100 customers: too few to conclude much. With these sizes "
        "only a difference in conversion of about 16.5 percentage points or more would be "
        "detected (80% of the time)."
    ]
    early = campaign.lift(listed, base, until=pd.Timestamp("2024-03-14"))
    assert early.warnings[0] == (
        "Only 13 days of orders after the list date: most customers have not had time to "
        "answer yet. Measure again later."
    )
    big, big_list_ = shop({"treatment": 5, "control": 1}, n=100)
    assert campaign.lift(big_list_, big).warnings == []  # 100 a group is enough
    ghost = pd.DataFrame([("ghost", "control", LIST_DATE)], columns=listed.columns)
    missing = campaign.lift(pd.concat([listed, ghost]), base)
    assert missing.warnings[0] == (
        "1 customers of the list are not in this order data (they count as not having "
        "ordered). Check that it is the same shop."
    )
    # The ghost counts as a control customer who did not order: 41 customers, 1 buyer.
    assert missing.groups.loc["control", ["customers", "buyers", "orders", "revenue"]].tolist() == [
        41,
        1,
        1,
        50.0,
    ]
    with pytest.raises(LensError, match="^The list has no control customers: nothing"):
        campaign.lift(listed[listed["group"] == "treatment"], base)


def test_orders_on_the_first_and_last_day_count():
    """The buyers order on 10 March: measured from 10 March to 10 March they all count."""
    base, listed = shop({"treatment": 200, "control": 50})
    day = pd.Timestamp("2024-03-10")
    result = campaign.lift(listed, base, since=day, until=day)
    assert (result.since, result.until) == (day, day)
    assert result.groups["conversion"].tolist() == [0.4, 0.1]
    assert result.name == "campaign list"
    same = campaign.lift(*reversed(shop({"treatment": 100, "control": 100})))
    assert same.sentence().endswith(
        "The difference could be chance: it is not distinguishable from zero."
    )


def test_welch_with_one_customer_against_two():
    """Treatment one customer at 5, control 1 and 3 (mean 2, variance 2, over 2: 1):
    difference 3, standard error 1, degrees of freedom 1^2 / (1^2 / 1) = 1, t = 12.7062."""
    diff, (low, high) = campaign._welch(np.array([5.0]), np.array([1.0, 3.0]))
    assert diff == 3.0
    assert (low, high) == (
        pytest.approx(3 - 12.7062, abs=1e-3),
        pytest.approx(3 + 12.7062, abs=1e-3),
    )


def test_the_control_share_is_exact_on_average_and_drawn_at_random():
    """10 customers at 25%: 2.5 wanted, so 2 or 3 go to control, at random, 3 half the
    time; over 400 seeds the mean is 2.5 (give or take 0.1: the standard error is 0.025).
    They are not simply the first rows. The shares 10% and 50% are allowed, 9% is not."""
    rows = pd.DataFrame({"customer_id": range(10)})
    counts = [
        int((campaign.with_control(rows, 0.25, seed, LIST_DATE)["group"] == "control").sum())
        for seed in range(400)
    ]
    assert set(counts) == {2, 3} and abs(np.mean(counts) - 2.5) < 0.1
    drawn = campaign.with_control(pd.DataFrame({"customer_id": range(100)}), 0.1, 1, LIST_DATE)
    assert set(drawn["group"]) == {"control", "treatment"}
    assert drawn.index[drawn["group"] == "control"].tolist() != list(range(10))
    campaign.with_control(rows, 0.5, 1, LIST_DATE)
    with pytest.raises(LensError, match="10% to 50%"):
        campaign.with_control(rows, 0.09, 1, LIST_DATE)


def test_a_list_s_errors_name_what_is_wrong():
    frame = pd.DataFrame({"customer_id": ["a", "b"], "group": ["maybe", "perhaps"]})
    with pytest.raises(LensError, match="it has no list_date column. Expected columns: "):
        campaign.read_list(frame)
    with pytest.raises(LensError, match="also says maybe, perhaps.$"):
        campaign.read_list(frame.assign(list_date="2024-03-01"))
    with pytest.raises(LensError, match="no group or list_date column"):
        campaign.read_list(frame.drop(columns="group"))
    with pytest.raises(LensError, match="it has no customer_id, group or list_date column"):
        campaign.read_list(pd.DataFrame({"email": ["a@x.com"]}))
    with pytest.raises(
        LensError, match=r"^The list_date column must hold one date \(the day the list was made\)"
    ):
        campaign.read_list(frame.assign(group="control", list_date=["2024-03-01", "2024-03-02"]))


def test_a_group_of_one_who_ordered_converted_fully():
    """One treatment customer, who orders on 10 March, against one control customer who does
    not: the treatment curve reaches 1 of 1 (100%) that day. The result keeps the list's name
    for its titles."""
    base, listed = shop({"treatment": 1, "control": 0}, n=1)
    result = campaign.lift(listed, base, name="spring.csv")
    daily = result.daily.set_index(["group", "day"])["conversion"]
    assert daily["treatment", pd.Timestamp("2024-03-10")] == 1.0
    assert daily["control", pd.Timestamp("2024-04-30")] == 0.0
    assert result.name == "spring.csv"


def test_no_difference_at_all_is_not_called_an_effect():
    """Nobody ordered in either group: 0% against 0%, an interval of (0, 0). No more and no
    fewer customers ordered, so neither 'more' nor 'fewer' may be said."""
    base, listed = shop({"treatment": 0, "control": 0}, n=5)
    result = campaign.lift(listed, base)
    assert result.conversion_diff_ci == (0.0, 0.0)
    assert result.sentence().endswith("it is not distinguishable from zero.")


def test_a_row_without_its_list_date_keeps_its_customer():
    """The list has one date; a row whose date cell was left blank is still on the list, in
    its group: 3 customers, b in control."""
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "group": ["treatment", "control", "control"],
            "list_date": ["2024-03-01", None, "2024-03-01"],
        }
    )
    rows, day = campaign.read_list(frame)
    assert rows["customer_id"].tolist() == ["a", "b", "c"] and day == pd.Timestamp("2024-03-01")
    assert rows.set_index("customer_id").loc["b", "group"] == "control"


def test_a_list_with_many_odd_groups_names_three():
    frame = pd.DataFrame(
        {"customer_id": list("abcde"), "group": ["a", "b", "c", "d", "treatment"]}
    ).assign(list_date="2024-03-01")
    with pytest.raises(LensError, match="it also says a, b, c.$"):
        campaign.read_list(frame)


def test_each_stratum_rounds_its_control_count_on_its_own_draw():
    """20 strata of 5 customers at 30%: 1.5 wanted in each, so 1 or 2, each stratum on its own
    draw. The total is then 20 + (how many strata rounded up), about 30; only if every
    stratum rounded the same way would it be 20 or 40 (odds 2 in a million per seed)."""
    rows = pd.DataFrame({"customer_id": range(100), "stage": [f"s{i % 20}" for i in range(100)]})
    for seed in range(3):
        out = campaign.with_control(rows, 0.3, seed, LIST_DATE)
        per_stratum = out[out["group"] == "control"].groupby("stage").size()
        assert set(per_stratum) == {1, 2} and len(per_stratum) == 20
        assert 20 < per_stratum.sum() < 40
