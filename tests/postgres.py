"""A real PostgreSQL server for the tests: initdb in a temporary folder, pg_ctl on a free port.

The server runs as the ``postgres`` system user (PostgreSQL refuses to run as root), so the
tests need root (to switch user with runuser) and Debian's PostgreSQL server. Locally a
missing server skips the tests that need it; in CI (CI=true) it fails them.

A server already running (``LENS_TEST_PG_PORT`` and ``LENS_TEST_PG_FOLDER``, its port and the
folder :func:`start` made, as benchmarks/mutation.py sets them for its many short test runs)
is used instead, and left running: a test on it makes its own uniquely named tables.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

PASSWORD = "lens-test-secret-7f3a"  # the tests check it never shows up anywhere


@dataclass
class Server:
    port: int
    folder: Path
    shared: bool = False  # started by someone else (see the module's docstring): not stopped

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, stdin: bytes | None = None) -> str:
        """Run SQL as the superuser through the local socket (no password needed there)."""
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", _program("psql") or "psql",
             "-h", str(self.folder), "-p", str(self.port), "-d", "postgres",
             "-v", "ON_ERROR_STOP=1", "-q", "-A", "-t", "-c", sql],
            capture_output=True, input=stdin or b"",
        )  # fmt: skip
        if done.returncode:
            raise RuntimeError(done.stderr.decode())
        return done.stdout.decode()

    def copy_csv(self, table: str, path: Path) -> None:
        """Load a CSV file (with a header) into a table, sent by the client."""
        self.psql(f"\\copy {table} FROM STDIN CSV HEADER", stdin=path.read_bytes())


def _program(name: str) -> str | None:
    """A PostgreSQL program: on PATH, or where Debian keeps it."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "the PostgreSQL tests start a server as the postgres user: they need root"
    if not _program("initdb") or not _program("pg_ctl") or not shutil.which("runuser"):
        return "PostgreSQL's server is not installed (apt-get install postgresql)"
    try:
        subprocess.run(["id", "postgres"], check=True, capture_output=True)
    except subprocess.CalledProcessError:
        return "there is no postgres system user (apt-get install postgresql makes it)"
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_folder(reason: str | None, user: str) -> Path:
    """A temporary folder owned by the server's system user; when the server cannot start
    (``reason``), the test is skipped locally and fails in CI (CI=true)."""
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix=f"lens-{user}-"))
    shutil.chown(folder, user, user)
    return folder


SHARED = ("LENS_TEST_PG_PORT", "LENS_TEST_PG_FOLDER")


def start() -> Server:
    """Start a throw-away server (skips locally, fails in CI, when it cannot), or take the
    running one the environment names."""
    port, folder = (os.environ.get(name) for name in SHARED)
    if port and folder:
        return Server(int(port), Path(folder), shared=True)
    folder = server_folder(_missing(), "postgres")
    data = folder / "data"
    pwfile = folder / "pw"
    pwfile.write_text(PASSWORD + "\n")
    shutil.chown(pwfile, "postgres", "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        [*as_postgres, _program("initdb"), "-D", str(data), "-U", "postgres",
         f"--pwfile={pwfile}", "--auth-local=trust", "--auth-host=scram-sha-256",
         "--no-locale", "-E", "UTF8"],
        check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [*as_postgres, _program("pg_ctl"), "-D", str(data), "-l", str(folder / "log"),
         "-o", options, "-w", "-t", "60", "start"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = Server(port, folder)
    deadline = time.time() + 30
    while True:
        try:
            server.psql("SELECT 1")
            return server
        except RuntimeError:
            if time.time() > deadline:
                stop(server)
                raise
            time.sleep(0.3)


def stop(server: Server) -> None:
    if server.shared:
        return
    subprocess.run(
        ["runuser", "-u", "postgres", "--", _program("pg_ctl"),
         "-D", str(server.folder / "data"), "-m", "fast", "-w", "stop"],
        capture_output=True,
    )  # fmt: skip
    shutil.rmtree(server.folder, ignore_errors=True)
