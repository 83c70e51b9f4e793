"""Registers the reader-facing fields kept in every archive language with django-modeltranslation.

Each field ``languages.TRANSLATED_FIELDS`` lists gets a column per language beside it (``title_en``,
``title_ru``, ``title_zh_hans``), so a page in any language reads one row, with no join. Reading
``record.title`` gives the active language's text, or the English text while that one is empty;
``chairmanship.templatetags.languages`` marks such a fallback for the reader. The stored HTML and excerpt of a
translated Markdown field are kept per language too.
"""

from modeltranslation.translator import TranslationOptions, translator

from chairmanship import models
from chairmanship.languages import TRANSLATED_FIELDS
from chairmanship.versions import record_every_language

for model_name, field_names in TRANSLATED_FIELDS.items():
    translator.register(
        getattr(models, model_name),
        # A language without text is NULL, never "": a unique field (a topic's name) has many such records.
        type(f"{model_name}Translation", (TranslationOptions,), {"fields": field_names, "empty_values": None}),
    )
    record_every_language(getattr(models, model_name))
