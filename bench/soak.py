"""`make soak`: the production stack under sustained load, with zero errors and no growth in worker memory.

Steps: (1) a PostgreSQL database of its own (``sco_soak``), filled by ``generate_demo_data``; (2) gunicorn
with the production settings (DEBUG off, collected static files, workers never recycled, so a leak would
show); (3) every URL of the mix is checked once, then wrk warms the workers up; (4) each worker's resident
memory is read, wrk drives the mix for 60 s at 64 connections, and memory is read again.

The mix is HTML pages and API calls, taken round robin by every wrk connection. By default the page cache
is off, so every request does the full work (templates, ORM, serializers); ``--redis-url`` runs it with the
shared cache on instead. The API rate limits are raised, since one client sending thousands of requests a
second is exactly what they exist to refuse.

Exits non-zero on any error (a status outside 2xx/3xx, or a socket error or timeout), on a worker that
was replaced during the run, or on a worker whose memory grew by more than 20% or 30 MB.

    python bench/soak.py                    # 60 s at 64 connections
    python bench/soak.py --seconds 10       # a shorter run
"""

import argparse
import json
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402 (the repository root must be importable first)
    PYTHON,
    ensure_wrk,
    free_port,
    prepare_database,
    run,
    server_environment,
    start_server,
    stop_server,
    worker_memory_mb,
)

DATASET = {"documents": 5000, "initiatives": 500, "states": 40, "summits": 60}
GROWTH_SHARE_LIMIT = 0.20
GROWTH_MB_LIMIT = 30.0
WARM_UP_SECONDS = 20


def mix() -> list[str]:
    """The paths every connection cycles through: listings, filters, details, search, feeds and the API."""
    pages = [
        "/",
        "/states/",
        "/chairmanships/",
        "/summits/",
        "/documents/",
        "/documents/?type=decision&topic=synthetic-energy",
        "/documents/?page=7",
        "/initiatives/",
        "/initiatives/?category=economic",
        "/search/?q=energy+corridor",
        "/search/?q=",
        "/feeds/documents/",
        # The sitemap is left out: with the cache off it lists all 5 600 records on every request (about a
        # second each), so it would turn the soak into a benchmark of the sitemap alone.
        "/robots.txt",
        "/healthz",
    ]
    api = [
        "/api/v1/documents/",
        "/api/v1/documents/?type=decision&topic=synthetic-energy",
        "/api/v1/initiatives/",
        "/api/v1/summits/",
        "/api/v1/states/",
        "/api/v1/memberships/",
        "/api/v1/key-figures/",
        "/api/v1/topics/",
        "/api/v1/sources/",
    ]
    details = []
    # Several records of each kind, so the workers render many different pages rather than one repeatedly.
    for n in (1, 17, 33):
        details += [
            f"/documents/synthetic-document-{n * 97}/",
            f"/api/v1/documents/synthetic-document-{n * 89}/",
            f"/summits/synthetic-summit-{n}/",
            f"/api/v1/summits/synthetic-summit-{n + 1}/",
            f"/states/synthetic-state-{n}/",
            f"/chairmanships/synthetic-chairmanship-{n}/",
            f"/initiatives/synthetic-initiative-{n * 11}/",
            f"/api/v1/initiatives/synthetic-initiative-{n * 7}/",
        ]
    # Addresses that do not exist are part of any real traffic; a 404 is an error for wrk, so they stay out.
    return pages + api + details


def lua_script(paths: list[str]) -> str:
    """Each connection walks the mix from its own starting point; failures are counted by status code."""
    table = ", ".join(json.dumps(path) for path in paths)
    return f"""
local paths = {{ {table} }}
local threads = {{}}
local counter = 0

function setup(thread)
  thread:set("offset", #threads * 7)
  table.insert(threads, thread)
end

function init(args)
  counter = offset or 0
  failures = {{}}
end

function request()
  counter = counter + 1
  return wrk.format(nil, paths[(counter % #paths) + 1])
end

function response(status, headers, body)
  if status >= 400 then
    local key = tostring(status)
    failures[key] = (failures[key] or 0) + 1
  end
end

function done(summary, latency, requests)
  local statuses = {{}}
  for _, thread in ipairs(threads) do
    local counted = thread:get("failures") or {{}}
    for status, count in pairs(counted) do
      statuses[status] = (statuses[status] or 0) + count
    end
  end
  local parts = {{}}
  for status, count in pairs(statuses) do
    table.insert(parts, string.format('"%s": %d', status, count))
  end
  io.write(string.format(
    '{{"requests": %d, "seconds": %f, "connect": %d, "read": %d, "write": %d, "timeout": %d, "status": %d, ' ..
    '"p50": %f, "p99": %f, "statuses": {{%s}}}}\\n',
    summary.requests, summary.duration / 1e6, summary.errors.connect, summary.errors.read, summary.errors.write,
    summary.errors.timeout, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    table.concat(parts, ", ")))
end
"""


