"""The curated fixtures, tested as data: every fact of the Astana Times op-ed on Kazakhstan's chairmanship
(10 July 2024), with its source.

Each numbered test matches one fact of the op-ed.
"""

import datetime
from decimal import Decimal

import pytest

from chairmanship import models

ARTICLE = "astana-times-2024-07-10-kazakhstan-chairmanship-in-sco"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("archive_for_module")]


def cites_article(record) -> bool:
    return record.sources.filter(slug=ARTICLE).exists()


def figure(slug: str) -> models.KeyFigure:
    found = models.KeyFigure.objects.select_related("source").get(slug=slug)
    assert found.source.slug == ARTICLE
    return found


def test_fact_01_the_24th_summit_in_astana_chaired_by_kazakhstan_with_its_theme():
    summit = models.Summit.objects.select_related("host_state", "chairmanship__state").get(number=24)
    assert summit.host_city == "Astana"
    assert summit.host_state.slug == "kazakhstan"
    assert summit.chairmanship.state.slug == "kazakhstan"
    # The official theme; the op-ed's "...towards a Sustainable Peace and Prosperity" is its own wording.
    assert summit.theme == "Strengthening Multilateral Dialogue – Striving for Sustainable Peace and Development"
    # The Council of Heads of State met on 4 July.
    assert (summit.start_date, summit.end_date) == (datetime.date(2024, 7, 4), datetime.date(2024, 7, 4))
    assert cites_article(summit)


def test_fact_02_population_share_and_gdp_contribution_are_figures_with_units_dates_and_the_article():
    population = figure("astana-2024-share-of-world-population")
    assert (population.qualifier, population.value, population.unit) == ("over", Decimal(40), "%")
    assert population.as_of == datetime.date(2024, 7, 10)
    assert population.display_value == "over 40%"

    gdp = figure("astana-2024-contribution-to-global-gdp")
    assert (gdp.qualifier, gdp.value, gdp.unit) == ("over", Decimal(23), "USD trillion")
    assert gdp.as_of == datetime.date(2024, 7, 10)
    assert gdp.summit.number == 24


def test_fact_03_astana_declaration_adopted_and_25_documents_signed_across_five_areas():
    declaration = models.Document.objects.get(title__startswith="Astana Declaration", summit__number=24)
    assert declaration.document_type == models.DocumentType.DECLARATION
    assert declaration.adoption == models.Adoption.SIGNED
    assert declaration.summit.number == 24
    assert cites_article(declaration)

    assert models.Summit.objects.get(number=24).documents_reported == 25
    signed = figure("astana-2024-strategic-documents-signed")
    assert signed.value == 25
    assert set(signed.topics.values_list("slug", flat=True)) == {
        "energy",
        "security",
        "trade",
        "investment-finance",
        "information-security",
    }


def test_fact_04_belarus_admitted_as_full_member_making_ten():
    belarus = models.State.objects.get(slug="belarus")
    membership = models.Membership.objects.get(state=belarus, status=models.MembershipStatus.MEMBER)
    assert membership.start_date == datetime.date(2024, 7, 4)
    assert membership.summit.number == 24
    assert cites_article(membership)
    assert models.Membership.objects.status_of(belarus, datetime.date(2024, 7, 3)) == models.MembershipStatus.OBSERVER
    assert models.State.objects.members_on(datetime.date(2024, 7, 5)).count() == 10
    assert figure("astana-2024-member-states").value == 10
    assert models.Document.objects.filter(
        title__contains="Belarus", adoption=models.Adoption.SIGNED, summit__number=24
    ).exists()


def test_fact_05_the_chairmanship_passed_to_china_for_2024_2025():
    china = models.Chairmanship.objects.get(slug="china-2024-2025")
    assert china.state.slug == "china"
    assert china.start_date == datetime.date(2024, 7, 4)
    assert china.culminating_summit.number == 25
    assert cites_article(china)
    kazakhstan = models.Chairmanship.objects.get(slug="kazakhstan-2023-2024")
    assert kazakhstan.end_date == china.start_date


def test_fact_06_kazakhstans_chairmanship_events_documents_and_four_named_documents():
    events = figure("kazakhstan-2023-2024-events")
    assert (events.qualifier, events.value, events.unit) == ("about", Decimal(150), "events")
    assert all(word in events.note for word in ("Digital forums", "tourism", "energy", "business"))
    assert events.chairmanship.slug == "kazakhstan-2023-2024"

    documents = figure("kazakhstan-2023-2024-new-strategic-documents")
    assert (documents.value, documents.unit) == (Decimal(60), "documents")

    named = models.Document.objects.filter(chairmanship__slug="kazakhstan-2023-2024", sources__slug=ARTICLE)
    titles = set(named.values_list("title", flat=True))
    assert "SCO Anti-Drug Strategy for 2024–2029 and the Programme of Action for its implementation" in titles
    assert "Strategy for the Development of Energy Cooperation of the SCO Member States until 2030" in titles
    assert any(title.startswith("Agreement between the Governments") and "Environmental" in title for title in titles)
    assert "Action Plan for the implementation of the SCO Economic Development Strategy until 2030" in titles


