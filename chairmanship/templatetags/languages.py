"""The page's languages: the switcher, the ``hreflang`` alternates, and content shown in its own language.

A translated field (``languages.TRANSLATED_FIELDS``) that is empty in the reader's language shows its English
text marked ``lang="en"`` (so a screen reader switches voice) with a visible note that it is not yet translated.
A summary in Russian or Chinese is the archive's own translation of its English summary, and says so.
"""

from django import template
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

from chairmanship import languages

register = template.Library()


def is_fallback(record, field: str) -> bool:
    """Whether ``record.<field>`` shows English because the reader's language has no text yet."""
    language = translation.get_language()
    if language == languages.DEFAULT_LANGUAGE or field not in languages.TRANSLATED_FIELDS.get(
        type(record).__name__, ()
    ):
        return False
    own = getattr(record, f"{field}_{languages.field_suffix(language)}", None)
    return not own and bool(getattr(record, f"{field}_{languages.field_suffix(languages.DEFAULT_LANGUAGE)}", None))


@register.simple_tag
def translated(record, field: str):
    """A short translated field (a title, a name), or its English text marked as such."""
    value = getattr(record, field)
    if not is_fallback(record, field):
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
    fallback = is_fallback(record, f"{field}_html")
    return {
        "html": getattr(record, f"{field}_html"),
        "fallback_language": languages.DEFAULT_LANGUAGE if fallback else None,
        "own_translation": not fallback and language != languages.DEFAULT_LANGUAGE and bool(getattr(record, field)),
    }


@register.simple_tag(takes_context=True)
def language_alternates(context) -> list[dict]:
    """The page in each archive language: code, name, absolute address, and whether it is the reader's."""
    request = context["request"]
    query = request.META.get("QUERY_STRING", "")
    current = translation.get_language()
    absolute = request.build_absolute_uri
    try:
        request.get_host()
    except DisallowedHost:
        # The 400 page answering a host not in ALLOWED_HOSTS: relative addresses, never the host it was sent.
        absolute = str
    return [
        {
            "code": code,
            "name": name,
            "url": absolute(languages.prefixed_path(request.path, code) + (f"?{query}" if query else "")),
            "current": code == current,
        }
        for code, name in settings.LANGUAGES
    ]
