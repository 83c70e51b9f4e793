"""Schemathesis hooks for `make schemathesis` (loaded through SCHEMATHESIS_HOOKS, not by pytest).

- Requests to records that exist: half the detail addresses get the slug (or id) of a record the run's
  account can read, so PUT, PATCH and DELETE reach real records instead of answering 404.
- The check ``editor_writes_follow_role_rules`` fails when an Editor's write is accepted although the rules
  of ``chairmanship.publication`` forbid it: an Editor never publishes, schedules or unpublishes, a change
  to a published record waits for a Publisher (202, the record unchanged), and deleting a published record,
  or a membership period or key figure a published record shows, is a Publisher's act. Before each of the
  Editor's PUT, PATCH and DELETE the record is read with the Editor's token, to judge the answer by what it
  was. (Sources are left to tests/test_api_writes.py: a source's answer does not say who cites it.)

The environment: FUZZ_ORIGIN (the server, e.g. http://127.0.0.1:8000), FUZZ_TOKEN (the run's token, if
any) and FUZZ_ROLE (``editor`` turns the check on).
"""

import atexit
import os
import random
from collections import Counter
from urllib.parse import urlsplit

import requests
import schemathesis

ORIGIN = os.environ["FUZZ_ORIGIN"]
TOKEN = os.environ.get("FUZZ_TOKEN", "")
EDITOR_RUN = os.environ.get("FUZZ_ROLE") == "editor"
HEADERS = {"Authorization": f"Token {TOKEN}"} if TOKEN else {}

PUBLISHABLE = {"states", "chairmanships", "summits", "documents", "initiatives"}
# The published records whose pages show a row of these resources (chairmanship.publication._shown_by).
SHOWN_BY = {"memberships": ("state",), "key-figures": ("chairmanship", "summit")}
COLLECTIONS = sorted(PUBLISHABLE | set(SHOWN_BY) | {"topics", "sources"})
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def read(url: str) -> dict | None:
    response = requests.get(url, headers=HEADERS, timeout=10)
    return response.json() if response.status_code == 200 else None


def known_keys(collection: str) -> list[str]:
    """The slugs (ids for memberships) of up to 100 records of ``collection`` the run's account reads."""
    page = read(f"{ORIGIN}/api/v1/{collection}/?page_size=100") or {"results": []}
    return [str(item.get("slug", item.get("id"))) for item in page["results"]]


KNOWN_KEYS = {collection: known_keys(collection) for collection in COLLECTIONS}


def collection_of(path: str) -> str:
    return path.split("/")[3]  # /api/v1/<collection>/...


def shown_publicly(path: str) -> bool:
    """Whether the record at ``path`` is published, or is shown by a published record (read as the Editor)."""
    record = read(ORIGIN + path)
    if record is None:
        return False
    collection = collection_of(path)
    if collection in PUBLISHABLE:
        return record.get("status") == "published"
    for field in SHOWN_BY.get(collection, ()):
        shown_by = record.get(field) and read(record[field]["url"])
        if shown_by and shown_by["status"] == "published":
            return True
    return False


CHOICES = random.Random(1)
# What each of the Editor's PUT, PATCH and DELETE found before it was sent, by case id.
FOUND_PUBLISHED: dict[str, bool] = {}
# How the Editor's writes to what the public sees were answered: printed at the end, so the log shows the
# check had something to judge.
ANSWERS: Counter[str] = Counter()
atexit.register(lambda: ANSWERS and print("The Editor's writes to published records:", dict(sorted(ANSWERS.items()))))


@schemathesis.hook
def before_call(ctx, case, kwargs):
    # Half the detail addresses name a record that exists. Changed here rather than while generating, so
    # schemathesis judges the request as sent (a valid key in place of an invalid one is a valid request).
    # A request meant to break the schema keeps its address: with a valid key in place of the invalid one, its
    # other breaches (unknown query parameters, which the API ignores) would be judged alone.
    negative = case.meta is not None and case.meta.generation.mode.is_negative
    keys = KNOWN_KEYS.get(collection_of(case.operation.path))
    if case.path_parameters and keys and not negative and CHOICES.random() < 0.5:
        (name,) = case.path_parameters
        case.path_parameters[name] = CHOICES.choice(keys)
    if EDITOR_RUN and case.method.upper() in {"PUT", "PATCH", "DELETE"}:
        FOUND_PUBLISHED[case.id] = shown_publicly(case.formatted_path)


@schemathesis.hook
def after_call(ctx, case, response):
    if FOUND_PUBLISHED.get(case.id):
        ANSWERS[f"{case.method.upper()} {response.status_code}"] += 1


@schemathesis.check
def editor_writes_follow_role_rules(ctx, response, case):
    method = case.method.upper()
    if not EDITOR_RUN or method not in WRITES or not 200 <= response.status_code < 300:
        return None
    collection = collection_of(case.formatted_path)
    was_published = FOUND_PUBLISHED.get(case.id, False)
    if method == "DELETE":
        if was_published:
            raise AssertionError(
                f"An Editor deleted {case.formatted_path} although it is published (or a published record shows it)"
            )
        return None
    if response.status_code == 202:
        return None
    if was_published:
        raise AssertionError(
            f"An Editor's {method} changed the published {case.formatted_path} ({response.status_code}, not 202)"
        )
    body = response.json()
    if collection in PUBLISHABLE and (body["status"] == "published" or body["published_at"] is not None):
        raise AssertionError(
            f"An Editor's {method} published or scheduled {case.formatted_path} "
            f"(status {body['status']!r}, published_at {body['published_at']!r})"
        )
    if collection in SHOWN_BY and shown_publicly(urlsplit(body["url"]).path):
        raise AssertionError(f"An Editor's {method} put {body['url']} on a published record's page unreviewed")
    return None
