"""Command-line start-up: each command as a whole process vs importing pandas + pyarrow.csv.

    python benchmarks/startup.py            # prints JSON; run.py puts it in RESULTS.md

Each figure is the median of ``repeat`` runs, the baseline measured in the same loop, so the
ratio holds on a shared, noisy machine.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = "data/demo_orders.csv"
BASELINE = [sys.executable, "-c", "import pandas, pyarrow.csv"]
COMMANDS = {
    "inspect": 2.0,  # the ceilings, as a multiple of the baseline
    "lifecycle": 2.5,
    "cohorts": 2.5,
    "segments": 2.5,
}


def _seconds(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def measure(repeat: int = 5) -> list[dict]:
    """Median seconds per command on the demo shop, and the ratio to the baseline."""
    times: dict[str, list[float]] = {"baseline": [], **{c: [] for c in COMMANDS}}
    for _ in range(repeat):  # interleaved: a busy moment hits every command alike
        times["baseline"].append(_seconds(BASELINE))
        for command in COMMANDS:
            times[command].append(_seconds([sys.executable, "-m", "analytics", command, DEMO]))
    base = statistics.median(times["baseline"])
    return [
        {
            "command": f"python -m analytics {command} {DEMO}",
            "seconds": round(statistics.median(times[command]), 2),
            "baseline_seconds": round(base, 2),
            "ratio": round(statistics.median(times[command]) / base, 2),
            "target_ratio": target,
        }
        for command, target in COMMANDS.items()
    ]


def table(rows: list[dict]) -> str:
    lines = [
        "| Command | Seconds | `import pandas, pyarrow.csv` (s) | Ratio | Target |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        met = "met" if row["ratio"] <= row["target_ratio"] else "NOT met"
        lines.append(
            f"| `{row['command']}` | {row['seconds']} | {row['baseline_seconds']} | "
            f"{row['ratio']}x | {row['target_ratio']}x ({met}) |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(json.dumps(measure(), indent=2))
