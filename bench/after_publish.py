"""What an archive page costs when a publish moved its list: ``python -m bench.after_publish``.

On a database filled with the benchmark's dataset (``make profile`` fills ``sco_profile``), with the page cache
on and Redis, as in production: pages 2 to 21 of the archive are kept, the documents list's tag is invalidated
(what a publish does to every archive page), and each page is asked for again, in this process, without HTTP.
Prints one JSON line: wall and CPU milliseconds per page made again, and cache round trips per page.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/sco_profile REDIS_URL=redis://127.0.0.1:6379/13 \\
        SECRET_KEY=x DEBUG=0 PAGE_CACHE=1 ALLOWED_HOSTS=testserver DJANGO_SETTINGS_MODULE=sco_site.settings \\
        STATIC_ROOT=/tmp/sco-static
    .venv/bin/python manage.py collectstatic --no-input -v0   # DEBUG off: pages name the collected files
    .venv/bin/python -m bench.after_publish [rounds]

Each round's first page also reads the list's id block again, as the first page asked for after a publish does.
"""

import json
import sys
import time

import django


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    django.setup()
    from django.core.cache import cache
    from django.test import Client

    from chairmanship import cache as archive_cache
    from chairmanship import tags
    from chairmanship.models import Document

    client = Client()
    pages = [f"/documents/?page={number}" for number in range(2, 22)]
    for page in pages:  # kept, with the list's total, id block, rows and filter form
        client.get(page)
    calls = 0
    real_call = archive_cache.cache_call

    def counted(method, *args, **kwargs):
        nonlocal calls
        calls += 1
        return real_call(method, *args, **kwargs)

    def made_again() -> None:
        archive_cache.invalidate([tags.list_tag(Document)])
        for page in pages:
            if client.get(page)["X-Cache"] != "miss":
                sys.exit(f"{page} was not made again after its list moved")

    made_again()  # warm: this process's connections, templates, translations
    archive_cache.cache_call = counted
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        for _ in range(rounds):
            made_again()
    finally:
        archive_cache.cache_call = real_call
    count = rounds * len(pages)
    print(
        json.dumps(
            {
                "pages": count,
                "ms_per_page": round((time.perf_counter() - wall) / count * 1000, 2),
                "cpu_ms_per_page": round((time.process_time() - cpu) / count * 1000, 2),
                # invalidate() itself is one call per round
                "cache_calls_per_page": round((calls - rounds) / count, 1),
                "cache": type(cache).__name__,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
