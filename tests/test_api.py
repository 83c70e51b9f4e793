"""The JSON API's reading contract: endpoints, representations, filters, pagination, errors, caching."""

import datetime
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.utils import timezone
from django.utils.http import http_date

from chairmanship.api.serializers import DocumentSerializer
from chairmanship.models import (
    Document,
    DocumentType,
    InitiativeCategory,
    InitiativeStatus,
    MembershipStatus,
    PublicationStatus,
)
from tests import factories
from tests.api_support import assert_problem

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_api_rates")]

RESOURCES = (
    "states",
    "memberships",
    "chairmanships",
    "summits",
    "documents",
    "initiatives",
    "topics",
    "key-figures",
    "sources",
)


def results(response):
    assert response.status_code == HTTPStatus.OK, response.content
    return [item["slug"] for item in response.json()["results"]]


@pytest.fixture
def one_of_each():
    """One published record of every resource, all related to each other."""
    topic = factories.TopicFactory(slug="energy")
    summit = factories.SummitFactory(slug="astana-2024")
    chairmanship = factories.ChairmanshipFactory(slug="kazakhstan-2023-2024", state=summit.host_state)
    document = factories.DocumentFactory(slug="astana-declaration", summit=summit, chairmanship=chairmanship)
    document.topics.add(topic)
    document.signatories.add(summit.host_state)
    initiative = factories.InitiativeFactory(slug="energy-club", chairmanship=chairmanship, summit=summit)
    initiative.topics.add(topic)
    initiative.proposers.add(summit.host_state)
    initiative.documents.add(document)
    membership = factories.MembershipFactory(state=summit.host_state)
    figure = factories.KeyFigureFactory(slug="events-held", chairmanship=chairmanship)
    return {
        "states": summit.host_state.slug,
        "memberships": membership.pk,
        "chairmanships": chairmanship.slug,
        "summits": summit.slug,
        "documents": document.slug,
        "initiatives": initiative.slug,
        "topics": topic.slug,
        "key-figures": figure.slug,
        "sources": document.sources.get().slug,
    }


def test_the_api_root_lists_every_resource(api_client):
    response = api_client.get("/api/v1/")

    assert response.status_code == HTTPStatus.OK
    assert set(response.json()) == set(RESOURCES)
    assert response.json()["documents"] == "http://testserver/api/v1/documents/"


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_list_is_paginated_and_its_items_link_to_themselves(api_client, one_of_each, resource):
    response = api_client.get(f"/api/v1/{resource}/")

    assert response.status_code == HTTPStatus.OK
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == len(body["results"]) >= 1
    item = body["results"][0]
    assert item["url"].startswith(f"http://testserver/api/v1/{resource}/")
    assert "html_url" in item


@pytest.mark.parametrize("resource", RESOURCES)
def test_every_detail_is_found_by_slug_or_id(api_client, one_of_each, resource):
    key = one_of_each[resource]

    response = api_client.get(f"/api/v1/{resource}/{key}/")

    assert response.status_code == HTTPStatus.OK
    assert response.json()["url"] == f"http://testserver/api/v1/{resource}/{key}/"


def test_a_document_shows_its_public_page_and_related_records_as_summaries(api_client, one_of_each):
    document = api_client.get("/api/v1/documents/astana-declaration/").json()

    assert document["html_url"] == "http://testserver/documents/astana-declaration/"
    assert document["summit"] == {
        "slug": "astana-2024",
        "number": document["summit"]["number"],
        "title": document["summit"]["title"],
        "url": "http://testserver/api/v1/summits/astana-2024/",
    }
    assert document["topics"] == [
        {"slug": "energy", "name": "Energy", "url": "http://testserver/api/v1/topics/energy/"}
    ]
    assert document["chairmanship"]["url"] == "http://testserver/api/v1/chairmanships/kazakhstan-2023-2024/"
    assert [state["slug"] for state in document["signatories"]] == [one_of_each["states"]]
    assert document["type"] == DocumentType.DECLARATION


