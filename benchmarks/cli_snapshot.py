"""Every command line output on three shops, saved or compared byte for byte.

Used around a restructuring of the code: save before, check after; nothing may change.

    python benchmarks/cli_snapshot.py save  FOLDER
    python benchmarks/cli_snapshot.py check FOLDER     (exit 1 and the differences if any)

The shops: the bundled demo, CDNOW (shipped inside lifetimes) and the Shopify export of the
tests. The PDF report is compared by its text (its file carries the moment it was made).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SETTINGS = ["--as-of", "2025-06-30", "--window", "150", "--at-risk-factor", "2"]


def commands(work: Path) -> dict[str, list[str]]:
    from tests import exports

    shopify = work / "orders_export.csv"
    shopify.write_text(exports.SHOPIFY)
    demo = [
        str(ROOT / "data" / "demo_orders.csv"),
        "--contacts",
        str(ROOT / "data/demo_contacts.csv"),
    ]
    runs: dict[str, list[str]] = {}
    for shop, source in (("demo", demo), ("cdnow", ["cdnow"]), ("shopify", [str(shopify)])):
        settings = SETTINGS if shop == "demo" else []
        runs[f"{shop}_inspect"] = ["inspect", *source]
        runs[f"{shop}_lifecycle"] = ["lifecycle", *source, *settings]
        runs[f"{shop}_segments"] = ["segments", *source, *settings]
        for metric in ("retention", "revenue"):
            runs[f"{shop}_cohorts_{metric}"] = ["cohorts", *source, "--metric", metric]
        out = work / f"{shop}_list.csv"
        runs[f"{shop}_export"] = ["export", *source, "--segment", "all", "--out", str(out),
                                  "--control", "0.2", "--with-value"]  # fmt: skip
        runs[f"{shop}_report"] = ["report", *source, "--out", str(work / f"{shop}.pdf")]
        runs[f"{shop}_repurchase"] = ["repurchase", *source]
    runs["demo_clv"] = ["clv", *demo, "--model", "bgnbd"]
    runs["cdnow_clv"] = ["clv", "cdnow"]
    runs["demo_cohorts_quarter_channel"] = [
        "cohorts", *demo, "--period", "quarter", "--group-by", "Channel (first order)",
    ]  # fmt: skip
    runs["demo_lift"] = ["lift", str(work / "demo_list.csv"), *demo]
    runs["shopify_products"] = ["products", str(shopify), "--first", "Shirt"]
    runs["bad_file"] = ["inspect", str(work / "missing.csv")]
    return runs


def outputs() -> dict[str, bytes]:
    from pypdf import PdfReader

    found: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for name, args in commands(work).items():
            done = subprocess.run(
                [sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True
            )
            text = done.stdout.replace(folder.encode(), b"<work>")
            error = done.stderr.replace(folder.encode(), b"<work>")
            found[name] = b"exit %d\n" % done.returncode + text + b"\n--stderr--\n" + error
            for made in sorted(work.glob(name.split("_")[0] + "*")):
                if made.suffix == ".csv" and name.endswith("_export"):
                    found[name + ".csv"] = made.read_bytes()
                if made.suffix == ".pdf" and name.endswith("_report"):
                    pages = PdfReader(made).pages
                    found[name + ".txt"] = "\n".join(p.extract_text() for p in pages).encode()
    return found


def main() -> int:
    what, folder = sys.argv[1], Path(sys.argv[2])
    found = outputs()
    if what == "save":
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in found.items():
            (folder / name).write_bytes(data)
        print(f"saved {len(found)} outputs to {folder}")
        return 0
    saved = {p.name: p.read_bytes() for p in folder.iterdir()}
    differ = sorted(n for n in set(saved) | set(found) if saved.get(n) != found.get(n))
    for name in differ:
        print(f"differs: {name}")
    print(f"{len(found)} outputs, {len(differ)} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
