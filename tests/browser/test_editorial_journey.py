"""The editorial journey in the real admin: draft, review, publish, an Editor's change waiting for a Publisher,
a refused conflicting edit, a revert."""

import re

import pytest
from playwright.sync_api import expect

from chairmanship.models import Document, PublicationStatus
from tests.admin_support import editorial_user
from tests.factories import SourceFactory, SummitFactory, TopicFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SLUG = "declaration-on-digital-cooperation"
ORIGINAL_SUMMARY = "Leaders agreed to cooperate on digital public infrastructure."
PROPOSED_SUMMARY = "Leaders agreed to cooperate on digital public infrastructure and data protection."


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


def open_document(page, live_server):
    document = Document.objects.get(slug=SLUG)
    page.goto(f"{live_server.url}/admin/chairmanship/document/{document.pk}/change/")
    return document


def run_action(page, live_server, action: str, title: str) -> None:
    page.goto(f"{live_server.url}/admin/chairmanship/document/")
    page.get_by_role("row").filter(has_text=title).locator("input.action-select").check()
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


@pytest.fixture
def newsroom(transactional_db, django_user_model):
    SummitFactory(slug="astana-2024", host_city="Astana")
    TopicFactory(slug="digital", name="Digital")
    SourceFactory(slug="sco-press-release", title="SCO press release on the Astana summit")
    for username, role in (("erin", "Editor"), ("boris", "Publisher"), ("paula", "Publisher")):
        user = editorial_user(django_user_model, role, username)
        user.set_password(PASSWORD)
        user.save()


def test_editor_drafts_publisher_publishes_conflict_is_refused_and_revert_restores(
    newsroom, live_server, page, browser, screenshot
):
    # An Editor logs in and writes a draft.
    log_in(page, live_server, "erin")
    screenshot("editorial-01-editor-logged-in")
    page.goto(f"{live_server.url}/admin/chairmanship/document/add/")
    page.locator("#id_title_en").press_sequentially("Declaration on Digital Cooperation")
    # The slug is filled in from the title as the editor types.
    expect(page.locator("#id_slug")).to_have_value(SLUG)
    page.select_option("#id_document_type", "declaration")
    page.fill("#id_date", "2024-07-04")
    page.fill("#id_summary_en", ORIGINAL_SUMMARY)
    page.locator(".field-sources .select2-selection").click()
    page.locator(".field-sources .select2-search__field").fill("press release")
    page.locator(".select2-results__option", has_text="SCO press release").click()
    # The Editor is not offered the published status.
    status_options = page.locator("#id_status option").all_inner_texts()
    assert status_options == ["Draft", "In review"]
    screenshot("editorial-02-editor-writes-a-draft")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")

    # The Editor cannot publish from the list either; only submit for review.
    actions = page.locator("select[name=action] option").all_inner_texts()
    assert not any(action.startswith("Publish") for action in actions)
    run_action(page, live_server, "submit_for_review", "Declaration on Digital Cooperation")
    expect(page.locator(".messagelist")).to_contain_text("Submitted for review 1 document.")
    screenshot("editorial-03-editor-submits-for-review")
    assert page.request.get(f"{live_server.url}/documents/{SLUG}/").status == 404

    # A Publisher publishes it.
    publisher_context = browser.new_context(viewport={"width": 1280, "height": 900})
    publisher_page = publisher_context.new_page()
    log_in(publisher_page, live_server, "paula")
    expect(publisher_page.locator("#awaiting-review")).to_contain_text("Documents")
    run_action(publisher_page, live_server, "publish", "Declaration on Digital Cooperation")
    expect(publisher_page.locator(".messagelist")).to_contain_text("Published 1 document.")
    screenshot("editorial-04-publisher-publishes", publisher_page)
    assert Document.objects.get(slug=SLUG).status == PublicationStatus.PUBLISHED

    # It appears on the public site.
    publisher_page.goto(f"{live_server.url}/documents/{SLUG}/")
    expect(publisher_page.locator("h1")).to_have_text("Declaration on Digital Cooperation")
    expect(publisher_page.locator("main")).to_contain_text(ORIGINAL_SUMMARY)
    screenshot("editorial-05-public-page", publisher_page)

    # An Editor's change to the published document waits for a Publisher; the public page does not change.
    open_document(page, live_server)
    page.fill("#id_summary_en", PROPOSED_SUMMARY)
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("waits for a Publisher")
    page.goto(f"{live_server.url}/documents/{SLUG}/")
    expect(page.locator("main")).to_contain_text(ORIGINAL_SUMMARY)
    expect(page.locator("main")).not_to_contain_text(PROPOSED_SUMMARY)

    # The Publisher sees the proposal compared with the live text, and publishes it.
    open_document(publisher_page, live_server)
    expect(publisher_page.locator("#pending-changes")).to_contain_text(PROPOSED_SUMMARY)
    screenshot("editorial-06-proposed-change-waits-for-a-publisher", publisher_page)
    publisher_page.get_by_role("button", name="Publish this change").click()
    publisher_page.goto(f"{live_server.url}/documents/{SLUG}/")
    expect(publisher_page.locator("main")).to_contain_text(PROPOSED_SUMMARY)

    # Erin and Boris (a Publisher) open the document; Boris saves first, Erin's save is refused with his change
    # named.
    open_document(page, live_server)
    boris_context = browser.new_context(viewport={"width": 1280, "height": 900})
    boris_page = boris_context.new_page()
    log_in(boris_page, live_server, "boris")
    open_document(boris_page, live_server)
    boris_page.fill("#id_summary_en", "A mistaken summary that loses the point.")
    boris_page.click("input[name=_save]")
    expect(boris_page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.fill("#id_full_text", "Erin's careful transcription of the declaration.")
    page.click("input[name=_save]")
    errors = page.locator(".errornote, .errorlist.nonfield")
    expect(errors.last).to_contain_text("boris saved this record")
    expect(errors.last).to_contain_text("Fields they changed: Summary.")
    expect(page.locator("#id_full_text")).to_have_value("Erin's careful transcription of the declaration.")
    screenshot("editorial-07-conflicting-edit-refused")
    assert Document.objects.get(slug=SLUG).full_text == ""

    # The Publisher reverts Boris's summary to the version Erin submitted for review (reverting a published
    # record is a Publisher's act).
    document = open_document(publisher_page, live_server)
    publisher_page.goto(f"{live_server.url}/admin/chairmanship/document/{document.pk}/history/")
    screenshot("editorial-08-history", publisher_page)
    publisher_page.get_by_role("row").filter(has_text="Submitted for review.").get_by_role("link").click()
    expect(publisher_page.locator("#id_summary_en")).to_have_value(ORIGINAL_SUMMARY)
    publisher_page.click("input[name=_save]")
    expect(publisher_page.locator(".messagelist")).to_contain_text("was changed successfully")
    publisher_page.goto(f"{live_server.url}/documents/{SLUG}/")
    expect(publisher_page.locator("main")).to_contain_text(ORIGINAL_SUMMARY)
    expect(publisher_page.locator("main")).not_to_contain_text(re.compile("mistaken summary"))
    screenshot("editorial-09-revert-restored-the-old-text", publisher_page)

    publisher_context.close()
    boris_context.close()