def test_every_record_of_a_list_links_to_its_own_address_on_the_host_asked(api_client, settings):
    settings.ALLOWED_HOSTS = ["archive.example.org"]
    topics = [factories.TopicFactory(slug=slug) for slug in ("energy", "water", "digital-economy")]
    document = factories.DocumentFactory(slug="with-topics")
    document.topics.set(topics)

    listed = api_client.get("/api/v1/documents/", HTTP_HOST="archive.example.org").json()["results"][0]

    assert listed["url"] == "http://archive.example.org/api/v1/documents/with-topics/"
    assert sorted(topic["url"] for topic in listed["topics"]) == [
        "http://archive.example.org/api/v1/topics/digital-economy/",
        "http://archive.example.org/api/v1/topics/energy/",
        "http://archive.example.org/api/v1/topics/water/",
    ]


def test_a_membership_and_a_key_figure_link_to_the_page_that_shows_them(api_client, one_of_each):
    membership = api_client.get(f"/api/v1/memberships/{one_of_each['memberships']}/").json()
    figure = api_client.get("/api/v1/key-figures/events-held/").json()

    assert membership["html_url"] == f"http://testserver/states/{one_of_each['states']}/"
    assert figure["html_url"] == "http://testserver/chairmanships/kazakhstan-2023-2024/"


# --- Unpublished related records ----------------------------------------------------------------------


@pytest.fixture
def document_with_drafts():
    """A published document whose summit, chairmanship and one signatory are drafts."""
    document = factories.DocumentFactory(
        slug="public-declaration",
        summit=factories.SummitFactory(draft=True, host_city="Secretcity"),
        chairmanship=factories.ChairmanshipFactory(draft=True, motto="Secret motto"),
    )
    document.signatories.add(factories.StateFactory(slug="signed"), factories.StateFactory(draft=True, slug="unsigned"))
    return document


def test_a_published_document_omits_its_draft_summit_chairmanship_and_signatory_in_the_api_and_on_its_page(
    api_client, client, document_with_drafts
):
    detail = api_client.get("/api/v1/documents/public-declaration/").json()
    (listed,) = api_client.get("/api/v1/documents/").json()["results"]
    page = client.get(document_with_drafts.get_absolute_url()).content.decode()

    for body in (detail, listed):
        assert body["summit"] is None
        assert body["chairmanship"] is None
        assert [state["slug"] for state in body["signatories"]] == ["signed"]
    assert "Secretcity" not in page and document_with_drafts.summit.get_absolute_url() not in page
    assert document_with_drafts.chairmanship.get_absolute_url() not in page
    assert "/states/signed/" in page and "/states/unsigned/" not in page


def test_the_public_api_plan_leaves_unpublished_related_records_out_and_the_serializer_renders_what_it_is_given(
    document_with_drafts, rf
):
    """The SQL decides: the serializer shows whatever the queryset hands it, so the plan must be what hides."""
    public = Document.objects.published().for_api(public=True).get()
    editors = Document.objects.for_api(public=False).get()
    context = {"request": rf.get("/")}

    assert public.summit is None and public.chairmanship is None
    assert [state.slug for state in public.signatories.all()] == ["signed"]
    rendered = DocumentSerializer(editors, context=context).data
    assert rendered["summit"]["slug"] == document_with_drafts.summit.slug
    assert rendered["chairmanship"]["slug"] == document_with_drafts.chairmanship.slug
    assert [state["slug"] for state in rendered["signatories"]] == ["signed", "unsigned"]


