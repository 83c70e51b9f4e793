"""The SCO on a date (``/on/<date>/`` and ``/api/v1/on/<date>/``), checked against the curated record on the
days the answer changes: each admission, the partner reform of 1 September 2025, each handover of the chair.

The page and the API both call ``chairmanship.on_date.sco_on``; the API's answer is compared with what the list
filters give for the same day (``/api/v1/states/?status=…&status_on=…``, ``/api/v1/documents/?date_before=…``).
"""

import datetime
import itertools
import re
from http import HTTPStatus

import pytest
from django.utils import timezone

from chairmanship.cache import cache_generation
from chairmanship.models import Chairmanship, MembershipStatus
from chairmanship.on_date import LATEST_DOCUMENTS, sco_on
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("archive_for_module", "generous_api_rates")]

DAY = datetime.timedelta(days=1)
FOUNDERS = {"china", "kazakhstan", "kyrgyzstan", "russia", "tajikistan", "uzbekistan"}
EVE_OF_TIANJIN, TIANJIN = datetime.date(2025, 8, 31), datetime.date(2025, 9, 1)
# Days either side of every change the record holds, and a few where nothing changed.
DAYS = [
    datetime.date(2001, 6, 14),
    datetime.date(2001, 6, 15),
    datetime.date(2005, 1, 1),
    datetime.date(2017, 6, 8),
    datetime.date(2017, 6, 9),
    datetime.date(2023, 7, 4),
    datetime.date(2024, 7, 3),
    datetime.date(2024, 7, 4),
    EVE_OF_TIANJIN,
    TIANJIN,
]


@pytest.fixture(autouse=True)
def _render_every_request(settings):
    settings.PAGE_CACHE = False


def slugs(standings) -> set[str]:
    return {standing.state.slug for standing in standings}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def section(html: str, heading_id: str) -> str:
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


# --- Who belonged, and in what status ---------------------------------------------------------------


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
    ],
)
def test_the_members_on_each_admission_day_and_the_day_before(day, joined):
    snapshot = sco_on(day)

    assert snapshot.founded
    assert slugs(snapshot.members) == FOUNDERS | joined


def test_before_the_founding_the_sco_did_not_exist_and_nobody_belonged_to_it():
    snapshot = sco_on(datetime.date(2001, 6, 14))

    assert not snapshot.founded
    assert snapshot.groups == []
    assert snapshot.next_summit.slug == "shanghai-2001"


def test_on_the_eve_of_tianjin_two_observers_and_fourteen_dialogue_partners_and_no_sco_partner():
    snapshot = sco_on(EVE_OF_TIANJIN)

    assert slugs(snapshot.standings[MembershipStatus.OBSERVER]) == {"mongolia", "afghanistan"}
    assert len(snapshot.standings[MembershipStatus.DIALOGUE_PARTNER]) == 14
    assert snapshot.standings[MembershipStatus.PARTNER] == []
    assert [group.heading for group in snapshot.groups] == ["Member states", "Observer states", "Dialogue partners"]


def test_from_tianjin_seventeen_sco_partners_laos_among_them_and_no_observer():
    before, after = sco_on(EVE_OF_TIANJIN), sco_on(TIANJIN)

    partners = slugs(after.standings[MembershipStatus.PARTNER])
    assert len(partners) == 17 and "laos" in partners
    former = slugs(before.standings[MembershipStatus.OBSERVER]) | slugs(
        before.standings[MembershipStatus.DIALOGUE_PARTNER]
    )
    assert partners == former | {"laos"}
    assert [group.heading for group in after.groups] == ["Member states", "SCO partners"]


# --- Who chaired it ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "chair"),
    [
        (datetime.date(2017, 6, 8), "kazakhstan-2016-2017"),
        (datetime.date(2017, 6, 9), "china-2017-2018"),
        (datetime.date(2023, 7, 3), "india-2022-2023"),
        (datetime.date(2023, 7, 4), "kazakhstan-2023-2024"),
        (datetime.date(2024, 7, 3), "kazakhstan-2023-2024"),
        (datetime.date(2024, 7, 4), "china-2024-2025"),
        (EVE_OF_TIANJIN, "china-2024-2025"),
        (TIANJIN, "kyrgyzstan-2025-2026"),
    ],
)
def test_the_chair_on_a_handover_day_and_the_day_before(day, chair):
    snapshot = sco_on(day)

    assert snapshot.chairmanship.slug == chair
    assert snapshot.earlier_chairmanship is None


