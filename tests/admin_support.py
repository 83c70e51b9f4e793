"""Helpers for tests that work through the admin: role accounts, logged-in clients, forms read as a browser posts them."""

from html.parser import HTMLParser
from importlib import import_module

from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from chairmanship.languages import DEFAULT_LANGUAGE, field_suffix
from chairmanship.migrations import __name__ as migrations_package

ROLES_MIGRATION = f"{migrations_package}.0004_editor_and_publisher_groups"


def editorial_user(django_user_model, role: str, username: str | None = None):
    """A staff user in the ``Editor`` or ``Publisher`` group (recreated if a flushed database lost it)."""
    roles = import_module(ROLES_MIGRATION).ROLES
    group, created = Group.objects.get_or_create(name=role)
    if created:
        group.permissions.set(
            Permission.objects.filter(content_type__app_label="chairmanship", codename__in=roles[role])
        )
    user = django_user_model.objects.create_user(
        username=username or role.lower(), password="correct horse battery", is_staff=True
    )
    user.groups.add(group)
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class _FormReader(HTMLParser):
    """Reads a rendered admin form the way a browser would submit it."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self._select, self._textarea = None, None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("submit", "file", "button"):
            checkable = attributes.get("type") in ("checkbox", "radio")
            if checkable and "checked" not in attributes:
                return
            self.data.setdefault(name, []).append(attributes.get("value", "on" if checkable else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in attributes:
            self.data[self._select].append(attributes.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            # Browsers drop the newline that follows the opening tag.
            self.data[self._textarea][0] = self.data[self._textarea][0].removeprefix("\n")
            self._textarea = None
        elif tag == "form":
            self.inside = False

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][0] += data


def form_data(response, **changes) -> dict:
    """The admin change form in ``response`` as a browser would post it, with ``changes`` applied."""
    opts = response.context["opts"]
    reader = _FormReader(f"{opts.model_name}_form")
    reader.feed(response.text)
    data = {name: values if len(values) != 1 else values[0] for name, values in reader.data.items()}
    for name, value in changes.items():
        # A translated field's form has a column per language: its plain name means English, as everywhere.
        english = f"{name}_{field_suffix(DEFAULT_LANGUAGE)}"
        data[english if name not in data and english in data else name] = value
    return data


def readable(html: str) -> str:
    """The text a reader sees: no tags, single spaces."""
    return " ".join(strip_tags(html).split())


def change_url(record) -> str:
    return reverse(f"admin:chairmanship_{record._meta.model_name}_change", args=(record.pk,))


def changelist_url(model) -> str:
    return reverse(f"admin:chairmanship_{model._meta.model_name}_changelist")


def messages_of(response) -> list[str]:
    """The messages the admin shows after ``response``."""
    return [str(message) for message in response.context["messages"]]
