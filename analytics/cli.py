"""Command line: ``python -m analytics <command> ORDERS [options]``, JSON on stdout.

The same functions as the app. Bad input: one line on stderr and exit status 2.
ORDERS may also be ``demo`` (the bundled demo shop) or ``cdnow`` (the CDNOW data set).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.errors import LensError, MissingColumn

# Light modules only: lifetimes, scikit-learn, fpdf2 and vl-convert load inside the
# commands that use them (clv, backtest, propensity, report), so `inspect` starts fast.
from analytics.ingest import guards, sources
from analytics.ingest.formats import FORMATS
from analytics.ingest.io import (
    CDNOW_NAME,
    DEMO_CONTACTS,
    DEMO_CURRENCY,
    DEMO_ORDERS,
    DEMO_SPEND,
    Contacts,
    load_dataset,
)
from analytics.ingest.orders import PRODUCT_KEYS, OrderLog, ReadOptions
from analytics.ingest.readers import read_table
from analytics.insights import campaign, cohorts, customers, lifecycle, rfm, segments
from analytics.insights.customers import build_customer_base
from analytics.output import export, present
from analytics.value import clv, propensity


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2, like every other bad input
        self.exit(2, f"error: {message} (see --help)\n")


def _reading_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "orders",
        help="orders file (CSV, .xlsx, .parquet), a Parquet folder or glob, a database URL "
        "(postgresql://user@host:port/db, mysql://user@host:port/db, duckdb:///file.duckdb, "
        "spark://local[2]), "
        "or 'demo' / 'cdnow'",
    )
    parser.add_argument("--table", help="with a database URL: the table (or Spark Parquet path)")
    parser.add_argument("--sql", help="with a database URL: one SELECT query to read instead")
    parser.add_argument("--contacts", help="contacts file (makes prospects visible)")
    parser.add_argument("--format", choices=FORMATS, default="auto", dest="fmt")
    dates = parser.add_mutually_exclusive_group()
    dates.add_argument("--dayfirst", action="store_const", const="dayfirst", dest="date_order")
    dates.add_argument("--monthfirst", action="store_const", const="monthfirst", dest="date_order")
    parser.add_argument("--encoding")
    parser.add_argument("--sheet", help="Excel sheet name")
    parser.add_argument("--decimal", choices=[",", "."])
    parser.add_argument(
        "--currency",
        metavar="CODE",
        type=str.upper,
        help="ISO code of the amounts' currency when the file names none (e.g. EUR)",
    )
    for role, flag in [
        ("customer_id", "--customer"),
        ("order_date", "--date"),
        ("amount", "--amount"),
        ("order_id", "--order-id"),
        ("status", "--status"),
        ("email", "--email"),
        ("product", "--product"),
        ("sku", "--sku"),
    ]:
        parser.add_argument(flag, dest=f"map_{role}", metavar="COL", help=f"column for {role}")
    parser.add_argument(
        "--product-key",
        choices=PRODUCT_KEYS,
        default="name",
        help="a product is its name (default) or its SKU",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m analytics", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    inspect = commands.add_parser("inspect", help="read an export and report what was kept")
    _reading_options(inspect)
    stages = commands.add_parser("lifecycle", help="customers per lifecycle stage")
    _reading_options(stages)
    _stage_settings(stages)
    cohort = commands.add_parser("cohorts", help="cohort retention and revenue matrices")
    _reading_options(cohort)
    cohort.add_argument("--period", choices=cohorts.PERIODS, default="month")
    cohort.add_argument("--metric", choices=list(cohorts.METRICS), default="retention")
    cohort.add_argument(
        "--group-by",
        help="split by an acquisition attribute, e.g. 'Channel "
        "(first order)' (see the Cohorts page)",
    )
    cohort.add_argument("--min-size", type=int, default=1)
    cohort.add_argument("--as-of", help="reference date YYYY-MM-DD (default: last order)")
    cohort.add_argument(
        "--keep-existing",
        action="store_true",
        help="keep the data's first month when it looks like customers already there",
    )
    segment = commands.add_parser("segments", help="customers per RFM segment")
    _reading_options(segment)
    _stage_settings(segment)
    export = commands.add_parser("export", help="write a campaign list as CSV or XLSX")
    _reading_options(export)
    _stage_settings(export)
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--stage", choices=lifecycle.BUYER_STAGES, help="a lifecycle stage")
    which.add_argument(
        "--segment", choices=[*rfm.SEGMENTS, "all"], help="an RFM segment, or 'all' customers"
    )
    export.add_argument("--out", required=True, help="FILE.csv or FILE.xlsx")
    export.add_argument(
        "--control",
        type=float,
        help="hold out this share (0.1-0.5) as a control group: adds group and list_date",
    )
    export.add_argument("--seed", type=int, default=1, help="the control group's draw")
    export.add_argument(
        "--with-value",
        action="store_true",
        help="add CLV (BG/NBD + Gamma-Gamma, 12 months of 30 days, 1%%/month, revenue), "
        "P(alive) and churn risk (90 days), as the app's defaults",
    )
    value = commands.add_parser("clv", help="customer lifetime value, backtest and challenger")
    _reading_options(value)
    value.add_argument("--as-of", help="fit on orders up to this date (default: last order)")
    value.add_argument("--model", choices=list(clv.MODELS), default=clv.DEFAULT_MODEL)
    value.add_argument("--horizon-months", type=int, default=12, help="months of 30 days")
    value.add_argument("--discount-rate", type=float, default=0.01, help="per month, 0.01 = 1%%")
    value.add_argument("--margin", type=float, default=1.0, help="gross margin, 1.0 = 100%%")
    value.add_argument("--holdout-days", type=int, help="default: the last 25%% of the period")
    value.add_argument("--churn-days", type=int, default=propensity.HORIZON_DEFAULT)
    measure = commands.add_parser("lift", help="did a campaign list with a control group work?")
    measure.add_argument("list", help="the campaign list file (CSV or .xlsx) with its group column")
    _reading_options(measure)
    measure.add_argument("--since", help="count orders from this date (default: list date + 1)")
    measure.add_argument("--until", help="count orders up to this date (default: data's end)")
    pay = commands.add_parser("payback", help="CAC, payback month and LTV:CAC per cohort")
    _reading_options(pay)
    pay.add_argument(
        "--spend", help="spend file (CSV or .xlsx): month, spend[, channel]; the demo has its own"
    )
    pay.add_argument("--margin", type=float, default=1.0, help="gross margin, 1.0 = 100%%")
    pay.add_argument("--model", choices=list(clv.MODELS), default=clv.DEFAULT_MODEL)
    pay.add_argument("--as-of", help="reference date YYYY-MM-DD (default: last order)")
    again = commands.add_parser(
        "repurchase", help="repurchase curve, by cohort, and time between purchases"
    )
    _reading_options(again)
    again.add_argument("--as-of", help="reference date YYYY-MM-DD (default: last order)")
    _keep_existing(again)
    bought = commands.add_parser(
        "products", help="first products, what comes next, product journeys (line items)"
    )
    _reading_options(bought)
    bought.add_argument("--as-of", help="reference date YYYY-MM-DD (default: last order)")
    bought.add_argument("--first", metavar="PRODUCT", help="what comes next after this product")
    bought.add_argument("--top", type=int, default=10, help="rows per list (default 10)")
    _keep_existing(bought)
    pdf = commands.add_parser("report", help="write the management report as PDF")
    _reading_options(pdf)
    _stage_settings(pdf)
    _keep_existing(pdf)
    pdf.add_argument("--model", choices=list(clv.MODELS), default=clv.DEFAULT_MODEL)
    pdf.add_argument("--horizon-months", type=int, default=12, help="months of 30 days")
    pdf.add_argument("--discount-rate", type=float, default=0.01, help="per month, 0.01 = 1%%")
    pdf.add_argument(
        "--margin", type=float, default=1.0, help="gross margin (CLV, payback), 1.0 = 100%%"
    )
    pdf.add_argument("--out", required=True, help="FILE.pdf")
    pdf.add_argument(
        "--spend", help="spend file (CSV or .xlsx): adds the payback section; the demo has its own"
    )
    return parser


def _keep_existing(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--keep-existing",
        action="store_true",
        help="keep the data's first month when it looks like customers already there",
    )


def _stage_settings(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", help="reference date YYYY-MM-DD (default: last order)")
    parser.add_argument("--window", type=int, default=180, help="inactivity window in days")
    parser.add_argument("--at-risk-factor", type=float, default=1.5)
    parser.add_argument("--hero-pct", type=float, default=rfm.HERO_DEFAULT_PCT)


def read_inputs(args: argparse.Namespace) -> tuple[OrderLog, Contacts | None]:
    """The order log (and contacts) named on the command line."""
    mapping = {
        key[4:]: value for key, value in vars(args).items() if key.startswith("map_") and value
    }
    options = ReadOptions(
        format=args.fmt,
        date_order=args.date_order,
        encoding=args.encoding,
        sheet=args.sheet,
        decimal=args.decimal,
        mapping=mapping,
        currency=args.currency,
        product_key=args.product_key,
    )
    contacts_path = args.contacts
    location = sources.locate(args.orders, args.table, args.sql)
    if location is not None:
        contacts = (
            (Path(contacts_path).name, _read_bytes(Path(contacts_path)))
            if contacts_path
            else ("", b"")
        )
        return load_dataset(location.name, b"", options, *contacts, location=location)
    if args.orders == "demo" and not Path("demo").exists():
        path = DEMO_ORDERS
        contacts_path = contacts_path or str(DEMO_CONTACTS)
        options.currency = options.currency or DEMO_CURRENCY
    else:
        path = Path(args.orders)
    contacts = (
        (Path(contacts_path).name, _read_bytes(Path(contacts_path))) if contacts_path else ("", b"")
    )
    if args.orders == CDNOW_NAME and not path.exists():
        return load_dataset(CDNOW_NAME, contacts_name=contacts[0], contacts=contacts[1])
    return load_dataset(path.name, _read_bytes(path), options, *contacts)


def source_name(args: argparse.Namespace) -> str:
    """The data's name in lists and reports: a location's name (never a password), or the
    file's name."""
    location = sources.locate(args.orders, args.table, args.sql)
    return location.name if location is not None else Path(args.orders).name


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise LensError(f"Cannot write {path} ({exc.strerror}).") from exc


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise LensError(f"File not found: {path}") from exc
    except IsADirectoryError as exc:
        raise LensError(f"{path} is a folder, not a file.") from exc
    except OSError as exc:
        raise LensError(f"{path} could not be opened ({exc.strerror}).") from exc