def test_fact_07_the_special_working_group_on_promoting_investment_was_revived():
    group = models.Initiative.objects.get(slug="special-working-group-on-promoting-investment")
    assert group.implementation_status == models.InitiativeStatus.LAUNCHED
    assert group.chairmanship.slug == "kazakhstan-2023-2024"
    assert "revive" in group.summary.lower() or "back to life" in group.summary
    assert cites_article(group)


def test_fact_08_kazakhstans_trade_with_the_other_members_grew_6_5_percent_in_2023():
    growth = figure("kazakhstan-sco-trade-growth-2023")
    assert (growth.value, growth.unit, growth.period) == (Decimal("6.5"), "%", "2023")
    assert growth.display_value == "6.5%"


def test_fact_09_investment_platform_and_aifc_financial_support_mechanisms_were_proposed():
    platform = models.Initiative.objects.get(slug="integrated-platform-for-investment-projects")
    aifc = models.Initiative.objects.get(slug="aifc-financial-support-mechanisms")
    assert platform.implementation_status == aifc.implementation_status == models.InitiativeStatus.PROPOSED
    assert "Astana International Financial Centre" in aifc.title
    assert cites_article(platform) and cites_article(aifc)
    # The op-ed names no proposer; President Tokayev's address at the summit puts both forward.
    for proposal in (platform, aifc):
        assert list(proposal.proposers.values_list("slug", flat=True)) == ["kazakhstan"]
        assert proposal.sources.exclude(slug=ARTICLE).exists()


def test_fact_10_the_two_cultural_projects_named_in_the_article():
    shrines = models.Initiative.objects.get(slug="spiritual-shrines-of-the-sco-states")
    festival = models.Initiative.objects.get(slug="sco-silk-way-music-festival")
    for project in (shrines, festival):
        assert project.category == "cultural"
        assert project.implementation_status == models.InitiativeStatus.LAUNCHED
        assert cites_article(project)
    assert "Silk Way" in festival.title


def test_fact_11_tokayevs_security_and_information_proposals_and_the_approved_action_plan():
    confidence = models.Initiative.objects.get(slug="military-confidence-building-measures-agreement")
    assert all(word in confidence.summary for word in ("terrorism", "separatism", "extremism"))
    information = models.Initiative.objects.get(slug="information-exchange-mechanism")
    for proposal in (confidence, information):
        assert proposal.implementation_status == models.InitiativeStatus.PROPOSED
        assert list(proposal.proposers.values_list("slug", flat=True)) == ["kazakhstan"]
        assert proposal.summit.number == 24
        assert cites_article(proposal)
    plan = models.Document.objects.get(title__contains="Ensuring International Information Security", summit__number=24)
    assert plan.document_type == models.DocumentType.ACTION_PLAN
    assert cites_article(plan)


def test_fact_12_growth_points_and_transport_corridors_with_bri_middle_and_north_south():
    growth = models.Initiative.objects.get(slug="new-economic-growth-points")
    assert growth.implementation_status == models.InitiativeStatus.PROPOSED
    corridors = models.Initiative.objects.get(slug="transport-corridors-and-supply-chains")
    assert corridors.topics.filter(slug="transport-connectivity").exists()
    for name in ("Belt and Road", "Trans-Caspian International Transport Route", "Middle Corridor", "North–South"):
        assert name in corridors.summary
    assert cites_article(growth) and cites_article(corridors)


def test_every_summit_of_the_reference_table_is_in_the_fixtures():
    assert set(range(1, 26)) <= set(models.Summit.objects.values_list("number", flat=True))
    assert set(models.Summit.objects.filter(format=models.SummitFormat.VIRTUAL).values_list("number", flat=True)) >= {
        20,
        23,
    }
    assert models.Summit.objects.get(number=21).format == models.SummitFormat.HYBRID


def test_all_fixture_content_is_published():
    for model in (models.State, models.Chairmanship, models.Summit, models.Document, models.Initiative):
        assert model.objects.exclude(status=models.PublicationStatus.PUBLISHED).count() == 0
        assert model.objects.published().count() == model.objects.count()


def test_every_published_fixture_record_passes_the_publication_checks():
    from chairmanship.publication import publication_problems

    for model in (models.State, models.Chairmanship, models.Summit, models.Document, models.Initiative):
        # The checks read each record's related records one by one, as a publish does: not through a page's plan.
        for record in model.objects.filter(models.published_condition()):
            assert publication_problems(record) == [], f"{model.__name__} {record.slug}"


def test_every_summit_and_every_state_has_a_summary():
    for model in (models.Summit, models.State):
        assert not model.objects.filter(summary="").exists()
