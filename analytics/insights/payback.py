"""Is acquisition paying off? Marketing spend in; CAC, margin per customer, payback month and
LTV:CAC per cohort of first-purchase month (and per acquisition channel) out.

The definitions (the README's "Payback" section says the same in plain words):

- New customers of month m: the customers whose first purchase falls in month m.
- CAC of month m = the spend of month m / its new customers. Per channel: the spend of the
  channel / the new customers whose first order came from it; spend with no channel is
  shared across the month's channels in proportion to their new customers.
- Margin per customer at month k = margin x the revenue of the cohort's orders in months
  0..k (month 0 is the first purchase's calendar month) / the cohort's new customers, for
  every k the data reaches; the last one may be partial.
- Payback month: the first k where the margin per customer reaches the CAC (None if none).
- LTV:CAC at h = margin per customer at h / CAC. Where month h is not over at the data's end,
  the margin so far plus the value model's expected margin of the cohort's customers until
  the end of month h (:class:`Ahead`, made by :mod:`analytics.value.ahead`), marked
  predicted, with an 80% range.
- Overall figures are weighted by new customers.

Everything is a few bincounts over the sorted order arrays; no loop over customers or orders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.errors import LensError
from analytics.insights.cohorts import MIN_SHARE, UNKNOWN, period_label, period_of
from analytics.insights.customers import EPOCH, CustomerBase

HORIZONS = (3, 6, 12)  # LTV:CAC is given at these months
YOUNG_MONTHS = 3  # a cohort not paid back with fewer complete months is too young to tell
Z80 = 1.2815515655446004  # the normal 90th percentile: an 80% range (as analytics.value.clv)
MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")
SPEND_COLUMNS = ["month", "channel", "spend"]


# --- the spend table ------------------------------------------------------------------------


def _month_text(value) -> str | None:
    """YYYY-MM of a cell (text, or a date an Excel sheet made of it); None if not a month."""
    if isinstance(value, (pd.Timestamp, np.datetime64)) or hasattr(value, "strftime"):
        return None if pd.isna(value) else f"{pd.Timestamp(value):%Y-%m}"
    found = MONTH.match(str(value))
    if not found or not 1 <= int(found.group(2)) <= 12:
        return None
    return f"{found.group(1)}-{int(found.group(2)):02d}"


def _blank(values: pd.Series) -> np.ndarray:
    return (values.isna() | values.astype("string").str.strip().eq("")).to_numpy()


def read_spend(frame: pd.DataFrame) -> pd.DataFrame:
    """Check a spend table and return it clean: ``month`` (YYYY-MM text), ``spend`` (float)
    and ``channel`` (text, missing for spend with no channel; only if the table has one).

    Column names are matched ignoring case and spaces; fully blank rows are dropped (the
    app's table editor leaves them). Raises LensError naming the first problem: a missing
    month or spend column, a month that is not YYYY-MM, text or a blank in the spend,
    negative spend, a month given twice (for the same channel).
    """
    names = {str(c).strip().lower(): c for c in frame.columns}
    for needed in ("month", "spend"):
        if needed not in names:
            raise LensError(
                f"The spend table has no '{needed}' column: it needs the columns month "
                "(YYYY-MM) and spend, and optionally channel."
            )
    table = pd.DataFrame({c: frame[names[c]] for c in SPEND_COLUMNS if c in names})
    table = table.reset_index(drop=True)
    empty = np.logical_and.reduce([_blank(table[c]) for c in table.columns])
    table = table[~empty].reset_index(drop=True)
    row = pd.Series(np.flatnonzero(~empty) + 1)  # the user's row numbers, from 1
    months = table["month"].map(_month_text)
    if months.isna().any():
        i = int(np.flatnonzero(months.isna().to_numpy())[0])
        raise LensError(
            f"Row {row[i]} of the spend table: '{table['month'][i]}' is not a month; write "
            "months as YYYY-MM (e.g. 2024-03)."
        )
    raw = table["spend"]
    text = raw.astype("string").str.strip().str.replace(r"^[€$£]\s*|\s*[€$£]$", "", regex=True)
    spend = pd.to_numeric(text.where(~_blank(raw)), errors="coerce")
    if spend.isna().any():
        i = int(np.flatnonzero(spend.isna().to_numpy())[0])
        what = "is empty" if _blank(raw)[i] else f"'{raw[i]}' is not a number"
        raise LensError(
            f"Row {row[i]} of the spend table ({months[i]}): the spend {what}; write a "
            "plain number such as 1250.50."
        )
    if (spend < 0).any():
        i = int(np.flatnonzero((spend < 0).to_numpy())[0])
        raise LensError(
            f"Row {row[i]} of the spend table ({months[i]}): the spend {spend[i]:g} is "
            "negative; spend is money paid out, 0 or more."
        )
    out = pd.DataFrame({"month": months.astype(str), "spend": spend.astype("float64")})
    if "channel" in table:
        channel = table["channel"].astype("string").str.strip()
        out["channel"] = channel.where(~_blank(table["channel"])).astype(object)
        out["channel"] = out["channel"].where(out["channel"].notna(), None)
        if out["channel"].isna().all():
            out = out.drop(columns="channel")
    keys = ["month", "channel"] if "channel" in out else ["month"]
    twice = out.duplicated(keys)
    if twice.any():
        i = int(np.flatnonzero(twice.to_numpy())[0])
        which = (
            f" for channel {out['channel'][i]}" if "channel" in out and out["channel"][i] else ""
        )
        raise LensError(
            f"Row {row[i]} of the spend table: month {out['month'][i]}{which} is given twice; "
            "give one spend per month" + (" and channel." if "channel" in out else ".")
        )
    return out.sort_values(keys, na_position="first", kind="stable").reset_index(drop=True)


def empty_spend(channels: bool = True) -> pd.DataFrame:
    """An empty spend table, for the app's editor: every column text, as a person types it
    (a number column would refuse the editor's text cells)."""
    columns = SPEND_COLUMNS if channels else ["month", "spend"]
    return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})


