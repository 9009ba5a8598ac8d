"""Shops built by hand for the CLV tests, shaped like real order logs."""

from __future__ import annotations

import numpy as np
import pandas as pd

GIANT_ORDER = 168_000.0


def one_year_invoices(
    n_customers: int = 4000, seed: int = 8, dropout: tuple[float, float] = (0.02, 3)
) -> pd.DataFrame:
    """A year of a gift wholesaler's invoices, shaped like the UK online-retail log.

    Many customers buy again and again (a gamma-distributed rate, about 5 invoices a year on
    average), almost nobody leaves within the year (a beta drop-out chance close to 0: the
    drop-out is not identifiable from one year), spend per invoice has a heavy tail
    (log-normal customer averages), and one customer placed one giant order of
    :data:`GIANT_ORDER` on a repeat visit. A third of the customers were already buying when
    the log starts. Columns: ``InvoiceNo``, ``CustomerID``, ``InvoiceDate``, ``Amount``.
    """
    rng = np.random.default_rng(seed)
    start, days = np.datetime64("2011-01-01", "D"), 365
    first = np.where(
        rng.random(n_customers) < 1 / 3,
        rng.integers(0, 30, n_customers),
        rng.integers(0, days, n_customers),
    )
    rate = rng.gamma(0.9, 1 / 60, n_customers)  # invoices per day
    drop = rng.beta(*dropout, n_customers)
    mean_spend = rng.lognormal(5.6, 1.0, n_customers)
    rows = []
    for c in range(n_customers):
        day = first[c]
        while day < days:
            amount = rng.gamma(3.0, mean_spend[c] / 3.0)
            rows.append((c, day, round(amount, 2)))
            if rng.random() < drop[c]:
                break
            day += max(1, int(np.ceil(rng.exponential(1 / rate[c]))))
    frame = pd.DataFrame(rows, columns=["customer", "day", "Amount"])
    # The giant order: the second invoice of the customer with the most invoices' neighbour.
    repeaters = frame.groupby("customer").size()
    whale = int(repeaters[repeaters >= 3].index[len(repeaters[repeaters >= 3]) // 2])
    second = frame.index[frame["customer"] == whale][1]
    frame.loc[second, "Amount"] = GIANT_ORDER
    frame["InvoiceNo"] = np.arange(536365, 536365 + len(frame)).astype(str)
    frame["CustomerID"] = (12346 + frame["customer"]).astype(str)
    frame["InvoiceDate"] = (start + frame["day"].to_numpy()).astype("datetime64[ns]")
    frame = frame.sort_values(["InvoiceDate", "InvoiceNo"]).reset_index(drop=True)
    return frame[["InvoiceNo", "CustomerID", "InvoiceDate", "Amount"]]