def test_on_every_recorded_handover_the_new_chair_holds_and_the_day_before_the_old_one():
    terms = list(Chairmanship.objects.order_by("start_date"))
    handovers = [(old, new) for old, new in itertools.pairwise(terms) if old.end_date == new.start_date]

    assert len(handovers) >= 15
    for old, new in handovers:
        assert sco_on(new.start_date - DAY).chairmanship == old, new
        assert sco_on(new.start_date).chairmanship == new, new


def test_where_no_recorded_term_covers_the_date_it_says_so_and_names_the_latest_earlier_one(client):
    ended = Chairmanship.objects.get(slug="uzbekistan-2003-2004")
    snapshot = sco_on(ended.end_date)

    assert snapshot.chairmanship is None and snapshot.earlier_chairmanship == ended
    assert sco_on(ended.end_date - DAY).chairmanship == ended
    page = text_of(client.get(f"/on/{ended.end_date}/").content.decode())
    assert "No chairmanship the archive records covers this date" in page
    assert "The latest one before it: Uzbekistan 2003–2004 , which ended on 17 June 2004" in page


def test_before_the_first_recorded_chairmanship_none_is_named(client):
    first = Chairmanship.objects.order_by("start_date").first()
    day = first.start_date - DAY
    snapshot = sco_on(day)

    assert snapshot.founded and snapshot.chairmanship is None and snapshot.earlier_chairmanship is None
    assert "No chairmanship the archive records covers this date or began before it" in client.get(f"/on/{day}/").text


# --- Summits and documents --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "latest", "following"),
    [
        (datetime.date(2001, 6, 14), None, "shanghai-2001"),
        (datetime.date(2001, 6, 15), "shanghai-2001", "saint-petersburg-2002"),
        (datetime.date(2024, 7, 3), "new-delhi-2023", "astana-2024"),
        (datetime.date(2024, 7, 4), "astana-2024", "tianjin-2025"),
    ],
)
def test_the_latest_summit_held_on_or_before_the_day_and_the_next_one(day, latest, following):
    snapshot = sco_on(day)

    assert (snapshot.latest_summit and snapshot.latest_summit.slug) == latest
    assert snapshot.next_summit.slug == following


def test_a_document_counts_from_the_day_it_was_adopted():
    admission = "Decision on granting the Republic of Belarus the status of an SCO member state"
    before, on_the_day = sco_on(datetime.date(2024, 7, 3)), sco_on(datetime.date(2024, 7, 4))

    assert on_the_day.documents_adopted > before.documents_adopted
    assert admission in {document.title for document in on_the_day.latest_documents}
    assert admission not in {document.title for document in before.latest_documents}
    assert len(on_the_day.latest_documents) == LATEST_DOCUMENTS
    dates = [document.date for document in on_the_day.latest_documents]
    assert dates == sorted(dates, reverse=True) and dates[0] == datetime.date(2024, 7, 4)


# --- The page ---------------------------------------------------------------------------------------


def test_the_page_on_2024_07_04_shows_ten_members_belarus_among_them_and_china_in_the_chair(client):
    html = client.get("/on/2024-07-04/").content.decode()

    members = section(html, "group-member")
    assert 'Member states <span class="count">(10)</span>' in members
    assert members.count("<li>") == 10 and ">Belarus</a>" in members
    assert '<h1>The SCO on <time datetime="2024-07-04">4 July 2024</time></h1>' in html
    chair = text_of(section(html, "chair-heading"))
    assert "China held the chair: China 2024–2025 , from 4 July 2024 to 1 September 2025" in chair
    assert 'href="/summits/astana-2024/"' in section(html, "summits-heading")


def test_the_day_before_shows_nine_members_and_kazakhstan_in_the_chair(client):
    html = client.get("/on/2024-07-03/").content.decode()

    assert section(html, "group-member").count("<li>") == 9
    assert "Kazakhstan held the chair" in text_of(section(html, "chair-heading"))