def test_records_of_every_kind_omit_unpublished_related_records(api_client):
    draft_state = factories.StateFactory(draft=True)
    draft_summit = factories.SummitFactory(draft=True)
    chairmanship = factories.ChairmanshipFactory(slug="chair-of-a-draft-state", state=draft_state)
    draft_summit.chairmanship = chairmanship
    draft_summit.save()
    summit = factories.SummitFactory(
        slug="hosted-by-a-draft", host_state=draft_state, chairmanship=factories.ChairmanshipFactory(draft=True)
    )
    initiative = factories.InitiativeFactory(slug="of-drafts", summit=draft_summit)
    initiative.proposers.add(draft_state)
    initiative.documents.add(factories.DocumentFactory(draft=True))
    membership = factories.MembershipFactory(summit=draft_summit)
    figure = factories.KeyFigureFactory(slug="figure", summit=draft_summit, chairmanship=summit.chairmanship)
    figure.chairmanship = factories.ChairmanshipFactory(slug="public-chair")
    figure.save()

    chair = api_client.get("/api/v1/chairmanships/chair-of-a-draft-state/").json()
    hosted = api_client.get("/api/v1/summits/hosted-by-a-draft/").json()
    proposed = api_client.get("/api/v1/initiatives/of-drafts/").json()
    period = api_client.get(f"/api/v1/memberships/{membership.pk}/").json()
    counted = api_client.get("/api/v1/key-figures/figure/").json()

    assert chair["state"] is None and chair["closing_summit"] is None
    assert hosted["host_state"] is None and hosted["chairmanship"] is None
    assert proposed["summit"] is None and proposed["proposers"] == [] and proposed["documents"] == []
    assert period["summit"] is None
    assert counted["summit"] is None and counted["html_url"] == "http://testserver/chairmanships/public-chair/"


# --- Filters ------------------------------------------------------------------------------------------


def test_documents_filter_by_several_topics_meaning_any_of_them(api_client):
    energy, security, culture = (factories.TopicFactory(slug=slug) for slug in ("energy", "security", "culture"))
    for slug, topic in (("on-energy", energy), ("on-security", security), ("on-culture", culture)):
        factories.DocumentFactory(slug=slug).topics.add(topic)

    response = api_client.get("/api/v1/documents/?topic=energy&topic=security")

    assert sorted(results(response)) == ["on-energy", "on-security"]
    assert response.json()["count"] == 2


def test_documents_filter_by_type_adoption_summit_and_signatory(api_client):
    summit = factories.SummitFactory(slug="tianjin-2025")
    signed = factories.DocumentFactory(slug="signed-charter", document_type=DocumentType.CHARTER, summit=summit)
    signed.signatories.add(summit.host_state)
    factories.DocumentFactory(slug="proposed-plan", document_type=DocumentType.ACTION_PLAN, adoption="proposed")

    assert results(api_client.get("/api/v1/documents/?type=charter&type=treaty")) == ["signed-charter"]
    assert results(api_client.get("/api/v1/documents/?adoption=proposed")) == ["proposed-plan"]
    assert results(api_client.get("/api/v1/documents/?summit=tianjin-2025")) == ["signed-charter"]
    assert results(api_client.get(f"/api/v1/documents/?signatory={summit.host_state.slug}")) == ["signed-charter"]


def test_documents_filter_by_date_range_and_years(api_client):
    factories.DocumentFactory(slug="of-2001", date=datetime.date(2001, 6, 15))
    factories.DocumentFactory(slug="of-2017", date=datetime.date(2017, 6, 9))
    factories.DocumentFactory(slug="of-2024", date=datetime.date(2024, 7, 4))

    between = api_client.get("/api/v1/documents/?date_after=2010-01-01&date_before=2020-12-31")
    from_year = api_client.get("/api/v1/documents/?year_from=2017")
    to_year = api_client.get("/api/v1/documents/?year_to=2017")

    assert results(between) == ["of-2017"]
    assert results(from_year) == ["of-2024", "of-2017"]
    assert results(to_year) == ["of-2017", "of-2001"]


def test_documents_search_every_word_and_order_by_title(api_client):
    factories.DocumentFactory(slug="b-energy", title="Energy cooperation programme")
    factories.DocumentFactory(slug="a-energy", title="Agreement on energy security")
    factories.DocumentFactory(slug="culture", title="Cultural cooperation")

    assert results(api_client.get("/api/v1/documents/?search=energy&ordering=title")) == ["a-energy", "b-energy"]
    assert results(api_client.get("/api/v1/documents/?search=energy&ordering=-title")) == ["b-energy", "a-energy"]
    assert results(api_client.get("/api/v1/documents/?search=energy+security")) == ["a-energy"]


