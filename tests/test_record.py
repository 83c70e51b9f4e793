"""The curated record, tested as a reader would check it: statuses on given dates, who chaired when, what each
summit adopted and who signed it, and a source behind every fact.

The tests assert facts (dates, statuses, counts on a date, titles of key documents), never the number of
rows in a table, so the record can keep growing without editing them.
"""

import datetime
import importlib.util
import itertools
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.text import slugify

from chairmanship import models
from chairmanship.models import Chairmanship, Document, Membership, MembershipStatus, Source, State, Summit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("archive_for_module")]

TIANJIN = datetime.date(2025, 9, 1)
EVE_OF_TIANJIN = datetime.date(2025, 8, 31)
FOUNDERS = {"china", "kazakhstan", "kyrgyzstan", "russia", "tajikistan", "uzbekistan"}
DIALOGUE_PARTNERS_BEFORE_TIANJIN = {
    "sri-lanka",
    "turkey",
    "azerbaijan",
    "armenia",
    "cambodia",
    "nepal",
    "egypt",
    "qatar",
    "saudi-arabia",
    "kuwait",
    "maldives",
    "myanmar",
    "united-arab-emirates",
    "bahrain",
}


def slugs_with_status(day: datetime.date, status: str) -> set[str]:
    return set(State.objects.with_status_on(day, status).values_list("slug", flat=True))


def members(day: datetime.date) -> set[str]:
    return set(State.objects.members_on(day).values_list("slug", flat=True))


class TestMembershipOnADate:
    @pytest.mark.parametrize(
        ("day", "joined"),
        [
            (datetime.date(2001, 6, 15), set()),
            (datetime.date(2017, 6, 8), set()),
            (datetime.date(2017, 6, 9), {"india", "pakistan"}),
            (datetime.date(2023, 7, 3), {"india", "pakistan"}),
            (datetime.date(2023, 7, 4), {"india", "pakistan", "iran"}),
            (datetime.date(2024, 7, 3), {"india", "pakistan", "iran"}),
            (datetime.date(2024, 7, 4), {"india", "pakistan", "iran", "belarus"}),
            (TIANJIN, {"india", "pakistan", "iran", "belarus"}),
        ],
    )
    def test_the_members_on_each_day_the_answer_changes(self, day, joined):
        assert members(day) == FOUNDERS | joined

    def test_nobody_was_a_member_the_day_before_the_founding(self):
        assert members(datetime.date(2001, 6, 14)) == set()

    def test_on_the_eve_of_tianjin_two_observers_and_fourteen_dialogue_partners(self):
        assert slugs_with_status(EVE_OF_TIANJIN, MembershipStatus.OBSERVER) == {"mongolia", "afghanistan"}
        assert slugs_with_status(EVE_OF_TIANJIN, MembershipStatus.DIALOGUE_PARTNER) == DIALOGUE_PARTNERS_BEFORE_TIANJIN
        assert slugs_with_status(EVE_OF_TIANJIN, MembershipStatus.PARTNER) == set()

    def test_from_tianjin_observers_and_dialogue_partners_are_sco_partners_and_laos_joins_them(self):
        partners = slugs_with_status(TIANJIN, MembershipStatus.PARTNER)
        assert partners == DIALOGUE_PARTNERS_BEFORE_TIANJIN | {"mongolia", "afghanistan", "laos"}
        assert slugs_with_status(TIANJIN, MembershipStatus.OBSERVER) == set()
        assert slugs_with_status(TIANJIN, MembershipStatus.DIALOGUE_PARTNER) == set()
        laos = State.objects.get(slug="laos")
        assert Membership.objects.status_of(laos, EVE_OF_TIANJIN) is None

    def test_belarus_was_a_dialogue_partner_then_an_observer_then_a_member(self):
        belarus = State.objects.get(slug="belarus")
        statuses = [Membership.objects.status_of(belarus, datetime.date(year, 1, 1)) for year in (2012, 2016, 2025)]
        assert statuses == [MembershipStatus.DIALOGUE_PARTNER, MembershipStatus.OBSERVER, MembershipStatus.MEMBER]

    def test_no_state_holds_two_statuses_on_any_day(self):
        for period in Membership.objects.all():
            assert not period.overlapping_periods().exists(), period

    @pytest.mark.usefixtures("generous_api_rates")
    def test_the_api_answers_statuses_on_a_date_by_the_rule_then_in_force(self, client):
        def slugs(query):
            response = client.get(f"/api/v1/states/?{query}&page_size=100")
            assert response.status_code == 200
            return {state["slug"] for state in response.json()["results"]}

        assert slugs("status=observer&status_on=2025-08-31") == {"mongolia", "afghanistan"}
        assert "laos" in slugs("status=partner&status_on=2025-09-01")
        assert slugs("status=partner&status_on=2025-08-31") == set()
        assert slugs("member_on=2024-07-04") == members(datetime.date(2024, 7, 4))

    def test_the_states_page_lists_sco_partners_and_no_observers_today(self, client):
        page = client.get("/states/").content.decode()
        assert "SCO partners" in page
        partners = page.split('id="group-partner"')[1].split("</section>")[0]
        assert "Laos" in partners and "Mongolia" in partners and "Sri Lanka" in partners
        assert 'id="group-observer"' not in page and 'id="group-dialogue_partner"' not in page


