"""No lost updates: two people edit the same record in the admin; the second save is refused.

And no lost references: deleting a record that others still refer to is refused, naming them.
"""

from http import HTTPStatus

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.core.management import call_command
from django.urls import reverse

from chairmanship.admin import StateAdmin
from chairmanship.models import Document, State
from tests.admin_support import change_url, changelist_url, client_for, editorial_user, form_data, readable
from tests.factories import DocumentFactory, StateFactory, SummitFactory

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
    assert "It now reads: Amina's summary." in form.errors["summary_en"][0]
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


# --- Deleting what others refer to -------------------------------------------------------------------


def delete_url(record) -> str:
    return reverse(f"admin:chairmanship_{record._meta.model_name}_delete", args=(record.pk,))


@pytest.fixture
def host_state():
    state = StateFactory(short_name="Kazakhstan")
    SummitFactory(host_state=state, host_city="Astana", number=24)
    return state


def test_a_confirmed_deletion_of_a_state_that_hosted_summits_answers_409_naming_them(publisher, host_state):
    response = client_for(publisher).post(delete_url(host_state), {"post": "yes"})

    assert response.status_code == HTTPStatus.CONFLICT
    assert "Astana" in readable(response.text)
    assert State.objects.filter(pk=host_state.pk).exists()


def test_deleting_selected_states_that_hosted_summits_answers_409_naming_them(publisher, host_state):
    response = client_for(publisher).post(
        changelist_url(State), {"action": "delete_selected", "_selected_action": [host_state.pk], "post": "yes"}
    )

    assert response.status_code == HTTPStatus.CONFLICT
    assert "Astana" in readable(response.text)
    assert State.objects.filter(pk=host_state.pk).exists()


@pytest.fixture
def summit_arriving_after_the_check(monkeypatch):
    """The confirmation's check saw nothing protected; a summit hosted by the state arrived just after."""

    def nothing_protected(self, objs, request):
        deletable, counts, perms_needed, _ = original(self, objs, request)
        return deletable, counts, perms_needed, []

    original = StateAdmin.get_deleted_objects
    monkeypatch.setattr(StateAdmin, "get_deleted_objects", nothing_protected)


@pytest.mark.usefixtures("summit_arriving_after_the_check")
def test_a_state_referred_to_after_the_confirmation_is_kept_and_the_admin_says_why(publisher, host_state):
    response = client_for(publisher).post(delete_url(host_state), {"post": "yes"}, follow=True)

    assert response.redirect_chain[-1][0] == change_url(host_state)
    page = readable(response.text)
    assert "This state cannot be deleted: 1 summit (" in page
    assert "Astana" in page
    assert State.objects.filter(pk=host_state.pk).exists()


@pytest.mark.usefixtures("summit_arriving_after_the_check")
def test_deleting_selected_states_referred_to_after_the_confirmation_keeps_them_and_logs_nothing(publisher, host_state):
    response = client_for(publisher).post(
        changelist_url(State),
        {"action": "delete_selected", "_selected_action": [host_state.pk], "post": "yes"},
        follow=True,
    )

    assert "This state cannot be deleted: 1 summit (" in readable(response.text)
    assert State.objects.filter(pk=host_state.pk).exists()
    assert not LogEntry.objects.filter(action_flag=DELETION).exists()
