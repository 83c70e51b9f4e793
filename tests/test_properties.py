"""Property-based tests: the membership and publication rules agree with a plain-Python statement of them.

Hypothesis draws periods, days, statuses and publication times from a narrow range, so that touching,
nested and open-ended periods, and publication times just before and after the moment asked about, come
up in almost every run. Each example runs in a transaction that is rolled back.
"""

import datetime
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chairmanship.models import (
    Document,
    DocumentType,
    Membership,
    MembershipStatus,
    PublicationStatus,
    State,
)
from tests.factories import StateFactory

pytestmark = pytest.mark.django_db

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    # The database fixture is function-scoped on purpose: every example rolls its own transaction back.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ORIGIN = datetime.date(2001, 6, 15)
MOMENT = datetime.datetime(2024, 7, 4, 12, 0, tzinfo=datetime.UTC)

days = st.integers(min_value=0, max_value=40).map(lambda offset: ORIGIN + datetime.timedelta(days=offset))
statuses = st.sampled_from(MembershipStatus.values)


@st.composite
def periods(draw):
    """(start, end or None), with end after start: a period runs from start up to, not including, end."""
    start = draw(days)
    length = draw(st.none() | st.integers(min_value=1, max_value=15))
    return start, None if length is None else start + datetime.timedelta(days=length)


@st.composite
def successive_periods(draw):
    """A state's history as the rules allow it: periods one after another, never sharing a day."""
    history, day = [], ORIGIN
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        day += datetime.timedelta(days=draw(st.integers(min_value=0, max_value=5)))
        status = draw(statuses)
        length = draw(st.none() | st.integers(min_value=1, max_value=10))
        if length is None:
            history.append((status, day, None))
            break
        history.append((status, day, day + datetime.timedelta(days=length)))
        day += datetime.timedelta(days=length)
    return history


def share_a_day(first, second) -> bool:
    (start_a, end_a), (start_b, end_b) = first, second
    return (end_b is None or start_a < end_b) and (end_a is None or start_b < end_a)


def held_on(history, day):
    covering = [status for status, start, end in history if start <= day and (end is None or day < end)]
    return covering[0] if covering else None


def is_public(status, published_at, moment) -> bool:
    return status == PublicationStatus.PUBLISHED and published_at is not None and published_at <= moment


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@EXAMPLES
@given(stored=st.lists(periods(), max_size=5, unique_by=lambda period: period[0]), candidate=periods())
def test_a_new_membership_period_is_refused_exactly_when_it_shares_a_day_with_another(db, stored, candidate):
    with rolled_back():
        state = StateFactory()
        Membership.objects.bulk_create(
            Membership(state=state, status=MembershipStatus.OBSERVER, start_date=start, end_date=end)
            for start, end in stored
        )
        period = Membership(state=state, status=MembershipStatus.MEMBER, start_date=candidate[0], end_date=candidate[1])

        expected_clash = any(share_a_day(candidate, other) for other in stored)
        try:
            period.clean()
            refused = False
        except ValidationError as error:
            refused = True
            assert "This period overlaps another period" in error.messages[0]
        assert refused == expected_clash


@EXAMPLES
@given(histories=st.lists(successive_periods(), min_size=1, max_size=4), day=days)
def test_members_on_and_status_of_agree_with_the_periods_as_written(db, histories, day):
    with rolled_back():
        states = StateFactory.create_batch(len(histories))
        Membership.objects.bulk_create(
            Membership(state=state, status=status, start_date=start, end_date=end)
            for state, history in zip(states, histories, strict=True)
            for status, start, end in history
        )

        for state, history in zip(states, histories, strict=True):
            assert Membership.objects.status_of(state, day) == held_on(history, day)
        expected_members = {
            state.pk
            for state, history in zip(states, histories, strict=True)
            if held_on(history, day) == MembershipStatus.MEMBER
        }
        assert set(State.objects.members_on(day).values_list("pk", flat=True)) == expected_members


publication_times = st.none() | st.integers(min_value=-3, max_value=3).map(
    lambda minutes: MOMENT + datetime.timedelta(minutes=minutes)
)
editorial_states = st.tuples(st.sampled_from(PublicationStatus.values), publication_times).filter(
    # The database refuses a published record without a publication time (a check constraint).
    lambda pair: pair[0] != PublicationStatus.PUBLISHED or pair[1] is not None
)


@EXAMPLES
@given(records=st.lists(editorial_states, min_size=1, max_size=8))
def test_published_returns_exactly_the_records_whose_status_and_time_make_them_public(db, records):
    with rolled_back():
        documents = Document.objects.bulk_create(
            Document(
                title=f"Document {index}",
                slug=f"document-{index}",
                document_type=DocumentType.DECLARATION,
                status=status,
                published_at=published_at,
            )
            for index, (status, published_at) in enumerate(records)
        )

        expected = {
            document.slug
            for document, (status, published_at) in zip(documents, records, strict=True)
            if is_public(status, published_at, MOMENT)
        }
        assert set(Document.objects.published(at=MOMENT).values_list("slug", flat=True)) == expected
