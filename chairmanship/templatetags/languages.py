"""The page's languages: the switcher, the ``hreflang`` alternates, and content shown in its own language.

A translated field (``languages.TRANSLATED_FIELDS``) that is empty in the reader's language shows its English
text marked ``lang="en"`` (so a screen reader switches voice) with a visible note that it is not yet translated.
A summary in Russian or Chinese is the archive's own translation of its English summary, and says so.
"""

from dataclasses import dataclass

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from chairmanship import languages

register = template.Library()


@register.simple_tag
def translated(record, field: str):
    """A short translated field (a title, a name), or its English text marked as such."""
    value = getattr(record, field)
    if not languages.is_fallback(record, field):
        return value
    return format_html(
        '<span lang="{}">{}</span> <span class="untranslated">{}</span>',
        languages.DEFAULT_LANGUAGE,
        value,
        _("(not yet translated)"),
    )


@register.inclusion_tag("chairmanship/partials/translated_text.html")
def translated_text(record, field: str = "summary"):
    """A translated Markdown field's stored HTML, with a note when it is English or the archive's translation."""
    language = translation.get_language()
    fallback = languages.is_fallback(record, f"{field}_html")
    return {
        "html": getattr(record, f"{field}_html"),
        "fallback_language": languages.DEFAULT_LANGUAGE if fallback else None,
        "own_translation": not fallback and language != languages.DEFAULT_LANGUAGE and bool(getattr(record, field)),
    }


@dataclass(frozen=True)
class Alternate:
    """A page in one archive language, for the switcher and the head's ``hreflang`` links."""

    code: str
    name: str
    path: str
    current: bool
    request: HttpRequest

    def url(self) -> str:
        # Absolute, as hreflang links must be; built only when asked for (an error page for a host that is
        # not allowed never asks).
        return self.request.build_absolute_uri(self.path)


@register.simple_tag(takes_context=True)
def language_alternates(context, path: str | None = None) -> list[Alternate]:
    """This page (or the page at ``path``, in any language) in each archive language."""
    request = context["request"]
    query = "" if path else request.META.get("QUERY_STRING", "")
    current = translation.get_language()
    return [
        Alternate(
            code=code,
            name=name,
            path=languages.prefixed_path(path or request.path, code) + (f"?{query}" if query else ""),
            current=code == current,
            request=request,
        )
        for code, name in settings.LANGUAGES
    ]
