"""`make profile`: where an uncached page's time goes, page type by page type.

Fills a PostgreSQL database of its own with the benchmark's synthetic dataset (``generate_demo_data``, the
sizes ``make bench`` uses) unless it already holds it, then, in this process, with DEBUG off and the page
cache off, requests each URL with Django's test client: first timed on its own (mean milliseconds per
request), then again under pyinstrument. For each URL it prints the mean, the share of the time spent in
each kind of code (the database, templates, Markdown, the API framework, the archive's own code...) and the
frames that take most of it.

    python bench/profile.py                                   # 100 000 documents in database sco_profile
    python bench/profile.py --database sco_x --documents 3000 --initiatives 300
    python bench/profile.py --only "document detail" --requests 200 --tree

In-process timings leave out gunicorn and the network; on a machine shared with other work they are noisy.
"""

import argparse
import os
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import fill_database, run  # noqa: E402 (the repository root must be importable first)

# Where a frame's own time is counted, by the first fragment of its file's path that matches.
CATEGORIES = (
    ("DB (psycopg)", ("/psycopg/", "/psycopg_binary/")),
    ("DB (Django ORM)", ("/django/db/",)),
    ("templates (Django engine)", ("/django/template/", "/django/templatetags/")),
    ("Markdown and sanitising", ("/markdown/", "/nh3/")),
    ("API framework (DRF, filters)", ("/rest_framework/", "/django_filters/", "/drf_spectacular/")),
    ("translations", ("/modeltranslation/", "/django/utils/translation/", "gettext.py")),
    ("archive code (chairmanship/)", (f"{ROOT}/chairmanship/",)),
    ("Django (other)", ("/django/",)),
)
OTHER = "other (Python, libraries)"


def urls(documents: int) -> list[tuple[str, str]]:
    deep_page = max(2, documents // 20 // 2)
    return [
        ("home", "/"),
        ("summit detail", "/summits/synthetic-summit-1/"),
        ("state detail", "/states/synthetic-state-1/"),
        ("chairmanship detail", "/chairmanships/synthetic-chairmanship-1/"),
        ("initiative detail", "/initiatives/synthetic-initiative-1/"),
        ("document archive, page 1", "/documents/"),
        (f"document archive, page {deep_page}", f"/documents/?page={deep_page}"),
        ("document archive, two filters", "/documents/?type=decision&topic=synthetic-energy"),
        ("document detail", "/documents/synthetic-document-1/"),
        ("search", "/search/?q=energy+corridor"),
        ("API document list, filtered", "/api/v1/documents/?type=decision&topic=synthetic-energy"),
        ("API document detail", "/api/v1/documents/synthetic-document-1/"),
    ]


def category(path: str) -> str:
    for name, fragments in CATEGORIES:
        if any(fragment in path for fragment in fragments):
            return name
    return OTHER


def short(path: str) -> str:
    for marker in ("/site-packages/", f"{ROOT}/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return Path(path).name


def walk(frame, own: dict, inclusive: dict, seen: frozenset = frozenset(), caller: str = OTHER) -> None:
    """Sums each frame's own time (by kind and by function) and the archive's functions' inclusive time
    (counted once per call stack, so recursion does not count twice). A built-in (``dict.get``, ``isinstance``)
    counts for the kind of code that called it."""
    if frame.is_synthetic:  # pyinstrument's "[self]" leaves: their time is their parent's total_self_time
        return
    path = frame.file_path or ""
    kind = category(path) if path.startswith("/") else caller
    key = f"{frame.function} ({short(path)}:{frame.line_no})"
    own[(kind, key)] += frame.total_self_time
    if f"{ROOT}/chairmanship/" in path and "middleware.py" not in path and key not in seen:
        inclusive[key] += frame.time
        seen = seen | {key}
    for child in frame.children:
        walk(child, own, inclusive, seen, kind)


def profile_url(client, path: str, requests: int, top: int, tree: bool) -> tuple[float, float]:
    from pyinstrument import Profiler

    for _ in range(3):  # per-process state a running worker has: compiled templates, cached totals
        response = client.get(path)
        if response.status_code != 200:
            sys.exit(f"{path} answered {response.status_code}; is the synthetic dataset loaded?")
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(requests):
        client.get(path)
    mean = (time.perf_counter() - started) * 1000 / requests
    cpu = (time.process_time() - cpu_started) * 1000 / requests

    profiler = Profiler(interval=0.001)
    profiler.start()
    for _ in range(requests):
        client.get(path)
    profiler.stop()
    session = profiler.last_session
    root = session.root_frame()
    own, inclusive = defaultdict(float), defaultdict(float)
    if root is not None:
        walk(root, own, inclusive)
    total = sum(own.values()) or 1.0
    by_category = defaultdict(float)
    for (name, _key), seconds in own.items():
        by_category[name] += seconds
    print(f"  {mean:.1f} ms per request, {cpu:.1f} ms of it this process's CPU (mean of {requests}, unprofiled)")
    print("  own time by kind: " + ", ".join(f"{name} {seconds / total:.0%}" for name, seconds in sorted(by_category.items(), key=lambda item: -item[1]) if seconds / total >= 0.01))  # fmt: skip
    print("  heaviest frames (own time):")
    for (name, key), seconds in sorted(own.items(), key=lambda item: -item[1])[:top]:
        print(f"    {seconds / total:5.1%}  {key}  [{name}]")
    print("  the archive's own functions (time including what they call):")
    for key, seconds in sorted(inclusive.items(), key=lambda item: -item[1])[:top]:
        print(f"    {seconds / total:5.1%}  {key}")
    if tree:
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return mean, cpu


def database_filled(env: dict) -> bool:
    import psycopg

    try:
        with psycopg.connect(env["DATABASE_URL"]) as connection:
            row = connection.execute(
                "SELECT count(*) FROM chairmanship_source WHERE slug = 'synthetic-benchmark-data'"
            ).fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0])


