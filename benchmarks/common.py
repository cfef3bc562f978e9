"""What the benchmarks share: the fake workspace's people, servers in subprocesses, statistics."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from workspace import Workspace

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SIGNING_SECRET = "bench-signing-secret"
TOKEN = "xoxb-bench-token"
POSTGRES_ADMIN_URL = os.environ.get(
    "PROCUREBOT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
APPROVERS = ("ines.it@acme.example", "omar.it@acme.example")
REQUESTERS = tuple(f"req{n:02d}@acme.example" for n in range(10))


def workspace() -> Workspace:
    """A workspace with the example policy's IT approvers and ten requesters."""
    users = [{"name": e.split("@")[0], "email": e, "tz": "Europe/Berlin"} for e in APPROVERS]
    users += [{"name": e.split("@")[0], "email": e, "tz": "Europe/Berlin"} for e in REQUESTERS]
    return Workspace.seed(users=users, channels=["it-leadership"])


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_database(admin_url: str = POSTGRES_ADMIN_URL) -> Iterator[str]:
    """A throwaway PostgreSQL database (dropped afterwards); yields its URL."""
    name = f"pb_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@dataclass
class Server:
    """A server subprocess (procurebot serve or the bare Bolt app)."""

    process: subprocess.Popen[bytes]
    url: str
    started_in: float  # seconds from spawn to the first healthy /healthz
    log_path: Path

    def rss_mb(self) -> float:
        """Resident set size of the process, in MB (from /proc)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        """SIGTERM, then wait (SIGKILL after 10 s)."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


async def start_server(
    argv: Sequence[str], *, env: dict[str, str], port: int, log_path: Path, timeout: float = 30
) -> Server:
    """Spawn `argv` and wait until GET /healthz answers 200."""
    url = f"http://127.0.0.1:{port}"
    log = log_path.open("wb")
    started = time.monotonic()
    process = subprocess.Popen(
        list(argv), env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
    )
    async with aiohttp.ClientSession() as session:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{argv[0]} exited with {process.returncode}; see {log_path}")
            try:
                async with session.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientError:
                pass
            if time.monotonic() - started > timeout:
                process.kill()
                raise RuntimeError(f"{argv[0]} not healthy after {timeout}s; see {log_path}")
            await asyncio.sleep(0.01)
    return Server(process, url, time.monotonic() - started, log_path)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of values, nearest-rank on the sorted list."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


@dataclass
class PhaseResult:
    """The outcome of sending one kind of request at one concurrency."""

    target: str
    path: str
    connections: int
    count: int
    seconds: float
    latencies: list[float]
    failures: int

    @property
    def throughput(self) -> float:
        return self.count / self.seconds if self.seconds else float("nan")

    def ms(self, q: float) -> float:
        return percentile(self.latencies, q) * 1000

    def row(self) -> str:
        return (
            f"| {self.target} | {self.path} | {self.connections} | {self.count} | "
            f"{self.throughput:.0f} | {self.ms(50):.1f} | {self.ms(90):.1f} | {self.ms(99):.1f} | "
            f"{max(self.latencies) * 1000:.0f} | {self.failures} |"
        )


def mean(values: Sequence[float]) -> float:
    """The arithmetic mean (nan when empty)."""
    return statistics.fmean(values) if values else float("nan")
