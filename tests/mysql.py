"""A real MariaDB server for the tests (MySQL's Debian twin): a data folder made by
mariadb-install-db in a temporary folder, mariadbd on a free port, as the ``mysql`` user.

The tests read through a user that may only SELECT, as a shop's reporting user would. Locally
a missing server or driver skips the tests that need them; in CI (CI=true) it fails them.

A server already running (``LENS_TEST_MYSQL_PORT`` and ``LENS_TEST_MYSQL_FOLDER``, its port and
the folder :func:`start` made, as benchmarks/mutation.py sets them for its many short test
runs) is used instead, and left running: a test on it makes its own uniquely named database.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.postgres import free_port, server_folder

PASSWORD = "lens-mysql-secret-41c9"  # the reading user's; the tests check it never shows
USER = "lens"
DATABASE = "shop"


@dataclass
class Server:
    port: int
    folder: Path
    process: subprocess.Popen | None  # None: started by someone else, not stopped

    def url(self) -> str:
        return f"mysql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def connect(self, **extra):
        """A driver connection as root, through the local socket."""
        import MySQLdb

        return MySQLdb.connect(unix_socket=str(self.folder / "sock"), user="root", **extra)

    def run(self, *statements: str) -> None:
        con = self.connect()
        try:
            with con.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
            con.commit()
        finally:
            con.close()


def _missing() -> str | None:
    if os.geteuid() != 0:
        return "the MySQL tests start a server as the mysql user: they need root"
    if not shutil.which("mariadbd", path="/usr/sbin:" + os.environ.get("PATH", "")):
        return "MariaDB's server is not installed (apt-get install mariadb-server)"
    try:
        import MySQLdb  # noqa: F401
    except ImportError:
        return "the MySQL driver is not installed (pip install -r requirements-mysql.txt)"
    return None


SHARED = ("LENS_TEST_MYSQL_PORT", "LENS_TEST_MYSQL_FOLDER")


def start() -> Server:
    """Start a throw-away server (skips locally, fails in CI, when it cannot), or take the
    running one the environment names."""
    port, folder = (os.environ.get(name) for name in SHARED)
    if port and folder:
        return Server(int(port), Path(folder), None)
    folder = server_folder(_missing(), "mysql")
    as_mysql = ["runuser", "-u", "mysql", "--"]
    subprocess.run(
        [*as_mysql, "mariadb-install-db", "--no-defaults", f"--datadir={folder / 'data'}",
         "--auth-root-authentication-method=socket", "--skip-test-db"],
        check=True, capture_output=True, cwd=folder,
    )  # fmt: skip
    port = free_port()
    process = subprocess.Popen(
        [*as_mysql, "/usr/sbin/mariadbd", "--no-defaults", f"--datadir={folder / 'data'}",
         f"--socket={folder / 'sock'}", f"--port={port}", "--bind-address=127.0.0.1",
         "--skip-name-resolve", f"--pid-file={folder / 'pid'}",
         "--innodb-flush-log-at-trx-commit=0"],
        stdout=subprocess.DEVNULL, stderr=open(folder / "log", "wb"), cwd=folder,
    )  # fmt: skip
    server = Server(port, folder, process)
    deadline = time.time() + 60
    while True:
        try:
            server.run(
                f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4",
                f"CREATE USER '{USER}'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}'",
                f"GRANT SELECT ON {DATABASE}.* TO '{USER}'@'127.0.0.1'",
            )
            return server
        except Exception:  # noqa: BLE001 - not up yet
            if time.time() > deadline or process.poll() is not None:
                stop(server)
                raise RuntimeError((folder / "log").read_text()[-2000:]) from None
            time.sleep(0.5)


def stop(server: Server) -> None:
    if server.process is None:
        return
    if server.process.poll() is None:
        pid = server.folder / "pid"  # mariadbd's own; runuser may not pass a signal on
        if pid.is_file():
            os.kill(int(pid.read_text()), signal.SIGTERM)
        else:
            server.process.terminate()
        try:
            server.process.wait(30)
        except subprocess.TimeoutExpired:
            server.process.kill()
    shutil.rmtree(server.folder, ignore_errors=True)