def test_initiatives_filter_by_category_status_proposer_chairmanship_and_topic(api_client):
    chairmanship = factories.ChairmanshipFactory(slug="china-2024-2025")
    topic = factories.TopicFactory(slug="digital")
    digital = factories.InitiativeFactory(
        slug="digital-hub",
        category=InitiativeCategory.DIGITAL,
        implementation_status=InitiativeStatus.LAUNCHED,
        chairmanship=chairmanship,
    )
    digital.proposers.add(chairmanship.state)
    digital.topics.add(topic)
    factories.InitiativeFactory(slug="green-belt", category=InitiativeCategory.ENVIRONMENT)

    for query in (
        "category=digital",
        "status=launched&status=ongoing",
        f"proposer={chairmanship.state.slug}",
        "chairmanship=china-2024-2025",
        "topic=digital",
    ):
        assert results(api_client.get(f"/api/v1/initiatives/?{query}")) == ["digital-hub"], query


def test_states_filter_by_membership_on_a_day_and_by_status(api_client):
    founder = factories.StateFactory(slug="founder")
    factories.MembershipFactory(state=founder, start_date=datetime.date(2001, 6, 15))
    newcomer = factories.StateFactory(slug="newcomer")
    factories.observer_period(newcomer, datetime.date(2005, 7, 5), datetime.date(2023, 7, 4))
    factories.MembershipFactory(state=newcomer, start_date=datetime.date(2023, 7, 4))
    watcher = factories.StateFactory(slug="watcher")
    factories.MembershipFactory(state=watcher, status=MembershipStatus.OBSERVER, start_date=datetime.date(2012, 6, 7))

    assert results(api_client.get("/api/v1/states/?member_on=2010-01-01")) == ["founder"]
    assert results(api_client.get("/api/v1/states/?member_on=2024-01-01&ordering=name")) == ["founder", "newcomer"]
    assert results(api_client.get("/api/v1/states/?status=observer")) == ["watcher"]
    assert results(api_client.get("/api/v1/states/?status=observer&status=member&ordering=-name")) == [
        "watcher",
        "newcomer",
        "founder",
    ]


def test_summits_memberships_key_figures_topics_and_sources_filter_too(api_client, one_of_each):
    factories.SummitFactory(slug="virtual-2020", format="virtual")
    factories.TopicFactory(slug="water", name="Water", description="Rivers shared across borders")
    factories.SourceFactory(slug="yearbook", title="SCO yearbook")

    assert results(api_client.get("/api/v1/summits/?format=virtual")) == ["virtual-2020"]
    assert results(api_client.get("/api/v1/topics/?search=rivers")) == ["water"]
    assert results(api_client.get("/api/v1/sources/?search=yearbook")) == ["yearbook"]
    assert results(api_client.get("/api/v1/key-figures/?chairmanship=kazakhstan-2023-2024")) == ["events-held"]
    memberships = api_client.get(f"/api/v1/memberships/?state={one_of_each['states']}&active_on=2020-01-01")
    assert [item["id"] for item in memberships.json()["results"]] == [one_of_each["memberships"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("date_after=2024-13-45", "date"),
        ("type=manifesto", "type"),
        ("topic=bad%00slug", "topic"),
        ("year_from=0", "year_from"),
        ("year_to=99999999999999999999", "year_to"),
        ("ordering=colour", "ordering"),
        ("search=nul%00", "search"),
    ],
)
def test_a_bad_filter_value_answers_400_naming_the_parameter(api_client, query, field):
    response = api_client.get(f"/api/v1/documents/?{query}")

    body = assert_problem(response, HTTPStatus.BAD_REQUEST)
    assert list(body["errors"]) == [field]
    assert field in body["detail"]


def test_states_refuse_a_malformed_member_on_date(api_client):
    body = assert_problem(api_client.get("/api/v1/states/?member_on=yesterday"), HTTPStatus.BAD_REQUEST)

    assert body["errors"] == {"member_on": ["Enter a valid date."]}


# --- Pagination -----------------------------------------------------------------------------------------