def test_the_page_shows_the_statuses_of_the_rules_then_in_force(client):
    eve = client.get(f"/on/{EVE_OF_TIANJIN}/").content.decode()
    tianjin = client.get(f"/on/{TIANJIN}/").content.decode()

    assert section(eve, "group-observer").count("<li>") == 2
    assert section(eve, "group-dialogue_partner").count("<li>") == 14
    assert 'id="group-partner"' not in eve
    partners = section(tianjin, "group-partner")
    assert 'SCO partners <span class="count">(17)</span>' in partners and ">Laos</a>" in partners
    assert 'id="group-observer"' not in tianjin and 'id="group-dialogue_partner"' not in tianjin


def test_a_date_before_the_founding_says_the_sco_did_not_exist_yet(client):
    response = client.get("/on/1996-04-26/")

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "did not exist yet on 26 April 1996" in html
    assert 'href="/on/2001-06-15/"' in html
    assert 'id="group-member"' not in html


def test_the_document_count_is_the_filtered_archive_it_links_to(client):
    html = client.get("/on/2017-06-09/").content.decode()
    documents = section(html, "documents-heading")
    link, total = re.search(r'<a href="([^"]+)">All (\d+) in the document archive</a>', documents).groups()

    assert link == "/documents/?date_before=2017-06-09"
    archive = client.get(link.replace("&amp;", "&")).content.decode()
    assert f"{total} documents match your filters" in archive
    assert int(total) == sco_on(datetime.date(2017, 6, 9)).documents_adopted


def test_the_date_picker_sends_the_reader_to_the_dates_own_address(client):
    response = client.get("/on/?date=2024-07-04")

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/on/2024-07-04/"
    html = client.get("/on/2024-07-04/").content.decode()
    assert '<form class="search-form date-picker" method="get" action="/on/">' in html
    assert '<label for="on-date">' in html
    assert '<input id="on-date" type="date" name="date" value="2024-07-04">' in html


def test_without_a_date_the_page_shows_today(client):
    today = timezone.localdate()

    html = client.get("/on/").content.decode()

    assert f'<time datetime="{today.isoformat()}">' in html and "(today)" in html
    assert slugs(sco_on(today).members) <= set(re.findall(r'href="/states/([-\w]+)/"', html))


@pytest.mark.parametrize(
    ("address", "status", "message"),
    [
        ("/on/2024-02-30/", HTTPStatus.NOT_FOUND, "There is no day 2024-02-30 in the calendar"),
        ("/on/2023-13-01/", HTTPStatus.NOT_FOUND, "There is no day 2023-13-01 in the calendar"),
        ("/on/abc/", HTTPStatus.NOT_FOUND, "“abc” is not a date"),
        ("/on/20240704/", HTTPStatus.NOT_FOUND, "“20240704” is not a date"),
        ("/on/?date=abc", HTTPStatus.BAD_REQUEST, "“abc” is not a date"),
        ("/on/?date=2024-02-30", HTTPStatus.BAD_REQUEST, "There is no day 2024-02-30 in the calendar"),
        ("/on/?date=" + "9" * 500, HTTPStatus.BAD_REQUEST, "is not a date"),
    ],
)
def test_a_date_that_is_not_one_gets_the_picker_and_what_is_wrong(client, address, status, message):
    response = client.get(address)

    assert response.status_code == status
    html = response.content.decode()
    assert message in html and 'id="on-date-error"' in html
    assert 'aria-invalid="true" aria-describedby="on-date-error"' in html
    assert "<h1>The SCO on a date</h1>" in html


def test_each_summit_page_links_to_the_sco_on_its_date(client):
    html = client.get("/summits/astana-2024/").content.decode()

    assert '<a href="/on/2024-07-04/">The SCO on 4 July 2024</a>' in html


