import datetime

import pytest
from django.contrib.humanize.templatetags.humanize import ordinal as humanize_ordinal
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chairmanship.models import (
    Chairmanship,
    Document,
    KeyFigure,
    Membership,
    MembershipStatus,
    PublicationStatus,
    State,
    Summit,
    ordinal,
)
from tests.factories import (
    ChairmanshipFactory,
    DocumentFactory,
    KeyFigureFactory,
    MembershipFactory,
    SourceFactory,
    StateFactory,
    SummitFactory,
    observer_period,
)

pytestmark = pytest.mark.django_db


def integrity_error_from(callable_):
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


class TestMembershipPeriods:
    def test_an_overlapping_period_of_the_same_state_is_rejected_with_the_clashing_period_named(self):
        state = StateFactory(short_name="Belarus")
        observer_period(state, datetime.date(2015, 7, 10), datetime.date(2024, 7, 4))
        overlapping = Membership(state=state, status=MembershipStatus.MEMBER, start_date=datetime.date(2024, 1, 1))
        with pytest.raises(ValidationError) as error:
            overlapping.full_clean()
        assert "overlaps another period of Belarus" in str(error.value)
        assert "2015-07-10" in str(error.value)

    def test_a_period_may_start_on_the_day_the_previous_one_ends(self):
        state = StateFactory()
        observer_period(state, datetime.date(2005, 7, 5), datetime.date(2023, 7, 4))
        following = Membership(state=state, status=MembershipStatus.MEMBER, start_date=datetime.date(2023, 7, 4))
        following.full_clean()

    def test_an_open_ended_period_overlaps_any_later_period(self):
        state = StateFactory()
        MembershipFactory(state=state, start_date=datetime.date(2001, 6, 15))
        later = Membership(
            state=state,
            status=MembershipStatus.OBSERVER,
            start_date=datetime.date(2030, 1, 1),
            end_date=datetime.date(2031, 1, 1),
        )
        with pytest.raises(ValidationError):
            later.full_clean()

    def test_periods_of_different_states_do_not_clash(self):
        MembershipFactory(start_date=datetime.date(2001, 6, 15))
        other = Membership(state=StateFactory(), status=MembershipStatus.MEMBER, start_date=datetime.date(2001, 6, 15))
        other.full_clean()

    def test_the_database_refuses_an_end_date_not_after_the_start(self):
        state = StateFactory()
        integrity_error_from(
            lambda: Membership.objects.create(
                state=state,
                status=MembershipStatus.MEMBER,
                start_date=datetime.date(2020, 1, 1),
                end_date=datetime.date(2019, 1, 1),
            )
        )


@pytest.mark.usefixtures("archive")
class TestMembershipQueries:
    def test_nine_members_on_3_july_2024_and_ten_on_5_july_2024(self):
        assert State.objects.members_on(datetime.date(2024, 7, 3)).count() == 9
        assert State.objects.members_on(datetime.date(2024, 7, 5)).count() == 10

    def test_six_founding_members_in_2001_and_eight_after_2017(self):
        assert State.objects.members_on(datetime.date(2001, 6, 15)).count() == 6
        assert State.objects.members_on(datetime.date(2001, 6, 14)).count() == 0
        assert State.objects.members_on(datetime.date(2017, 6, 9)).count() == 8

    def test_status_of_a_state_on_a_date_follows_its_history(self):
        iran = State.objects.get(slug="iran")
        assert Membership.objects.status_of(iran, datetime.date(2005, 7, 4)) is None
        assert Membership.objects.status_of(iran, datetime.date(2010, 1, 1)) == MembershipStatus.OBSERVER
        assert Membership.objects.status_of(iran, datetime.date(2023, 7, 4)) == MembershipStatus.MEMBER

    def test_belarus_was_a_dialogue_partner_before_it_was_an_observer(self):
        belarus = State.objects.get(slug="belarus")
        assert Membership.objects.status_of(belarus, datetime.date(2012, 1, 1)) == MembershipStatus.DIALOGUE_PARTNER
        assert Membership.objects.status_of(belarus, datetime.date(2016, 1, 1)) == MembershipStatus.OBSERVER

    def test_observers_on_a_date(self):
        observers = State.objects.with_status_on(datetime.date(2024, 7, 5), MembershipStatus.OBSERVER)
        assert set(observers.values_list("slug", flat=True)) == {"mongolia", "afghanistan"}

    def test_the_current_chairmanship_is_the_one_covering_the_day_and_on_a_handover_the_new_one(self):
        published = Chairmanship.objects.published()
        assert published.current(today=datetime.date(2024, 1, 1)).slug == "kazakhstan-2023-2024"
        assert published.current(today=datetime.date(2024, 7, 4)).slug == "china-2024-2025"
        assert published.current(today=datetime.date(2025, 1, 1)).slug == "china-2024-2025"


