"""Running the site as its own processes: ``manage.py`` commands, and servers waited for until they answer."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def terminate(process: subprocess.Popen | None, *, grace: float) -> None:
    """Asks ``process`` (if started and still running) to stop, and kills it if it has not within ``grace`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def manage(environment: dict, *arguments: str, timeout: int = 120, check: bool = True) -> subprocess.CompletedProcess:
    """``manage.py <arguments>`` in a process of its own, with ``environment``; its output captured as text."""
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


@contextmanager
def serving(command: list[str], environment: dict, port: int, *, boot_seconds: int, poll: float) -> Iterator[str]:
    """Starts ``command`` (a server listening on ``port``), yields its address once ``/healthz`` answers, and
    stops it and its children afterwards."""
    process = subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + boot_seconds
        while True:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=5):
                    break
            except OSError:  # refused, reset or timed out while the server boots
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{' '.join(command)} did not start") from None
                time.sleep(poll)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
