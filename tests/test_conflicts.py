"""No lost updates: two people edit the same record in the admin; the second save is refused."""

from http import HTTPStatus

import pytest
from django.core.management import call_command

from chairmanship.models import Document
from tests.factories import DocumentFactory
from tests.test_workflow import change_url, client_for, editorial_user, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_editors(django_user_model):
    first = editorial_user(django_user_model, "Editor", "amina")
    first.first_name, first.last_name = "Amina", "Sadykova"
    first.save()
    return client_for(first), client_for(editorial_user(django_user_model, "Editor", "boris"))


def _first_save_then_open_form(two_editors, document, **first_changes):
    amina, boris = two_editors
    aminas_form = amina.get(change_url(document))
    boris_form = boris.get(change_url(document))
    # Amina saves first (through the admin, so her change is a recorded version).
    assert amina.post(change_url(document), form_data(aminas_form, **first_changes)).status_code == HTTPStatus.FOUND
    return boris, boris_form


def test_second_save_is_refused_naming_the_fields_the_other_editor_changed(two_editors):
    document = DocumentFactory(draft=True, title="Astana Declaration", summary="Original summary.")
    call_command("createinitialrevisions", "chairmanship.Document", verbosity=0)
    boris, boris_form = _first_save_then_open_form(
        two_editors, document, title="Astana Declaration of the Heads of State", summary="Amina's summary."
    )

    response = boris.post(change_url(document), form_data(boris_form, full_text="Boris typed the full text."))

    assert response.status_code == HTTPStatus.OK
    form = response.context["adminform"].form
    message = " ".join(form.non_field_errors())
    assert "Amina Sadykova saved this record" in message
    assert "Fields they changed: Title, Summary." in message
    assert "It now reads: Amina's summary." in form.errors["summary"][0]
    assert "full_text" not in form.errors
    # Boris's typing is still in the form, and nothing of his reached the database.
    assert "Boris typed the full text." in response.text
    document.refresh_from_db()
    assert (document.summary, document.full_text) == ("Amina's summary.", "")


def test_conflict_is_explained_for_a_record_without_recorded_versions(two_editors):
    """A record loaded from fixtures has no history yet; the form's posted initial values tell what moved."""
    document = DocumentFactory(draft=True, summary="Original summary.")
    _, boris = two_editors
    boris_form = boris.get(change_url(document))
    # Amina's change arrives from outside the admin (no revision of the version Boris loaded exists).
    document.summary = "Changed elsewhere."
    document.save()

    response = boris.post(change_url(document), form_data(boris_form, title="Boris's title"))

    message = " ".join(response.context["adminform"].form.non_field_errors())
    assert "Someone else saved this record" in message
    assert "Fields they changed: Summary." in message
    assert Document.objects.get(pk=document.pk).title != "Boris's title"


def test_saving_again_after_seeing_the_conflict_keeps_the_second_editors_input(two_editors):
    document = DocumentFactory(draft=True, summary="Original summary.")
    boris, boris_form = _first_save_then_open_form(two_editors, document, summary="Amina's summary.")
    refused = boris.post(change_url(document), form_data(boris_form, full_text="Boris's text."))
    assert refused.status_code == HTTPStatus.OK

    # The refused form now carries the version Boris has been shown, so saving it again is a deliberate choice.
    accepted = boris.post(change_url(document), form_data(refused))

    assert accepted.status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert document.full_text == "Boris's text."


def test_a_save_without_a_concurrent_change_passes(two_editors):
    document = DocumentFactory(draft=True)
    amina, _ = two_editors
    response = amina.post(change_url(document), form_data(amina.get(change_url(document)), summary="Fine."))
    assert response.status_code == HTTPStatus.FOUND
    document.refresh_from_db()
    assert (document.summary, document.version) == ("Fine.", 2)
