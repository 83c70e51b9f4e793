"""The load step of ``make run``: all or nothing, idempotent, and clear about broken records."""

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command

from chairmanship.models import Document, State, Summit

pytestmark = pytest.mark.django_db

FIXTURES = Path(settings.BASE_DIR) / "fixtures"


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in apps.get_app_config("chairmanship").get_models()}


@pytest.fixture
def fixture_copy(tmp_path):
    """A writable copy of the curated fixtures, to break on purpose."""
    target = tmp_path / "fixtures"
    target.mkdir()
    for path in FIXTURES.glob("*.json"):
        shutil.copy(path, target / path.name)
    return target


def edit_records(folder: Path, name: str, change) -> None:
    path = folder / name
    records = json.loads(path.read_text())
    change(records)
    path.write_text(json.dumps(records))


def test_loading_twice_duplicates_nothing_and_changes_nothing():
    call_command("load_archive", verbosity=0)
    first = row_counts()
    declaration = Document.objects.get(title__startswith="Astana Declaration", summit__number=24)
    call_command("load_archive", verbosity=0)
    assert row_counts() == first
    assert set(range(1, 26)) <= set(Summit.objects.values_list("number", flat=True))
    declaration_again = Document.objects.get(pk=declaration.pk)
    assert (declaration_again.updated_at, declaration_again.version) == (declaration.updated_at, declaration.version)


def test_a_second_load_keeps_what_editors_changed_since():
    call_command("load_archive", verbosity=0)
    summit = Summit.objects.get(number=24)
    summit.theme = "Corrected by an editor"
    summit.save()
    call_command("load_archive", verbosity=0)
    summit.refresh_from_db()
    assert summit.theme == "Corrected by an editor"


def test_a_fixture_naming_an_unknown_state_fails_naming_the_record_and_loads_nothing(fixture_copy):
    edit_records(fixture_copy, "06_memberships.json", lambda records: records[0]["fields"].update(state=["narnia"]))
    with pytest.raises(CommandError) as error:
        call_command("load_archive", fixtures_dir=fixture_copy, verbosity=0)
    message = str(error.value)
    assert "Nothing was loaded" in message
    assert "06_memberships.json, record 1" in message
    assert "narnia" in message
    assert sum(row_counts().values()) == 0


def test_a_summit_ending_before_it_starts_fails_naming_the_summit(fixture_copy):
    def break_summit(records):
        astana = next(record for record in records if record["fields"]["number"] == 24)
        astana["fields"]["end_date"] = "2024-07-01"

    edit_records(fixture_copy, "05_summits.json", break_summit)
    with pytest.raises(CommandError) as error:
        call_command("load_archive", fixtures_dir=fixture_copy, verbosity=0)
    assert "(chairmanship.summit slug='astana-2024')" in str(error.value)
    assert "must not be before the start date" in str(error.value)
    assert sum(row_counts().values()) == 0


def test_a_duplicate_summit_number_fails_naming_the_record(fixture_copy):
    def duplicate_number(records):
        records[1]["fields"]["number"] = records[0]["fields"]["number"]

    edit_records(fixture_copy, "05_summits.json", duplicate_number)
    with pytest.raises(CommandError) as error:
        call_command("load_archive", fixtures_dir=fixture_copy, verbosity=0)
    assert "05_summits.json, record 2" in str(error.value)
    assert "same natural key as 05_summits.json, record 1" in str(error.value)
    assert Summit.objects.count() == 0


def test_an_overlapping_membership_fails_naming_the_state(fixture_copy):
    def overlap(records):
        records.append(
            {
                "model": "chairmanship.membership",
                "fields": {"state": ["belarus"], "status": "member", "start_date": "2020-01-01", "sources": []},
            }
        )

    edit_records(fixture_copy, "06_memberships.json", overlap)
    with pytest.raises(CommandError) as error:
        call_command("load_archive", fixtures_dir=fixture_copy, verbosity=0)
    assert "overlaps another period of Belarus" in str(error.value)
    assert State.objects.count() == 0


def test_a_fixture_that_is_not_json_fails_naming_the_file(fixture_copy):
    (fixture_copy / "03_states.json").write_text("{not json")
    with pytest.raises(CommandError) as error:
        call_command("load_archive", fixtures_dir=fixture_copy, verbosity=0)
    assert "03_states.json: not readable JSON" in str(error.value)
    assert sum(row_counts().values()) == 0


def test_make_runs_load_step_twice_leaves_the_same_rows(tmp_path):
    """Runs the real ``make load`` (migrate, load_archive, build_release, as ``make run`` does) twice on a scratch
    database."""
    database = tmp_path / "scratch.sqlite3"
    releases = tmp_path / "releases"
    environment = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "RELEASES_DIR": str(releases)}
    counts = []
    for _ in range(2):
        subprocess.run(
            ["make", "--no-print-directory", "load"],
            cwd=settings.BASE_DIR,
            env=environment,
            check=True,
            capture_output=True,
        )
        with sqlite3.connect(database) as connection:
            counts.append(
                {
                    table: connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
                    for (table,) in connection.execute(
                        "SELECT name FROM sqlite_master WHERE type='table' AND name LIKE 'chairmanship_%'"
                    )
                }
            )
    assert counts[0] == counts[1]
    # The first run publishes the open data release /data/ offers; the second finds nothing new to release.
    assert len([folder for folder in releases.iterdir() if (folder / "datapackage.json").exists()]) == 1
    assert counts[0]["chairmanship_summit"] >= 25
    assert counts[0]["chairmanship_document"] > counts[0]["chairmanship_summit"]


def test_a_published_summit_without_a_summary_is_refused_naming_the_summit(fixture_copy):
    edit_records(fixture_copy, "05_summits.json", lambda records: records[0]["fields"].update(summary=""))

    with pytest.raises(CommandError) as error:
        call_command("load_archive", fixtures_dir=fixture_copy, verbosity=0)

    message = str(error.value)
    assert "05_summits.json, record 1 (chairmanship.summit slug='shanghai-2001')" in message
    assert "not ready to publish: Write a summary." in message
    assert sum(row_counts().values()) == 0


def test_a_published_record_without_a_source_is_refused_naming_it(fixture_copy):
    def drop_kazakhstans_sources(records):
        next(record for record in records if record["fields"]["slug"] == "kazakhstan")["fields"]["sources"] = []

    edit_records(fixture_copy, "03_states.json", drop_kazakhstans_sources)
    position = 1 + [record["fields"]["slug"] for record in json.loads((FIXTURES / "03_states.json").read_text())].index(
        "kazakhstan"
    )

    with pytest.raises(CommandError) as error:
        call_command("load_archive", fixtures_dir=fixture_copy, verbosity=0)

    assert f"03_states.json, record {position} (chairmanship.state slug='kazakhstan')" in str(error.value)
    assert "Cite at least one source." in str(error.value)


def test_a_draft_without_a_summary_loads_as_a_draft(fixture_copy):
    edit_records(
        fixture_copy,
        "05_summits.json",
        lambda records: records[0]["fields"].update(summary="", status="draft", published_at=None),
    )
    # A draft summit's documents cannot be public either: they go back to drafts with it.
    edit_records(
        fixture_copy,
        "07_documents.json",
        lambda records: [
            record["fields"].update(status="draft", published_at=None)
            for record in records
            if record["fields"]["summit"] == [1]
        ],
    )

    call_command("load_archive", fixtures_dir=fixture_copy, verbosity=0)

    assert Summit.objects.get(number=1).status == "draft"
    assert Summit.objects.published().count() == 24
