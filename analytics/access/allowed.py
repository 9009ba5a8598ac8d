"""What the app may read on the server: the sources whoever runs it listed, and nothing else.

A visitor of the app never names a server path, host, Spark master or password. They pick a
source by name from the operator's list, kept in ``.streamlit/secrets.toml`` (in the folder
the app is started from, or the home folder of the user who runs it)::

    [sources.shop]                         # a visitor sees "shop"
    url = "postgresql://lens@db.example.com:5432/shop"
    table = "orders"                       # optional: the table offered first
    password = "..."                       # optional (else ~/.pgpass, for this entry only)

    [sources.lake]
    url = "/srv/lake"                      # a folder: visitors read Parquet files inside it

A visitor may still type a table name, one SELECT (for a database) or a path inside a listed
folder. A path is resolved (``..``, symlinks, globs) before it is checked, and a file is read
only when it lies inside the listed folder and outside the app's own folders
(:func:`private_roots`): the kept datasets, the app's code and the home folder are never a
source, whatever the list says. The command line is run by the server's own user and keeps
full access (:func:`analytics.ingest.sources.locate`).
"""

from __future__ import annotations

import glob
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from analytics.errors import LensError
from analytics.ingest.guards import check_select, refuse_password
from analytics.ingest.sources import SCHEMES, Location

KIND_LABELS = {
    "postgresql": "PostgreSQL",
    "mysql": "MySQL",
    "duckdb": "DuckDB file",
    "parquet": "Parquet folder",
    "spark": "Spark",
}
# A table as a database names it: schema.table, letters, digits, _ and $, or "quoted".
TABLE = re.compile(r'^(?:[A-Za-z_][\w$]*|"[^"\\/]+")(?:\.(?:[A-Za-z_][\w$]*|"[^"\\/]+")){0,2}$')
APP_FOLDER = Path(__file__).resolve().parents[2]
HOW_TO_LIST = (
    "Whoever runs the app can list databases and Parquet folders in the server's "
    ".streamlit/secrets.toml under [sources] (README, 'Running it for a team')."
)


@dataclass(frozen=True)
class Listed:
    """A source the operator listed: a visitor names it, never its address."""

    name: str
    kind: str  # postgresql, mysql, duckdb, parquet, spark
    url: str  # a database URL, or the listed folder (resolved) for parquet
    table: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def label(self) -> str:
        return f"{self.name} ({KIND_LABELS[self.kind]})"

    def location(self, table: str = "", sql: str = "", inside: str = "") -> Location:
        """The Location a visitor's choice names, checked; raises LensError with why not.

        ``table`` and ``sql`` are for databases (one of the two), ``inside`` a file, folder or
        glob relative to a listed Parquet folder (blank: the whole folder).
        """
        table, sql, inside = (table or "").strip(), (sql or "").strip(), (inside or "").strip()
        if self.kind == "parquet":
            if table or sql:
                raise LensError(f"{self.name} is a folder of Parquet files: choose a path in it.")
            files = parquet_inside(Path(self.url), inside)
            shown = f"{self.name}/{inside}" if inside else self.name
            return Location("parquet", shown, files=tuple(files), label=shown)
        if self.kind == "spark":
            if sql or not (table or self.table):
                raise LensError(f"Name the table to read on {self.name} (a table name).")
            if table:  # a visitor's: a name, never a path Spark would read as files
                check_table(table)
                if table.lower().endswith(".parquet"):
                    raise LensError(f"'{table[:60]}' is a file name, not a table name.")
            return Location("spark", self.url, table or self.table, label=self.name)
        if sql:
            return Location(self.kind, self.url, None, check_select(sql, self.kind), self.name)
        table = table or self.table or ""
        if not table:
            raise LensError(f"Name what to read on {self.name}: a table, or one SELECT query.")
        check_table(table)
        return Location(self.kind, self.url, table, label=self.name)


def check_table(table: str) -> None:
    """A table name and nothing else: no path, no address, no second statement."""
    if not TABLE.match(table):
        raise LensError(
            f"'{table[:60]}' is not a table name: write a name such as orders or "
            "shop.orders (to read anything else, write one SELECT query)."
        )


