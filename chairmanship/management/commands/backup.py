"""Write the whole archive to one timestamped ``.tar.gz``: content, history, accounts and uploaded files.

The archive holds three kinds of member:

``manifest.json``
    the format version, when and from which schema the backup was made, how many records of each model
    it holds, and the SHA-256 of every other member, so ``restore`` can refuse a damaged or altered file.
``data.json``
    every record, in Django's JSON serialization. Relations to content types, permissions and users are
    written as natural keys (``["chairmanship", "document"]``, ``"editor@…"``), so the backup does not
    depend on the numeric ids another database happens to give them. Records keep their own primary keys,
    which their history (django-reversion versions) and public corrections refer to.
``media/…``
    the uploaded files (document PDFs), under their stored names.

Sessions, login attempts and API tokens are left out: they are short-lived, or credentials that are better
issued anew after a restore.
"""

import datetime
import io
import json
import tarfile
import tempfile
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder

from chairmanship.releases import sha256_of

FORMAT = "sco-archive-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
DATA_NAME = "data.json"
MEDIA_PREFIX = "media/"

# What a backup holds. Whole apps are named by label, single models by "app.model".
BACKED_UP = ("auth.group", "auth.user", "admin.logentry", "chairmanship", "reversion")
# Restored by their natural key, so the roles that migrations create are updated instead of duplicated.
NATURAL_PRIMARY_KEY_MODELS = ("auth.group",)


def backed_up_models() -> list:
    """The models a backup holds, ordered so that every record comes after the records it refers to."""
    by_app: dict = {}
    for label in BACKED_UP:
        if "." in label:
            model = apps.get_model(label)
            by_app.setdefault(model._meta.app_config, []).append(model)
        else:
            app_config = apps.get_app_config(label)
            by_app.setdefault(app_config, []).extend(app_config.get_models())
    return serializers.sort_dependencies(list(by_app.items()), allow_cycles=True)


def model_label(model) -> str:
    return model._meta.label_lower


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app_label, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def media_files(media_root: Path) -> list[Path]:
    """Regular files under MEDIA_ROOT, without hidden ones (a restore's staging folder) or links outside it."""
    if not media_root.is_dir():
        return []
    return sorted(
        path
        for path in media_root.rglob("*")
        if path.is_file()
        and not path.is_symlink()
        and not any(part.startswith(".") for part in path.relative_to(media_root).parts)
    )


def write_records(stream, models: list) -> dict[str, int]:
    """Writes one JSON list of every record of ``models`` to ``stream``; returns the count per model."""
    counts = {}
    stream.write("[\n")
    first = True
    for model in models:
        label = model_label(model)
        queryset = model._base_manager.order_by("pk")
        counts[label] = queryset.count()
        if not counts[label]:
            continue
        text = serializers.serialize(
            "json",
            queryset.iterator(chunk_size=2000),
            indent=1,
            use_natural_foreign_keys=True,
            use_natural_primary_keys=label in NATURAL_PRIMARY_KEY_MODELS,
        )
        body = text.strip()[1:-1].strip()  # the records without the list's brackets
        if body:
            stream.write(("" if first else ",\n") + body)
            first = False
    stream.write("\n]\n")
    return counts


def snapshot(data_path: Path) -> dict[str, int]:
    """Serializes every record from one consistent view of the database."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:
            # Every model is read from the same snapshot, even while editors keep saving.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with data_path.open("w", encoding="utf-8") as stream:
            return write_records(stream, backed_up_models())


def unique_archive_path(output: Path, moment: datetime.datetime) -> Path:
    stem = f"sco-archive-{moment:%Y%m%dT%H%M%SZ}"
    candidate = output / f"{stem}.tar.gz"
    number = 2
    while candidate.exists():
        candidate = output / f"{stem}-{number}.tar.gz"
        number += 1
    return candidate


def build_archive(output: Path) -> tuple[Path, dict]:
    """Writes the archive into ``output`` and returns its path and manifest."""
    output.mkdir(parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    moment = datetime.datetime.now(tz=datetime.UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="sco-backup-") as workdir:
        data_path = Path(workdir) / DATA_NAME
        counts = snapshot(data_path)
        files = {DATA_NAME: sha256_of(data_path)}
        media = media_files(media_root)
        for path in media:
            files[MEDIA_PREFIX + path.relative_to(media_root).as_posix()] = sha256_of(path)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": moment.isoformat(),
            "django_version": django.get_version(),
            "database_vendor": connection.vendor,
            "migrations": applied_migrations(),
            "counts": counts,
            "files": files,
        }
        manifest_bytes = json.dumps(manifest, indent=1, sort_keys=True).encode()

        destination = unique_archive_path(output, moment)
        # Written under a temporary name and renamed at the end: a backup interrupted half-way (full disk,
        # killed process) never leaves a file that looks complete.
        partial = destination.with_name(f".{destination.name}.partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                info = tarfile.TarInfo(MANIFEST_NAME)
                info.size, info.mtime, info.mode = len(manifest_bytes), int(moment.timestamp()), 0o644
                archive.addfile(info, io.BytesIO(manifest_bytes))
                archive.add(data_path, arcname=DATA_NAME, recursive=False)
                for path in media:
                    archive.add(path, arcname=MEDIA_PREFIX + path.relative_to(media_root).as_posix(), recursive=False)
            partial.replace(destination)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    return destination, manifest


class Command(BaseCommand):
    help = "Write all content, its history, the accounts and the uploaded files to one timestamped .tar.gz."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            default=Path(settings.BASE_DIR) / "backups",
            help="Folder to write the archive into (created if missing). Default: backups/",
        )

    def handle(self, *args, output: Path, **options):
        try:
            destination, manifest = build_archive(output)
        except OSError as error:
            raise CommandError(f"No backup was written: {error}") from error
        records = sum(manifest["counts"].values())
        media = sum(1 for name in manifest["files"] if name.startswith(MEDIA_PREFIX))
        self.stdout.write(self.style.SUCCESS(f"Wrote {destination} ({records} records, {media} media files)."))