def prepare(args, env: dict, sizes: dict) -> None:
    import psycopg

    if not args.refill and database_filled(env):
        # A database filled by an older checkout: bring its schema (and any data migrations) up to date.
        run([sys.executable, "manage.py", "migrate", "--no-input", "-v0"], env)
        print(f"Using the synthetic dataset already in {args.database} (--refill to build it again)", flush=True)
        return
    with psycopg.connect(args.admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
        connection.execute(f'CREATE DATABASE "{args.database}"')
    started = time.monotonic()
    fill_database(env, sizes)
    print(f"Synthetic dataset built in {time.monotonic() - started:.0f} s", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--admin-url", default=os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--database", default=os.environ.get("PROFILE_DATABASE", "sco_profile"))
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--initiatives", type=int, default=10_000)
    parser.add_argument("--refill", action="store_true", help="build the dataset again even when it is there")
    parser.add_argument("--requests", type=int, default=50, help="requests per URL, timed and then profiled")
    parser.add_argument("--top", type=int, default=12, help="frames listed per URL")
    parser.add_argument("--only", help="profile only the URLs whose name contains this")
    parser.add_argument("--tree", action="store_true", help="also print pyinstrument's call tree per URL")
    args = parser.parse_args()
    sizes = {"documents": args.documents, "initiatives": args.initiatives, "states": 40, "summits": 60}

    scratch = tempfile.mkdtemp(prefix="sco-profile-cache-")
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.admin_url.rsplit('/', 1)[0]}/{args.database}",
        "DEBUG": "0",
        "PAGE_CACHE": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LOG_LEVEL": "WARNING",
        "API_THROTTLE_ANON": "",
        "API_THROTTLE_USER": "",
        "ALLOWED_HOSTS": "testserver",
        # Counted totals and facet counts are cached as in production, in a scratch file cache of their own.
        "CACHE_DIR": scratch,
        "DJANGO_SETTINGS_MODULE": "sco_site.settings",
    }
    env.pop("REDIS_URL", None)
    prepare(args, env, sizes)
    # DEBUG off serves hashed static names from the manifest, as in production.
    run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"], env)
    os.environ.clear()
    os.environ.update(env)

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    if settings.DEBUG or settings.PAGE_CACHE:
        sys.exit("The profile needs DEBUG and the page cache off.")
    client = Client()
    means = {}
    for name, path in urls(args.documents):
        if args.only and args.only not in name:
            continue
        print(f"\n{name}  {path}", flush=True)
        means[name] = profile_url(client, path, args.requests, args.top, args.tree)
    # The CPU time leaves out the database's own work and the waits of a busy machine.
    print("\n| URL | ms per request | of it CPU ms |\n| --- | ---: | ---: |")
    for name, (mean, cpu) in means.items():
        print(f"| {name} | {mean:.1f} | {cpu:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
