"""How long an open data release takes to build on the benchmark database: ``python -m bench.release_timing``.

Three builds into an empty releases folder (``RELEASES_DIR``): the first release; after one document is
edited, a second one with its changelog; and a scheduled run when nothing changed (no release). Each is
timed, and the process's peak resident memory is read after each (``ru_maxrss`` never goes down, so it is
the peak so far) beside the memory the process held before the first build: what the builds add is what
streaming has to keep flat. Prints one JSON line.
"""

import json
import resource
import time

import django


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def main() -> int:
    django.setup()
    from chairmanship import releases
    from chairmanship.models import Document

    document = Document.objects.published().order_by("pk").first()  # connections and imports warm
    baseline = peak_mb()
    steps = []

    def step(name: str, **options):
        started = time.perf_counter()
        outcome = releases.build_release(**options)
        steps.append(
            {
                "step": name,
                "seconds": round(time.perf_counter() - started, 2),
                "peak_mb": round(peak_mb(), 1),
                "release": outcome.release.version if outcome.release else None,
            }
        )
        return outcome

    first = step("first release")
    document.title = f"{document.title} (edited)"
    document.save()
    second = step("after one edit, with its changelog")
    step("a scheduled run, nothing changed")
    print(
        json.dumps(
            {
                "baseline_mb": round(baseline, 1),
                "steps": steps,
                "records": first.release.records,
                "zip_mb": round(first.release.facts(first.release.zip_name)["bytes"] / 1024 / 1024, 1),
                "changed": second.release.manifest["changes"] if second.release else None,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