def test_pages_link_to_each_other_and_page_size_is_honoured(api_client):
    factories.DocumentFactory.create_batch(5)

    first = api_client.get("/api/v1/documents/?page_size=2").json()
    last = api_client.get("/api/v1/documents/?page_size=2&page=3").json()

    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/documents/?page=2&page_size=2"
    assert len(last["results"]) == 1
    assert last["next"] is None


def test_page_size_may_reach_100(api_client):
    response = api_client.get("/api/v1/topics/?page_size=100")

    assert response.status_code == HTTPStatus.OK


@pytest.mark.parametrize("page_size", ["-1", "0", "abc", "101", "1.5", ""])
def test_a_page_size_outside_1_to_100_answers_400(api_client, page_size):
    body = assert_problem(api_client.get(f"/api/v1/documents/?page_size={page_size}"), HTTPStatus.BAD_REQUEST)

    assert "from 1 to 100" in body["errors"]["page_size"][0]


@pytest.mark.parametrize("page", ["0", "-3", "last", "two"])
def test_a_malformed_page_number_answers_400(api_client, page):
    body = assert_problem(api_client.get(f"/api/v1/documents/?page={page}"), HTTPStatus.BAD_REQUEST)

    assert list(body["errors"]) == ["page"]


def test_a_page_past_the_last_answers_404_in_the_problem_shape(api_client):
    factories.DocumentFactory()

    body = assert_problem(api_client.get("/api/v1/documents/?page=99999"), HTTPStatus.NOT_FOUND)

    assert body["detail"] == "Page 99999 does not exist; the last page is 1 (1 results, 20 per page)."


# --- Errors -------------------------------------------------------------------------------------------------


def test_an_unknown_api_address_answers_404_in_the_problem_shape(api_client):
    body = assert_problem(api_client.get("/api/v1/treaties/"), HTTPStatus.NOT_FOUND)

    assert body == {
        "type": "about:blank",
        "title": "Not Found",
        "status": HTTPStatus.NOT_FOUND,
        "detail": "There is nothing at /api/v1/treaties/. The API starts at /api/v1/.",
    }


def test_an_unknown_record_answers_404_in_the_problem_shape(api_client):
    assert_problem(api_client.get("/api/v1/documents/no-such-document/"), HTTPStatus.NOT_FOUND)
    assert_problem(api_client.get("/api/v1/memberships/99999999999999999999999/"), HTTPStatus.NOT_FOUND)


def test_an_unsupported_method_answers_405_in_the_problem_shape(api_client):
    body = assert_problem(api_client.generic("TRACE", "/api/v1/documents/"), HTTPStatus.METHOD_NOT_ALLOWED)

    assert body["detail"] == 'Method "TRACE" not allowed.'


# --- Caching validators ----------------------------------------------------------------------------------------


def test_a_detail_carries_an_etag_naming_its_version_and_answers_304_when_unchanged(api_client):
    document = factories.DocumentFactory(slug="cached")
    url = "/api/v1/documents/cached/"

    response = api_client.get(url)
    etag = response["ETag"]

    assert etag.startswith(f'"{document.pk}-{document.version}-')
    assert "Last-Modified" not in response
    not_modified = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == HTTPStatus.NOT_MODIFIED
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag


def test_revalidating_a_draft_answers_404_not_304(api_client):
    """The cheap revalidation path keeps the public rule: a draft's ETag reveals nothing."""
    document = factories.DocumentFactory(slug="hidden", status=PublicationStatus.DRAFT)

    response = api_client.get("/api/v1/documents/hidden/", HTTP_IF_NONE_MATCH=f'"{document.pk}-{document.version}"')

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_a_detail_is_found_whatever_the_list_filters_say(api_client):
    factories.DocumentFactory(slug="a-treaty", document_type=DocumentType.AGREEMENT)

    response = api_client.get("/api/v1/documents/a-treaty/?type=declaration")

    assert response.status_code == HTTPStatus.OK
    assert response.json()["slug"] == "a-treaty"


