"""What changed between two states of a record, field by field: for comparing revisions, explaining an
edit conflict, and showing a Publisher an Editor's proposed change.

Values come in the shape of a django-reversion version's ``field_dict`` (attnames; many-to-many relations as
lists of keys), whether read from a version, the database (``record_field_values``) or a proposed change.

A translated field is compared in every language: its English column under the field's own label ("Title"),
each other language under a label naming it ("Title (Russian)").
"""

import datetime
import difflib
import re
from dataclasses import dataclass, field

import reversion
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from chairmanship.languages import DEFAULT_LANGUAGE, LANGUAGE_CODES, TRANSLATED_FIELDS, field_suffix, language_name


def record_every_language(model: type[models.Model]) -> None:
    """Has django-reversion record each translated field in every language, so that comparing versions shows
    each language's changes and a revert restores them all.

    django-reversion took the model's fields when ``chairmanship.models`` registered it, before
    django-modeltranslation added the language columns (``chairmanship.translation``); registering it again
    with those columns beside the fields it records keeps every other option as it was.
    """
    options = reversion.revisions._get_options(model)
    translated = TRANSLATED_FIELDS.get(model.__name__, ())
    columns = [
        f"{name}_{field_suffix(code)}" for name in options.fields if name in translated for code in LANGUAGE_CODES
    ]
    reversion.unregister(model)
    reversion.register(
        model,
        fields=[*options.fields, *columns],
        follow=options.follow,
        format=options.format,
        for_concrete_model=options.for_concrete_model,
        ignore_duplicates=options.ignore_duplicates,
        use_natural_foreign_keys=options.use_natural_foreign_keys,
    )


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


def field_label(model_field) -> str:
    """A field's label for editors; a translated field's columns other than English name their language."""
    original = getattr(model_field, "translated_field", None)
    if original is None:
        return str(model_field.verbose_name).capitalize()
    label = str(original.verbose_name).capitalize()
    return label if model_field.language == DEFAULT_LANGUAGE else f"{label} ({language_name(model_field.language)})"


def _compared_fields(model: type[models.Model]) -> list:
    """The fields compared, in the model's order; a translated field's language columns follow each other in
    place of the field's own column (which repeats the English one)."""
    translated = TRANSLATED_FIELDS.get(model.__name__, ())
    ordered = []
    for model_field in sorted(
        [*model._meta.concrete_fields, *model._meta.many_to_many], key=lambda item: item.creation_counter
    ):
        if hasattr(model_field, "translated_field"):
            continue
        if model_field.name in translated:
            ordered += [model._meta.get_field(f"{model_field.name}_{field_suffix(code)}") for code in LANGUAGE_CODES]
        else:
            ordered.append(model_field)
    return ordered


def _value(values: dict, model_field):
    value = values.get(model_field.attname)
    original = getattr(model_field, "translated_field", None)
    if value is None and original is not None and model_field.language == DEFAULT_LANGUAGE:
        # Versions saved before the archive kept languages apart hold the English text in the field's own column.
        return values.get(original.attname)
    return value


def version_differences(model: type[models.Model], old: dict, new: dict) -> list[FieldDifference]:
    """What changed between two versions' ``field_dict``s, field by field (every language), in the model's order."""
    differences = []
    for model_field in _compared_fields(model):
        if model_field.attname in ("id", "version", "updated_at"):
            continue
        before, after = _value(old, model_field), _value(new, model_field)
        if comparable(before) == comparable(after):
            continue
        difference = FieldDifference(
            label=field_label(model_field),
            old=_display_value(model_field, before),
            new=_display_value(model_field, after),
        )
        if isinstance(model_field, models.TextField | models.CharField) and not model_field.choices:
            difference.segments = word_diff(before or "", after or "")
        differences.append(difference)
    return differences
