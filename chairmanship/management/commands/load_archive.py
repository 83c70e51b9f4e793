"""Load the curated, cited fixtures in their documented order, all or nothing.

Unlike a bare ``loaddata``, every record is validated like an admin form would validate it (field rules,
overlapping memberships, constraints) before it is written, a record marked published must pass the
publication checks (a summary, a source, its summit or host published), and a failure names the file and
the record.
Records that already exist (matched by natural key) are left alone unless ``--update`` is given, so a
second run neither duplicates anything nor overwrites what editors have changed since.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core import serializers
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, transaction

from chairmanship import cache as archive_cache
from chairmanship.cache import bump_content_version
from chairmanship.models import PublicationStatus, Publishable, natural_keys_remembered
from chairmanship.publication import publication_problems

DEFAULT_FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"


class FixtureRecordError(Exception):
    pass


def describe(path: Path, index: int, raw: dict) -> str:
    fields = raw.get("fields", {}) if isinstance(raw, dict) else {}
    key = next(
        (f"{name}={fields[name]!r}" for name in ("slug", "number") if fields.get(name) not in (None, "")),
        None,
    )
    if key is None and "state" in fields:
        key = f"state={fields['state']!r} status={fields.get('status')!r} start_date={fields.get('start_date')!r}"
    model = raw.get("model", "?") if isinstance(raw, dict) else "?"
    return f"{path.name}, record {index + 1} ({model} {key or 'without a key'})"


def format_validation_error(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            " ".join(messages) if field == NON_FIELD_ERRORS else f"{field}: {' '.join(messages)}"
            for field, messages in error.message_dict.items()
        )
    return " ".join(error.messages)


def refuse_unready_publication(instance) -> None:
    """A record the file marks published must pass the checks a Publisher's publish would (sources saved)."""
    if not isinstance(instance, Publishable) or instance.status != PublicationStatus.PUBLISHED:
        return
    problems = publication_problems(instance)
    if problems:
        raise ValidationError(f"It is published, but not ready to publish: {' '.join(problems)}")


def load_file(path: Path, *, update: bool, written_keys: dict) -> tuple[int, int]:
    """Validate and save every record of one fixture file; returns (written, left alone).

    ``written_keys`` maps (model, pk) to the label of the record that wrote it in this run, so that two
    records with the same natural key are reported instead of the second one silently matching the first.
    """
    try:
        raw_records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FixtureRecordError(f"{path.name}: not readable JSON ({error})") from error
    if not isinstance(raw_records, list):
        raise FixtureRecordError(f"{path.name}: expected a JSON list of records")

    written = unchanged = 0
    for index, raw in enumerate(raw_records):
        label = describe(path, index, raw)
        try:
            (deserialized,) = serializers.deserialize("json", json.dumps([raw]))
        except (DeserializationError, ValueError, TypeError, LookupError) as error:
            raise FixtureRecordError(f"{label}: {error}") from error
        instance = deserialized.object
        key = (type(instance), instance.pk)
        if instance.pk is not None and key in written_keys:
            raise FixtureRecordError(f"{label}: has the same natural key as {written_keys[key]}")
        if instance.pk is not None and not update:
            unchanged += 1
            continue
        try:
            instance.full_clean()
            deserialized.save()
            refuse_unready_publication(instance)
        except ValidationError as error:
            raise FixtureRecordError(f"{label}: {format_validation_error(error)}") from error
        except DatabaseError as error:
            raise FixtureRecordError(f"{label}: {error}") from error
        written_keys[(type(instance), instance.pk)] = label
        written += 1
    return written, unchanged


class Command(BaseCommand):
    help = "Load every fixture in fixtures/ in file-name order, in one transaction."

    def add_arguments(self, parser):
        parser.add_argument("--fixtures-dir", type=Path, default=DEFAULT_FIXTURES_DIR)
        parser.add_argument(
            "--update",
            action="store_true",
            help="Overwrite existing records with the fixture version (discards editors' changes to them).",
        )

    def handle(self, *args, fixtures_dir: Path, update: bool, **options):
        paths = sorted(fixtures_dir.glob("*.json"))
        if not paths:
            raise CommandError(f"No fixtures found in {fixtures_dir}.")
        totals = []
        written_keys = {}
        try:
            with transaction.atomic(), archive_cache.one_change_for_all(), natural_keys_remembered():
                for path in paths:
                    totals.append((path.name, *load_file(path, update=update, written_keys=written_keys)))
        except FixtureRecordError as error:
            raise CommandError(f"Nothing was loaded. {error}") from error
        if any(written for _, written, _ in totals):
            # Records were saved raw (no per-record signal): cached pages must not outlive them.
            bump_content_version()
        for name, written, unchanged in totals:
            self.stdout.write(f"{name}: {written} written, {unchanged} already present")
        self.stdout.write(self.style.SUCCESS(f"Loaded {len(paths)} fixture files."))
