"""Editors write Markdown; readers get sanitised HTML and plain-text excerpts, made once when a record is saved.

``Publishable.render_markdown()`` stores what these functions return beside each Markdown source
(``summary_html``, ``summary_excerpt``...), so a page view neither renders nor sanitises anything.
"""

import re
import threading

import markdown
import nh3
from django.utils.html import strip_tags
from django.utils.text import Truncator

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
# As long as a search engine shows of a meta description; list items and feed entries show no more.
EXCERPT_LENGTH = 200
# Markdown source read for each character of an excerpt: room for the link addresses and markup it drops.
SOURCE_PER_EXCERPT_CHARACTER = 20


def _shift_headings(html: str) -> str:
    def shift(match):
        level = min(int(match.group(2)) + TOP_HEADING_LEVEL - 1, 6)
        return f"<{match.group(1)}h{level}"

    return HEADING.sub(shift, html)


# Building a Markdown converter costs more than converting a summary with it (it loads its extensions): each
# thread keeps its own two (converters are not thread-safe) and resets them between texts.
_converters = threading.local()


def _converter(name: str, **options) -> markdown.Markdown:
    converter = getattr(_converters, name, None)
    if converter is None:
        converter = markdown.Markdown(**options)
        setattr(_converters, name, converter)
    return converter.reset()


def to_html(text: str | None) -> str:
    """Markdown from the editors, turned into sanitised HTML that is safe to show to readers."""
    if not text:
        return ""
    html = _converter("rich", extensions=["extra", "sane_lists"], output_format="html").convert(text)
    return nh3.clean(
        _shift_headings(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def to_excerpt(text: str | None, length: int = EXCERPT_LENGTH) -> str:
    """Markdown reduced to its plain words and cut at ``length`` characters, for descriptions and lists."""
    if not text:
        return ""
    # Only the opening is rendered: Markdown's time grows faster than the text, and an excerpt shows no more.
    words = " ".join(strip_tags(_converter("plain").convert(text[: length * SOURCE_PER_EXCERPT_CHARACTER])).split())
    return Truncator(words).chars(length)
