"""The language of each request, and what a page says when its content is not yet in that language.

Pages take their language from the address alone: English is unprefixed (every address kept from before),
Russian is under ``/ru/`` and Chinese under ``/zh-hans/``. So an address always shows the same language,
whatever the browser asks for, and a cached page can be shared by every reader of that address. The API has
one address per record and negotiates instead: ``?lang=`` first (for links), then ``Accept-Language``, then
English. The page cache, the middleware and the API all call ``request_language()``.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

DEFAULT_LANGUAGE = settings.LANGUAGE_CODE
LANGUAGE_CODES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)
OTHER_LANGUAGES: tuple[str, ...] = tuple(code for code in LANGUAGE_CODES if code != DEFAULT_LANGUAGE)
# The paths that negotiate their language rather than carry it in the address.
NEGOTIATED_PREFIXES = ("/api/",)
LANGUAGE_PARAMETER = "lang"

_SUMMARY = ("summary", "summary_html", "summary_excerpt")
# The reader-facing fields kept in every language, by model (registered in chairmanship/translation.py).
TRANSLATED_FIELDS: dict[str, tuple[str, ...]] = {
    "State": ("short_name", "official_name", "capital", *_SUMMARY),
    "Chairmanship": ("motto", "priorities", "priorities_html", *_SUMMARY),
    "Summit": ("host_city", "theme", "documents_reported_note", *_SUMMARY),
    "Document": ("title", *_SUMMARY),
    "Initiative": ("title", *_SUMMARY),
    "KeyFigure": ("label", "unit"),
    "Topic": ("name", "description"),
}


def field_suffix(language: str) -> str:
    """The suffix of a translated field's column for a language (``title_zh_hans``)."""
    return language.replace("-", "_")


def language_name(code: str, *, translated: bool = False) -> str:
    """A language's name in English, as editors read it ("Russian", "Simplified Chinese"), or ``translated``
    into the reader's language ("русский", "俄语"); its tag when Django does not know it."""
    try:
        info = translation.get_language_info(code)
    except KeyError:
        return code
    return info["name_translated"] if translated else info["name"]


def language_suffixes(model, field_name: str) -> tuple[str, ...]:
    """The suffixes of the columns a field is kept in: one per language if it is translated, else none."""
    if field_name not in TRANSLATED_FIELDS.get(model.__name__, ()):
        return ("",)
    return tuple(f"_{field_suffix(code)}" for code in LANGUAGE_CODES)


def is_fallback(record, field: str) -> bool:
    """Whether ``record.<field>`` shows English because the active language has no text for it yet."""
    language = translation.get_language()
    if language == DEFAULT_LANGUAGE or field not in TRANSLATED_FIELDS.get(type(record).__name__, ()):
        return False
    own = getattr(record, f"{field}_{field_suffix(language)}", None)
    return not own and bool(getattr(record, f"{field}_{field_suffix(DEFAULT_LANGUAGE)}", None))


def fallback_language(record, field: str | None) -> str | None:
    """The language to mark ``record.<field>`` with (``lang``) when it is not the page's: English, or None."""
    return DEFAULT_LANGUAGE if field and is_fallback(record, field) else None


def supported(code: str) -> str | None:
    """The archive language a language tag asks for (``zh-CN`` is ``zh-hans``), or None."""
    try:
        return translation.get_supported_language_variant(code.strip().lower())
    except LookupError:
        return None


def language_from_path(path: str) -> str | None:
    first = path.lstrip("/").split("/", 1)[0]
    return first if first in OTHER_LANGUAGES else None


def negotiated_language(request) -> str:
    """The API's language: ``?lang=``, else the first supported language of Accept-Language, else English."""
    asked = request.GET.get(LANGUAGE_PARAMETER)
    if asked and (language := supported(asked)):
        return language
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code != "*" and (language := supported(code)):
            return language
    return DEFAULT_LANGUAGE


def is_negotiated(request) -> bool:
    return request.path_info.startswith(NEGOTIATED_PREFIXES)


def request_language(request) -> str:
    if is_negotiated(request):
        return negotiated_language(request)
    return language_from_path(request.path_info) or DEFAULT_LANGUAGE


def unprefixed_path(path: str) -> str:
    """The English address of a page address in any language."""
    language = language_from_path(path)
    return path[len(language) + 1 :] if language else path


def prefixed_path(path: str, language: str) -> str:
    """The address of a page in ``language``, from its address in any language."""
    path = unprefixed_path(path)
    return path if language == DEFAULT_LANGUAGE else f"/{language}{path}"