@pytest.mark.parametrize("address", ["/", "/states/"])
def test_the_membership_chart_links_each_year_to_the_day_it_counted(client, address):
    html = client.get(address).content.decode()

    assert '<a href="/on/">The SCO on any date</a>' in html
    row = re.search(r'<tr><th scope="row">2017</th><td>(\d+)</td><td><a href="([^"]+)">([^<]+)</a></td></tr>', html)
    assert row.group(2, 3) == ("/on/2017-12-31/", "The SCO on 31 December 2017")
    counted = client.get(row.group(2)).content.decode()
    assert section(counted, "group-member").count("<li>") == int(row.group(1)) == 8


# --- The API ----------------------------------------------------------------------------------------


def state_slugs(client, query: str) -> set[str]:
    response = client.get(f"/api/v1/states/?{query}&page_size=100")
    assert response.status_code == HTTPStatus.OK
    return {state["slug"] for state in response.json()["results"]}


@pytest.mark.parametrize("day", [*DAYS, timezone.localdate()], ids=str)
def test_the_api_answers_what_the_list_filters_give(api_client, day):
    answer = api_client.get(f"/api/v1/on/{day}/").json()

    assert answer["date"] == day.isoformat()
    for status, key in (
        ("member", "members"),
        ("partner", "partners"),
        ("observer", "observers"),
        ("dialogue_partner", "dialogue_partners"),
    ):
        listed = {standing["state"]["slug"] for standing in answer[key]}
        assert listed == state_slugs(api_client, f"status={status}&status_on={day}"), key
    assert {s["state"]["slug"] for s in answer["members"]} == state_slugs(api_client, f"member_on={day}")
    documents = api_client.get(answer["documents"]["url"]).json()
    assert answer["documents"]["adopted"] == documents["count"]
    assert all(document["date"] <= day.isoformat() for document in answer["documents"]["latest"])
    held = api_client.get(f"/api/v1/summits/?start_date_before={day}&ordering=-date").json()["results"]
    upcoming = api_client.get(f"/api/v1/summits/?start_date_after={day + DAY}&ordering=date").json()["results"]
    assert (answer["latest_summit"] or {}).get("slug") == (held[0]["slug"] if held else None)
    assert (answer["next_summit"] or {}).get("slug") == (upcoming[0]["slug"] if upcoming else None)


def test_the_api_on_2024_07_04_has_ten_members_and_china_in_the_chair(api_client):
    answer = api_client.get("/api/v1/on/2024-07-04/").json()

    assert len(answer["members"]) == 10
    belarus = next(standing for standing in answer["members"] if standing["state"]["slug"] == "belarus")
    assert belarus["since"] == "2024-07-04" and belarus["until"] is None
    assert answer["chairmanship"]["slug"] == "china-2024-2025" and answer["earlier_chairmanship"] is None
    assert answer["sco_existed"] is True
    assert answer["html_url"] == "http://testserver/on/2024-07-04/"
    assert answer["documents"]["html_url"] == "http://testserver/documents/?date_before=2024-07-04"


def test_the_api_names_the_latest_earlier_chair_where_no_term_is_recorded(api_client):
    answer = api_client.get("/api/v1/on/2005-01-01/").json()

    assert answer["chairmanship"] is None
    assert answer["earlier_chairmanship"]["slug"] == "uzbekistan-2003-2004"
    assert answer["earlier_chairmanship"]["end_date"] == "2004-06-17"


def test_the_api_says_the_sco_did_not_exist_before_its_founding(api_client):
    answer = api_client.get("/api/v1/on/2001-06-14/").json()

    assert answer["sco_existed"] is False and answer["members"] == []
    assert answer["next_summit"]["slug"] == "shanghai-2001"


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2024-02-30", "There is no day 2024-02-30 in the calendar"),
        ("abc", "“abc” is not a date"),
        ("2024-7-4", "“2024-7-4” is not a date"),
        ("0000-01-01", "There is no day 0000-01-01 in the calendar"),
    ],
)
def test_the_api_answers_a_date_that_is_not_one_with_a_404_problem(api_client, date, message):
    response = api_client.get(f"/api/v1/on/{date}/")

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response["Content-Type"] == "application/problem+json"
    assert message in response.json()["detail"]


