"""The public pages: what a reader sees, what they never see (drafts), and how filters behave."""

import datetime
from http import HTTPStatus

import pytest
from django.contrib.humanize.templatetags.humanize import ordinal
from django.template.loader import render_to_string
from django.urls import reverse

from chairmanship.models import PAGE_LIST_LIMIT, DocumentType, MembershipStatus
from chairmanship.views import DocumentDetailView
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _render_every_request(settings):
    settings.PAGE_CACHE = False


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK, url
    return response.content.decode()


# --- Every page renders ---------------------------------------------------------------------------


def test_home_page_shows_the_current_chairmanship_with_its_key_figures_and_sources(client):
    chair = factories.ChairmanshipFactory(
        state__short_name="Kazakhstan", start_date=datetime.date.today() - datetime.timedelta(days=30), end_date=None
    )
    factories.KeyFigureFactory(
        chairmanship=chair, label="Events held", value=150, unit="events", source__title="Official tally"
    )
    factories.SummitFactory(host_city="Astana", number=24)
    factories.DocumentFactory(title="Astana Declaration")
    factories.InitiativeFactory(title="Year of Ecology")

    html = page(client, reverse("chairmanship:home"))

    assert "Current chairmanship" in html and "Kazakhstan" in html
    assert "Events held" in html and "150 events" in html and "Official tally" in html
    assert "24th summit, Astana 2024" in html
    assert "Astana Declaration" in html and "Year of Ecology" in html
    assert 'id="membership-growth-title"' in html


def test_home_page_falls_back_to_the_latest_chairmanship_when_no_term_covers_today(client):
    factories.ChairmanshipFactory(
        state__short_name="Old Chair", start_date=datetime.date(2010, 1, 1), end_date=datetime.date(2010, 12, 31)
    )
    factories.ChairmanshipFactory(
        state__short_name="Later Chair", start_date=datetime.date(2015, 1, 1), end_date=datetime.date(2015, 12, 31)
    )

    assert "Later Chair" in page(client, reverse("chairmanship:home"))


def test_summit_page_shows_its_facts_documents_by_type_admissions_and_neighbours(client):
    host = factories.StateFactory(short_name="Kazakhstan")
    chair = factories.ChairmanshipFactory(state=host)
    previous = factories.SummitFactory(number=23, slug="new-delhi-2023", host_city="New Delhi")
    summit = factories.SummitFactory(
        number=24,
        slug="astana-2024",
        host_city="Astana",
        host_state=host,
        chairmanship=chair,
        theme="Strengthening dialogue",
    )
    following = factories.SummitFactory(number=25, slug="tianjin-2025", host_city="Tianjin")
    factories.DocumentFactory(summit=summit, title="Astana Declaration", document_type=DocumentType.DECLARATION)
    factories.DocumentFactory(summit=summit, title="Decision on Belarus", document_type=DocumentType.DECISION)
    factories.InitiativeFactory(summit=summit, title="Unity for peace")
    factories.MembershipFactory(state__short_name="Belarus", summit=summit, start_date=datetime.date(2024, 7, 4))
    factories.KeyFigureFactory(
        chairmanship=None, summit=summit, label="Member states after the summit", value=10, unit="states"
    )

    html = page(client, summit.get_absolute_url())

    assert "24th summit: Astana 2024" in html
    assert "Strengthening dialogue" in html and "In person" in html
    assert chair.get_absolute_url() in html
    assert html.index("<h3>Declaration</h3>") < html.index("Astana Declaration") < html.index("<h3>Decision</h3>")
    assert "Unity for peace" in html
    assert "Belarus" in html and "member state from" in html
    assert "10 states" in html
    assert previous.get_absolute_url() in html and following.get_absolute_url() in html


def test_summit_page_lists_a_bounded_number_of_records_and_links_to_the_rest(client):
    summit = factories.SummitFactory(slug="big-summit")
    factories.DocumentFactory.create_batch(PAGE_LIST_LIMIT + 1, summit=summit)
    factories.InitiativeFactory.create_batch(PAGE_LIST_LIMIT + 1, summit=summit)
    small = factories.SummitFactory(slug="small-summit")
    factories.DocumentFactory.create_batch(3, summit=small)

    html = page(client, summit.get_absolute_url())

    assert html.count('class="record"') == 2 * PAGE_LIST_LIMIT
    assert f"{reverse('chairmanship:document_list')}?summit=big-summit" in html
    assert f"{reverse('chairmanship:initiative_list')}?summit=big-summit" in html
    small_html = page(client, small.get_absolute_url())
    assert small_html.count('class="record"') == 3 and "?summit=small-summit" not in small_html


