"""What the kept rows and parts of pages save, in-process: ``python -m bench.kept_parts [REQUESTS]``.

    SECRET_KEY=bench PAGE_CACHE=0 DATABASE_URL=postgres://postgres@127.0.0.1:5432/sco_profile \
        python -m bench.kept_parts 10

(the dataset ``make profile`` builds; without REDIS_URL the file cache, as on one machine). Each URL is
requested in-process with Django's test client, the whole-page cache off: first as a page is made again after
a change it shows (its rows, filter form and sections still kept), then cold, after the generation was raised
as a fixture load raises it (nothing kept: totals, facet counts over the whole archive, rows and sections are
all made afresh in the request). Prints a Markdown table of the CPU milliseconds per request of this process.
"""

import os
import statistics
import sys
import time

import django

URLS = (
    ("home", "/"),
    ("summit detail", "/summits/synthetic-summit-1/"),
    ("document archive, page 1", "/documents/"),
    ("document archive, page 2500", "/documents/?page=2500"),
    ("document archive, two filters", "/documents/?type=decision&topic=synthetic-energy"),
    ("document detail", "/documents/synthetic-document-1/"),
    ("API document list, filtered", "/api/v1/documents/?type=decision&topic=synthetic-energy"),
    ("API document detail", "/api/v1/documents/synthetic-document-1/"),
)


def cpu_ms(client, url: str, before=None) -> float:
    if before is not None:
        before()
    started = time.process_time()
    client.get(url)
    return (time.process_time() - started) * 1000


def main(requests: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sco_site.settings")
    django.setup()
    from django.test import Client

    from chairmanship.cache import bump_content_version

    client = Client(HTTP_HOST="localhost")
    print("| URL | kept parts: CPU ms | cold: CPU ms |")
    print("| --- | ---: | ---: |")
    for name, url in URLS:
        for _ in range(3):
            client.get(url)
        kept = statistics.mean(cpu_ms(client, url) for _ in range(requests))
        cold = statistics.mean(cpu_ms(client, url, before=bump_content_version) for _ in range(requests))
        print(f"| {name} `{url}` | {kept:.1f} | {cold:.1f} |", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