class TestChairmanships:
    def test_every_ended_term_was_closed_by_a_summit_held_as_it_ended(self):
        for term in Chairmanship.objects.filter(end_date__isnull=False).select_related("culminating_summit"):
            summit = term.culminating_summit
            assert summit is not None, term
            # The chair passes at the Council's meeting (one source dates a hand-over to the day after it).
            assert summit.start_date <= term.end_date <= summit.end_date + datetime.timedelta(days=1), term

    def test_terms_never_overlap_and_the_unrecorded_ones_are_listed(self, client):
        terms = list(Chairmanship.objects.order_by("start_date"))
        for earlier, later in itertools.pairwise(terms):
            assert earlier.end_date is not None and earlier.end_date <= later.start_date, (earlier, later)
        page = client.get("/chairmanships/").content.decode()
        gaps = [(a.end_date, b.start_date) for a, b in itertools.pairwise(terms) if a.end_date < b.start_date]
        if terms[0].start_date > datetime.date(2001, 6, 15):
            gaps.insert(0, (datetime.date(2001, 6, 15), terms[0].start_date))
        assert ("Not yet recorded" in page) == bool(gaps)
        for start, end in gaps:
            assert f'<time datetime="{start:%Y-%m-%d}">' in page and f'<time datetime="{end:%Y-%m-%d}">' in page

    def test_kyrgyzstan_took_the_chair_from_china_at_tianjin(self):
        kyrgyzstan = Chairmanship.objects.get(state__slug="kyrgyzstan", start_date=TIANJIN)
        china = Chairmanship.objects.get(slug="china-2024-2025")
        assert china.end_date == TIANJIN
        assert Chairmanship.objects.published().current(today=EVE_OF_TIANJIN) == china
        assert Chairmanship.objects.published().current(today=TIANJIN) == kyrgyzstan

    def test_the_kazakh_chairmanship_and_the_astana_summit_have_the_official_theme(self):
        official = "Strengthening Multilateral Dialogue – Striving for Sustainable Peace and Development"
        assert Summit.objects.get(number=24).theme == official
        assert Chairmanship.objects.get(slug="kazakhstan-2023-2024").motto == official


class TestDocuments:
    @pytest.mark.parametrize(
        ("words", "day", "kind"),
        [
            ("Establishment of the Shanghai Cooperation Organi", datetime.date(2001, 6, 15), "declaration"),
            ("Shanghai Convention", datetime.date(2001, 6, 15), "convention"),
            ("Charter of the Shanghai Cooperation Organi", datetime.date(2002, 6, 7), "charter"),
            ("Long-Term Good-Neighbourliness", datetime.date(2007, 8, 16), "treaty"),
            ("Development Strategy until 2025", datetime.date(2015, 7, 10), "strategy"),
            ("Convention on Countering Extremism", datetime.date(2017, 6, 9), "convention"),
            ("Tianjin Declaration", TIANJIN, "declaration"),
            ("Development Strategy until 2035", TIANJIN, "strategy"),
        ],
    )
    def test_the_founding_and_landmark_texts(self, words, day, kind):
        document = Document.objects.filter(title__icontains=words.replace("Organi", "")).get(date=day)
        assert document.document_type == kind

    def test_a_declaration_from_every_summit(self):
        for summit in Summit.objects.all():
            assert summit.documents.filter(document_type="declaration").exists(), summit

    def test_a_signed_summit_document_lists_the_members_of_its_day_and_a_statement_lists_nobody(self):
        declaration = Document.objects.get(title__startswith="Astana Declaration", date=datetime.date(2024, 7, 4))
        assert set(declaration.signatories.values_list("slug", flat=True)) == members(datetime.date(2024, 7, 4))
        for statement in Document.objects.filter(adoption=models.Adoption.ADOPTED_WITHOUT_SIGNING):
            assert not statement.signatories.exists(), statement

    def test_a_states_page_shows_what_it_signed(self, client):
        page = client.get("/states/belarus/").content.decode()
        assert "Astana Declaration" in page

    def test_slugs_end_where_their_titles_end(self):
        for title, slug in Document.objects.values_list("title", "slug"):
            # A long title may spell the organisation "SCO" in its slug.
            last = slugify(re.sub(r"[–—]", " ", title)).split("-")[-1]
            assert slug.split("-")[-1] in {last, "sco" if last in ("organisation", "organization") else last}, title


