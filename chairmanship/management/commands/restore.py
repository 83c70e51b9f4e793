"""Bring a backup written by ``manage.py backup`` back into an empty database, all or nothing.

Before anything is written the archive is checked whole: its manifest, the SHA-256 of every member, the
shape of its names (nothing may land outside MEDIA_ROOT) and that the database schema is at least as new
as the one the backup was made from. The target must hold no content: a restore never merges into, or
overwrites, a live archive. Records are loaded in one transaction and the media files are moved into
place inside it; if anything fails, the database is rolled back and the files already moved are removed.
"""

import hashlib
import json
import shutil
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.base import DeserializationError
from django.db import DatabaseError, transaction

from chairmanship import cache as archive_cache
from chairmanship.cache import bump_content_version
from chairmanship.management.commands.backup import (
    DATA_NAME,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST_NAME,
    MEDIA_PREFIX,
    NATURAL_PRIMARY_KEY_MODELS,
    applied_migrations,
    backed_up_models,
    model_label,
)


class BackupArchive:
    """A validated backup: its manifest, and the members' bytes read on demand."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.tar = tarfile.open(path, "r:gz")  # noqa: SIM115 (closed by close())
            self.members = {member.name: member for member in self.tar.getmembers()}
        except (OSError, EOFError, tarfile.TarError) as error:
            raise CommandError(
                f"{path} is not a backup written by `manage.py backup` (not a readable .tar.gz: {error})."
            ) from error
        try:
            self.manifest = self._validated_manifest()
            self._check_members()
        except CommandError:
            self.close()
            raise

    def close(self) -> None:
        self.tar.close()

    def read(self, name: str) -> bytes:
        stream = self.tar.extractfile(self.members[name])
        if stream is None:
            raise CommandError(f"{self.path}: {name} is not a regular file.")
        return stream.read()

    def copy_to(self, name: str, destination: Path) -> None:
        destination.parent.mkdir(parents=True, exist_ok=True)
        with self.tar.extractfile(self.members[name]) as source, destination.open("xb") as target:
            shutil.copyfileobj(source, target, length=1024 * 1024)

    def _validated_manifest(self) -> dict:
        if MANIFEST_NAME not in self.members:
            raise CommandError(f"{self.path} has no {MANIFEST_NAME}: it was not written by `manage.py backup`.")
        try:
            manifest = json.loads(self.read(MANIFEST_NAME))
        except ValueError as error:
            raise CommandError(f"{self.path}: {MANIFEST_NAME} is not valid JSON ({error}).") from error
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise CommandError(f"{self.path}: {MANIFEST_NAME} does not describe a backup of this archive.")
        if manifest.get("format_version") != FORMAT_VERSION:
            raise CommandError(
                f"{self.path} is in backup format {manifest.get('format_version')!r}; "
                f"this version of the site restores format {FORMAT_VERSION}."
            )
        for key in ("files", "counts", "migrations"):
            if not isinstance(manifest.get(key), dict):
                raise CommandError(f"{self.path}: {MANIFEST_NAME} lacks its {key!r} list.")
        return manifest

    def _check_members(self) -> None:
        expected = set(self.manifest["files"]) | {MANIFEST_NAME}
        for name, member in self.members.items():
            if member.isdir():
                continue
            if not member.isfile():
                raise CommandError(f"{self.path}: {name} is a link or device; a backup holds only files.")
            if not is_safe_member_name(name):
                raise CommandError(f"{self.path}: the member name {name!r} would be written outside MEDIA_ROOT.")
            if name not in expected:
                raise CommandError(f"{self.path}: {name} is not listed in the manifest.")
        missing = sorted(expected - set(self.members))
        if missing:
            raise CommandError(f"{self.path} is incomplete: {', '.join(missing)} missing.")
        if DATA_NAME not in self.manifest["files"]:
            raise CommandError(f"{self.path} holds no {DATA_NAME}.")
        for name, checksum in self.manifest["files"].items():
            digest = hashlib.sha256()
            with self.tar.extractfile(self.members[name]) as stream:
                for chunk in iter(lambda stream=stream: stream.read(1024 * 1024), b""):
                    digest.update(chunk)
            if digest.hexdigest() != checksum:
                raise CommandError(f"{self.path}: {name} does not match its checksum; the archive is damaged.")

    @property
    def media_names(self) -> list[str]:
        return sorted(name for name in self.manifest["files"] if name.startswith(MEDIA_PREFIX))


def is_safe_member_name(name: str) -> bool:
    path = PurePosixPath(name)
    if path.is_absolute() or "\\" in name or any(part in ("..", "") for part in path.parts):
        return False
    return name in (MANIFEST_NAME, DATA_NAME) or (name.startswith(MEDIA_PREFIX) and len(path.parts) > 1)


def database_contents() -> list[str]:
    """What the database already holds, e.g. ``["2 users", "14 states"]``; empty when nothing is there."""
    held = []
    for model in backed_up_models():
        if model_label(model) in NATURAL_PRIMARY_KEY_MODELS:
            continue  # roles created by migrations are restored by name
        count = model._base_manager.count()
        if count:
            name = model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural
            held.append(f"{count} {name} ({model_label(model)})")
    return held


def missing_migrations(recorded: dict) -> list[str]:
    applied = applied_migrations()
    return sorted(
        f"{app_label}.{name}"
        for app_label, names in recorded.items()
        for name in names
        if name not in applied.get(app_label, ())
    )


class Command(BaseCommand):
    help = "Restore a backup written by `manage.py backup` into an empty, migrated database (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="The .tar.gz written by `manage.py backup`.")

    def handle(self, *args, archive: Path, **options):
        if not archive.is_file():
            raise CommandError(f"{archive} does not exist.")
        backup = BackupArchive(archive)
        try:
            self.check_target(backup)
            loaded = self.restore(backup)
        finally:
            backup.close()
        bump_content_version()
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {loaded} records and {len(backup.media_names)} media files "
                f"from the backup of {backup.manifest.get('created_at', 'an unknown date')}."
            )
        )

    def check_target(self, backup: BackupArchive) -> None:
        missing = missing_migrations(backup.manifest["migrations"])
        if missing:
            raise CommandError(
                "The database schema is older than the backup's; run `manage.py migrate` first. "
                f"Not applied: {', '.join(missing)}."
            )
        held = database_contents()
        if held:
            raise CommandError(
                f"The database is not empty: it holds {', '.join(held)}. A restore only goes into an empty "
                "database: create a new one, run `manage.py migrate`, then restore into it."
            )
        media_root = Path(settings.MEDIA_ROOT)
        taken = [name for name in backup.media_names if (media_root / name.removeprefix(MEDIA_PREFIX)).exists()]
        if taken:
            raise CommandError(
                f"MEDIA_ROOT ({media_root}) already holds files of this backup ({', '.join(taken[:5])}); "
                "restore into an empty media folder."
            )

    def restore(self, backup: BackupArchive) -> int:
        media_root = Path(settings.MEDIA_ROOT)
        media_root.mkdir(parents=True, exist_ok=True)
        placed: list[Path] = []
        with (
            tempfile.TemporaryDirectory(prefix="sco-restore-") as workdir,
            # On the same file system as MEDIA_ROOT, so each file moves into place in one rename.
            tempfile.TemporaryDirectory(prefix=".restore-", dir=media_root) as staging,
        ):
            data_path = Path(workdir) / DATA_NAME
            try:
                backup.copy_to(DATA_NAME, data_path)
                for name in backup.media_names:
                    backup.copy_to(name, Path(staging) / name.removeprefix(MEDIA_PREFIX))
            except OSError as error:
                raise CommandError(f"Nothing was restored: the archive could not be unpacked ({error}).") from error
            try:
                with transaction.atomic(), archive_cache.one_change_for_all():
                    call_command("loaddata", str(data_path), verbosity=0)
                    self.check_counts(backup.manifest["counts"])
                    for name in backup.media_names:
                        relative = name.removeprefix(MEDIA_PREFIX)
                        target = media_root / relative
                        target.parent.mkdir(parents=True, exist_ok=True)
                        (Path(staging) / relative).replace(target)
                        placed.append(target)
            except (
                DeserializationError,
                DatabaseError,
                ValidationError,
                ObjectDoesNotExist,
                OSError,
                ValueError,
                LookupError,
            ) as error:
                for path in placed:
                    path.unlink(missing_ok=True)
                raise CommandError(f"Nothing was restored: {error}") from error
        # loaddata saves raw, without the per-record signal: cached pages must not outlive the old content.
        bump_content_version()
        return sum(backup.manifest["counts"].values())

    @staticmethod
    def check_counts(expected: dict) -> None:
        """Every record of the backup is in the database now (the roles migrations made may add to groups)."""
        for model in backed_up_models():
            label = model_label(model)
            count = model._base_manager.count()
            wanted = expected.get(label, 0)
            if count < wanted or (count != wanted and label not in NATURAL_PRIMARY_KEY_MODELS):
                raise ValueError(f"{label}: the backup lists {wanted} records, the database now holds {count}.")