class TestPublicationRule:
    def test_only_published_records_whose_time_has_come_are_public(self):
        public = DocumentFactory()
        draft = DocumentFactory(draft=True)
        in_review = DocumentFactory(status=PublicationStatus.REVIEW, published_at=None)
        scheduled = DocumentFactory(scheduled=True)

        visible = set(Document.objects.published())
        assert visible == {public}
        assert public.is_public
        assert not any(record.is_public for record in (draft, in_review, scheduled))

    def test_a_scheduled_record_goes_live_by_itself_when_its_time_comes(self):
        scheduled = DocumentFactory(scheduled=True)
        assert not Document.objects.published().exists()
        later = timezone.now() + datetime.timedelta(days=8)
        assert list(Document.objects.published(at=later)) == [scheduled]

    def test_memberships_and_figures_are_public_with_the_record_they_belong_to(self):
        draft_state = StateFactory(draft=True)
        MembershipFactory(state=draft_state)
        MembershipFactory(state=StateFactory())
        assert Membership.objects.published().count() == 1

        KeyFigureFactory(chairmanship=ChairmanshipFactory(draft=True))
        visible = KeyFigureFactory(chairmanship=ChairmanshipFactory())
        assert list(KeyFigure.objects.published()) == [visible]

    def test_the_database_refuses_a_published_record_without_a_publication_time(self):
        integrity_error_from(lambda: DocumentFactory(status=PublicationStatus.PUBLISHED, published_at=None))

    def test_every_save_raises_the_version_used_to_detect_conflicting_edits(self):
        document = DocumentFactory()
        first = document.version
        document.title = "Amended"
        document.save()
        document.refresh_from_db()
        assert document.version == first + 1


class TestDatabaseConstraints:
    def test_summit_numbers_are_unique(self):
        SummitFactory(number=24)
        integrity_error_from(lambda: SummitFactory(number=24))

    def test_a_summit_cannot_end_before_it_starts(self):
        integrity_error_from(
            lambda: SummitFactory(start_date=datetime.date(2024, 7, 4), end_date=datetime.date(2024, 7, 3))
        )

    def test_a_chairmanship_cannot_end_before_it_starts(self):
        integrity_error_from(
            lambda: ChairmanshipFactory(start_date=datetime.date(2024, 7, 4), end_date=datetime.date(2023, 7, 4))
        )

    def test_iso_codes_are_unique(self):
        StateFactory(iso_alpha2="KZ", iso_alpha3="KAZ")
        integrity_error_from(lambda: StateFactory(iso_alpha2="KZ"))
        integrity_error_from(lambda: StateFactory(iso_alpha3="KAZ"))

    def test_slugs_are_unique(self):
        DocumentFactory(slug="astana-declaration")
        integrity_error_from(lambda: DocumentFactory(slug="astana-declaration"))

    def test_a_key_figure_must_describe_a_chairmanship_or_a_summit(self):
        integrity_error_from(lambda: KeyFigure.objects.create(slug="x", label="x", value=1, source=SourceFactory()))

    def test_entry_into_force_cannot_precede_adoption(self):
        integrity_error_from(
            lambda: DocumentFactory(date=datetime.date(2024, 7, 4), entered_into_force=datetime.date(2024, 1, 1))
        )

    def test_iso_codes_must_be_capital_letters_in_forms_and_imports(self):
        state = StateFactory.build(iso_alpha2="k1", iso_alpha3="kaz", slug="somewhere")
        with pytest.raises(ValidationError) as error:
            state.full_clean(exclude=["sources"])
        assert set(error.value.message_dict) >= {"iso_alpha2", "iso_alpha3"}


class TestPublicAddresses:
    def test_every_public_model_has_a_readable_address(self):
        summit = SummitFactory(slug="astana-2024")
        assert summit.get_absolute_url() == "/summits/astana-2024/"
        assert StateFactory(slug="belarus").get_absolute_url() == "/states/belarus/"
        assert DocumentFactory(slug="astana-declaration").get_absolute_url() == "/documents/astana-declaration/"
        assert (
            ChairmanshipFactory(slug="kazakhstan-2023-2024").get_absolute_url()
            == "/chairmanships/kazakhstan-2023-2024/"
        )
        assert Summit.objects.get_by_natural_key(summit.number) == summit


def test_summits_are_numbered_as_english_ordinals():
    # The same words as the templates' humanize filter, so a summit reads alike everywhere.
    differing = [number for number in range(1, 250) if ordinal(number) != humanize_ordinal(number)]
    assert not differing


def test_a_summit_names_itself_by_ordinal_city_and_year():
    summit = SummitFactory(number=22, host_city="Samarkand", start_date=datetime.date(2022, 9, 15))

    assert str(summit) == "22nd summit, Samarkand 2022"


def test_a_summit_without_number_or_date_still_names_itself():
    # Import rows and half-filled forms are named in their error messages before they are complete.
    assert str(Summit(host_city="Astana")) == "Unnumbered summit, Astana"
