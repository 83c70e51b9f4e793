"""What fuzzing the API with an Editor's and a Publisher's token found (`make schemathesis`), one test each."""

import re
from http import HTTPStatus

import pytest

from chairmanship.models import Topic
from tests import factories
from tests.api_support import assert_problem

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("generous_api_rates")]


def test_the_schema_offers_json_request_bodies_only(api_client):
    # Found as "schema-violating request accepted": the schema offered form encodings, in which an empty
    # published_at is read as null although the schema promised a date-time.
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    body = schema["paths"]["/api/v1/documents/{slug}/"]["patch"]["requestBody"]["content"]
    assert list(body) == ["application/json"]


def test_a_blank_related_record_filter_is_left_out_as_the_schema_allows(api_client):
    # Found as "schema-violating request accepted": the schema refused the blank value the API reads as
    # "no filter" (a half-filled form), so clients were told a working request was invalid.
    factories.InitiativeFactory(slug="energy-club")
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    parameters = schema["paths"]["/api/v1/initiatives/"]["get"]["parameters"]
    (summit,) = [parameter for parameter in parameters if parameter["name"] == "summit"]

    response = api_client.get("/api/v1/initiatives/?summit=")

    assert re.search(summit["schema"]["items"]["pattern"], "")
    assert [item["slug"] for item in response.json()["results"]] == ["energy-club"]


def test_a_number_where_text_belongs_answers_400_and_leaves_the_record_as_it_was(publisher_client):
    # Found as "schema-violating request accepted": {"name": -3828} was saved as the text "-3828".
    factories.TopicFactory(slug="energy", name="Energy")

    response = publisher_client.patch("/api/v1/topics/energy/", {"name": -3828, "description": 7}, format="json")

    body = assert_problem(response, HTTPStatus.BAD_REQUEST)
    assert body["errors"] == {"name": ["Not a valid string."], "description": ["Not a valid string."]}
    assert Topic.objects.get(slug="energy").name == "Energy"
