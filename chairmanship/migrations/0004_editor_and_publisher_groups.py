"""The two editorial roles, with their permissions.

Editors write and revise drafts and submit them for review; Publishers may also publish, schedule,
unpublish and delete. Permissions are created here first because on a fresh database Django only
creates them after all migrations have run.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CONTENT_MODELS = ("state", "chairmanship", "summit", "document", "initiative")
SUPPORTING_MODELS = ("membership", "keyfigure", "source", "topic")

EDITOR_PERMISSIONS = [
    *(f"{action}_{model}" for model in CONTENT_MODELS for action in ("view", "add", "change")),
    *(f"{action}_{model}" for model in SUPPORTING_MODELS for action in ("view", "add", "change", "delete")),
    "view_correction",
]
PUBLISHER_PERMISSIONS = [
    *EDITOR_PERMISSIONS,
    *(f"delete_{model}" for model in CONTENT_MODELS),
    *(f"publish_{model}" for model in CONTENT_MODELS),
    "change_correction",
    "delete_correction",
    "view_slugredirect",
    "delete_slugredirect",
]
ROLES = {"Editor": EDITOR_PERMISSIONS, "Publisher": PUBLISHER_PERMISSIONS}


def create_roles(apps, schema_editor):
    app_config = apps.get_app_config("chairmanship")
    # create_permissions skips app configs without a models module; the migration state has none.
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        permissions = list(Permission.objects.filter(content_type__app_label="chairmanship", codename__in=codenames))
        missing = set(codenames) - {permission.codename for permission in permissions}
        if missing:
            raise RuntimeError(f"Permissions missing for the {name} role: {sorted(missing)}")
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("chairmanship", "0003_corrections_redirects_pdf_uploads"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
