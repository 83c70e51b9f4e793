"""`make bench`: measure the production stack on a large synthetic dataset and write bench/RESULTS.md.

Steps: (1) a PostgreSQL database of its own, filled by ``generate_demo_data``, and the same dataset in a
scratch SQLite file; (2) the search engine timed in-process on both (``bench.search_timing``), and an open
data release built on PostgreSQL, timed, with its peak memory (``bench.release_timing``); (3) gunicorn
with the production settings, the page cache off, then on (Redis); (4) wrk for a fixed time per URL, after
one priming request and a second of warm-up, with a Lua script reporting requests/s, p50/p95/p99 and
errors; (5) SQL queries per request, counted in-process against the same database; (6) worker memory
after the runs; (7) a summit day: readers spread over more than a thousand addresses with the page cache on,
first quiet, then while a document none of them shows is saved every 3 s, then while a new document that
heads the home page and the archive is published every 10 s (``bench.summit_day`` makes the changes);
(8) the figures against their targets.

    python bench/run.py              # the full run: 100 000 documents, 10 000 initiatives
    python bench/run.py --smoke      # a few seconds per URL on a small dataset, so the benchmark cannot rot
    python bench/run.py --smoke --summit-day-seconds 30   # the small dataset, full-length summit-day phases
"""

import argparse
import concurrent.futures
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LUA_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
               + summary.errors.status + summary.errors.timeout
  io.write(string.format('{"requests": %d, "seconds": %f, "errors": %d, "p50": %f, "p95": %f, "p99": %f}\\n',
    summary.requests, summary.duration / 1e6, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


# Each request of a summit day asks for one of the addresses in the file named after ``--``, chosen at random
# (the same sequence each run: each thread seeds its generator with its number).
LUA_MIX = """
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("number", threads)
end
local paths = {}
init = function(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  math.randomseed(7919 * number)
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
"""
# The summit day's phases: name, what the editors do meanwhile (``bench.summit_day``), every how many seconds.
SUMMIT_DAY_PHASES = (
    ("quiet", None, None),
    ("a document saved every 3 s", "edit", 3),
    ("a new document published every 10 s", "publish", 10),
)


@dataclass
class Phase:
    name: str
    requests_per_second: float
    p50: float
    p99: float
    errors: int
    changes: int = 0
    change_ms: list = field(default_factory=list)
    seen: bool | None = None  # whether readers see the last change at the end of the phase


@dataclass
class Target:
    name: str
    path: str
    headers: dict = field(default_factory=dict)
    kind: str = "page"  # page, api, bare, values, conditional


@dataclass
class Measurement:
    target: Target
    mode: str
    requests_per_second: float
    p50: float
    p95: float
    p99: float
    errors: int
    queries: int | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, check=True, **kwargs)


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing wrk (Debian package)...", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        return shutil.which("wrk") or sys.exit("wrk could not be installed.")
    sys.exit("The benchmark needs wrk: install it with 'apt-get install wrk'.")


def server_environment(admin_url: str, database: str, **extra: str) -> dict:
    """The production stack's environment on a database of its own: DEBUG off, a fresh secret, quiet logs, and
    the API rate limits off (one client from one address would be answered 429 most of the time)."""
    return {
        **os.environ,
        "DATABASE_URL": f"{admin_url.rsplit('/', 1)[0]}/{database}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_ANON": "",
        "API_THROTTLE_USER": "",
        **extra,
    }


def prepare_database(database_url: str, admin_url: str, name: str, env: dict, sizes: dict) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    started = time.monotonic()
    fill_database(env, sizes)
    print(f"Synthetic dataset built in {time.monotonic() - started:.0f} s", flush=True)


def fill_database(env: dict, sizes: dict) -> None:
    """Migrate ``env``'s (empty) database and fill it with the synthetic dataset."""
    run([PYTHON, "manage.py", "migrate", "--no-input", "-v0"], env)
    run([PYTHON, "manage.py", "generate_demo_data", *[f"--{key}={value}" for key, value in sizes.items()]], env)


def start_server(env: dict, port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "-c",
            "sco_site/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--max-requests",
            "0",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.5)
    stop_server(server)
    sys.exit("gunicorn did not become healthy within 60 s.")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def worker_memory_mb(server: subprocess.Popen) -> list[float]:
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    sizes = []
    for pid in children.read_text().split() if children.exists() else []:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def etag_of(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return response.headers.get("ETag", "")


def prime(url: str, headers: dict) -> None:
    """One request on its own before any load: what it remembers in the shared cache (a page, the archive's
    totals and facet counts) is computed once, not by every worker at the same moment in the measured run."""
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as error:  # a 304 is an answer too
        if error.code != 304:
            raise


def drive(wrk: str, url: str, headers: dict, seconds: int, connections: int, script: Path) -> dict:
    command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    report = json.loads(output.strip().splitlines()[-1])
    report["rps"] = report["requests"] / report["seconds"] if report["seconds"] else 0.0
    return report


def prime_all(base: str, paths: list[str], connections: int) -> float:
    """Asks for every address once, ``connections`` at a time, so a phase starts with the pages cached as on any
    day; stops the run if an address does not answer 200 (the mix would measure error pages)."""
    started = time.monotonic()

    def fetch(path: str) -> tuple[str, int]:
        try:
            with urllib.request.urlopen(base + path, timeout=120) as response:  # noqa: S310
                response.read()
                return path, response.status
        except urllib.error.HTTPError as error:
            return path, error.code

    with concurrent.futures.ThreadPoolExecutor(connections) as pool:
        failed = [(path, status) for path, status in pool.map(fetch, sorted(set(paths))) if status != 200]
    if failed:
        sys.exit(f"The summit day's addresses must answer 200; these did not: {failed[:10]}")
    return time.monotonic() - started


def shows(url: str, text: str) -> bool:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310
        return text in response.read().decode()


def summit_day(wrk: str, env: dict, args, scratch: Path) -> tuple[list[Phase], dict]:
    """Readers on a summit day: ``args.connections`` connections over the mix of ``bench.summit_day``'s addresses,
    against the production stack with the page cache on, one phase quiet and one for each editors' rhythm."""
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    django_env = {**env, "DJANGO_SETTINGS_MODULE": "sco_site.settings"}
    paths_file = scratch / "summit-day-urls.txt"
    output = subprocess.run(
        [PYTHON, "-m", "bench.summit_day", "urls", str(paths_file), "--share", "0.1" if args.smoke else "1"],
        cwd=ROOT,
        env=django_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    mix = json.loads(output.strip().splitlines()[-1])
    paths = paths_file.read_text().split()
    script = scratch / "summit-day.lua"
    script.write_text(LUA_MIX + LUA_REPORT)
    port = free_port()
    server = start_server(env, port, args.workers)
    phases = []
    try:
        base = f"http://127.0.0.1:{port}"
        for name, command, every in SUMMIT_DAY_PHASES:
            # The smoke run, which judges nothing, warms the pages once, before the quiet phase.
            warm = [mix["edited_page"]] if args.smoke and phases else [*paths, mix["edited_page"]]
            primed = prime_all(base, warm, args.connections)
            print(f"summit day, {name}: {len(set(warm))} addresses primed in {primed:.0f} s", flush=True)
            editors = None
            if command is not None:
                rhythm = ["--every", str(every), "--seconds", str(args.summit_day_seconds)]
                extra = [mix["edited"]] if command == "edit" else []
                editors = subprocess.Popen(
                    [PYTHON, "-m", "bench.summit_day", command, *extra, *rhythm],
                    cwd=ROOT,
                    env=django_env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                if editors.stdout.readline().strip() != "ready":
                    editors.kill()
                    sys.exit(f"bench.summit_day {command} did not start.")
            load = [f"-c{args.connections}", f"-d{args.summit_day_seconds}s", "--timeout", "5s", "-s", str(script)]
            readers = subprocess.Popen(
                [wrk, "-t2", *load, base, "--", str(paths_file)],
                stdout=subprocess.PIPE,
                text=True,
            )
            if editors is not None:
                editors.stdin.write("go\n")
                editors.stdin.flush()
            report = json.loads(readers.communicate()[0].strip().splitlines()[-1])
            phase = Phase(
                name,
                report["requests"] / report["seconds"] if report["seconds"] else 0.0,
                report["p50"],
                report["p99"],
                report["errors"],
            )
            if editors is not None:
                done = json.loads(editors.communicate()[0].strip().splitlines()[-1])
                if editors.returncode:
                    sys.exit(f"bench.summit_day {command} failed.")
                phase.changes, phase.change_ms = done["changes"], done["ms"]
                phase.seen = all(shows(base + page, done["last"]["text"]) for page in done["last"]["pages"])
            phases.append(phase)
            print(
                f"summit day, {name}: {phase.requests_per_second:.0f} req/s, p99 {phase.p99:.1f} ms, "
                f"{phase.errors} errors, {phase.changes} changes",
                flush=True,
            )
    finally:
        stop_server(server)
    return phases, {**mix, "lines": len(paths)}


def share(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def summit_day_verdicts(phases: list[Phase]) -> list[tuple[str, bool, str]]:
    quiet, *editing = phases
    checks = []
    for phase in editing:
        ratio = share(phase.requests_per_second, quiet.requests_per_second)
        checks.append(
            (
                f"summit day, {phase.name}: requests/s >= 80% of the quiet phase",
                ratio >= 0.8,
                f"{ratio:.0%} ({phase.requests_per_second:.0f} vs {quiet.requests_per_second:.0f})",
            )
        )
        checks.append(
            (
                f"summit day, {phase.name}: p99 <= 2x the quiet p99 and <= 100 ms, 0 errors",
                phase.p99 <= 2 * quiet.p99 and phase.p99 <= 100 and phase.errors == 0,
                f"{phase.p99:.1f} ms vs {quiet.p99:.1f} ms quiet ({share(phase.p99, quiet.p99):.1f}x), {phase.errors} errors",
            )
        )
        checks.append(
            (
                f"summit day, {phase.name}: readers see the last change when the phase ends",
                bool(phase.seen),
                f"{'yes' if phase.seen else 'no'}, after {phase.changes} changes",
            )
        )
    return checks


def summit_day_report(phases: list[Phase], mix: dict, args) -> list[str]:
    quiet = phases[0]
    lines = [
        "",
        "## Summit day",
        "",
        f"Readers on {args.connections} connections for {args.summit_day_seconds} s per phase, each request one of "
        f"{mix['lines']} lines ({mix['distinct']} distinct addresses, `bench/summit_day.py`: the home page in each "
        "language, the archive's first page, document pages in three languages, API document details, archive "
        "pages, the archive filtered by type, topic and both, summit pages) chosen at random; the page cache on "
        f"(Redis), every address asked for once before {'the quiet phase' if args.smoke else 'each phase'}. Meanwhile, through the model's save in a "
        "process with the server's settings, database and cache, as a Publisher: nothing; then the summary of "
        f"`{mix['edited']}` (on none of the pages read) saved every 3 s; then a new document, dated "
        f"{mix['newest_date']} and titled to head the archive's first page and the home page's latest list, "
        "saved as a draft and published (`chairmanship.publication.publish`) every 10 s.",
        "",
        "| phase | requests/s | vs quiet | p50 ms | p99 ms | p99 vs quiet | errors | changes | ms per change |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for phase in phases:
        ratio = share(phase.requests_per_second, quiet.requests_per_second)
        change_ms = f"{sum(phase.change_ms) / len(phase.change_ms):.0f}" if phase.change_ms else "–"
        lines.append(
            f"| {phase.name} | {phase.requests_per_second:.0f} | {ratio:.0%} | {phase.p50:.1f} | {phase.p99:.1f} | "
            f"{share(phase.p99, quiet.p99):.1f}x | {phase.errors} | {phase.changes} | {change_ms} |"
        )
    return lines


def search_timing(env: dict, repeats: int) -> dict:
    """p50 and p95 (ms) of the search engine over ``bench.search_timing``'s queries, on ``env``'s database."""
    output = subprocess.run(
        [PYTHON, "-m", "bench.search_timing", str(repeats)],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "sco_site.settings"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def release_timing(env: dict) -> dict:
    """An open data release built on ``env``'s database into a scratch folder (``bench.release_timing``): the
    seconds and peak memory of a first build, of a build after an edit, and of a run with nothing to do."""
    with tempfile.TemporaryDirectory() as scratch:
        output = subprocess.run(
            [PYTHON, "-m", "bench.release_timing"],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "sco_site.settings", "RELEASES_DIR": scratch},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return json.loads(output.strip().splitlines()[-1])


def count_queries(env: dict, targets: list[Target]) -> dict[str, int]:
    """SQL queries per request for each URL, counted by Django itself against the benchmark database."""
    probe = """
import json, sys
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client()
counts = {}
for name, path, headers in json.loads(sys.argv[1]):
    client.get(path, headers=headers)  # warm per-process state, as a running worker has it
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    counts[name] = len(queries) if response.status_code < 400 else -response.status_code
print(json.dumps(counts))
"""
    spec = json.dumps([[t.name, t.path, t.headers] for t in targets if t.kind != "conditional"])
    output = subprocess.run(
        [PYTHON, "-c", probe, spec],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "sco_site.settings", "ALLOWED_HOSTS": "testserver,127.0.0.1"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def targets_for(documents: int) -> list[Target]:
    deep_page = max(2, documents // 20 // 2)
    return [
        Target("bare Django view", "/bench/bare/", kind="bare"),
        Target("home", "/"),
        Target("summit detail", "/summits/synthetic-summit-1/"),
        Target("document archive, two filters", "/documents/?type=decision&topic=synthetic-energy"),
        Target("document archive, page 1", "/documents/"),
        Target(f"document archive, page {deep_page}", f"/documents/?page={deep_page}"),
        Target("document detail", "/documents/synthetic-document-1/"),
        # The same pages in the SCO's official languages: the same queries, translated columns and catalogues.
        Target("summit detail, Russian", "/ru/summits/synthetic-summit-1/"),
        Target("document detail, Chinese", "/zh-hans/documents/synthetic-document-1/"),
        Target("document archive, page 1, Russian", "/ru/documents/"),
        Target("search", "/search/?q=energy+corridor"),
        Target("API document list, filtered", "/api/v1/documents/?type=decision&topic=synthetic-energy", kind="api"),
        Target(
            "hand-written values() JSON list",
            "/bench/documents-values/?type=decision&topic=synthetic-energy",
            kind="values",
        ),
        Target("API document detail", "/api/v1/documents/synthetic-document-1/", kind="api"),
        Target("API document detail, If-None-Match", "/api/v1/documents/synthetic-document-1/", kind="conditional"),
    ]


# The uncached pages' targets: (what, the target names they cover, the least share of the bare view's throughput).
UNCACHED_SHARES = (
    ("document detail and archive pages", ("document detail", "document archive"), 0.10),
    ("home and summit pages", ("home", "summit detail"), 0.05),
    ("API document list", ("API document list",), 0.06),
)


def verdicts(
    results: list[Measurement], queries: dict, memory: list[float], documents: int, searches: dict, release: dict
) -> list[tuple[str, bool, str]]:
    by = {(m.mode, m.target.name): m for m in results}
    uncached = [m for m in results if m.mode == "uncached"]
    bare = by[("uncached", "bare Django view")].requests_per_second
    bare_cached = by[("cached", "bare Django view")].requests_per_second
    pages = [m for m in uncached if m.target.kind in ("page", "api")]
    checks = []
    worst_queries = max(queries[m.target.name] for m in pages)
    checks.append(("every page and API list runs at most 8 SQL queries", worst_queries <= 8, f"worst {worst_queries}"))
    # Uncached, as a share of the bare view: what a page costs to make when its cached copy was invalidated.
    for label, prefixes, share in UNCACHED_SHARES:
        measured = [m for m in uncached if m.target.name.startswith(prefixes) and m.target.kind in ("page", "api")]
        if not measured:
            continue
        worst_page = min(measured, key=lambda m: m.requests_per_second)
        ratio = worst_page.requests_per_second / bare
        checks.append(
            (
                f"uncached {label} >= {share:.0%} of the bare view",
                ratio >= share,
                f"{ratio:.1%} ({worst_page.target.name})",
            )
        )
    cached_html = [m for m in results if m.mode == "cached" and m.target.kind == "page"]
    worst_cached = min(m.requests_per_second / bare_cached for m in cached_html)
    checks.append(("cached hits >= 80% of the bare view", worst_cached >= 0.80, f"worst {worst_cached:.0%}"))
    api = by[("uncached", "API document list, filtered")].requests_per_second
    values = by[("uncached", "hand-written values() JSON list")].requests_per_second
    checks.append(("API document list >= 60% of values() + JsonResponse", api >= 0.6 * values, f"{api / values:.0%}"))
    full = by[("uncached", "API document detail")].requests_per_second
    conditional = by[("uncached", "API document detail, If-None-Match")].requests_per_second
    checks.append(("a 304 answer >= 2x the full response", conditional >= 2 * full, f"{conditional / full:.1f}x"))
    page = by[("uncached", "search")].p95
    for backend, limit in (("PostgreSQL", 15), ("SQLite", 20)):
        engine = searches[backend]["p95"]
        checks.append(
            (
                f"search p95 <= {limit} ms on {backend} at {documents} documents",
                engine <= limit,
                f"{engine:.1f} ms in-process"
                + (f"; the search page over HTTP under load: {page:.1f} ms" if backend == "PostgreSQL" else ""),
            )
        )
    deep = next(
        m
        for m in uncached
        if m.target.name.startswith("document archive, page") and m.target.name != "document archive, page 1"
    )
    first = by[("uncached", "document archive, page 1")]
    checks.append(
        (
            "deep archive page p95 within 1.5x of page 1",
            deep.p95 <= 1.5 * first.p95,
            f"{deep.p95:.1f} ms vs {first.p95:.1f} ms",
        )
    )
    # The site's own URLs: the hand-written reference list is a yardstick, not a page anyone is served.
    served = [m for m in results if m.target.kind != "values"]
    worst = max(served, key=lambda m: m.p99)
    worst_p99 = worst.p99
    errors = sum(m.errors for m in results)
    checks.append(
        (
            "p99 <= 100 ms at 10 connections, 0 errors",
            worst_p99 <= 100 and errors == 0,
            f"worst p99 {worst_p99:.1f} ms ({worst.target.name}, {worst.mode}), {errors} errors",
        )
    )
    biggest = max(memory) if memory else 0
    checks.append(("worker memory after the run <= 150 MB each", biggest <= 150, f"largest {biggest:.0f} MB"))
    built = release["steps"][0]["seconds"]
    checks.append((f"open data release at {documents} documents built in <= 60 s", built <= 60, f"{built:.1f} s"))
    added = max(step["peak_mb"] for step in release["steps"]) - release["baseline_mb"]
    checks.append(
        (
            "building a release adds <= 50 MB to the process (streamed, not held)",
            added <= 50,
            f"{added:.1f} MB over {release['baseline_mb']:.0f} MB",
        )
    )
    return checks


def write_report(
    path: Path, results, queries, memory, searches, release, summit_day_lines, checks, args, sizes, elapsed
) -> str:
    bare = {m.mode: m.requests_per_second for m in results if m.target.kind == "bare"}
    lines = [
        "# Benchmark results",
        "",
        f"Run of `{'make bench-smoke' if args.smoke else 'make bench'}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: "
        f"{os.cpu_count()} cores, PostgreSQL, Redis, gunicorn with {args.workers} sync workers; wrk with "
        f"{args.connections} connections for {args.seconds} s per URL. Synthetic dataset: "
        + ", ".join(f"{value} {key}" for key, value in sizes.items())
        + f". Whole run: {elapsed:.0f} s. Each URL gets one request on its own and a second of load before it"
        ' is measured; the API rate limits are off (one client makes every call). "uncached" is the whole-page'
        " cache turned off (PAGE_CACHE=0, the file cache of a machine without Redis): each request makes its page,"
        " from the kept totals, id blocks, facet counts and rendered rows and sections that nothing has changed"
        " since they were kept, as a page is made again after a change it shows.",
        "",
        "| URL | cache | requests/s | vs bare view | p50 ms | p95 ms | p99 ms | errors | SQL queries |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for m in results:
        count = (
            "0 (hit)" if m.mode == "cached" and m.target.kind in ("page", "api") else queries.get(m.target.name, "–")
        )
        lines.append(
            f"| {m.target.name} `{m.target.path}` | {m.mode} | {m.requests_per_second:.0f} | "
            f"{m.requests_per_second / bare[m.mode]:.0%} | {m.p50:.1f} | {m.p95:.1f} | {m.p99:.1f} | {m.errors} | {count} |"
        )
    lines += [
        "",
        "The search engine in-process (`bench/search_timing.py`: every content type searched, ranked and",
        f"highlighted; {searches['PostgreSQL']['queries']} queries from a common word to one that matches nothing):",
        "",
        "| database | p50 ms | p95 ms | runs |",
        "| --- | ---: | ---: | ---: |",
        *(
            f"| {backend} | {timing['p50']:.1f} | {timing['p95']:.1f} | {timing['samples']} |"
            for backend, timing in searches.items()
        ),
    ]
    lines += [
        "",
        f"An open data release (`manage.py build_release`, in-process, `bench/release_timing.py`): {release['records']}",
        f"records, a {release['zip_mb']} MB ZIP; the process held {release['baseline_mb']:.0f} MB before the first build.",
        "",
        "| step | seconds | peak memory MB |",
        "| --- | ---: | ---: |",
        *(f"| {step['step']} | {step['seconds']:.1f} | {step['peak_mb']:.0f} |" for step in release["steps"]),
    ]
    lines += summit_day_lines
    lines += ["", "## Targets", "", "| target | met | measured |", "| --- | --- | --- |"]
    lines += [f"| {name} | {'yes' if ok else '**no**'} | {detail} |" for name, ok, detail in checks]
    lines += ["", f"Worker memory after the runs (MB): {', '.join(f'{size:.0f}' for size in memory)}", ""]
    text = "\n".join(lines)
    path.write_text(text)
    return text


def summit_day_alone(wrk: str, env: dict, args) -> int:
    """The summit day on an existing database: its phases and verdicts, printed. The documents earlier runs
    published are deleted first (readers check that the last one shows)."""
    with tempfile.TemporaryDirectory() as scratch:
        env = {**env, "STATIC_ROOT": f"{scratch}/static", "CACHE_DIR": f"{scratch}/cache"}
        run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env)
        run([PYTHON, "-m", "bench.summit_day", "clean"], {**env, "DJANGO_SETTINGS_MODULE": "sco_site.settings"})
        phases, _mix = summit_day(wrk, {**env, "PAGE_CACHE": "1", "REDIS_URL": args.redis_url}, args, Path(scratch))
    for name, met, detail in summit_day_verdicts(phases):
        print(f"{'met' if met else 'NOT MET':8} {name}: {detail}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="small dataset, a few seconds per URL")
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--summit-day-seconds", type=int, help="length of each summit-day phase (30; 3 with --smoke)")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument(
        "--admin-url", default=os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "sco_bench"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    parser.add_argument(
        "--summit-day-only",
        action="store_true",
        help="only the summit day, on --database as it is (filled by an earlier run or `make profile`); "
        "prints its phases and verdicts, writes no report",
    )
    args = parser.parse_args()
    args.seconds = args.seconds or (2 if args.smoke else 15)
    args.summit_day_seconds = args.summit_day_seconds or (3 if args.smoke else 30)
    sizes = {"documents": 3000, "initiatives": 300} if args.smoke else {"documents": 100_000, "initiatives": 10_000}
    sizes |= {"states": 40, "summits": 60}

    started = time.monotonic()
    wrk = ensure_wrk()
    env = server_environment(args.admin_url, args.database, BENCHMARK_ENDPOINTS="1")
    if args.summit_day_only:
        return summit_day_alone(wrk, env, args)
    prepare_database(env["DATABASE_URL"], args.admin_url, args.database, env, sizes)
    repeats = 3 if args.smoke else 20
    searches = {"PostgreSQL": search_timing(env, repeats)}
    with tempfile.TemporaryDirectory() as scratch:
        sqlite = {**env, "DATABASE_URL": f"sqlite:///{scratch}/bench.sqlite3", "CACHE_DIR": f"{scratch}/cache"}
        fill_database(sqlite, sizes)
        searches["SQLite"] = search_timing(sqlite, repeats)
    print(
        "Search in-process: "
        + ", ".join(f"{backend} p95 {timing['p95']:.1f} ms" for backend, timing in searches.items()),
        flush=True,
    )
    release = release_timing(env)
    print(
        "Open data release: "
        + ", ".join(
            f"{step['step']} {step['seconds']:.1f} s (peak {step['peak_mb']:.0f} MB)" for step in release["steps"]
        ),
        flush=True,
    )
    run([PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"], env)
    targets = targets_for(sizes["documents"])
    queries = count_queries({**env, "PAGE_CACHE": "0"}, targets)

    results, memory = [], []
    with tempfile.TemporaryDirectory() as scratch:
        script = Path(scratch) / "report.lua"
        script.write_text(LUA_REPORT)
        for mode, extra in (
            ("uncached", {"PAGE_CACHE": "0"}),
            ("cached", {"PAGE_CACHE": "1", "REDIS_URL": args.redis_url}),
        ):
            if mode == "cached":
                import redis

                redis.Redis.from_url(args.redis_url).flushdb()
            port = free_port()
            server = start_server({**env, **extra}, port, args.workers)
            try:
                base = f"http://127.0.0.1:{port}"
                etag = etag_of(base + "/api/v1/documents/synthetic-document-1/")
                for target in targets:
                    if mode == "cached" and target.kind not in ("page", "bare"):
                        continue
                    headers = {"If-None-Match": etag} if target.kind == "conditional" else target.headers
                    prime(base + target.path, headers)
                    drive(wrk, base + target.path, headers, 1, args.connections, script)  # warm-up
                    report = drive(wrk, base + target.path, headers, args.seconds, args.connections, script)
                    results.append(
                        Measurement(
                            target, mode, report["rps"], report["p50"], report["p95"], report["p99"], report["errors"]
                        )
                    )
                    print(
                        f"{mode:8} {target.name:45} {report['rps']:8.0f} req/s  p99 {report['p99']:6.1f} ms", flush=True
                    )
                memory = worker_memory_mb(server)
            finally:
                stop_server(server)
        # Last: the editors add documents to the benchmark database.
        phases, mix = summit_day(wrk, {**env, "PAGE_CACHE": "1", "REDIS_URL": args.redis_url}, args, Path(scratch))

    checks = verdicts(results, queries, memory, sizes["documents"], searches, release) + summit_day_verdicts(phases)
    print()
    print(
        write_report(
            args.output,
            results,
            queries,
            memory,
            searches,
            release,
            summit_day_report(phases, mix, args),
            checks,
            args,
            sizes,
            time.monotonic() - started,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