def inspect_result(log: OrderLog) -> dict:
    orders = log.orders
    report = log.report
    return {
        "format": log.format,
        "rows_read": report.rows_read,
        "orders": len(orders),
        "customers": int(orders["customer_id"].nunique()),
        "revenue": round(float(orders["amount"].sum()), 2),
        "currency": log.currency,
        "orders_per_currency": log.currencies,
        "first_order": orders["order_date"].min().date().isoformat(),
        "last_order": orders["order_date"].max().date().isoformat(),
        "dropped": report.dropped,
        "warnings": report.warnings,
        "notes": report.notes,
        "mapping": {k: v for k, v in log.mapping.items() if v},
        # Line items, when the data names products (else left out: same output as before).
        **({"lines": report.lines} if report.lines else {}),
    }


def _snapshot(log: OrderLog, contacts: Contacts | None, args):
    if not 30 <= args.window <= 730:
        raise LensError("The inactivity window must be between 30 and 730 days.")
    if not 0 < args.hero_pct <= 100:
        raise LensError("--hero-pct must be above 0 and at most 100.")
    base = build_customer_base(log.orders)
    index = lifecycle.prepare(base, contacts.contacts if contacts else None)
    t = _as_of(args.as_of, base)
    return index, lifecycle.snapshot(index, t, args.window, args.at_risk_factor)


