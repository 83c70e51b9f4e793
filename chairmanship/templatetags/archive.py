"""Template tags of the public site: summit names, dates in the reader's language, schema.org JSON-LD, facet
options.

Rich text is not rendered here: pages show the HTML stored when a record was saved (``chairmanship.rich_text``).
"""

import html
import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import get_template
from django.utils import dateformat
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import pgettext

from chairmanship import cache as archive_cache
from chairmanship import languages, models, tags
from chairmanship.pagination import PageRecords

register = template.Library()


@register.simple_tag
def summit_title(number, city, year=None, *, heading=False, of_the_sco=False) -> str:
    """A summit's name from its number, city and year, where the page has those rather than the summit."""
    return models.summit_title(number, city, year, heading=heading, of_the_sco=of_the_sco)


@register.filter
def summit_ordinal(number) -> str:
    """A summit's ordinal in the reader's language: "24th", "24-й", "第二十四次"."""
    return models.summit_ordinal(number) if number is not None else ""


# Each date form is a translated format string, so English keeps "4 July 2024" while Russian writes the month
# in the genitive ("4 июля 2024") and Chinese "2024年7月4日". Django's own DATE_FORMAT would change the English.
def _formatted(value, form: str) -> str:
    if value in (None, ""):
        return ""
    return dateformat.format(template_localtime(value), form)


@register.filter
def long_date(value) -> str:
    """A day written out: "4 July 2024", "4 июля 2024", "2024年7月4日"."""
    return _formatted(value, pgettext("date format", "j F Y"))


@register.filter
def short_date(value) -> str:
    """A day in a table: "4 Jul 2024"."""
    return _formatted(value, pgettext("short date format", "j M Y"))


@register.filter
def long_date_time(value) -> str:
    return _formatted(value, pgettext("date and time format", "j F Y, H:i"))


@register.filter
def short_date_time(value) -> str:
    return _formatted(value, pgettext("short date and time format", "j M Y, H:i"))


@register.filter
def language_name(code: str) -> str:
    """A language's name in the reader's language ("Russian", "русский", "俄语"), or its tag when unknown."""
    return languages.language_name(code, translated=True)


# The same escapes as django.utils.html.json_script: "</script>" in content cannot close the element.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(data: dict | None):
    """A schema.org description as <script type="application/ld+json">, escaped like json_script."""
    if not data:
        return ""
    payload = json.dumps(_without_empty(data), cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308 (escaped above)


def _without_empty(value):
    if isinstance(value, dict):
        return {key: _without_empty(item) for key, item in value.items() if item not in (None, "", [], {})}
    if isinstance(value, list):
        return [_without_empty(item) for item in value]
    return value


FACET_OPTION = (
    '<li><input type="checkbox" id="filter-{name}-{value}" name="{name}" value="{value}"{checked}>\n'
    '        <label for="filter-{name}-{value}">{label} <span class="count">({count})</span></label></li>\n'
)


@register.simple_tag
def facet_options(facet: dict):
    """The checkboxes of one filter, with counts; every value is escaped before it is placed.

    Rendered here rather than in a template loop: an archive page offers a hundred options and more, and
    the template engine's per-variable cost (and format_html's) made them most of the page's rendering time.
    """
    name = html.escape(facet["name"])
    options = "".join(
        FACET_OPTION.format(
            name=name,
            value=html.escape(str(option.value)),
            checked=" checked" if checked else "",
            label=html.escape(str(option.label)),
            count=int(option.count),
        )
        for option, checked in facet["options"]
    )
    return mark_safe(options)  # noqa: S308 (every value escaped above)


@register.filter
def percent_of(part: int, whole: int | None) -> int | None:
    """``part`` as a whole percentage of ``whole``, at most 100 (a summit may record statements its reported
    count leaves out); empty when there is no whole."""
    if not whole:
        return None
    return min(100, round(100 * (part or 0) / whole))


@register.simple_tag
def record_rows(records, template_name: str, as_name: str, plan: str):
    """``records``' list items, each rendered from ``template_name`` with the record as ``as_name``, and kept per
    record and language until what it shows changes (``cache.cached_per_record``). ``plan`` names the query the
    records come from (what is loaded with them, so what a row can show): rows of different plans are kept
    apart. A page of the archive (``PageRecords``) reads from the database only the records whose rows it
    must render again."""
    item = get_template(template_name)
    if isinstance(records, PageRecords):
        ids, fetch = records.ids, records.fetch
    else:
        loaded = {record.pk: record for record in records}
        ids, fetch = list(loaded), lambda wanted: [loaded[pk] for pk in wanted]

    def render(wanted):
        return {record.pk: (item.render({as_name: record}), tags.loaded_with(record)) for record in fetch(wanted)}

    rows = archive_cache.cached_per_record(f"row:{plan}:{template_name}", ids, render)
    return mark_safe("".join(rows[pk] for pk in ids if pk in rows))  # noqa: S308 (rendered by the templates)