# --- what the value model adds after the data's end -------------------------------------------


@dataclass(frozen=True)
class Ahead:
    """What the value model expects each customer to bring (revenue, before margin) between
    the data's last day and the end of month h of their cohort, for h in :data:`HORIZONS`
    (0 where that month is already over). Plain arrays, made by
    :func:`analytics.value.ahead.revenue_ahead`, rows in the customer base's order.

    ``variance`` is the chance in each customer's own buying (given the parameters);
    ``gradient`` the change of each mean per log-parameter of the fitted models, whose
    uncertainty is ``covariance`` (Laplace).
    """

    mean: np.ndarray  # customers x horizons
    variance: np.ndarray  # customers x horizons
    gradient: np.ndarray  # customers x horizons x parameters
    covariance: np.ndarray  # parameters x parameters
    notes: tuple[str, ...] = field(default=())


# --- the tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payback:
    """Per group (a cohort month, or a cohort month and channel): the figures, by name.

    ``table`` columns: cohort, (channel,) new_customers, spend, cac, last_month (the last k
    the data reaches), payback_month, and per h in HORIZONS: ltv_cac_h, ltv_cac_h_low,
    ltv_cac_h_high, ltv_cac_h_predicted. ``margin``: margin per customer per (group, k),
    NaN where the data does not reach k. ``partial``: the data's last month is not over, so
    each group's last k is partial. ``overall``: the same figures weighted by new customers,
    over every group (or per channel, indexed by channel).
    """

    table: pd.DataFrame
    margin: pd.DataFrame
    partial: bool
    overall: pd.DataFrame
    margin_rate: float
    overall_margin: pd.DataFrame  # margin per customer per (overall row, k), months over


@dataclass(frozen=True)
class PaybackResult:
    cohorts: Payback
    channels: Payback | None
    warnings: list[str]
    data_end: pd.Timestamp