def test_summit_list_is_a_timeline_with_a_chart_and_its_data_table(client):
    factories.SummitFactory(
        number=1, host_city="Shanghai", start_date=datetime.date(2001, 6, 15), end_date=datetime.date(2001, 6, 15)
    )
    factories.SummitFactory(
        number=20,
        host_city="Dushanbe",
        format="hybrid",
        start_date=datetime.date(2021, 9, 17),
        end_date=datetime.date(2021, 9, 17),
    )

    html = page(client, reverse("chairmanship:summit_list"))

    assert html.index("20th summit: Dushanbe") < html.index("1st summit: Shanghai")
    assert 'role="img"' in html and "<table>" in html


def test_state_list_groups_members_observers_and_partners_with_since_dates(client):
    factories.MembershipFactory(state__short_name="China", start_date=datetime.date(2001, 6, 15))
    mongolia = factories.StateFactory(short_name="Mongolia")
    factories.MembershipFactory(state=mongolia, status=MembershipStatus.OBSERVER, start_date=datetime.date(2004, 6, 17))
    turkey = factories.StateFactory(short_name="Türkiye")
    factories.MembershipFactory(
        state=turkey, status=MembershipStatus.DIALOGUE_PARTNER, start_date=datetime.date(2012, 6, 7)
    )

    html = page(client, reverse("chairmanship:state_list"))

    assert html.index("Member states") < html.index("China") < html.index("Observer states")
    assert html.index("Observer states") < html.index("Mongolia") < html.index("Dialogue partners")
    assert html.index("Dialogue partners") < html.index("Türkiye")
    assert 'since <time datetime="2004-06-17">17 June 2004</time>' in html


def test_state_page_shows_membership_history_chairmanships_summits_documents_and_initiatives(client):
    state = factories.StateFactory(short_name="India")
    factories.observer_period(state, datetime.date(2005, 7, 5), datetime.date(2017, 6, 9))
    factories.MembershipFactory(state=state, start_date=datetime.date(2017, 6, 9))
    factories.ChairmanshipFactory(
        state=state, slug="india-2022-2023", start_date=datetime.date(2022, 9, 16), end_date=datetime.date(2023, 7, 4)
    )
    factories.SummitFactory(host_state=state, host_city="New Delhi", number=23)
    document = factories.DocumentFactory(title="New Delhi Declaration")
    document.signatories.add(state)
    initiative = factories.InitiativeFactory(title="Startups and innovation")
    initiative.proposers.add(state)

    html = page(client, state.get_absolute_url())

    assert "Observer state" in html and "Member state" in html and "9 June 2017" in html
    assert "India 2022–2023" in html
    assert "23rd summit, New Delhi" in html
    assert "New Delhi Declaration" in html and "Startups and innovation" in html


def test_chairmanship_list_and_page_show_term_motto_and_closing_summit(client):
    chair = factories.ChairmanshipFactory(state__short_name="Kazakhstan", motto="Strengthening multilateral dialogue")
    factories.SummitFactory(chairmanship=chair, host_city="Astana", number=24)
    factories.DocumentFactory(chairmanship=chair, title="Astana Declaration")

    listing = page(client, reverse("chairmanship:chairmanship_list"))
    detail = page(client, chair.get_absolute_url())

    assert "Kazakhstan 2023–2024" in listing and "closed by the 24th summit, Astana 2024" in listing
    assert "Strengthening multilateral dialogue" in detail and "Astana Declaration" in detail


def test_document_page_shows_full_text_signatories_initiatives_and_a_citation(client):
    document = factories.DocumentFactory(
        title="Charter of the SCO", full_text="## Article 1\n\nThe goals are **peace**."
    )
    document.signatories.add(factories.StateFactory(short_name="China"))
    initiative = factories.InitiativeFactory(title="Charter follow-up")
    initiative.documents.add(document)

    html = page(client, document.get_absolute_url())

    assert "<h4>Article 1</h4>" in html and "<strong>peace</strong>" in html
    assert "China" in html and "Charter follow-up" in html
    assert "Cite this document" in html and f"http://testserver{document.get_absolute_url()}" in html


def test_initiative_page_shows_proposers_topics_and_documents(client):
    initiative = factories.InitiativeFactory(title="SCO Development Bank")
    initiative.proposers.add(factories.StateFactory(short_name="China"))
    initiative.topics.add(factories.TopicFactory(slug="economy", name="Economy"))
    initiative.documents.add(factories.DocumentFactory(title="Development strategy 2030"))

    html = page(client, initiative.get_absolute_url())

    assert "China" in html and "Economy" in html and "Development strategy 2030" in html