def test_the_api_is_read_only(api_client, editor_client):
    for client in (api_client, editor_client):
        assert client.post("/api/v1/on/2024-07-04/", {}, format="json").status_code == HTTPStatus.METHOD_NOT_ALLOWED
        assert client.delete("/api/v1/on/2024-07-04/").status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_a_client_holding_the_current_etag_is_answered_304_without_a_query(api_client, django_assert_num_queries):
    url = "/api/v1/on/2024-07-04/"
    etag = api_client.get(url)["ETag"]

    with django_assert_num_queries(0):
        response = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == HTTPStatus.NOT_MODIFIED
    assert api_client.get("/api/v1/on/2024-07-03/")["ETag"] != etag


def test_the_schema_documents_the_resource_and_its_date(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    operation = schema["paths"]["/api/v1/on/{date}/"]["get"]
    date = next(parameter for parameter in operation["parameters"] if parameter["name"] == "date")
    assert date["in"] == "path" and date["schema"] == {"type": "string", "format": "date"}
    assert set(operation["responses"]) >= {"200", "304", "404"}
    assert list(schema["paths"]["/api/v1/on/{date}/"]) == ["get"]


def add_states_documents_and_terms(count: int, first_year: int):
    for n in range(count):
        state = factories.StateFactory()
        factories.MembershipFactory(state=state, start_date=datetime.date(2001, 6, 15))
        factories.observer_period(factories.StateFactory(), datetime.date(2004, 6, 17))
        summit = factories.SummitFactory(start_date=datetime.date(2024, 7, 4), end_date=datetime.date(2024, 7, 4))
        factories.DocumentFactory(summit=summit, date=datetime.date(2024, 7, 4))
        year = datetime.date(first_year + n, 1, 1)
        factories.ChairmanshipFactory(start_date=year, end_date=year.replace(month=6))


@pytest.mark.parametrize("address", ["/on/2024-07-04/", "/api/v1/on/2024-07-04/"])
def test_the_page_and_the_api_cost_the_same_queries_for_twenty_times_the_states_and_documents(
    client, api_client, django_assert_num_queries, address
):
    """Guards against one query per state, per status, per listed document (its summit) or per term: the page
    and the API read the day's statuses, chair, two summits and documents in six queries however many there are."""
    reader = api_client if address.startswith("/api/") else client
    add_states_documents_and_terms(1, first_year=1950)
    cache_generation()  # what a running site's cache already knows
    with django_assert_num_queries(6):
        first = reader.get(address)
    add_states_documents_and_terms(19, first_year=1960)
    cache_generation()
    with django_assert_num_queries(6):
        response = reader.get(address)

    assert response.status_code == first.status_code == HTTPStatus.OK
    assert response.content != first.content


def test_drafts_and_scheduled_records_appear_nowhere(client, api_client):
    """A draft state holding a status, a draft chairmanship over a date no term covers, a draft summit and a
    scheduled document, all on the dates asked for."""
    draft_state = factories.StateFactory(short_name="Draftland", slug="draftland", draft=True)
    factories.MembershipFactory(state=draft_state, start_date=datetime.date(2001, 6, 15))
    scheduled_state = factories.StateFactory(short_name="Laterland", slug="laterland", scheduled=True)
    factories.observer_period(scheduled_state, datetime.date(2004, 6, 17))
    factories.ChairmanshipFactory(
        slug="draft-chair", start_date=datetime.date(2004, 6, 17), end_date=datetime.date(2005, 7, 5), draft=True
    )
    factories.SummitFactory(slug="draft-summit", start_date=datetime.date(2004, 12, 1), draft=True)
    factories.DocumentFactory(slug="scheduled-document", date=datetime.date(2004, 12, 1), scheduled=True)
    factories.DocumentFactory(slug="draft-document", date=datetime.date(2004, 12, 1), draft=True)
    published = sco_on(datetime.date(2005, 1, 1))

    page = client.get("/on/2005-01-01/").content.decode()
    answer = api_client.get("/api/v1/on/2005-01-01/").content.decode()

    for hidden in ("draftland", "laterland", "draft-chair", "draft-summit", "scheduled-document", "draft-document"):
        assert hidden not in page and hidden not in answer
    assert published.chairmanship is None and published.earlier_chairmanship.slug == "uzbekistan-2003-2004"
    assert published.latest_summit.slug == "tashkent-2004"
    assert len(published.members) == 6