def _month_number(text: pd.Series) -> np.ndarray:
    return np.asarray(text.to_numpy(dtype=str), dtype="datetime64[M]").astype(np.int64)


def _month_end_day(month: np.ndarray) -> np.ndarray:
    """The last day (days since 1970) of each month number."""
    return (np.asarray(month + 1, dtype="datetime64[M]").astype("datetime64[D]") - EPOCH).astype(
        np.int64
    ) - 1


def _groups(
    base: CustomerBase,
    group: np.ndarray,
    month: np.ndarray,
    spend: np.ndarray,
    margin: float,
    ahead: Ahead | None,
    overall_of: np.ndarray,
) -> tuple[pd.DataFrame, np.ndarray, bool, pd.DataFrame, np.ndarray]:
    """The figures of every group. ``group``: per customer, its group (-1: none); ``month``
    and ``spend`` per group; ``overall_of``: per group, its overall row (-1: none)."""
    n_groups = len(month)
    last_month = int(period_of(np.array([base.last_day]), "month")[0])
    partial = bool(_month_end_day(np.array([last_month]))[0] > base.last_day)
    first_month = period_of(base.day[base.start], "month")
    new = np.bincount(group[group >= 0], minlength=n_groups).astype(np.int64)
    last_k = last_month - month  # the last k the data reaches (< 0: none)
    complete_k = last_k - int(partial)  # the last k that is over
    width = max(int(last_k.max(initial=0)) + 1, 1)
    # Per order: its group and k; revenue per (group, k), cumulated over k.
    order_group = group[base.code]
    k = period_of(base.day, "month") - first_month[base.code]
    use = order_group >= 0
    cells = order_group[use] * width + k[use]
    revenue = np.bincount(cells, weights=base.amount[use], minlength=n_groups * width)
    cumulative = np.cumsum(revenue.reshape(n_groups, width), axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_customer = margin * cumulative / new[:, None]
        cac = np.where(new > 0, spend / new, np.nan)
    reached = np.arange(width)[None, :] <= last_k[:, None]
    per_customer = np.where(reached & (new[:, None] > 0), per_customer, np.nan)
    back = per_customer >= cac[:, None]
    payback = np.where(back.any(axis=1), back.argmax(axis=1), -1)
    table = pd.DataFrame(
        {
            "new_customers": new,
            "spend": spend,
            "cac": cac,
            "last_month": np.where(new > 0, last_k, -1),
            "payback_month": pd.array(np.where(payback >= 0, payback, None), dtype="Int64"),
        }
    )
    realized_so_far = per_customer[np.arange(n_groups), np.clip(last_k, 0, width - 1)]
    n_overall = int(overall_of.max(initial=-1)) + 1
    overall, overall_margin = _overall(per_customer, new, spend, complete_k, overall_of, n_overall)
    keep = (overall_of >= 0) & (new > 0)
    o = overall_of[keep]
    for j, h in enumerate(HORIZONS):
        needs = (h > complete_k) & (new > 0)  # month h is not over at the data's end
        at_h = per_customer[:, h] if h < width else np.full(n_groups, np.nan)
        value = np.where(needs, realized_so_far, at_h) * new  # margin, summed over customers
        mean, var = np.zeros(n_groups), np.zeros(n_groups)
        grad = np.zeros((n_groups, 0))
        if ahead is not None:  # the model's sums per group, for the groups that need them
            mean, var, grad = _sums(ahead, group, j, n_groups, needs)
        value = value + margin * mean
        spread = margin * np.sqrt(np.maximum(var + _quad(grad, ahead), 0))
        unknown = needs if ahead is None else np.zeros(n_groups, dtype=bool)
        ranged = needs & ~unknown
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = ~unknown & (spend > 0)
            table[f"ltv_cac_{h}"] = np.where(ok, value / spend, np.nan)
            low = np.maximum(value - Z80 * spread, value - margin * mean)  # never below so far
            table[f"ltv_cac_{h}_low"] = np.where(ok & ranged, low / spend, np.nan)
            table[f"ltv_cac_{h}_high"] = np.where(
                ok & ranged, (value + Z80 * spread) / spend, np.nan
            )
        table[f"ltv_cac_{h}_predicted"] = needs
        if not n_overall:
            continue
        # Overall: the groups' sums added up (their model parts share the parameters, so
        # the gradients add before the variance is taken).
        spend_o = np.bincount(o, spend[keep], n_overall)
        value_o = np.bincount(o, np.nan_to_num(value[keep]), n_overall)
        lost = np.bincount(o, (unknown | np.isnan(value))[keep], n_overall) > 0
        needs_o = np.bincount(o, needs[keep], n_overall) > 0
        mean_o = np.bincount(o, mean[keep], n_overall)
        var_o = np.bincount(o, var[keep], n_overall)
        grad_o = _bincount_columns(o, grad[keep], n_overall)
        spread_o = margin * np.sqrt(np.maximum(var_o + _quad(grad_o, ahead), 0))
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = ~lost & (spend_o > 0)
            ranged = ok & needs_o
            low = np.maximum(value_o - Z80 * spread_o, value_o - margin * mean_o)
            overall[f"ltv_cac_{h}"] = np.where(ok, value_o / spend_o, np.nan)
            overall[f"ltv_cac_{h}_low"] = np.where(ranged, low / spend_o, np.nan)
            overall[f"ltv_cac_{h}_high"] = np.where(
                ranged, (value_o + Z80 * spread_o) / spend_o, np.nan
            )
        overall[f"ltv_cac_{h}_predicted"] = needs_o
    return table, per_customer, partial, overall, overall_margin


def _sums(ahead: Ahead, group: np.ndarray, j: int, n_groups: int, needs: np.ndarray):
    """Per group: the sum of the model's means, of the variances and of the gradients at
    horizon ``j`` (zero for the groups whose month is over)."""
    inside = group >= 0
    g = group[inside]
    mean = np.bincount(g, ahead.mean[inside, j], n_groups) * needs
    var = np.bincount(g, ahead.variance[inside, j], n_groups) * needs
    grad = _bincount_columns(g, ahead.gradient[inside, j], n_groups)
    return mean, var, grad * needs[:, None]


def _bincount_columns(index: np.ndarray, columns: np.ndarray, n: int) -> np.ndarray:
    """Sums of each column of ``columns`` per ``index`` (an n x columns array)."""
    out = np.zeros((n, columns.shape[1]))
    for p in range(columns.shape[1]):  # a few model parameters, never customers
        out[:, p] = np.bincount(index, columns[:, p], n)
    return out


def _quad(grad: np.ndarray, ahead: Ahead | None) -> np.ndarray:
    """grad C grad' per row: the delta method's variance from the parameters."""
    if ahead is None or grad.shape[1] == 0:
        return np.zeros(len(grad))
    return np.einsum("ij,jk,ik->i", grad, ahead.covariance, grad)


def _overall(per_customer, new, spend, complete_k, overall_of, n_overall) -> pd.DataFrame:
    """Weighted by new customers: at each k, over the groups whose month k is over, the
    margin per customer against the CAC of those same groups; the payback month is the first
    k where it reaches it."""
    keep = (overall_of >= 0) & (new > 0)
    o, width = overall_of[keep], per_customer.shape[1]
    new_o = np.bincount(o, new[keep], n_overall)
    spend_o = np.bincount(o, spend[keep], n_overall)
    over = np.arange(width)[None, :] <= complete_k[keep][:, None]
    cells = (o[:, None] * width + np.arange(width)[None, :])[over]
    weights = (per_customer[keep] * new[keep][:, None])[over]
    margin_sum = np.bincount(cells, weights, n_overall * width).reshape(n_overall, width)
    new_at = np.bincount(
        cells, np.broadcast_to(new[keep][:, None], over.shape)[over], n_overall * width
    ).reshape(n_overall, width)
    spend_at = np.bincount(
        cells, np.broadcast_to(spend[keep][:, None], over.shape)[over], n_overall * width
    ).reshape(n_overall, width)
    # As a cohort average, the curve stops where fewer than MIN_SHARE of the new customers
    # stand behind a month: past that, a few old cohorts would pass for everyone.
    behind = new_at >= MIN_SHARE * np.maximum(new_at[:, :1], 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        margin_k = np.where((new_at > 0) & behind, margin_sum / new_at, np.nan)
        cac_k = np.where((new_at > 0) & behind, spend_at / new_at, np.nan)
        back = margin_k >= cac_k
    payback = np.where(back.any(axis=1), back.argmax(axis=1), -1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cac = np.where(new_o > 0, spend_o / new_o, np.nan)
    frame = pd.DataFrame(
        {
            "new_customers": new_o.astype(np.int64),
            "spend": spend_o,
            "cac": cac,
            "payback_month": pd.array(np.where(payback >= 0, payback, None), dtype="Int64"),
        }
    )
    return frame, margin_k


def payback_table(
    base: CustomerBase,
    spend: pd.DataFrame,
    margin: float = 1.0,
    ahead: Ahead | None = None,
    channels: pd.Series | None = None,
) -> PaybackResult:
    """CAC, margin per customer, payback month and LTV:CAC per cohort month with spend, and
    per cohort month and channel when the spend names channels.

    Parameters
    ----------
    spend:
        A table from :func:`read_spend`.
    margin:
        The gross margin as a share (0.4 = 40%): the Value page's margin setting.
    ahead:
        The value model's expected revenue after the data's end (:class:`Ahead`), for the
        LTV:CAC of months not over yet; without it those are missing.
    channels:
        Per customer id, the acquisition channel (default: the channel of the first order).
    """
    if not 0 < margin <= 1:
        raise LensError("The gross margin is a share: above 0 and at most 1 (0.4 = 40%).")
    spend = read_spend(spend)
    if spend.empty:  # only blank rows: nothing to divide by (the page shows no table then)
        raise LensError(
            "The spend table has no rows: add one row per month (YYYY-MM) with its spend."
        )
    warnings = [] if ahead is None else list(ahead.notes)
    first_month = period_of(base.day[base.start], "month")
    spend_month = _month_number(spend["month"])
    months = np.unique(spend_month)
    per_month = np.bincount(np.searchsorted(months, spend_month), spend["spend"], len(months))
    position = np.searchsorted(months, first_month)
    found = (position < len(months)) & (
        months[np.minimum(position, len(months) - 1)] == first_month
    )
    group = np.where(found, position, -1)
    labels = period_label(months, "month")
    left_out = np.unique(first_month[~found])
    if len(left_out):
        warnings.append(
            f"{len(left_out)} cohort months with new customers have no spend in the table "
            f"({_list(period_label(left_out, 'month'))}): they are left out."
        )
    table, margin_k, partial, overall, overall_margin = _groups(
        base, group, months, per_month, margin, ahead, np.zeros(len(months), dtype=np.int64)
    )
    table.insert(0, "cohort", labels)
    empty = (table["new_customers"] == 0) & (table["spend"] > 0)
    if empty.any():
        warnings.append(
            f"Spend but no new customers in {_list(table['cohort'][empty])}: no CAC for "
            + ("that month." if empty.sum() == 1 else "those months.")
        )
    young = table["payback_month"].isna() & (table["new_customers"] > 0)
    young &= table["last_month"] - int(partial) < YOUNG_MONTHS - 1
    if young.any():
        warnings.append(
            f"Too young to tell: {_list(table['cohort'][young])} "
            + ("has" if young.sum() == 1 else "have")
            + f" not paid back yet, with fewer than {YOUNG_MONTHS} months over since the "
            "first purchase."
        )
    cohort_part = Payback(
        table,
        _margin_frame(margin_k, labels),
        partial,
        overall.assign(cohort="all"),
        margin,
        _margin_frame(overall_margin, ["all"]),
    )
    channel_part = None
    if "channel" in spend:
        if channels is None:
            channels = base.first_attributes.get("channel")
        if channels is None or channels.isna().all():
            warnings.append(
                "The spend names channels, but the orders have no channel column: figures "
                "per channel are not shown."
            )
        else:
            channel_part = _by_channel(
                base,
                spend,
                spend_month,
                channels,
                first_month,
                margin,
                ahead,
                warnings,
            )
    return PaybackResult(cohort_part, channel_part, warnings, base.data_end)


def _list(names) -> str:
    names = [str(n) for n in names]
    return ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")


def _margin_frame(values: np.ndarray, index) -> pd.DataFrame:
    frame = pd.DataFrame(values, index=pd.Index(list(index), dtype=object))
    frame.columns.name = "k"
    return frame


def _by_channel(
    base, spend, spend_month, channels, first_month, margin, ahead, warnings
) -> Payback:
    """Per (cohort month, channel): the channel's spend plus its share of the month's spend
    with no channel (in proportion to the month's new customers per channel)."""
    names = channels.reindex(base.ids).astype(object).where(lambda s: s.notna(), UNKNOWN)
    names = names.astype(str).str.strip().to_numpy()
    # A spend channel matches a customer channel whatever its case.
    spelling = pd.Series(names).drop_duplicates()
    spelling = dict(zip(spelling.str.casefold(), spelling, strict=True))
    given = spend["channel"].notna().to_numpy()
    spend_channel = spend["channel"].where(spend["channel"].isna(), spend["channel"].astype(str))
    spend_channel = spend_channel.map(lambda c: spelling.get(c.casefold(), c) if c else c)
    months = np.unique(spend_month)
    in_spend = np.isin(first_month, months)
    pairs = (
        pd.DataFrame(
            {
                "month": np.concatenate([first_month[in_spend], spend_month[given]]),
                "channel": np.concatenate([names[in_spend], spend_channel[given].to_numpy(str)]),
            }
        )
        .drop_duplicates()
        .sort_values(["month", "channel"], ignore_index=True)
    )
    key = pd.MultiIndex.from_frame(pairs)
    group = key.get_indexer(pd.MultiIndex.from_arrays([first_month, names]))
    group_month = pairs["month"].to_numpy()
    new = np.bincount(group[group >= 0], minlength=len(pairs))
    direct = np.zeros(len(pairs))
    np.add.at(
        direct,
        key.get_indexer(pd.MultiIndex.from_arrays([spend_month[given], spend_channel[given]])),
        spend["spend"].to_numpy()[given],
    )
    shared_by_month = (
        pd.Series(spend["spend"].to_numpy()[~given]).groupby(spend_month[~given]).sum()
    )
    new_in_month = pd.Series(new).groupby(group_month).transform("sum").to_numpy()
    shared = shared_by_month.reindex(group_month, fill_value=0.0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(new_in_month > 0, shared * new / new_in_month, 0.0)
    total = direct + share
    channel_names = np.unique(pairs["channel"])
    overall_of = np.searchsorted(channel_names, pairs["channel"].to_numpy())
    table, margin_k, partial, overall, overall_margin = _groups(
        base, group, group_month, total, margin, ahead, overall_of
    )
    labels = period_label(group_month, "month")
    table.insert(0, "channel", pairs["channel"].to_numpy())
    table.insert(0, "cohort", labels)
    table.insert(3, "shared_spend", share)
    lost = (new == 0) & (direct > 0)
    if lost.any():
        where = [
            f"{c} in {m}"
            for m, c in zip(table["cohort"][lost], table["channel"][lost], strict=True)
        ]
        warnings.append(
            f"Spend but no new customers from that channel: {_list(where)}; no CAC there "
            "(check the channel's spelling against the orders' channel column)."
        )
    overall.insert(0, "channel", channel_names)
    row_names = [f"{a} · {b}" for a, b in zip(labels, pairs["channel"], strict=True)]
    return Payback(
        table,
        _margin_frame(margin_k, row_names),
        partial,
        overall.set_index("channel", drop=False),
        margin,
        _margin_frame(overall_margin, channel_names),
    )


def _number(value, digits: int = 4):
    return None if value is None or pd.isna(value) else round(float(value), digits)


def _records(part: Payback, rows: pd.DataFrame, margin: pd.DataFrame) -> list[dict]:
    """Rows of a table (or of its overall) as JSON-ready dicts."""
    out = []
    for i, (_, row) in enumerate(rows.iterrows()):
        curve = margin.iloc[i]
        record = {
            k: (row[k] if k in ("cohort", "channel") else _number(row[k], 2))
            for k in ("cohort", "channel", "new_customers", "spend", "shared_spend", "cac")
            if k in row
        }
        record["new_customers"] = int(row["new_customers"])
        record["margin_per_customer"] = {
            str(k): round(float(v), 2) for k, v in curve.items() if pd.notna(v)
        }
        if "last_month" in row:
            record["last_month_partial"] = bool(part.partial and row["last_month"] >= 0)
        record["payback_month"] = _number(row["payback_month"], 0)
        if record["payback_month"] is not None:
            record["payback_month"] = int(record["payback_month"])
        record["ltv_cac"] = {str(h): _number(row[f"ltv_cac_{h}"]) for h in HORIZONS}
        record["ltv_cac_predicted"] = {
            str(h): [_number(row[f"ltv_cac_{h}_low"]), _number(row[f"ltv_cac_{h}_high"])]
            for h in HORIZONS
            if row[f"ltv_cac_{h}_predicted"]
        }
        out.append(record)
    return out


def to_json(result: PaybackResult) -> dict:
    """The command line's answer: cohorts, overall and (with channels) channels."""
    c = result.cohorts
    out = {
        "data_end": result.data_end.date().isoformat(),
        "margin": c.margin_rate,
        "cohorts": _records(c, c.table, c.margin),
        "overall": _records(c, c.overall, c.overall_margin)[0],
    }
    if result.channels is not None:
        ch = result.channels
        out["channels"] = _records(ch, ch.overall, ch.overall_margin)
        out["channel_cohorts"] = _records(ch, ch.table, ch.margin)
    out["sentence"] = sentence(result)
    out["warnings"] = result.warnings
    return out


def _in_months(k) -> str:
    return "within their first month" if k == 0 else f"by month {k}"


def sentence(result: PaybackResult) -> str:
    """One plain sentence: when the overall cohort pays back, and the slowest channel."""
    c = result.cohorts
    won = c.table.loc[c.table["new_customers"] > 0, "cohort"]
    if won.empty:
        return "No month with spend has new customers: there is nothing to pay back yet."
    # Cohorts too young to tell are named in a warning; the average says whom it is about.
    old = c.table.loc[
        (c.table["new_customers"] > 0)
        & (c.table["last_month"] - int(c.partial) >= YOUNG_MONTHS - 1),
        "cohort",
    ]
    won = old if len(old) else won
    period = won.iloc[0] if len(won) == 1 else f"{won.iloc[0]} to {won.iloc[-1]}"
    k = c.overall["payback_month"].iloc[0]
    text = f"Customers won in {period} " + (
        f"pay back their acquisition cost {_in_months(int(k))} on average"
        if pd.notna(k)
        else "have not paid back their acquisition cost in the months the data reaches"
    )
    if result.channels is not None:
        per = result.channels.overall
        per = per[per["new_customers"] > 0]
        late = per[per["payback_month"].isna()]
        if len(late):
            text += f"; those from {_list(late['channel'])} have not paid back yet"
        elif len(per) > 1:
            slow = per.sort_values("payback_month", kind="stable").iloc[-1]
            text += f"; those from {slow['channel']} {_in_months(int(slow['payback_month']))}"
    return text + " (weighted by new customers; month 0 is the month of the first purchase)."
