"""What changed between two states of a record, field by field: for comparing revisions, explaining an
edit conflict, and showing a Publisher an Editor's proposed change.

Values come in the shape of a django-reversion version's ``field_dict`` (attnames; many-to-many relations as
lists of keys), whether read from a version, the database (``record_field_values``) or a proposed change.
"""

import datetime
import difflib
import re
from dataclasses import dataclass, field

from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone


def record_field_values(record: models.Model) -> dict:
    """The stored values of ``record`` keyed like a reversion version's ``field_dict`` (attnames)."""
    values = {column.attname: getattr(record, column.attname) for column in record._meta.concrete_fields}
    for relation in record._meta.many_to_many:
        values[relation.attname] = list(getattr(record, relation.name).values_list("pk", flat=True))
    return values


def comparable(value):
    """One shape for a value read from a version, the database or a form, so equal means unchanged."""
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, list | tuple | set):
        return sorted(str(item) for item in value)
    if value is None:
        return ""
    return value


@dataclass
class FieldDifference:
    label: str
    old: str
    new: str
    # Word-level changes of long text: (kind, text) with kind "equal", "delete" or "insert".
    segments: list[tuple[str, str]] = field(default_factory=list)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """The words removed and added between two texts, in reading order."""
    old_words, new_words = re.split(r"(\s+)", old), re.split(r"(\s+)", new)
    matcher = difflib.SequenceMatcher(a=old_words, b=new_words, autojunk=False)
    segments = []
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if operation == "equal":
            segments.append(("equal", "".join(old_words[old_start:old_end])))
            continue
        if old_end > old_start:
            segments.append(("delete", "".join(old_words[old_start:old_end])))
        if new_end > new_start:
            segments.append(("insert", "".join(new_words[new_start:new_end])))
    return segments


def _display_value(model_field, value) -> str:
    if value in (None, "", []):
        return "(empty)"
    if model_field.many_to_many:
        related = model_field.related_model._default_manager.in_bulk([int(pk) for pk in value])
        return ", ".join(str(related.get(int(pk), f"deleted #{pk}")) for pk in value)
    if model_field.is_relation:
        related = model_field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"deleted #{value}"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return str(getattr(value, "name", value))


def version_differences(model: type[models.Model], old: dict, new: dict) -> list[FieldDifference]:
    """What changed between two versions' ``field_dict``s, field by field, in the model's order."""
    differences = []
    fields = sorted([*model._meta.concrete_fields, *model._meta.many_to_many], key=lambda item: item.creation_counter)
    for model_field in fields:
        if model_field.attname in ("id", "version", "updated_at"):
            continue
        before, after = old.get(model_field.attname), new.get(model_field.attname)
        if comparable(before) == comparable(after):
            continue
        difference = FieldDifference(
            label=str(model_field.verbose_name).capitalize(),
            old=_display_value(model_field, before),
            new=_display_value(model_field, after),
        )
        if isinstance(model_field, models.TextField | models.CharField) and not model_field.choices:
            difference.segments = word_diff(before or "", after or "")
        differences.append(difference)
    return differences
