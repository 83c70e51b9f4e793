"""Template filters of the public site: safe rich text, plain descriptions, schema.org JSON-LD, facet options."""

import html
import json
import re

import markdown
import nh3
from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from chairmanship import models

register = template.Library()


@register.simple_tag
def summit_title(number, city, year=None, *, heading=False, of_the_sco=False) -> str:
    """A summit's name from its number, city and year, where the page has those rather than the summit."""
    return models.summit_title(number, city, year, heading=heading, of_the_sco=of_the_sco)


# What editors may use in summaries and full texts; everything else (scripts, event handlers,
# styles, iframes, forms) is removed by nh3 after Markdown has been turned into HTML.
ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "u", "s", "sub", "sup", "small", "abbr", "cite", "q",
    "blockquote", "code", "pre", "ul", "ol", "li", "dl", "dt", "dd", "a",
    "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "caption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}, "td": {"colspan"}}
HEADING = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)
# A page's own h1 (title) and h2 (section) come first, so headings in a text start at h3.
TOP_HEADING_LEVEL = 3

# The same escapes as django.utils.html.json_script: "</script>" in content cannot close the element.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _shift_headings(html: str) -> str:
    def shift(match):
        level = min(int(match.group(2)) + TOP_HEADING_LEVEL - 1, 6)
        return f"<{match.group(1)}h{level}"

    return HEADING.sub(shift, html)


@register.filter
def rich_text(text: str | None):
    """Markdown from the editors, turned into sanitised HTML that is safe to show to readers."""
    if not text:
        return ""
    html = markdown.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    cleaned = nh3.clean(
        _shift_headings(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 (sanitised by nh3 with an allow-list)


@register.filter
def plain_summary(text: str | None, length: int = 200) -> str:
    """Rich text reduced to plain words, for meta descriptions and feed summaries."""
    if not text:
        return ""
    words = " ".join(strip_tags(markdown.markdown(text)).split())
    return Truncator(words).chars(int(length))


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