def test_a_changed_detail_is_sent_again(api_client):
    document = factories.DocumentFactory(slug="changing")
    url = "/api/v1/documents/changing/"
    etag = api_client.get(url)["ETag"]
    earlier = http_date((timezone.now() - datetime.timedelta(days=2)).timestamp())

    document.title = "A new title"
    document.save()

    assert api_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == HTTPStatus.OK
    assert api_client.get(url, HTTP_IF_MODIFIED_SINCE=earlier).status_code == HTTPStatus.OK
    assert api_client.get(url, HTTP_IF_MODIFIED_SINCE=http_date(timezone.now().timestamp())).status_code == (
        HTTPStatus.OK
    )


def test_a_list_answers_304_until_one_of_its_records_changes(api_client):
    document = factories.DocumentFactory()
    first = api_client.get("/api/v1/documents/?type=declaration")

    assert (
        api_client.get("/api/v1/documents/?type=declaration", HTTP_IF_NONE_MATCH=first["ETag"]).status_code
        == HTTPStatus.NOT_MODIFIED
    )
    document.summary = "Revised."
    document.save()
    assert (
        api_client.get("/api/v1/documents/?type=declaration", HTTP_IF_NONE_MATCH=first["ETag"]).status_code
        == HTTPStatus.OK
    )


def test_a_list_of_unversioned_records_is_tagged_by_its_content(api_client):
    topic = factories.TopicFactory(slug="trade", name="Trade")
    etag = api_client.get("/api/v1/topics/")["ETag"]

    assert api_client.get("/api/v1/topics/", HTTP_IF_NONE_MATCH=etag).status_code == HTTPStatus.NOT_MODIFIED
    topic.name = "Trade and investment"
    topic.save()
    assert api_client.get("/api/v1/topics/", HTTP_IF_NONE_MATCH=etag).status_code == HTTPStatus.OK


# --- CORS and throttling -------------------------------------------------------------------------------------------


def test_other_sites_may_read_the_api_without_credentials(api_client):
    response = api_client.get("/api/v1/topics/", HTTP_ORIGIN="https://research.example.org")

    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response


def test_other_sites_may_not_write_through_the_api(api_client):
    preflight = api_client.options(
        "/api/v1/topics/",
        HTTP_ORIGIN="https://research.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
    )

    allowed = {method.strip() for method in preflight["Access-Control-Allow-Methods"].split(",")}
    assert allowed == {"GET", "HEAD", "OPTIONS"}


def test_the_public_site_shares_nothing_with_other_origins(api_client):
    response = api_client.get("/", HTTP_ORIGIN="https://research.example.org")

    assert "Access-Control-Allow-Origin" not in response


def test_too_many_anonymous_requests_answer_429_with_retry_after(api_client, settings):
    # Answers served whole from the page cache cost nothing and are not counted; this test asks the API.
    settings.PAGE_CACHE = False
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "100/minute"},
    }

    statuses = [api_client.get("/api/v1/topics/").status_code for _ in range(3)]
    throttled = api_client.get("/api/v1/topics/")

    assert statuses == [HTTPStatus.OK, HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]
    assert_problem(throttled, HTTPStatus.TOO_MANY_REQUESTS)
    assert 0 < int(throttled["Retry-After"]) <= 60


def test_an_empty_rate_turns_the_limit_off(api_client, settings):
    settings.PAGE_CACHE = False
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None}}

    statuses = {api_client.get("/api/v1/topics/").status_code for _ in range(5)}

    assert statuses == {HTTPStatus.OK}


# --- Schema and documentation -----------------------------------------------------------------------------------------


def test_the_schema_validates_without_a_single_warning(tmp_path):
    schema = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema))

    text = schema.read_text()
    assert "/api/v1/documents/{slug}/" in text
    assert "application/problem+json" in text


def test_the_schema_is_served(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == HTTPStatus.OK
    assert "/api/v1/states/" in response.json()["paths"]


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_the_documentation_pages_load_nothing_from_other_sites(client, page, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    response = client.get(page)

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert 'src="http' not in html
    assert 'href="http' not in html