def _settings(snap, args) -> dict:
    return {
        "as_of": pd.Timestamp(customers.from_days(snap.day)).date().isoformat(),
        "window_days": args.window,
        "at_risk_factor": args.at_risk_factor,
    }


def lifecycle_result(log: OrderLog, contacts: Contacts | None, args) -> dict:
    _, snap = _snapshot(log, contacts, args)
    counts = lifecycle.stage_counts(snap)
    return {
        **_settings(snap, args),
        "customers": int((snap.n > 0).sum()),
        "stages": {stage: None if pd.isna(v) else int(v) for stage, v in counts.items()},
    }


def segments_result(log: OrderLog, contacts: Contacts | None, args) -> dict:
    index, snap = _snapshot(log, contacts, args)
    scores = rfm.score(rfm.customer_facts(index, snap))
    counts = scores["rfm_segment"].value_counts().reindex(rfm.SEGMENTS, fill_value=0)
    return {
        **_settings(snap, args),
        "customers": len(scores),
        "segments": {name: int(v) for name, v in counts.items()},
    }


def _value_scores(index, snap):
    """The Value page's defaults (:class:`analytics.value.clv.Settings`) and default model;
    ``(None, why)`` when the model cannot tell who has left (no value column then, as in
    the app)."""
    base, t = index.base, pd.Timestamp(customers.from_days(snap.day))
    summary = customers.summarise(base, t)
    settings = clv.Settings()
    fitted = clv.fit(summary)
    if fitted.cannot_tell_dropout:
        return None, f"No value columns: {fitted.warnings[0]}"
    fc = clv.forecast(fitted, summary, settings.months)
    table = clv.score_table(fitted, fc, summary, settings, clv.outlier_limit(base, t))
    return segments.value_scores(base, t, table), ""


