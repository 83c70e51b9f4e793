"""Charts drawn on the server as accessible SVG, each with the data table behind it.

No JavaScript and no external requests: the SVG is inline markup with a title and a description
(``role="img"`` + ``aria-labelledby``), and the same numbers are given as a table for screen readers,
keyboard users and anyone who would rather read than look. Every piece of text is escaped.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext, pgettext

FOUNDING_YEAR = 2001
INK = "#1b3a5c"  # 11:1 on white: bars and dots stay visible for low-vision readers
MUTED = "#4a5563"
GRID = "#c9d1db"


def _n(value: float) -> str:
    """A coordinate with one decimal (format_html escapes its arguments, so numbers arrive as text)."""
    return f"{value:.1f}"


@dataclass(frozen=True)
class Chart:
    slug: str
    title: str
    description: str
    svg: SafeString
    columns: tuple[str, ...]
    rows: list[tuple]
    # Where a row continues, as (address, link text): a last column of links, headed by the last of ``columns``.
    row_links: tuple[tuple[str, str], ...] = ()

    @property
    def table_body(self) -> SafeString:
        """The data table's rows, the first cell of each a row header.

        Built here rather than in a nested template loop, which cost more than the rest of the home page.
        """
        links = self.row_links or ((None, None),) * len(self.rows)
        return format_html_join(
            "",
            '<tr><th scope="row">{}</th>{}{}</tr>',
            (
                (
                    row[0],
                    format_html_join("", "<td>{}</td>", ((cell,) for cell in row[1:])),
                    format_html('<td><a href="{}">{}</a></td>', href, text) if href else "",
                )
                for row, (href, text) in zip(self.rows, links, strict=True)
            ),
        )


def _svg(slug: str, title: str, description: str, width: int, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="{slug}-title {slug}-desc" '
        'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        '<title id="{slug}-title">{title}</title><desc id="{slug}-desc">{description}</desc>{body}</svg>',
        width=width,
        height=height,
        slug=slug,
        title=title,
        description=description,
        body=body,
    )


def members_per_year(
    periods: Iterable[tuple[datetime.date, datetime.date | None]], *, today: datetime.date | None = None
) -> list[tuple[int, int]]:
    """How many full members there were at the end of each year since 2001 (this year: today).

    A period runs from its start up to, not including, its end date.
    """
    periods = list(periods)
    return [
        (year, sum(1 for start, end in periods if start <= day and (end is None or end > day)))
        for year, day in counting_days(today or timezone.localdate())
    ]


def counting_days(today: datetime.date) -> list[tuple[int, datetime.date]]:
    """Each year since 2001 and the day its members are counted on: 31 December, and today for this year."""
    return [
        (year, today if year == today.year else datetime.date(year, 12, 31))
        for year in range(FOUNDING_YEAR, today.year + 1)
    ]


def membership_growth(periods, *, today: datetime.date | None = None) -> Chart:
    """Members per year, each year's row linking to the SCO on the day it was counted (``/on/<date>/``)."""
    today = today or timezone.localdate()
    counts = members_per_year(periods, today=today)
    width, height, left, bottom, top = 640, 260, 36, 30, 16
    peak = max((count for _, count in counts), default=0) or 1
    step = (width - left - 8) / max(len(counts), 1)
    plot_height = height - bottom - top

    def y(value):
        return top + plot_height - plot_height * value / peak

    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="' + GRID + '"/>'
        '<text x="{}" y="{}" font-size="11" text-anchor="end" fill="' + MUTED + '">{}</text>',
        ((left, width, _n(y(v)), _n(y(v)), left - 6, _n(y(v) + 4), v) for v in sorted({0, peak // 2, peak})),
    )
    bars = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="' + INK + '"><title>{}</title></rect>',
        (
            (
                _n(left + i * step + step * 0.15),
                _n(y(count)),
                _n(step * 0.7),
                _n(plot_height * count / peak),
                ngettext("%(year)s: %(count)s member", "%(year)s: %(count)s members", count)
                % {"year": year, "count": count},
            )
            for i, (year, count) in enumerate(counts)
        ),
    )
    labels = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="11" text-anchor="middle" fill="' + MUTED + '">{}</text>',
        (
            (_n(left + i * step + step / 2), height - 10, year)
            for i, (year, _) in enumerate(counts)
            # Every fourth year, and the last one unless it would crowd its neighbour.
            if ((year - FOUNDING_YEAR) % 4 == 0 and i < len(counts) - 2) or i == len(counts) - 1
        ),
    )
    first, last = (counts[0], counts[-1]) if counts else ((FOUNDING_YEAR, 0), (FOUNDING_YEAR, 0))
    description = gettext(
        "Full member states at the end of each year: %(first_count)s in %(first_year)s, "
        "%(last_count)s in %(last_year)s."
    ) % {"first_count": first[1], "first_year": first[0], "last_count": last[1], "last_year": last[0]}
    title = gettext("Member states per year")
    return Chart(
        slug="membership-growth",
        title=title,
        description=description,
        svg=_svg("membership-growth", title, description, width, height, grid + bars + labels),
        columns=(gettext("Year"), gettext("Member states"), gettext("Who they were")),
        rows=counts,
        row_links=tuple(
            (reverse("chairmanship:on_today"), gettext("The SCO today"))
            if day == today
            else (
                reverse("chairmanship:on_date", kwargs={"day": day.isoformat()}),
                gettext("The SCO on 31 December %(year)s") % {"year": day.year},
            )
            for _, day in counting_days(today)
        ),
    )