def secrets_files() -> list[Path]:
    """Where the operator's list is read, as Streamlit reads its secrets: the home folder's
    file first, then the app folder's (which wins for a name in both)."""
    return [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml"]


def listed_sources(files: list[Path] | None = None) -> tuple[dict[str, Listed], list[str]]:
    """The usable listed sources by name, and one line for each entry that is not usable."""
    entries: dict[str, object] = {}
    for path in files if files is not None else secrets_files():
        try:
            table = tomllib.loads(path.read_text()).get("sources", {})
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        if isinstance(table, dict):
            entries.update(table)
    found, problems = {}, []
    for name, entry in entries.items():
        try:
            found[name] = _entry(str(name), entry)
        except LensError as exc:
            problems.append(f"The listed source '{name}' cannot be used: {exc}")
    return found, problems


def _entry(name: str, entry) -> Listed:
    if not isinstance(entry, dict) or not isinstance(entry.get("url"), str):
        raise LensError("it has no url.")
    url = entry["url"].strip()
    table = entry.get("table") if isinstance(entry.get("table"), str) else None
    password = entry.get("password") if isinstance(entry.get("password"), str) else None
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not scheme:
        folder = Path(url).expanduser().resolve()
        if not folder.is_dir():
            raise LensError(f"{url} is not a folder on this server.")
        if any(ch in str(folder) for ch in "*?["):
            raise LensError("its folder's path holds *, ? or [, which would be read as a pattern.")
        if private_root_of(folder, inside_only=True):
            raise LensError("it is one of the app's own folders, which are never a source.")
        return Listed(name, "parquet", str(folder))
    if scheme not in SCHEMES:
        raise LensError(f"'{scheme}://' is not a kind of source the app reads.")
    kind = SCHEMES[scheme]
    try:
        refuse_password(url)
    except LensError:
        raise LensError(
            "its url holds a password or options: move the password to a password key of the entry."
        ) from None
    if kind == "duckdb":
        path = Path(url.split("://", 1)[1].removeprefix("/")).expanduser()
        path = Path("/" + str(path)) if url.split("://", 1)[1].startswith("//") else path
        if private_root_of(path.resolve()):
            raise LensError("its file is in one of the app's own folders.")
    if kind == "spark" and table and ("/" in table or table.lower().endswith(".parquet")):
        if private_root_of(Path(table).resolve()):
            raise LensError("its table is in one of the app's own folders.")
    return Listed(name, kind, url, table, password)


def private_roots() -> list[Path]:
    """Folders never read as a source: the kept datasets and compiled SQL, the app's own
    folder, and the home folder of the user who runs it."""
    from analytics.access.store import store_folder

    roots = [store_folder(), APP_FOLDER, Path.home()]
    sql_cache = os.environ.get("LENS_SQL_CACHE_DIR")
    if sql_cache:
        roots.append(Path(sql_cache))
    return [Path(os.path.realpath(root)) for root in roots]


def private_root_of(path: Path, inside_only: bool = False) -> Path | None:
    """The private folder ``path`` (resolved) lies in, or None. Unless ``inside_only``, a
    folder that holds a private one counts too: reading it would read that one."""
    for root in private_roots():
        if path == root or root in path.parents:
            return root
        if not inside_only and path in root.parents:
            return root
    return None


def parquet_inside(folder: Path, inside: str) -> list[str]:
    """The Parquet files a visitor's path names inside a listed folder, each resolved and
    checked. Raises LensError saying why for a path that leaves the folder or reaches a
    private one."""
    if "\x00" in inside or inside.startswith(("/", "~")) or re.match(r"^[A-Za-z]:", inside):
        raise LensError(
            f"Write a path inside the listed folder (such as orders/ or 2024/*.parquet), "
            f"not '{inside[:60]}'."
        )
    pattern = str(folder / inside) if inside else str(folder)
    if any(ch in inside for ch in "*?["):
        named = [Path(p) for p in sorted(glob.glob(pattern, recursive=True))]
    else:
        named = [Path(pattern)]
    files: list[Path] = []
    for path in named:
        real = Path(os.path.realpath(path))
        _check_inside(real, folder, inside)
        if real.is_dir():
            for found in sorted(real.rglob("*.parquet")):
                found_real = Path(os.path.realpath(found))
                _check_inside(found_real, folder, inside)
                files.append(found_real)
        elif real.is_file():
            files.append(real)
    files = [f for f in dict.fromkeys(files) if f.suffix.lower() == ".parquet"]
    if not files:
        raise LensError(f"No Parquet file found at {inside or 'the top of the folder'}.")
    return [str(f) for f in files]


def _check_inside(real: Path, folder: Path, inside: str) -> None:
    if any(ch in str(real) for ch in "*?["):  # DuckDB would expand them again, anywhere
        raise LensError(
            f"'{inside[:60]}' names a file or folder whose name holds *, ? or [: rename it "
            "on the server to read it."
        )
    if real != folder and folder not in real.parents:
        raise LensError(
            f"'{inside[:60]}' leads outside the listed folder (through '..' or a link): "
            "only files inside it can be read."
        )
    if private_root_of(real, inside_only=True):
        raise LensError(
            f"'{inside[:60]}' leads into the app's own files (kept datasets, its code or "
            "its home folder), which are never read as a source."
        )
