"""Create (or update) a staff account in the Editor or Publisher role."""

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

ROLES = {"editor": "Editor", "publisher": "Publisher"}


class Command(BaseCommand):
    help = "Create a staff account that can sign in to the admin as an Editor (drafts) or a Publisher (publishes)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", choices=sorted(ROLES), default="editor")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-env",
            metavar="VARIABLE",
            help="Read the password from this environment variable instead of asking for it.",
        )

    def handle(self, *args, username, role, email, password_env, **options):
        try:
            group = Group.objects.get(name=ROLES[role])
        except Group.DoesNotExist as error:
            raise CommandError(f"The {ROLES[role]} group does not exist: run 'manage.py migrate' first.") from error
        password = self.read_password(password_env)
        user_model = get_user_model()
        candidate = user_model(username=username, email=email)
        try:
            validate_password(password, candidate)
        except ValidationError as error:
            raise CommandError(f"Password for {username!r} refused: {' '.join(error.messages)}") from error
        with transaction.atomic():
            user, created = user_model.objects.get_or_create(username=username, defaults={"email": email})
            user.is_staff = True
            user.set_password(password)
            user.save()
            user.groups.set([group])
        verb = "Created" if created else "Updated"
        self.stdout.write(self.style.SUCCESS(f"{verb} {username!r} as {ROLES[role]}. Sign in at /admin/."))

    def read_password(self, variable: str | None) -> str:
        if variable:
            password = os.environ.get(variable, "")
            if not password:
                raise CommandError(f"The environment variable {variable} is empty or not set.")
            return password
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ; nothing was changed.")
        return first