def export_result(log: OrderLog, contacts: Contacts | None, args) -> dict:
    out = Path(args.out)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        raise LensError("--out must end in .csv or .xlsx.")
    index, snap = _snapshot(log, contacts, args)
    scores, left_out = _value_scores(index, snap) if args.with_value else (None, "")
    table = segments.customer_table(index, snap, args.hero_pct, scores)
    if args.stage:
        mask = segments.select(table, segments.SegmentFilter(stages=(args.stage,)))
    elif args.segment != "all":
        mask = segments.select(table, segments.SegmentFilter(segments=(args.segment,)))
    else:
        mask = None
    rows = segments.export_table(table, mask)
    about = None
    if args.control is not None:
        day = pd.Timestamp(customers.from_days(snap.day))
        rows = campaign.with_control(rows, args.control, args.seed, day)
        what = f"stage {args.stage}" if args.stage else f"RFM segment {args.segment}"
        about = campaign.definition(
            source_name(args),
            f"reference date {day.date()}, inactivity window {args.window} days, at-risk "
            f"factor {args.at_risk_factor:g}",
            args.control,
            args.seed,
            what,
        )
    if out.suffix.lower() == ".csv":
        data = export.to_csv_bytes(rows, about)
    else:
        data = export.to_xlsx_bytes(rows, definition=about)
    _write(out, data)
    written = {**_settings(snap, args), "out": str(out), "rows": len(rows), "columns": list(rows)}
    return {**written, "warnings": [left_out]} if left_out else written


def cohorts_result(log: OrderLog, contacts: Contacts | None, args) -> dict:
    base = build_customer_base(log.orders)
    groups = None
    if args.group_by:
        firsts = None
        if args.group_by == cohorts.FIRST_PRODUCT and log.lines is not None:
            from analytics.insights import products

            firsts = products.first_product(products.prepare(base, log.lines), base)
        options = cohorts.acquisition_attributes(
            base, contacts.contacts if contacts else None, firsts
        )
        if args.group_by not in options:
            raise LensError(
                f"Cannot group by '{args.group_by}': this data offers {sorted(options) or 'none'}."
            )
        groups = options[args.group_by]
    existing = None if args.keep_existing else cohorts.existing_base(base)
    first_from = existing.until if existing else None
    t = _as_of(args.as_of, base)  # the cohorts as they stood then: no later order seen
    table = cohorts.cohort_table(
        customers.as_of(base, t),
        args.period,
        args.metric,
        groups,
        first_from,
        min_size=args.min_size,
    )
    return {
        "period": args.period,
        "left_out": existing.sentence() if existing else None,
        "metric": args.metric,
        "group_by": args.group_by,
        "data_end": base.data_end.date().isoformat(),
        "as_of": t.date().isoformat(),
        "cohorts": cohorts.to_records(table),
        "average": [None if pd.isna(v) else round(float(v), 6) for v in table.average],
        "average_support": table.support.to_dict("records"),
        "average_same_customers": table.same_cohorts,
    }


def repurchase_result(log: OrderLog, contacts: Contacts | None, args) -> dict:
    from analytics.insights import repurchase

    base = build_customer_base(log.orders)
    existing = None if args.keep_existing else cohorts.existing_base(base)
    return repurchase.repurchase(base, _as_of(args.as_of, base), existing).to_json()


