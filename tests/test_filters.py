"""The shared FilterSets: a related record's slug that names nothing a reader may see matches nothing.

The same rule on the HTML archive and in the API, whose schema can therefore promise every well-formed
slug: an unknown slug, and the slug of a draft, answer an empty list (200), never a 400 that would tell a
draft from a typo. A malformed value is still refused (tests/test_api.py, tests/test_views.py).
"""

from http import HTTPStatus

import pytest
from django.urls import reverse

from chairmanship.api.views import ArchiveViewSet
from chairmanship.filters import RelatedSlugFilter
from chairmanship.models import Chairmanship, State, Summit, Topic
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_api_rates")]


def related_slug_filters() -> list[tuple[str, str, type]]:
    """(API resource, query parameter, related model) for every related-record filter the API offers."""
    resources = {
        "memberships": "MembershipViewSet",
        "chairmanships": "ChairmanshipViewSet",
        "summits": "SummitViewSet",
        "documents": "DocumentViewSet",
        "initiatives": "InitiativeViewSet",
        "key-figures": "KeyFigureViewSet",
    }
    viewsets = {viewset.__name__: viewset for viewset in ArchiveViewSet.__subclasses__()}
    found = []
    for resource, name in resources.items():
        filterset = viewsets[name].filterset_class
        for parameter, declared in filterset.base_filters.items():
            if isinstance(declared, RelatedSlugFilter):
                found.append((resource, parameter, declared.related_model(filterset._meta.model)))
    return found


RELATED_SLUG_FILTERS = related_slug_filters()
FILTER_IDS = [f"{resource}?{parameter}" for resource, parameter, _model in RELATED_SLUG_FILTERS]


def build_world(prefix: str) -> dict:
    """One published record of each resource, all related to each other; the related records' slugs by model."""
    state = factories.StateFactory(slug=f"{prefix}-state")
    topic = factories.TopicFactory(slug=f"{prefix}-topic")
    chairmanship = factories.ChairmanshipFactory(slug=f"{prefix}-chairmanship", state=state)
    summit = factories.SummitFactory(slug=f"{prefix}-summit", host_state=state, chairmanship=chairmanship)
    document = factories.DocumentFactory(slug=f"{prefix}-document", summit=summit, chairmanship=chairmanship)
    document.topics.add(topic)
    document.signatories.add(state)
    initiative = factories.InitiativeFactory(slug=f"{prefix}-initiative", summit=summit, chairmanship=chairmanship)
    initiative.topics.add(topic)
    initiative.proposers.add(state)
    figure = factories.KeyFigureFactory(slug=f"{prefix}-figure", chairmanship=chairmanship, summit=summit)
    figure.topics.add(topic)
    membership = factories.MembershipFactory(state=state)
    return {
        "slugs": {State: state.slug, Topic: topic.slug, Chairmanship: chairmanship.slug, Summit: summit.slug},
        "records": {
            "memberships": membership.pk,
            "chairmanships": chairmanship.slug,
            "summits": summit.slug,
            "documents": document.slug,
            "initiatives": initiative.slug,
            "key-figures": figure.slug,
        },
    }


@pytest.fixture
def worlds():
    return build_world("east"), build_world("west")


def listed(response) -> list:
    assert response.status_code == HTTPStatus.OK, response.content
    return [item.get("slug", item.get("id")) for item in response.json()["results"]]


def test_every_related_record_filter_of_the_api_is_covered():
    assert {resource for resource, _parameter, _model in RELATED_SLUG_FILTERS} == {
        "memberships",
        "chairmanships",
        "summits",
        "documents",
        "initiatives",
        "key-figures",
    }
    assert len(RELATED_SLUG_FILTERS) == 14


@pytest.mark.parametrize(("resource", "parameter", "model"), RELATED_SLUG_FILTERS, ids=FILTER_IDS)
def test_an_unknown_slug_in_a_related_record_filter_answers_an_empty_list(
    api_client, worlds, resource, parameter, model
):
    assert listed(api_client.get(f"/api/v1/{resource}/"))

    response = api_client.get(f"/api/v1/{resource}/?{parameter}=0")

    assert listed(response) == []
    assert response.json()["count"] == 0


@pytest.mark.parametrize(("resource", "parameter", "model"), RELATED_SLUG_FILTERS, ids=FILTER_IDS)
def test_a_known_slug_still_selects_the_records_related_to_it(api_client, worlds, resource, parameter, model):
    east, _west = worlds

    assert listed(api_client.get(f"/api/v1/{resource}/?{parameter}={east['slugs'][model]}")) == [
        east["records"][resource]
    ]
    both = api_client.get(f"/api/v1/{resource}/?{parameter}={east['slugs'][model]}&{parameter}=no-such-slug")
    assert listed(both) == [east["records"][resource]]


@pytest.mark.parametrize(
    ("parameter", "hidden"),
    [
        ("summit", lambda document: document.summit),
        ("chairmanship", lambda document: document.chairmanship),
        ("signatory", lambda document: document.signatories.get()),
    ],
)
@pytest.mark.parametrize("unpublished", [{"status": "draft", "published_at": None}, {"status": "review"}])
def test_the_slug_of_an_unpublished_related_record_matches_nothing_for_the_public(
    api_client, client, worlds, parameter, hidden, unpublished
):
    """A published document of a draft summit is still public; filtering by that summit must not tell that
    the summit exists (the same answer as for a slug nobody uses)."""
    east, _west = worlds
    document = factories.DocumentFactory._meta.model.objects.get(slug=east["records"]["documents"])
    record = hidden(document)
    type(record).objects.filter(pk=record.pk).update(**unpublished)

    api = api_client.get(f"/api/v1/documents/?{parameter}={record.slug}")
    html = client.get(reverse("chairmanship:document_list") + f"?{parameter}={record.slug}").content.decode()

    assert listed(api) == []
    assert api.json() == api_client.get(f"/api/v1/documents/?{parameter}=nobody-uses-this").json()
    assert "No documents match these filters." in html
    assert f"“{record.slug}” was not found, so nothing matches it." in html


@pytest.mark.parametrize(
    ("archive", "parameter", "title"),
    [
        ("document_list", "summit", "Summit"),
        ("document_list", "signatory", "Signatory state"),
        ("document_list", "topic", "Topic"),
        ("initiative_list", "chairmanship", "Chairmanship"),
        ("initiative_list", "proposer", "Proposed by"),
    ],
)
def test_an_unknown_slug_on_an_archive_page_lists_nothing_and_the_form_says_it_was_not_found(
    client, worlds, archive, parameter, title
):
    response = client.get(reverse(f"chairmanship:{archive}") + f"?{parameter}=no-such-slug")

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "match these filters." in html and 'class="record"' not in html
    assert f"{title}: “no-such-slug” was not found, so nothing matches it." in html
    assert "Some filters could not be used" not in html


def test_a_known_slug_on_an_archive_page_lists_its_records_without_a_note(client, worlds):
    east, west = worlds

    html = client.get(reverse("chairmanship:document_list") + f"?summit={east['slugs'][Summit]}").content.decode()

    assert "1 document match your filters" in html
    assert f"/documents/{east['records']['documents']}/" in html
    assert f"/documents/{west['records']['documents']}/" not in html
    assert "was not found" not in html