# --- The document archive and its filters ---------------------------------------------------------


def test_document_archive_filters_by_type_and_shows_counts_for_every_option(client):
    factories.DocumentFactory(title="A declaration", document_type=DocumentType.DECLARATION)
    factories.DocumentFactory(title="A decision", document_type=DocumentType.DECISION)
    factories.DocumentFactory(title="Another decision", document_type=DocumentType.DECISION)

    html = page(client, reverse("chairmanship:document_list") + "?type=decision")

    assert "A decision" in html and "Another decision" in html and "A declaration" not in html
    assert "2 documents match your filters" in html
    assert 'value="decision" checked' in html
    assert 'Decision <span class="count">(2)</span>' in html
    assert 'Declaration <span class="count">(1)</span>' in html


def test_document_archive_filters_by_topic_summit_and_signatory_slugs(client):
    topic = factories.TopicFactory(slug="security", name="Security")
    summit = factories.SummitFactory(slug="astana-2024")
    signatory = factories.StateFactory(slug="india")
    wanted = factories.DocumentFactory(title="Wanted document", summit=summit)
    wanted.topics.add(topic)
    wanted.signatories.add(signatory)
    factories.DocumentFactory(title="Other document")

    for query in ("topic=security", "summit=astana-2024", "signatory=india"):
        html = page(client, reverse("chairmanship:document_list") + "?" + query)
        assert "Wanted document" in html and "Other document" not in html, query

    # Each listed document names its summit, as a reader says it, in the list and in the summit facet.
    summit_name = f"{ordinal(summit.number)} summit, {summit.host_city} {summit.start_date.year}"
    assert html.count(summit_name) == 2


def test_document_archive_filters_by_year_range_adoption_and_words(client):
    factories.DocumentFactory(title="Old treaty", date=datetime.date(2007, 8, 16), adoption="signed")
    factories.DocumentFactory(
        title="New statement on energy", date=datetime.date(2024, 7, 4), adoption="adopted_without_signing"
    )

    by_year = page(client, reverse("chairmanship:document_list") + "?year_from=2005&year_to=2010")
    by_adoption = page(client, reverse("chairmanship:document_list") + "?adoption=adopted_without_signing")
    by_words = page(client, reverse("chairmanship:document_list") + "?search=energy")

    assert "Old treaty" in by_year and "New statement" not in by_year
    assert "New statement" in by_adoption and "Old treaty" not in by_adoption
    assert "New statement" in by_words and "Old treaty" not in by_words


def test_document_archive_sorts_by_title_when_asked(client):
    factories.DocumentFactory(title="Zeta", date=datetime.date(2024, 1, 1))
    factories.DocumentFactory(title="Alpha", date=datetime.date(2020, 1, 1))

    newest_first = page(client, reverse("chairmanship:document_list"))
    by_title = page(client, reverse("chairmanship:document_list") + "?ordering=title")

    assert newest_first.index("Zeta") < newest_first.index("Alpha")
    assert by_title.index(">Alpha<") < by_title.index(">Zeta<")


@pytest.mark.parametrize(
    "query",
    [
        "year_from=abc",
        "year_from=99999999999",
        "type=nonsense",
        "summit=%00",
        "ordering=password",
    ],
)
def test_document_archive_shows_a_form_error_for_a_bad_filter_value_instead_of_failing(client, query):
    factories.DocumentFactory(title="Still listed")

    response = client.get(reverse("chairmanship:document_list") + "?" + query)

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Some filters could not be used" in html
    assert "Still listed" in html


def test_document_archive_paginates_and_keeps_the_filters_in_page_links(client):
    for n in range(25):
        factories.DocumentFactory(title=f"Decision {n:02}", document_type=DocumentType.DECISION)

    html = page(client, reverse("chairmanship:document_list") + "?type=decision")

    assert "Page 1 of 2" in html
    assert "?type=decision&amp;page=2" in html
    assert "Page 2 of 2" in page(client, reverse("chairmanship:document_list") + "?type=decision&page=2")


def test_document_archive_page_out_of_range_is_not_found(client):
    assert client.get(reverse("chairmanship:document_list") + "?page=99").status_code == HTTPStatus.NOT_FOUND


def test_document_archive_explains_when_nothing_matches(client):
    factories.DocumentFactory(title="A declaration")

    html = page(client, reverse("chairmanship:document_list") + "?search=zzzz")

    assert "No documents match these filters." in html and "Clear all filters" in html


