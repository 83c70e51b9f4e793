"""Server-drawn charts: right numbers, accessible SVG, data tables, escaped text."""

import datetime

from chairmanship.charts import documents_by_topic, members_per_year, membership_growth
from chairmanship.facets import FacetOption


def test_members_per_year_counts_full_members_at_the_end_of_each_year():
    founders = [(datetime.date(2001, 6, 15), None)] * 6
    india_pakistan = [(datetime.date(2017, 6, 9), None)] * 2
    iran = [(datetime.date(2023, 7, 4), None)]

    counts = dict(members_per_year(founders + india_pakistan + iran, today=datetime.date(2024, 1, 1)))

    assert counts[2001] == 6 and counts[2016] == 6 and counts[2017] == 8 and counts[2023] == 9
    assert list(counts) == list(range(2001, 2025))


def test_a_period_that_ended_no_longer_counts():
    counts = dict(
        members_per_year([(datetime.date(2001, 6, 15), datetime.date(2005, 1, 1))], today=datetime.date(2006, 6, 1))
    )

    assert counts[2004] == 1 and counts[2005] == 0


def test_membership_chart_is_an_labelled_svg_image_with_its_data():
    chart = membership_growth([(datetime.date(2001, 6, 15), None)], today=datetime.date(2003, 6, 1))

    assert 'role="img"' in chart.svg and 'aria-labelledby="membership-growth-title membership-growth-desc"' in chart.svg
    assert '<title id="membership-growth-title">Member states per year</title>' in chart.svg
    assert chart.rows == [(2001, 1), (2002, 1), (2003, 1)]
    assert "http" not in chart.svg.replace("http://www.w3.org/2000/svg", "")


def test_topic_chart_escapes_labels_and_orders_bars_by_size():
    chart = documents_by_topic([FacetOption("a", "<script>", 1), FacetOption("b", "Security & order", 5)])

    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg
    assert chart.rows == [("Security & order", 5), ("<script>", 1)]