def summit_timeline(summits) -> Chart:
    """Summits along a line of years; virtual meetings are drawn hollow."""
    summits = sorted(summits, key=lambda summit: summit.start_date)
    width, height, left, right = 640, 120, 20, 20
    if summits:
        first_year, last_year = summits[0].start_date.year, summits[-1].start_date.year
    else:
        first_year = last_year = FOUNDING_YEAR
    span = max(last_year - first_year, 1)

    def x(day: datetime.date) -> float:
        fraction = (day.year - first_year + (day.timetuple().tm_yday - 1) / 366) / (span + 1)
        return left + (width - left - right) * fraction

    axis = format_html(
        '<line x1="{}" x2="{}" y1="60" y2="60" stroke="{}" stroke-width="2"/>', left, width - right, MUTED
    )
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="60" r="7" stroke="' + INK + '" stroke-width="2" fill="{}"><title>{}</title></circle>',
        (
            (_n(x(s.start_date)), "#ffffff" if s.format == "virtual" else INK, f"{s}, {s.get_format_display().lower()}")
            for s in summits
        ),
    )
    years = range(first_year, last_year + 1, 5 if span > 10 else 1)
    ticks = format_html_join(
        "",
        '<text x="{}" y="95" font-size="12" text-anchor="middle" fill="' + MUTED + '">{}</text>',
        ((_n(x(datetime.date(year, 1, 1))), year) for year in years),
    )
    virtual = sum(1 for s in summits if s.format == "virtual")
    description = ngettext(
        "%(count)s summit from %(first)s to %(last)s, one a year; %(virtual)s held virtually (hollow dots).",
        "%(count)s summits from %(first)s to %(last)s, one a year; %(virtual)s held virtually (hollow dots).",
        len(summits),
    ) % {"count": len(summits), "first": first_year, "last": last_year, "virtual": virtual}
    title = gettext("Summits over time")
    return Chart(
        slug="summit-timeline",
        title=title,
        description=description,
        svg=_svg("summit-timeline", title, description, width, height, axis + dots + ticks),
        columns=(pgettext("summit number", "No."), gettext("Host city"), gettext("Date"), gettext("Format")),
        rows=[(s.number, s.host_city, s.start_date, s.get_format_display()) for s in reversed(summits)],
    )


def documents_by_topic(options) -> Chart:
    """Horizontal bars: how many public documents address each topic (``FacetOption`` values)."""
    options = sorted(options, key=lambda option: (-option.count, option.label))
    row_height, label_width, width = 28, 210, 640
    height = max(row_height * len(options), row_height) + 8
    peak = max((option.count for option in options), default=0) or 1
    bar_space = width - label_width - 40
    bars = format_html_join(
        "",
        '<text x="{}" y="{}" font-size="13" text-anchor="end" fill="' + MUTED + '">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="18" fill="' + INK + '"/>'
        '<text x="{}" y="{}" font-size="13" fill="' + MUTED + '">{}</text>',
        (
            (
                label_width - 8,
                i * row_height + 18,
                option.label,
                label_width,
                i * row_height + 4,
                _n(bar_space * option.count / peak),
                _n(label_width + bar_space * option.count / peak + 6),
                i * row_height + 18,
                option.count,
            )
            for i, option in enumerate(options)
        ),
    )
    if options:
        description = ngettext(
            "Most documents address %(topic)s (%(count)s); %(topics)s topic in all.",
            "Most documents address %(topic)s (%(count)s); %(topics)s topics in all.",
            len(options),
        ) % {"topic": options[0].label, "count": options[0].count, "topics": len(options)}
    else:
        description = gettext("No published documents have a topic yet.")
    title = gettext("Documents by topic")
    return Chart(
        slug="documents-by-topic",
        title=title,
        description=description,
        svg=_svg("documents-by-topic", title, description, width, height, bars or mark_safe("")),
        columns=(gettext("Topic"), gettext("Documents")),
        rows=[(option.label, option.count) for option in options],
    )