def products_result(log: OrderLog, contacts: Contacts | None, args) -> dict:
    from analytics.insights import products

    if not 1 <= args.top <= 1000:
        raise LensError("--top must be between 1 and 1000.")
    base = build_customer_base(log.orders)
    existing = None if args.keep_existing else cohorts.existing_base(base)
    first_from = existing.until if existing else None
    index = products.prepare(base, log.lines, _as_of(args.as_of, base), first_from)
    left_out = f"{existing.sentence()} They are left out." if existing else None
    return products.to_json(index, base, args.first, args.top, left_out)


def _as_of(as_of: str | None, base) -> pd.Timestamp:
    if not as_of:
        return base.data_end
    try:
        t = pd.Timestamp(as_of).normalize()
    except ValueError as exc:
        raise LensError(f"'{as_of}' is not a date: write it as YYYY-MM-DD.") from exc
    if not base.data_start <= t <= base.data_end:
        raise LensError(
            f"The reference date must be within the data: {base.data_start.date()} to "
            f"{base.data_end.date()}."
        )
    return t


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(value) else float(value)
    return value


def _check_value_settings(args) -> None:
    """The Value page's settings as given on the command line, each within its range (a
    command without a horizon or a discount checks the margin alone)."""
    months, rate = getattr(args, "horizon_months", 12), getattr(args, "discount_rate", 0.0)
    if not 1 <= months <= 120 or not 0 <= rate < 1:
        raise LensError("--horizon-months must be 1-120 and --discount-rate between 0 and 1.")
    if not 0 < args.margin <= 1:
        raise LensError("--margin is a share: above 0 and at most 1 (0.4 = 40%).")


def clv_result(log: OrderLog, contacts: Contacts | None, args) -> dict:
    _check_value_settings(args)
    from analytics.value import backtest

    base = build_customer_base(log.orders)
    t = _as_of(args.as_of, base)
    summary = customers.summarise(base, t)
    fitted = clv.fit(summary, args.model)
    fc = clv.forecast(fitted, summary, args.horizon_months)
    values = clv.clv(fc, args.horizon_months, args.discount_rate, args.margin)
    interval = clv.total_interval(fitted, fc, values)
    notes = list(fitted.warnings)
    try:
        result = backtest.run(customers.as_of(base, t), args.model, args.holdout_days)
    except LensError as exc:
        result = None
        notes.append(f"The backtest could not be run: {exc}")
    duel_result = {"problem": "no backtest to judge it on"}
    if result is not None:
        try:
            index = lifecycle.prepare(base)
            duel = propensity.challenge(
                index, result.calibration_end, args.churn_days, result.fitted
            )
            duel_result = {
                "horizon_days": duel.horizon,
                "roc_auc_model": duel.roc_auc_model,
                "roc_auc_clv_model": duel.roc_auc_clv,
                "top_decile_lift_model": duel.lift_model,
                "top_decile_lift_clv_model": duel.lift_clv,
            }
            result = result.with_challenger(duel.chance)
        except LensError as exc:
            duel_result = {"problem": str(exc)}
    total = float(values.sum())
    from analytics.value import lists

    outliers = lists.outlier_totals(values, clv.outliers(summary, clv.outlier_limit(base, t)))
    # The total's range with the backtest's measured bias and spread (analytics.value.verdict).
    widened = interval if result is None else result.total_range(total, *interval)
    return {
        "as_of": t.date().isoformat(),
        "model": args.model,
        "model_reason": fitted.reason,
        "params": fitted.params,
        "spend_model": fitted.spend.method,
        "spend_params": fitted.spend.params,
        "frequency_spend_correlation": fitted.frequency_spend_correlation,
        "customers": fitted.customers,
        "horizon_months": args.horizon_months,
        "total_clv": total,
        # null: no upper end (the backtest's model predicted under a tenth of what happened)
        "total_clv_interval": [float(v) if np.isfinite(v) else None for v in widened],
        "total_clv_interval_model_only": [float(interval[0]), float(interval[1])],
        "interval": clv.INTERVAL,
        "one_order_outliers": {"customers": outliers["customers"], "clv": outliers["outliers"]},
        "total_clv_without_outliers": outliers["without"],
        "backtest_verdict": (
            "No backtest, so the figures are unchecked."
            if result is None
            else present.with_caveat(
                result.verdict_sentence(),
                fitted.cannot_tell_dropout,
                result.holdout_days,
                args.horizon_months,
            )
        ),
        "cannot_tell_dropout": fitted.cannot_tell_dropout,
        "backtest": None if result is None else result.summary(),
        "propensity": duel_result,
        "warnings": notes,
    }