@dataclass
class WorkerMemory:
    pid: int
    before_mb: float
    after_mb: float | None

    @property
    def growth_mb(self) -> float:
        return (self.after_mb or 0.0) - self.before_mb

    def grew_too_much(self) -> bool:
        return self.growth_mb > GROWTH_MB_LIMIT or self.growth_mb > GROWTH_SHARE_LIMIT * self.before_mb


def worker_pids(server) -> list[int]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def memory_by_worker(server) -> dict[int, float]:
    # worker_memory_mb reads the same children list, in the same order.
    return dict(zip(worker_pids(server), worker_memory_mb(server), strict=False))


def check_every_path_answers(base: str, paths: list[str]) -> list[str]:
    """Paths that do not answer 2xx/3xx before the load starts (a broken mix would only measure 404s)."""
    broken = []
    for path in paths:
        try:
            with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 (our own server)
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except (urllib.error.URLError, TimeoutError) as error:
            broken.append(f"{path}: {error}")
            continue
        if status >= 400:
            broken.append(f"{path}: HTTP {status}")
    return broken


def drive(wrk: str, base: str, script: Path, *, seconds: int, connections: int, threads: int) -> dict:
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), base]
    output = run(command, os.environ.copy(), capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def report(result: dict, memory: list[WorkerMemory], args) -> list[str]:
    """Prints the figures; returns the reasons the soak failed (empty: passed)."""
    socket_errors = result["connect"] + result["read"] + result["write"] + result["timeout"]
    errors = socket_errors + result["status"]
    print()
    print(
        f"Soak: {args.seconds} s at {args.connections} connections, {args.workers} gunicorn workers, "
        f"page cache {'on (Redis)' if args.redis_url else 'off'}"
    )
    print(f"  requests        {result['requests']} ({result['requests'] / result['seconds']:.0f}/s)")
    print(f"  latency         p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms")
    print(
        f"  errors          {errors} (HTTP status >= 400: {result['status']} {result['statuses'] or ''}; "
        f"connect {result['connect']}, read {result['read']}, write {result['write']}, timeout {result['timeout']})"
    )
    print("  worker memory   pid: before -> after (growth)")
    for worker in memory:
        after = f"{worker.after_mb:.1f} MB" if worker.after_mb is not None else "gone"
        print(f"                  {worker.pid}: {worker.before_mb:.1f} MB -> {after} ({worker.growth_mb:+.1f} MB)")
    failures = []
    if errors:
        failures.append(f"{errors} requests failed.")
    for worker in memory:
        if worker.after_mb is None:
            failures.append(f"Worker {worker.pid} was replaced during the run (it crashed or was killed).")
        elif worker.grew_too_much():
            failures.append(
                f"Worker {worker.pid} grew by {worker.growth_mb:.1f} MB "
                f"(limit {GROWTH_SHARE_LIMIT:.0%} or {GROWTH_MB_LIMIT:.0f} MB)."
            )
    print()
    print("FAILED: " + " ".join(failures) if failures else "Passed: no errors, no worker memory growth.")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument(
        "--admin-url", default=os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--database", default=os.environ.get("SOAK_DATABASE", "sco_soak"))
    parser.add_argument("--redis-url", default="", help="turn the page cache on, shared through this Redis")
    args = parser.parse_args()

    wrk = ensure_wrk()
    env = server_environment(
        args.admin_url, args.database, PAGE_CACHE="1" if args.redis_url else "0", REDIS_URL=args.redis_url
    )
    print(f"Building the {args.database} database ({', '.join(f'{v} {k}' for k, v in DATASET.items())})...", flush=True)
    prepare_database(env["DATABASE_URL"], args.admin_url, args.database, env, DATASET)
    run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env)
    if args.redis_url:
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()

    paths = mix()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, args.workers)
    try:
        broken = check_every_path_answers(base, paths)
        if broken:
            print("These URLs of the mix do not answer:\n  " + "\n  ".join(broken))
            return 1
        with tempfile.TemporaryDirectory() as scratch:
            script = Path(scratch) / "mix.lua"
            script.write_text(lua_script(paths))
            print(f"Warming up for {WARM_UP_SECONDS} s...", flush=True)
            drive(wrk, base, script, seconds=WARM_UP_SECONDS, connections=args.connections, threads=args.threads)
            before = memory_by_worker(server)
            print(f"Soaking for {args.seconds} s over {len(paths)} URLs...", flush=True)
            started = time.monotonic()
            result = drive(wrk, base, script, seconds=args.seconds, connections=args.connections, threads=args.threads)
            print(f"wrk finished after {time.monotonic() - started:.0f} s", flush=True)
            after = memory_by_worker(server)
    finally:
        stop_server(server)

    memory = [WorkerMemory(pid, size, after.get(pid)) for pid, size in before.items()]
    return 1 if report(result, memory, args) else 0


if __name__ == "__main__":
    sys.exit(main())
