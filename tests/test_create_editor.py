import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from chairmanship.models import Document

pytestmark = pytest.mark.django_db


def test_an_editor_account_can_draft_but_not_publish(monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "a-long-enough-passphrase-42")
    call_command("create_editor", "amina", role="editor", password_env="NEW_PASSWORD", verbosity=0)
    amina = User.objects.get(username="amina")
    assert amina.is_staff and not amina.is_superuser
    assert amina.check_password("a-long-enough-passphrase-42")
    assert amina.has_perm("chairmanship.add_document")
    assert not amina.has_perm(Document.publish_permission())


def test_a_publisher_account_can_publish(monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "a-long-enough-passphrase-42")
    call_command("create_editor", "li", role="publisher", password_env="NEW_PASSWORD", verbosity=0)
    assert User.objects.get(username="li").has_perm(Document.publish_permission())


def test_a_weak_password_is_refused_naming_the_account_and_nothing_is_created(monkeypatch):
    monkeypatch.setenv("NEW_PASSWORD", "123")
    with pytest.raises(CommandError, match="Password for 'amina' refused"):
        call_command("create_editor", "amina", password_env="NEW_PASSWORD", verbosity=0)
    assert not User.objects.filter(username="amina").exists()