def report_result(log: OrderLog, contacts: Contacts | None, args) -> dict:
    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise LensError("--out must end in .pdf.")
    from analytics.output import report

    _check_value_settings(args)
    index, snap = _snapshot(log, contacts, args)
    t = pd.Timestamp(customers.from_days(snap.day))
    name = source_name(args)
    settings = report.ReportSettings(
        name,
        t,
        args.window,
        args.at_risk_factor,
        args.model,
        args.horizon_months,
        log.currency,
        args.discount_rate,
        args.margin,
        not args.keep_existing,
        args.hero_pct,
    )
    result = None
    if _spend_path(args):
        spend = read_spend_file(_spend_path(args))
        result = _payback(customers.as_of(index.base, t), spend, args)
    data = report.build(index, settings, payback=result, lines=log.lines)
    _write(out, data)
    return {
        **_settings(snap, args),
        "currency": log.currency,
        "out": str(out),
        "bytes": len(data),
    }


def lift_result(log: OrderLog, contacts: Contacts | None, args) -> dict:
    path = Path(args.list)
    listed = read_table(_read_bytes(path), path.name).frame
    base = build_customer_base(log.orders)
    since, until = _date(args.since, "--since"), _date(args.until, "--until")
    return campaign.lift(listed, base, since, until).to_dict()


def _date(text: str | None, flag: str) -> pd.Timestamp | None:
    if not text:
        return None
    try:
        return pd.Timestamp(text).normalize()
    except ValueError as exc:
        raise LensError(f"{flag} '{text}' is not a date: write it as YYYY-MM-DD.") from exc


def _spend_path(args) -> str | None:
    """The spend file given, else the demo shop's own (as the app uses it), else None."""
    if args.spend:
        return args.spend
    if args.orders == "demo" and not Path("demo").exists():
        return str(DEMO_SPEND)
    return None


def read_spend_file(path: str):
    """A spend file (CSV or Excel) checked by :func:`analytics.insights.payback.read_spend`."""
    from analytics.insights import payback

    name = Path(path)
    return payback.read_spend(read_table(_read_bytes(name), name.name).frame)


def payback_result(log: OrderLog, contacts: Contacts | None, args) -> dict:
    from analytics.insights import payback

    if _spend_path(args) is None:
        raise LensError(
            "payback needs the marketing spend: add --spend FILE (month, spend[, channel])."
        )
    spend = read_spend_file(_spend_path(args))
    base = build_customer_base(log.orders)
    return payback.to_json(_payback(customers.as_of(base, _as_of(args.as_of, base)), spend, args))


def _payback(base, spend, args):
    """The payback tables, with the value model's predictions when it can be fitted (``base``
    as of the reference date: the model is fitted on its orders, to its last day)."""
    from analytics.value import ahead

    _check_value_settings(args)

    def predict():
        summary = customers.summarise(base)
        return ahead.revenue_ahead(clv.fit(summary, args.model), base, summary)

    return ahead.payback_table(base, spend, args.margin, predict)


COMMANDS = {
    "products": products_result,
    "repurchase": repurchase_result,
    "payback": payback_result,
    "lift": lift_result,
    "report": report_result,
    "clv": clv_result,
    "lifecycle": lifecycle_result,
    "cohorts": cohorts_result,
    "segments": segments_result,
    "export": export_result,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        log, contacts = read_inputs(args)
        if args.command == "inspect":
            result = inspect_result(log)
        else:
            result = COMMANDS[args.command](log, contacts, args)
    except MissingColumn as exc:  # the app says "column mapping"; here, the option
        print(f"error: {exc} On the command line: {exc.flag} COL.", file=sys.stderr)
        return 2
    except LensError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a user never sees a traceback
        text = guards.scrubbed(exc, args.orders)[:300]
        print(f"error: unexpected problem ({type(exc).__name__}: {text})", file=sys.stderr)
        return 2
    print(json.dumps(_jsonable(result), indent=2, allow_nan=False))
    return 0
