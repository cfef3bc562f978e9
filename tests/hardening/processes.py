"""`procurebot serve` (or another command) as a subprocess, for tests that kill or double it."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A local TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    """A child process with its log file."""

    process: subprocess.Popen[bytes]
    log_path: Path
    url: str = ""

    def log(self) -> str:
        """Everything it wrote so far."""
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM and wait (SIGKILL after 10 s)."""
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()


def spawn(
    argv: Sequence[str], *, env: dict[str, str], log_path: Path, nofile: int | None = None
) -> Process:
    """Start argv with the environment added to ours, output to log_path; `nofile` limits
    the files it may open (as a small container would)."""
    log = log_path.open("wb")

    def limit() -> None:
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    process = subprocess.Popen(
        list(argv),
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        preexec_fn=limit if nofile is not None else None,
    )
    return Process(process, log_path)


async def serve(
    *, env: dict[str, str], log_path: Path, timeout: float = 30, nofile: int | None = None
) -> Process:
    """`procurebot serve` on a free port, once /healthz answers 200."""
    port = free_port()
    argv = [str(BIN / "procurebot"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    child = spawn(argv, env=env, log_path=log_path, nofile=nofile)
    child.url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            if child.process.poll() is not None:
                raise AssertionError(f"serve exited early:\n{child.log()}")
            try:
                async with session.get(f"{child.url}/healthz") as response:
                    if response.status == 200:
                        return child
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                child.stop()
                raise AssertionError(f"serve not healthy after {timeout} s:\n{child.log()}")
            await asyncio.sleep(0.05)
