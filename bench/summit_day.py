"""The editors' side of the benchmark's summit day (``bench/run.py``): a Django process with the server's
settings, database and cache, so every change goes through the model's save and fires every signal the site
listens to, as an editor's does.

    python -m bench.summit_day urls FILE     # the readers' addresses, one a line; prints what the editors change
    python -m bench.summit_day edit SLUG --every 3 --seconds 30
    python -m bench.summit_day publish --every 10 --seconds 30

``edit`` and ``publish`` get ready (Django loaded, the accounts found), print ``ready``, wait for a line on
standard input, then act at once and every ``--every`` seconds until ``--seconds`` have passed; they end with
one JSON line: how many changes, how long each took, and the text a reader should now see, and where.
"""

import argparse
import json
import sys
import time

import django

# The mix of addresses readers ask for. The busiest pages of a summit day (the home page in each language,
# the archive's first page) are listed several times, so they are asked for that much more often.
HOME_WEIGHT = 10
FIRST_PAGE_WEIGHT = 5
DOCUMENT_PAGES = 500
TRANSLATED_DOCUMENT_PAGES = 100
API_DETAILS = 150
ARCHIVE_PAGES = 100
PUBLISHER = "summit-day-publisher"


def reader_addresses(share: float = 1.0) -> tuple[list[str], dict]:
    """The addresses of published records readers ask for, and what the editors change (none of those).

    The document saved while readers read is the archive's oldest: it is on none of the pages read (not on
    the first half of the archive, not on the filtered lists of its type or topics, not on its summit's page).
    """
    from chairmanship.languages import OTHER_LANGUAGES
    from chairmanship.models import Document, DocumentType, Summit, Topic

    documents = Document.objects.published()
    edited = documents.filter(date__isnull=False).order_by("date", "-title_en").first()
    if edited is None:
        sys.exit("The summit day needs published, dated documents: fill the database first.")
    edited_topics = set(edited.topics.values_list("slug", flat=True))
    newest = documents.filter(date__isnull=False).order_by("-date").values_list("date", flat=True).first()
    total = documents.count()

    slugs = list(documents.exclude(pk=edited.pk).order_by("-date", "title_en").values_list("slug", flat=True))
    pages = max(1, int(DOCUMENT_PAGES * share))
    step = max(1, len(slugs) // pages)
    chosen = slugs[::step][:pages]
    prefixes = [f"/{code}" for code in OTHER_LANGUAGES]

    addresses = [path for prefix in ["", *prefixes] for path in [f"{prefix}/"] * HOME_WEIGHT]
    addresses += ["/documents/"] * FIRST_PAGE_WEIGHT
    addresses += [f"/documents/{slug}/" for slug in chosen]
    addresses += [
        f"{prefixes[n % len(prefixes)]}/documents/{slug}/"
        for n, slug in enumerate(
            chosen[1 :: max(1, len(chosen) // TRANSLATED_DOCUMENT_PAGES)][:TRANSLATED_DOCUMENT_PAGES]
        )
    ]
    addresses += [f"/api/v1/documents/{slug}/" for slug in chosen[::-1][: int(API_DETAILS * share)]]
    # The first half of the archive at most: the edited document is on its last page.
    last_page = max(1, min(int(ARCHIVE_PAGES * share), (total // 20) // 2))
    addresses += [f"/documents/?page={page}" for page in range(2, last_page + 1)]
    topics = list(Topic.objects.order_by("slug").values_list("slug", flat=True))
    types = [value for value in DocumentType.values if value != edited.document_type]
    addresses += [f"/documents/?type={kind}" for kind in types]
    addresses += [f"/documents/?topic={topic}" for topic in topics if topic not in edited_topics]
    addresses += [
        f"/documents/?type={kind}&topic={topic}" for kind in types for topic in topics if topic not in edited_topics
    ]
    summits = Summit.objects.published().exclude(pk=edited.summit_id).order_by("number")
    addresses += [f"/summits/{slug}/" for slug in summits.values_list("slug", flat=True)]
    changed = {
        "edited": edited.slug,
        "edited_page": edited.get_absolute_url(),
        "newest_date": newest.isoformat(),
        "distinct": len(set(addresses)),
    }
    return addresses, changed


def publisher():
    """The account the changes are made as: a Publisher, so a change goes live as it does on a summit day."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    user, _ = get_user_model().objects.get_or_create(username=PUBLISHER, defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name="Publisher"))
    return user


class Edit:
    """Saves a changed summary of one published document: what a reader sees of it changes each time."""

    def __init__(self, slug: str):
        from chairmanship.models import Document

        self.document = Document.objects.get(slug=slug)
        self.user = publisher()

    def __call__(self, number: int) -> dict:
        import reversion

        from chairmanship.models import Document

        marker = f"summit-day-edit-{time.time_ns()}"
        document = Document.objects.get(pk=self.document.pk)
        document.summary = f"Revised on the summit day ({marker})."
        with reversion.create_revision():
            reversion.set_user(self.user)
            reversion.set_comment("Summary revised.")
            document.save()
        return {"text": marker, "pages": [document.get_absolute_url()]}


class Publish:
    """Writes a new document as a draft, then publishes it: dated on the archive's newest day, at its newest
    summit, titled to come first, so it heads the archive's first page and the home page's latest list."""

    def __init__(self):
        from chairmanship.models import Document, Source, Summit, Topic

        newest = Document.objects.published().filter(date__isnull=False).order_by("-date").first()
        if newest is None:
            sys.exit("The summit day needs published, dated documents: fill the database first.")
        self.date = newest.date
        self.summit = Summit.objects.published().filter(pk=newest.summit_id).first()
        self.chairmanship_id = newest.chairmanship_id
        self.topic = Topic.objects.order_by("slug").first()
        self.source = Source.objects.order_by("pk").first()
        self.user = publisher()

    def __call__(self, number: int) -> dict:
        import reversion

        from chairmanship import publication
        from chairmanship.models import Document, DocumentType, PublicationStatus

        marker = f"summit-day-{time.time_ns()}"
        document = Document(
            title=f"A decision of the summit day ({marker})",
            slug=marker,
            document_type=DocumentType.DECISION,
            date=self.date,
            summit=self.summit,
            chairmanship_id=self.chairmanship_id,
            summary="Adopted on the summit day.",
            status=PublicationStatus.DRAFT,
        )
        with reversion.create_revision():
            reversion.set_user(self.user)
            reversion.set_comment("Added.")
            document.save()
            document.topics.set([self.topic] if self.topic else [])
            document.sources.set([self.source] if self.source else [])
        with reversion.create_revision():
            reversion.set_user(self.user)
            reversion.set_comment("Published.")
            publication.publish(document, user=self.user)
        return {"text": marker, "pages": ["/", "/documents/"]}


def act(action, every: float, seconds: float) -> dict:
    """Runs ``action`` at once and every ``every`` seconds until ``seconds`` have passed."""
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.monotonic()
    durations, last = [], None
    number = 0
    while number * every < seconds:
        delay = started + number * every - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        began = time.monotonic()
        last = action(number)
        durations.append((time.monotonic() - began) * 1000)
        number += 1
    remaining = started + seconds - time.monotonic()
    if remaining > 0:
        time.sleep(remaining)
    return {"changes": len(durations), "ms": durations, "last": last}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    urls = commands.add_parser("urls")
    urls.add_argument("file")
    # The smoke run (CI) reads a tenth of the mix, so that warming it takes seconds.
    urls.add_argument("--share", type=float, default=1.0)
    edit = commands.add_parser("edit")
    edit.add_argument("slug")
    for command in (edit, commands.add_parser("publish")):
        command.add_argument("--every", type=float, required=True)
        command.add_argument("--seconds", type=float, required=True)
    commands.add_parser("clean")
    args = parser.parse_args()
    django.setup()
    if args.command == "clean":  # the documents an earlier run published (``Publish``), before another run
        from chairmanship.models import Document

        deleted, _by_model = Document.objects.filter(slug__startswith="summit-day-").delete()
        print(json.dumps({"deleted": deleted}))
        return 0
    if args.command == "urls":
        addresses, changed = reader_addresses(args.share)
        with open(args.file, "w") as out:
            out.writelines(f"{address}\n" for address in addresses)
        print(json.dumps({**changed, "lines": len(addresses)}))
        return 0
    action = Edit(args.slug) if args.command == "edit" else Publish()
    print(json.dumps(act(action, args.every, args.seconds)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
