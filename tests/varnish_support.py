"""Varnish for the tests: whether it is installed, and ``deploy/varnish/archive.vcl`` running in front of a server.

The VCL in ``deploy/`` is used unchanged; only its site file (``archive-site.vcl``) is rewritten to point the
backend at the test's server, and found first on ``vcl_path``.
"""

import glob
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.processes import free_port, terminate

DEPLOY = Path(__file__).resolve().parents[1] / "deploy" / "varnish"
# Debian installs varnishd in /usr/sbin, which is not on an ordinary user's PATH.
VARNISHD = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin")
XKEY_VMODS = ("/usr/lib/*/varnish/vmods/libvmod_xkey.so", "/usr/lib/varnish/vmods/libvmod_xkey.so")


def varnish_missing() -> str | None:
    """Why Varnish cannot run here, or None when it can."""
    if VARNISHD is None:
        return "varnishd is not installed"
    if not any(glob.glob(pattern) for pattern in XKEY_VMODS):
        return "the xkey vmod is not installed"
    return None


def site_vcl(backend_host: str, backend_port: int) -> str:
    """The shipped site file with its backend pointed at ``backend_host:backend_port``."""
    text = (DEPLOY / "archive-site.vcl").read_text()
    text, hosts = re.subn(r'\.host = "[^"]*";', f'.host = "{backend_host}";', text, count=1)
    text, ports = re.subn(r'\.port = "[^"]*";', f'.port = "{backend_port}";', text, count=1)
    assert hosts == ports == 1, "archive-site.vcl no longer declares one backend host and port"
    return text


class Varnish:
    def __init__(self, process: subprocess.Popen, base: str):
        self.process = process
        self.base = base

    def stop(self) -> None:
        terminate(self.process, grace=10)


@contextmanager
def running_varnish(
    workdir: Path, backend_host: str, backend_port: int, *, boot_seconds: int = 30
) -> Iterator[Varnish]:
    """``varnishd`` in the foreground on a free local port with its own working directory, stopped afterwards."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "archive-site.vcl").write_text(site_vcl(backend_host, backend_port))
    port = free_port()
    log = workdir / "varnishd.log"
    command = [
        VARNISHD,
        "-F",
        "-j",
        "none",  # as the user running the tests: the jail's user could not read the temporary folder
        "-n",
        str(workdir / "instance"),
        "-a",
        f"127.0.0.1:{port}",
        "-T",
        "none",
        "-s",
        "malloc,32m",
        "-p",
        f"vcl_path={workdir}",
        "-f",
        str(DEPLOY / "archive.vcl"),
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    varnish = Varnish(process, f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + boot_seconds
        while True:
            try:
                # Answered by the VCL itself (400: no tags), so the backend is not needed to see Varnish is up.
                urllib.request.urlopen(urllib.request.Request(varnish.base, method="PURGE"), timeout=2)
            except urllib.error.HTTPError:
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"varnishd did not start:\n{log.read_text()}") from None
                time.sleep(0.1)
        yield varnish
    finally:
        varnish.stop()
