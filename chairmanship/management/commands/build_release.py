"""Build an open data release of the published archive (``chairmanship.releases``), if anything changed.

Safe to run on a schedule: when nothing published changed since the last release it builds nothing and
says so; ``--force`` builds a release all the same. Releases go to ``settings.RELEASES_DIR``.
"""

from django.core.management.base import BaseCommand, CommandError

from chairmanship import releases


class Command(BaseCommand):
    help = "Build a versioned open data release (CSV, JSON, Frictionless package, ZIP, checksums) when content changed."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Build a release even when nothing published changed.")

    def handle(self, *args, force: bool, **options):
        try:
            outcome = releases.build_release(force=force)
        except releases.ReleaseBusy as busy:
            self.stdout.write(f"{busy} Nothing done.")
            return
        except (OSError, releases.ReleaseError) as error:
            raise CommandError(f"No release was built: {error}") from error
        if outcome.release is None:
            self.stdout.write(f"{outcome.reason} No new release.")
            return
        release = outcome.release
        changes = (
            "the first release"
            if release.first
            else ", ".join(
                f"{sum(tally[change] for tally in release.manifest['changes'].values())} {change}"
                for change in releases.CHANGES
            )
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Built release {release.version} in {release.folder} ({release.records} records; {changes})."
            )
        )