def test_initiative_archive_filters_by_category_status_and_proposer(client):
    proposer = factories.StateFactory(slug="kazakhstan")
    wanted = factories.InitiativeFactory(title="Green belt", category="environment", implementation_status="launched")
    wanted.proposers.add(proposer)
    factories.InitiativeFactory(title="Other idea", category="economic")

    for query in ("category=environment", "status=launched", "proposer=kazakhstan"):
        html = page(client, reverse("chairmanship:initiative_list") + "?" + query)
        assert "Green belt" in html and "Other idea" not in html, query


# --- Private stays private ------------------------------------------------------------------------


@pytest.mark.parametrize("hidden", [{"draft": True}, {"scheduled": True}])
@pytest.mark.parametrize(
    "factory",
    [
        factories.StateFactory,
        factories.ChairmanshipFactory,
        factories.SummitFactory,
        factories.DocumentFactory,
        factories.InitiativeFactory,
    ],
)
def test_a_draft_or_scheduled_record_has_no_public_page(client, factory, hidden):
    record = factory(**hidden)

    assert client.get(record.get_absolute_url()).status_code == HTTPStatus.NOT_FOUND


def test_drafts_and_scheduled_records_appear_on_no_listing(client):
    for factory, title_field in (
        (factories.DocumentFactory, "title"),
        (factories.InitiativeFactory, "title"),
        (factories.StateFactory, "short_name"),
    ):
        factory(**{title_field: "Secret draft"}, draft=True)
        factory(**{title_field: "Secret scheduled"}, scheduled=True)
    factories.SummitFactory(host_city="Secret draft", draft=True)
    factories.ChairmanshipFactory(state__short_name="Secret scheduled", scheduled=True)

    for name in ("home", "summit_list", "state_list", "chairmanship_list", "document_list", "initiative_list"):
        html = page(client, reverse(f"chairmanship:{name}"))
        assert "Secret" not in html, name


def test_facet_counts_and_options_never_include_drafts(client):
    draft_summit = factories.SummitFactory(slug="secret-summit", host_city="Secretville", draft=True)
    topic = factories.TopicFactory(slug="energy", name="Energy")
    public = factories.DocumentFactory(summit=draft_summit)
    public.topics.add(topic)
    public.signatories.add(factories.StateFactory(short_name="Hidden state", draft=True))
    hidden = factories.DocumentFactory(draft=True)
    hidden.topics.add(topic)

    html = page(client, reverse("chairmanship:document_list"))

    assert 'Energy <span class="count">(1)</span>' in html
    assert "Secretville" not in html and "Hidden state" not in html


def test_a_published_summit_does_not_list_its_draft_document_or_draft_initiative(client):
    summit = factories.SummitFactory()
    factories.DocumentFactory(summit=summit, title="Draft declaration", draft=True)
    factories.InitiativeFactory(summit=summit, title="Scheduled initiative", scheduled=True)
    factories.DocumentFactory(summit=summit, title="Public declaration")

    html = page(client, summit.get_absolute_url())

    assert "Public declaration" in html
    assert "Draft declaration" not in html and "Scheduled initiative" not in html


def test_a_published_summit_does_not_link_to_its_draft_chairmanship_or_host(client):
    summit = factories.SummitFactory(
        chairmanship=factories.ChairmanshipFactory(draft=True), host_state=factories.StateFactory(draft=True)
    )

    html = page(client, summit.get_absolute_url())

    assert summit.chairmanship.get_absolute_url() not in html
    assert summit.host_state.get_absolute_url() not in html


def test_a_state_page_lists_no_draft_documents_initiatives_or_chairmanships(client):
    state = factories.StateFactory()
    factories.DocumentFactory(title="Draft treaty", draft=True).signatories.add(state)
    factories.InitiativeFactory(title="Scheduled plan", scheduled=True).proposers.add(state)
    factories.ChairmanshipFactory(state=state, slug="draft-chair", draft=True)

    html = page(client, state.get_absolute_url())

    assert "Draft treaty" not in html and "Scheduled plan" not in html and "draft-chair" not in html


# --- Preview, rich text and error pages -----------------------------------------------------------


def test_a_preview_view_built_on_a_detail_view_shows_the_draft_with_a_banner(rf):
    class Preview(DocumentDetailView):
        def get_queryset(self):
            return self.model.objects.all()

        def get_context_data(self, **kwargs):
            return super().get_context_data(**kwargs, preview=True)

    document = factories.DocumentFactory(title="Unpublished declaration", draft=True)
    request = rf.get("/")

    response = Preview.as_view()(request, slug=document.slug)
    response.render()

    html = response.content.decode()
    assert "Unpublished declaration" in html
    assert "Draft preview — not visible to the public" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html


