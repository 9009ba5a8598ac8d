"""What may reach a database, and what may never leave it: checked before anything connects.

- A user's SQL is one SELECT, run as checked and written anew without comments.
- A URL never carries a password or options.
- Passwords come from where they belong (the command line's environment, the secrets file,
  ~/.pgpass; in the app only the secrets file and ~/.pgpass) and are scrubbed from every
  message that could reach a user.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from analytics.errors import LensError


def refuse_password(url: str) -> None:
    """Refuse a URL that carries a password or connection options. The part before the
    host's ``@`` is read by hand, so a URL that does not parse (a wrong port) is refused too."""
    rest = url.split("://", 1)[1]
    address = re.split(r"[/?#]", rest, maxsplit=1)[0]
    userinfo = address.rpartition("@")[0]
    if ":" in userinfo or re.search(r"[?&;]password=", rest, re.I):
        raise LensError(
            "Do not put the password in the URL (it would show in links and logs): add it to "
            ".streamlit/secrets.toml under [passwords], or set LENS_DB_PASSWORD for the "
            "command line."
        )
    if "?" in rest and not url.lower().startswith(("spark:", "sc:")):
        raise LensError(
            "Options after '?' in the URL are not used: remove them (for an encrypted "
            "PostgreSQL connection, set PGSSLMODE=verify-full where the app runs)."
        )


def check_select(sql: str, kind: str = "postgresql") -> str:
    """Refuse anything but one SELECT (the app only reads). Returns the query as it will run:
    written anew from what was checked, without comments, so no comment can hide a second
    statement from the check."""
    import sqlglot
    from sqlglot import exp

    dialect = {"postgresql": "postgres", "duckdb": "duckdb", "mysql": "mysql"}.get(kind)
    refused = "Only one SELECT query can be used here (the app only reads)"

    def one_select(text: str):
        try:
            statements = [s for s in sqlglot.parse(text, read=dialect) if s is not None]
        except sqlglot.errors.SqlglotError as exc:
            raise LensError(f"{refused}: this is not SQL that can be read{where(exc)}.") from None
        except RecursionError:
            raise LensError(f"{refused}: this SQL is nested too deeply to be read.") from None
        if len(statements) != 1:
            raise LensError(f"{refused}: this SQL has {len(statements)} statements.")
        (statement,) = statements
        writes = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Into)
        if not isinstance(statement, exp.Query) or any(statement.find_all(*writes, exp.Lock)):
            raise LensError(f"{refused}: '{first_line(sql)[:40]}' is not a plain SELECT.")
        return statement

    runs = one_select(sql).sql(dialect=dialect, comments=False)
    one_select(runs)  # what runs is checked too
    return runs


def where(exc: Exception) -> str:
    """Where a query stops making sense, in a user's words: ' (line 1, near "FROM")'."""
    found = (getattr(exc, "errors", None) or [{}])[0]
    if not found.get("line"):
        return ""
    near = first_line(found.get("highlight") or "")[:30]
    return f" (line {found['line']}" + (f', near "{near}")' if near else ")")


def first_line(value) -> str:
    """A message in one line, without a terminal's colour codes."""
    return re.sub(r"\s+", " ", re.sub(r"\x1b\[[0-9;]*m", "", str(value))).strip()


def clip(text: str, n: int) -> str:
    """At most about n characters, cut between words."""
    return text if len(text) <= n else text[:n].rsplit(" ", 1)[0] + "…"


# --- passwords ---------------------------------------------------------------------------------


_ENVIRONMENT_PASSWORDS = [True]  # False in the app: see secrets_only


def secrets_only() -> None:
    """In the app, passwords come from .streamlit/secrets.toml (keyed by URL) or ~/.pgpass
    (keyed by host) only: a password in the environment (LENS_DB_PASSWORD, PGPASSWORD) would
    be sent to whatever address a visitor types on the Data page."""
    _ENVIRONMENT_PASSWORDS[0] = False
    os.environ.pop("PGPASSWORD", None)  # the PostgreSQL driver would send it anywhere


def password_for(url: str) -> str | None:
    """The password for a URL: LENS_DB_PASSWORD (on the command line), else
    .streamlit/secrets.toml [passwords] (in this folder, then the home folder). None lets
    the driver look (PGPASSWORD on the command line, ~/.pgpass)."""
    if _ENVIRONMENT_PASSWORDS[0] and os.environ.get("LENS_DB_PASSWORD"):
        return os.environ["LENS_DB_PASSWORD"]
    for folder in (Path.cwd(), Path.home()):
        secrets = folder / ".streamlit" / "secrets.toml"
        try:
            kept = tomllib.loads(secrets.read_text())
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        # A listed source's own password (analytics.access.allowed), else [passwords] by URL.
        listed = kept.get("sources", {})
        for entry in listed.values() if isinstance(listed, dict) else ():
            if isinstance(entry, dict) and entry.get("url") == url:
                if isinstance(entry.get("password"), str):
                    return entry["password"]
        passwords = kept.get("passwords", {})
        if isinstance(passwords, dict) and isinstance(passwords.get(url), str):
            return passwords[url]
    return None


def scrubbed(text: str, url: str) -> str:
    """A message in one line, without the password of the URL (when one is set)."""
    return first_line(Scrub(password_for(url))(str(text)))


class Scrub:
    """Removes a password from any text that could reach a user (errors, logs)."""

    def __init__(self, secret: str | None):
        self.secret = secret

    def __call__(self, text: str) -> str:
        return text.replace(self.secret, "***") if self.secret else text
