"""The SCO on a date: who belonged to it and in what status, who chaired it, the summits either side of the
date, and the documents adopted up to it. The page (``/on/<date>/``) and the API (``/api/v1/on/<date>/``)
both call ``sco_on()``.

Each part reuses the rule's own home: a state's status is ``MembershipQuerySet.active_on()`` (which the
states list's ``status_on`` and ``member_on`` filters call too), the chair ``ChairmanshipQuerySet.latest_begun()``
with ``Chairmanship.is_current_on()``. A status period and a chairmanship run from their start up to, not
including, their end, so on an admission or handover day the new status or chair holds, and the statuses are
those the record gives for that day: observers and dialogue partners before 1 September 2025, SCO partners
from then on. Only what the public may see counts (``published()``).
"""

import datetime
import re
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext

from chairmanship.models import (
    FOUNDING_DAY,
    Chairmanship,
    Document,
    Membership,
    MembershipStatus,
    State,
    Summit,
)

# How many of the documents adopted up to the date are listed; the rest are in the filtered archive.
LATEST_DOCUMENTS = 10

ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(text: str) -> datetime.date:
    """The day ``text`` writes as YYYY-MM-DD (what ``<input type="date">`` sends).

    Raises ValueError with a sentence a reader can act on. Only this one form is taken: Python's own
    ``fromisoformat`` would also read "20240704" or "2024-W27-4", which would give one page many addresses.
    """
    shown = text if len(text) <= 20 else f"{text[:20]}…"
    if not ISO_DAY.fullmatch(text):
        raise ValueError(
            gettext("“%(text)s” is not a date. Write it as year-month-day, e.g. 2024-07-04.") % {"text": shown}
        )
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(
            gettext("There is no day %(text)s in the calendar. Write a date as year-month-day, e.g. 2024-07-04.")
            % {"text": shown}
        ) from error


def page_url(day: datetime.date) -> str:
    return reverse("chairmanship:on_date", kwargs={"day": day.isoformat()})


@dataclass(frozen=True)
class Standing:
    """A state's status on the date, and the period of it that covers the date."""

    state: State
    since: datetime.date
    until: datetime.date | None


@dataclass(frozen=True)
class StatusGroup:
    status: MembershipStatus
    standings: list[Standing]

    @property
    def heading(self) -> str:
        return self.status.plural


@dataclass(frozen=True)
class SCOOnDate:
    day: datetime.date
    standings: dict[str, list[Standing]]  # every MembershipStatus value, each list by state name
    chairmanship: Chairmanship | None  # the term covering the day
    latest_chairmanship: Chairmanship | None  # the term that began last on or before the day (covering it or not)
    latest_summit: Summit | None  # the latest summit whose Council met on or before the day
    next_summit: Summit | None
    documents_adopted: int  # public documents dated on or before the day
    latest_documents: list[Document]

    @property
    def founded(self) -> bool:
        return self.day >= FOUNDING_DAY

    @property
    def earlier_chairmanship(self) -> Chairmanship | None:
        """When no recorded term covers the day: the latest one recorded before it, else None."""
        return self.latest_chairmanship if self.chairmanship is None else None

    @property
    def groups(self) -> list[StatusGroup]:
        """The statuses states held that day, members first: the record has a status only while the rules
        provide for it, so the groups are those of the rules then in force."""
        return [StatusGroup(status, self.standings[status]) for status in MembershipStatus if self.standings[status]]

    @property
    def members(self) -> list[Standing]:
        return self.standings[MembershipStatus.MEMBER]

    @property
    def documents_url(self) -> str:
        """The archive filtered to the documents counted here."""
        return f"{reverse('chairmanship:document_list')}?date_before={self.day.isoformat()}"


def sco_on(day: datetime.date) -> SCOOnDate:
    """The published record of the SCO on ``day``, in six queries however much the archive holds."""
    standings = {status: [] for status in MembershipStatus}
    periods = Membership.objects.published().active_on(day).select_related("state").order_by("state__short_name", "pk")
    for period in periods:
        standings[period.status].append(Standing(period.state, period.start_date, period.end_date))
    latest_chairmanship = Chairmanship.objects.published().select_related("state").latest_begun(today=day)
    summits = Summit.objects.published()
    adopted = Document.objects.published().filter(date__lte=day)
    return SCOOnDate(
        day=day,
        standings=standings,
        chairmanship=latest_chairmanship if latest_chairmanship and latest_chairmanship.is_current_on(day) else None,
        latest_chairmanship=latest_chairmanship,
        latest_summit=summits.filter(start_date__lte=day).order_by("-start_date").first(),
        next_summit=summits.filter(start_date__gt=day).order_by("start_date").first(),
        documents_adopted=adopted.count(),
        latest_documents=list(adopted.latest(LATEST_DOCUMENTS)),
    )
