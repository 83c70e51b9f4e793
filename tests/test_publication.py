"""The publication rules (``chairmanship.publication``): who may publish, schedule, unpublish, read unpublished
records and delete published facts, and what a publish requires, as every path applies them."""

import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone

from chairmanship import publication
from chairmanship.models import Document, PublicationStatus, Summit
from tests import factories
from tests.admin_support import editorial_user

pytestmark = pytest.mark.django_db

APP = Path(publication.__file__).parent


def test_only_publishers_and_superusers_may_publish(editor, publisher, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.org", "password")
    retired = editorial_user(django_user_model, "Publisher", "retired")
    retired.is_active = False
    retired.save()

    assert [publication.may_publish(user, Document) for user in (editor, publisher, superuser, retired)] == [
        False,
        True,
        True,
        False,
    ]


def test_reading_unpublished_records_needs_the_view_permission_not_staff_status(editor, django_user_model):
    staff_without_role = django_user_model.objects.create_user("bystander", is_staff=True)
    assert publication.may_read_unpublished(editor, Document)
    assert not publication.may_read_unpublished(staff_without_role, Document)


def test_an_editor_may_not_give_a_draft_a_publication_time(editor):
    draft = factories.DocumentFactory(draft=True)
    later = timezone.now() + datetime.timedelta(days=3)

    refusal = publication.publication_change_refusal(
        user=editor, model=Document, before=draft, status=PublicationStatus.DRAFT, published_at=later
    )

    assert "Only a Publisher" in refusal


def test_an_editor_may_keep_a_published_records_publication_as_it_is(editor):
    published = factories.DocumentFactory()

    assert (
        publication.publication_change_refusal(
            user=editor,
            model=Document,
            before=published,
            status=PublicationStatus.PUBLISHED,
            published_at=published.published_at,
        )
        is None
    )


def test_a_publisher_may_schedule_a_draft(publisher):
    draft = factories.DocumentFactory(draft=True)
    later = timezone.now() + datetime.timedelta(days=3)

    publication.publish(draft, user=publisher, at=later)

    draft.refresh_from_db()
    assert publication.is_scheduled(draft)
    assert draft.published_at == later


def test_publish_refuses_an_editor_and_leaves_the_draft_alone(editor):
    draft = factories.DocumentFactory(draft=True)

    with pytest.raises(publication.NotAllowed, match="Only a Publisher"):
        publication.publish(draft, user=editor)

    draft.refresh_from_db()
    assert draft.status == PublicationStatus.DRAFT


def test_publish_names_what_is_missing(publisher):
    draft = factories.DocumentFactory(draft=True, summary="", sources=[])

    with pytest.raises(publication.PublicationRefused) as refusal:
        publication.publish(draft, user=publisher)

    assert refusal.value.problems == {draft: ["Cite at least one source.", "Write a summary."]}


def test_unpublishing_clears_the_publication_time(publisher):
    document = factories.DocumentFactory(scheduled=True)

    publication.unpublish(document, user=publisher)

    document.refresh_from_db()
    assert (document.status, document.published_at) == (PublicationStatus.DRAFT, None)


def test_only_a_published_record_has_a_publication_time():
    moment = timezone.now() + datetime.timedelta(days=1)

    assert publication.normalized_published_at(status=PublicationStatus.DRAFT, published_at=moment) is None
    assert publication.normalized_published_at(status=PublicationStatus.PUBLISHED, published_at=moment) == moment
    assert publication.normalized_published_at(status=PublicationStatus.PUBLISHED, published_at=None) is not None


def test_publishing_a_summit_with_its_documents_is_a_publishers_act(editor):
    summit = factories.SummitFactory(draft=True)

    with pytest.raises(publication.NotAllowed):
        publication.publish_summit_with_documents(summit, user=editor)

    assert not Summit.objects.filter(status=PublicationStatus.PUBLISHED).exists()


def test_no_other_module_decides_who_may_publish_or_what_a_publish_requires():
    """The rule has one home: another module naming the publish permission or the completeness checks
    would be a copy that can drift from it."""
    copies = []
    for path in APP.rglob("*.py"):
        if path.name in ("publication.py", "models.py") or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"\.publish_permission\(|\"Cite at least one source|def (can_publish|publication_problems)", text):
            copies.append(str(path.relative_to(APP)))
    assert not copies
    assert not (APP / "services.py").exists()


def test_the_admin_form_offers_an_editor_neither_the_published_status_nor_the_publication_time(editor, publisher):
    published = factories.DocumentFactory()

    assert [value for value, _ in publication.offered_statuses(editor, Document)] == ["draft", "review"]
    assert publication.locked_publication_fields(editor, Document, None) == ("published_at",)
    assert publication.locked_publication_fields(editor, Document, published) == ("published_at", "status")
    assert publication.locked_publication_fields(publisher, Document, published) == ()


def test_a_revert_by_an_editor_keeps_the_publication_state(editor, publisher):
    document = factories.DocumentFactory(draft=True)
    document.status = PublicationStatus.PUBLISHED

    publication.keep_publication_through_revert(
        document, user=editor, status=PublicationStatus.DRAFT, published_at=None
    )

    assert (document.status, document.published_at) == (PublicationStatus.DRAFT, None)