class TestCoverage:
    def test_the_astana_summit_says_how_many_of_its_reported_documents_are_recorded(self, client):
        astana = Summit.objects.get(number=24)
        recorded = astana.documents.published().count()
        assert astana.documents_reported_source is not None
        page = client.get(astana.get_absolute_url()).content.decode()
        assert f"{recorded} of {astana.documents_reported}</strong> recorded" in page

    def test_the_coverage_page_lists_every_summit_with_its_counts(self, client):
        page = client.get("/coverage/").content.decode()
        for summit in Summit.objects.published():
            assert summit.get_absolute_url() in page
        tianjin = Summit.objects.get(number=25)
        assert tianjin.documents_reported and tianjin.documents_reported_source.title in page


class TestSources:
    def test_every_source_has_a_headline_a_publisher_or_author_and_an_address_or_a_reason(self):
        for source in Source.objects.all():
            assert source.title.strip(), source.slug
            assert source.publisher or source.author, source.slug
            assert source.url or source.note, source.slug
            # A title made from an address reads like "Kazinform: news/sco-members-sign-b95095".
            assert not re.fullmatch(r"[^:]+: \S*[/-]\S*", source.title), f"{source.slug}: a title made from a path"

    def test_every_fact_bearing_record_cites_a_source(self):
        for model in (State, Membership, Chairmanship, Summit, Document, models.Initiative):
            uncited = model.objects.filter(sources__isnull=True)
            assert not uncited.exists(), f"{model.__name__} without a source: {list(uncited)}"

    def test_the_astana_times_op_ed_is_cited_as_the_page_it_is(self):
        article = Source.objects.get(url__contains="kazakhstans-chairmanship-in-sco-achievements")
        assert article.title == "Kazakhstan's Chairmanship in SCO: Achievements and Future Directions"
        assert (article.publisher, article.author) == ("The Astana Times", "Muhammad Asif Noor")
        assert article.published_on == datetime.date(2024, 7, 10)

    @pytest.mark.parametrize(
        ("model", "date_field"),
        [(Summit, "start_date"), (Document, "date"), (Membership, "start_date"), (Chairmanship, "start_date")],
    )
    def test_no_fact_is_supported_by_a_page_published_before_it_happened(self, model, date_field):
        for record in model.objects.prefetch_related("sources"):
            happened = getattr(record, date_field)
            for source in record.sources.all():
                if source.published_on and happened:
                    assert source.published_on >= happened, f"{record} cites {source.slug}"


class TestPublicText:
    WORDS = re.compile(r"seed article|the seed|op-ed the archive|this archive was|were researched", re.I)

    def test_no_public_text_speaks_of_how_the_archive_was_made(self):
        for model, fields in (
            (State, ("summary",)),
            (Chairmanship, ("summary", "priorities", "motto")),
            (Summit, ("summary", "theme", "documents_reported_note")),
            (Document, ("summary", "title")),
            (models.Initiative, ("summary", "title")),
            (Membership, ("note",)),
            (models.KeyFigure, ("note", "label")),
            (Source, ("title", "note", "slug")),
        ):
            for values in model.objects.values_list(*fields):
                for value in values:
                    assert not self.WORDS.search(value or ""), (model.__name__, value)


def test_the_committed_fixtures_are_exactly_what_the_record_builds():
    """``fixtures/build_fixtures.py`` is the one way the fixtures are made: an edit to the JSON alone fails here."""
    path = Path(settings.BASE_DIR) / "fixtures" / "build_fixtures.py"
    spec = importlib.util.spec_from_file_location("build_fixtures", path)
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    for name, records in builder.build().items():
        committed = json.loads((path.parent / name).read_text(encoding="utf-8"))
        assert committed == json.loads(json.dumps(records)), f"{name} differs from what the record builds"
