"""The archive's own pages behind Varnish (``deploy/varnish/archive.vcl``): a publish is visible through Varnish at
once, and a page that does not show it stays a Varnish hit. Left out, in one line, where varnishd or the xkey
vmod is missing (tests/conftest.py)."""

import datetime
import urllib.request

import pytest
from django.utils import timezone

from chairmanship.models import PublicationStatus
from tests.factories import DocumentFactory, SummitFactory
from tests.varnish_support import running_varnish

pytestmark = [pytest.mark.varnish, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def through_varnish(live_server, settings, tmp_path):
    with running_varnish(tmp_path / "varnish", live_server.thread.host, live_server.thread.port) as varnish:
        settings.CACHE_PURGE_URL = f"{varnish.base}/"
        settings.SHARED_CACHE_MAX_AGE = 3600

        def fetch(path: str) -> tuple[str, str]:
            with urllib.request.urlopen(f"{varnish.base}{path}", timeout=10) as answer:
                return answer.read().decode(), answer.headers["X-Cache"]

        yield fetch


def test_a_publish_is_visible_through_varnish_at_once_and_an_unrelated_page_stays_a_hit(through_varnish):
    astana = SummitFactory(host_city="Astana")
    tianjin = SummitFactory(
        host_city="Tianjin", start_date=datetime.date(2025, 8, 31), end_date=datetime.date(2025, 9, 1)
    )
    unrelated = DocumentFactory(title="Tianjin Declaration", summit=tianjin)
    draft = DocumentFactory(title="Astana Declaration", summit=astana, draft=True, date=datetime.date(2026, 1, 1))
    pages = ["/documents/", astana.get_absolute_url(), "/"]
    for path in [*pages, unrelated.get_absolute_url(), tianjin.get_absolute_url()]:
        through_varnish(path)
        assert through_varnish(path)[1] == "HIT", path

    draft.status, draft.published_at = PublicationStatus.PUBLISHED, timezone.now()
    draft.save()  # committed at once (autocommit): the purge goes out after the commit

    for path in pages:
        body, state = through_varnish(path)
        assert state == "MISS", path
        assert "Astana Declaration" in body, path
    assert "Astana Declaration" in through_varnish(draft.get_absolute_url())[0]
    assert through_varnish(unrelated.get_absolute_url())[1] == "HIT"
    assert through_varnish(tianjin.get_absolute_url())[1] == "HIT"


def test_an_edit_is_visible_through_varnish_at_once(through_varnish):
    document = DocumentFactory(title="Joint Communique", summary="Before the edit.")
    through_varnish(document.get_absolute_url())
    assert through_varnish(document.get_absolute_url())[1] == "HIT"

    document.summary = "After the edit."
    document.save()

    body, state = through_varnish(document.get_absolute_url())
    assert state == "MISS"
    assert "After the edit." in body