def test_public_pages_show_no_preview_banner(client):
    document = factories.DocumentFactory()

    assert "Draft preview" not in page(client, document.get_absolute_url())


def test_rich_text_never_lets_a_script_or_event_handler_reach_a_reader(client):
    document = factories.DocumentFactory(
        summary='Hello <script>alert("x")</script> <img src=x onerror="alert(1)"> [link](javascript:alert(2))',
        full_text="<iframe src='https://example.com'></iframe>**bold**",
    )

    html = page(client, document.get_absolute_url())
    content = html.split('<main id="main"', 1)[1]

    assert "<script>alert" not in content and "onerror" not in content
    assert "javascript:" not in content and "<iframe" not in content
    assert "<strong>bold</strong>" in content


def test_not_found_page_is_friendly_and_offers_a_way_on(client):
    response = client.get("/no-such-page/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    html = response.content.decode()
    assert "We could not find that page" in html and 'role="search"' in html


def test_server_error_page_renders_without_context_or_database():
    html = render_to_string("500.html")

    assert "Something went wrong" in html and 'lang="en"' in html and "{%" not in html


def test_every_page_starts_with_the_skip_link_and_sets_the_language(client):
    html = page(client, reverse("chairmanship:home"))
    body = html.split("<body>", 1)[1]

    assert '<html lang="en">' in html
    assert body.lstrip().startswith('<a class="skip-link" href="#main">Skip to content</a>')
    assert 'id="main"' in html


def test_an_oversized_form_gets_a_page_that_says_what_went_wrong(admin_client):
    response = admin_client.post(
        "/admin/chairmanship/topic/add/", {"name": "x" * 3_000_000, "slug": "x", "description": "y"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert b"too large" in response.content
    assert b"Nothing was saved" in response.content


# --- The current chairmanship -----------------------------------------------------------------------


def test_the_home_page_calls_the_chair_current_only_while_its_term_runs(client):
    ended = factories.ChairmanshipFactory(
        state=factories.StateFactory(short_name="Chinaland"),
        start_date=datetime.date(2024, 7, 4),
        end_date=datetime.date(2025, 9, 1),
    )
    home = page(client, "/")
    assert "Current chairmanship" not in home
    assert "Latest chairmanship recorded" in home and "Chinaland" in home
    assert '<time datetime="2025-09-01">1 September 2025</time>' in home

    factories.ChairmanshipFactory(
        state=factories.StateFactory(short_name="Kyrgyzland"), start_date=ended.end_date, end_date=None
    )
    home = page(client, "/")
    assert "Current chairmanship" in home and "Kyrgyzland" in home
    assert "Latest chairmanship recorded" not in home


def test_a_chairmanship_that_has_not_begun_is_not_current(client):
    factories.ChairmanshipFactory(start_date=datetime.date(2099, 1, 1), end_date=None)
    assert "Current chairmanship" not in page(client, "/")


def test_the_chairmanships_page_lists_the_periods_no_record_covers(client):
    factories.ChairmanshipFactory(start_date=datetime.date(2009, 6, 16), end_date=datetime.date(2010, 6, 11))
    factories.ChairmanshipFactory(start_date=datetime.date(2011, 6, 15), end_date=None)
    listing = page(client, "/chairmanships/")
    gaps = listing.split('id="unrecorded-heading"')[1]
    assert '<time datetime="2001-06-15">15 June 2001</time> – <time datetime="2009-06-16">16 June 2009</time>' in gaps
    assert '<time datetime="2010-06-11">11 June 2010</time> – <time datetime="2011-06-15">15 June 2011</time>' in gaps


def test_a_summit_page_and_the_coverage_page_say_how_much_of_the_package_is_recorded(client):
    source = factories.SourceFactory(title="Leaders sign 12 documents")
    summit = factories.SummitFactory(documents_reported=12, documents_reported_source=source)
    factories.DocumentFactory.create_batch(3, summit=summit)
    factories.DocumentFactory(summit=summit, draft=True)
    unreported = factories.SummitFactory()

    detail = page(client, summit.get_absolute_url())
    assert "<strong>3 of 12</strong> recorded (25%)" in detail
    assert "Leaders sign 12 documents" in detail
    assert "no public count of the summit" in page(client, unreported.get_absolute_url())

    coverage = page(client, "/coverage/")
    assert "Leaders sign 12 documents" in coverage and "not known" in coverage
    assert "<strong>3 of 12</strong> (25%)" in coverage
