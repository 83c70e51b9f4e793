"""Who may open what: every URL pattern of the site, for every role, on a published, a draft and a scheduled record.

The matrix below names each URL pattern of the resolver (``get_resolver()``) with the status each role gets:
anonymous, an Editor (staff, group "Editor"), a Publisher (staff, group "Publisher") and a superuser. Where
a pattern takes a record, the expectation is given for each of the three records, published, draft and
scheduled (published, going live next week). A URL pattern without a row fails
``test_every_url_pattern_has_a_row_in_the_matrix`` with its name, so a new page cannot ship unreviewed.

The admin is read from a second, smaller table: what each role may do with each model (view, add, change,
delete, publish). The status of each admin page follows from it by the rule written next to each page.

Whatever an anonymous visitor may open, it never shows a draft or a scheduled record (only a share link does).
"""

import copy
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from http import HTTPStatus

import pytest
import reversion
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from reversion.models import Version

from chairmanship import publication
from chairmanship.models import Correction, PendingChange, PublicationStatus, SlugRedirect
from chairmanship.preview import make_share_token
from tests import factories
from tests.admin_support import editorial_user

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "editor", "publisher", "superuser")
STATES = ("published", "draft", "scheduled")
CONTENT = ("state", "chairmanship", "summit", "document", "initiative")

OK = HTTPStatus.OK
CREATED = HTTPStatus.CREATED
NO_CONTENT = HTTPStatus.NO_CONTENT
FOUND = HTTPStatus.FOUND
BAD_REQUEST = HTTPStatus.BAD_REQUEST
UNAUTHORIZED = HTTPStatus.UNAUTHORIZED
FORBIDDEN = HTTPStatus.FORBIDDEN
NOT_FOUND = HTTPStatus.NOT_FOUND
NOT_ALLOWED = HTTPStatus.METHOD_NOT_ALLOWED
LOGIN = "login"  # a 302 to the admin's login page


def roles(anonymous, editor, publisher, superuser) -> dict:
    return dict(zip(ROLES, (anonymous, editor, publisher, superuser), strict=True))


def everyone(status) -> dict:
    return roles(status, status, status, status)


def per_state(published: dict, draft: dict, scheduled: dict) -> dict:
    return {"published": published, "draft": draft, "scheduled": scheduled}


PUBLIC_ONLY = per_state(everyone(OK), everyone(NOT_FOUND), everyone(NOT_FOUND))
STAFF_SEE_ALL = per_state(everyone(OK), roles(NOT_FOUND, OK, OK, OK), roles(NOT_FOUND, OK, OK, OK))
STAFF_ONLY = roles(LOGIN, OK, OK, OK)


# --- The records every case runs against -------------------------------------------------------------


@dataclass
class World:
    users: dict
    records: dict  # (model name, state) -> record; supporting models under state "published"
    versions: dict = field(default_factory=dict)  # record -> [older version pk, newer version pk]
    clients: dict = field(default_factory=dict)  # role -> a client signed in once for the whole module

    def record(self, model: str, state: str = "published"):
        return self.records[(model, state)]


def _build_world(django_user_model) -> World:
    users = {
        "editor": editorial_user(django_user_model, "Editor", "matrix-editor"),
        "publisher": editorial_user(django_user_model, "Publisher", "matrix-publisher"),
        "superuser": django_user_model.objects.create_superuser("matrix-root", "root@example.org", "password"),
    }
    factory_of = {
        "state": factories.StateFactory,
        "chairmanship": factories.ChairmanshipFactory,
        "summit": factories.SummitFactory,
        "document": factories.DocumentFactory,
        "initiative": factories.InitiativeFactory,
    }
    records = {}
    with reversion.create_revision():
        for model, factory in factory_of.items():
            for state in STATES:
                slug = f"matrix-{state}-{model}"
                traits = {"draft": {"draft": True}, "scheduled": {"scheduled": True}}.get(state, {})
                if model == "state":
                    # Valid codes and a summary: a state must be ready to publish, and to pass validation on save.
                    letter = "XYZ"[STATES.index(state)]
                    traits |= {"iso_alpha2": f"Q{letter}", "iso_alpha3": f"QQ{letter}", "summary": "A state."}
                records[(model, state)] = factory(slug=slug, **traits)
        published_state = records[("state", "published")]
        records[("membership", "published")] = factories.MembershipFactory(state=published_state)
        records[("keyfigure", "published")] = factories.KeyFigureFactory(
            slug="matrix-figure", value=Decimal("150"), chairmanship=records[("chairmanship", "published")]
        )
        records[("source", "published")] = factories.SourceFactory(slug="matrix-source")
        records[("topic", "published")] = factories.TopicFactory(slug="matrix-topic")
    for model in CONTENT:
        # A change an Editor proposed to each published record, for the pages that publish or discard it.
        record = records[(model, "published")]
        records[(f"pending-{model}", "published")] = publication.propose_change(record, user=users["editor"])
    versions = {}
    for key, record in records.items():
        if isinstance(record, PendingChange):
            continue
        # A second revision, so that the history has two versions to compare.
        with reversion.create_revision():
            record.save()
        versions[key] = sorted(Version.objects.get_for_object(record).values_list("pk", flat=True))
    document = records[("document", "published")]
    records[("correction", "published")] = Correction.objects.create(record=document, note="The date was wrong.")
    records[("slugredirect", "published")] = SlugRedirect.objects.create(
        content_type=ContentType.objects.get_for_model(document), object_id=document.pk, old_slug="matrix-old-slug"
    )
    records[("user", "published")] = users["editor"]
    records[("group", "published")] = Group.objects.get(name="Editor")
    Token.objects.create(user=users["publisher"])
    # The token admin names a token by its user's id.
    records[("tokenproxy", "published")] = users["publisher"]
    attempt = {"user_agent": "matrix", "ip_address": "192.0.2.1", "username": "matrix", "http_accept": "*/*"}
    records[("accessattempt", "published")] = AccessAttempt.objects.create(
        **attempt, path_info="/admin/login/", get_data="", post_data="", failures_since_start=1
    )
    records[("accesslog", "published")] = AccessLog.objects.create(**attempt, path_info="/admin/login/")
    records[("accessfailurelog", "published")] = AccessFailureLog.objects.create(**attempt, path_info="/admin/")
    clients = {"anonymous": Client()}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    return World(users=users, records=records, versions=versions, clients=clients)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The users and records, built once for the module and rolled back after it."""
    from django.contrib.auth import get_user_model

    with django_db_blocker.unblock(), transaction.atomic():
        yield _build_world(get_user_model())
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _uncached_and_unthrottled(settings):
    settings.PAGE_CACHE = False
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }


# --- The matrix ----------------------------------------------------------------------------------------


@dataclass
class Case:
    """One request: how to build its path from the world, and the expected status by role (and record state)."""

    path: Callable[[World, str], str]
    expected: dict  # role -> status, or state -> (role -> status)
    method: str = "get"
    data: dict | None = None
    shows_unpublished: bool = False  # a share link shows its draft to anyone holding it

    def expectation(self, state: str) -> dict:
        return self.expected.get(state, self.expected)

    @property
    def states(self) -> tuple[str, ...]:
        return STATES if "published" in self.expected else ("published",)


def fixed(path: str) -> Callable:
    return lambda world, state: path


def public_detail(model: str) -> Callable:
    return lambda world, state: world.record(model, state).get_absolute_url()


def citation_file(model: str, extension: str) -> Callable:
    return lambda world, state: f"{world.record(model, state).get_absolute_url()}cite.{extension}"


def api(name: str, model: str | None = None, suffix: str = "") -> Callable:
    def build(world, state):
        if model is None:
            path = reverse(f"api:{name}")
            return path.rstrip("/") + suffix if suffix else path
        record = world.record(model, state)
        key = record.pk if model == "membership" else record.slug
        path = reverse(f"api:{name}", args=(key,))
        return path.rstrip("/") + suffix if suffix else path

    return build


API_RESOURCES = {
    # route name: (URL prefix, model, publishable)
    "state": ("states", "state", True),
    "membership": ("memberships", "membership", False),
    "chairmanship": ("chairmanships", "chairmanship", True),
    "summit": ("summits", "summit", True),
    "document": ("documents", "document", True),
    "initiative": ("initiatives", "initiative", True),
    "topic": ("topics", "topic", False),
    "keyfigure": ("key-figures", "keyfigure", False),
    "source": ("sources", "source", False),
}


def api_rows() -> dict[str, list[Case]]:
    rows = {}
    for name, (prefix, model, publishable) in API_RESOURCES.items():
        lookup = r"(?P<pk>[0-9]{1,18})" if model == "membership" else r"(?P<slug>[-a-zA-Z0-9_]+)"
        # A list refuses DELETE; an Editor hears first that they may not delete records of that kind at all.
        editor_deletes = roles(UNAUTHORIZED, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)
        editor_may_not_delete = roles(UNAUTHORIZED, FORBIDDEN, NOT_ALLOWED, NOT_ALLOWED)
        rows[f"api/v1/^{prefix}/$"] = [
            Case(api(f"{name}-list"), everyone(OK)),
            Case(api(f"{name}-list"), everyone(OK), method="head"),
            Case(api(f"{name}-list"), everyone(OK), method="options"),
            # Anyone signed in with the add permission gets as far as validation (an empty record is invalid).
            Case(
                api(f"{name}-list"), roles(UNAUTHORIZED, BAD_REQUEST, BAD_REQUEST, BAD_REQUEST), method="post", data={}
            ),
            Case(api(f"{name}-list"), editor_may_not_delete if publishable else editor_deletes, method="delete"),
        ]
        rows[rf"api/v1/^{prefix}\.(?P<format>[a-z0-9]+)/?$"] = [Case(api(f"{name}-list", suffix=".json"), everyone(OK))]
        detail = api(f"{name}-detail", model)
        if publishable:
            rows[rf"api/v1/^{prefix}/{lookup}/$"] = [
                Case(detail, STAFF_SEE_ALL),
                # The record's citation: the same record, the same readers.
                Case(lambda world, state, detail=detail: detail(world, state) + "?format=ris", STAFF_SEE_ALL),
                Case(detail, STAFF_SEE_ALL, method="head"),
                Case(detail, everyone(OK), method="options"),
                Case(
                    detail,
                    per_state(*[roles(UNAUTHORIZED, BAD_REQUEST, BAD_REQUEST, BAD_REQUEST)] * 3),
                    method="put",
                    data={},
                ),
                # Back to draft: unpublishing (or unscheduling) is a Publisher's; a draft stays a draft for anyone.
                Case(
                    detail,
                    per_state(
                        published=roles(UNAUTHORIZED, FORBIDDEN, OK, OK),
                        draft=roles(UNAUTHORIZED, OK, OK, OK),
                        scheduled=roles(UNAUTHORIZED, FORBIDDEN, OK, OK),
                    ),
                    method="patch",
                    data={"status": PublicationStatus.DRAFT},
                ),
                Case(detail, per_state(*[roles(UNAUTHORIZED, FORBIDDEN, NO_CONTENT, NO_CONTENT)] * 3), method="delete"),
            ]
            rows[rf"api/v1/^{prefix}/{lookup}\.(?P<format>[a-z0-9]+)/?$"] = [
                Case(api(f"{name}-detail", model, suffix=".json"), STAFF_SEE_ALL)
            ]
        else:
            # A membership period of a published state and a key figure of a published chairmanship are on
            # the public site: changing or deleting them is a Publisher's act. The matrix's source and topic
            # are cited nowhere.
            shown_on_the_site = model in ("membership", "keyfigure")
            rows[rf"api/v1/^{prefix}/{lookup}/$"] = [
                Case(detail, everyone(OK)),
                Case(detail, everyone(OK), method="head"),
                Case(detail, everyone(OK), method="options"),
                Case(detail, roles(UNAUTHORIZED, BAD_REQUEST, BAD_REQUEST, BAD_REQUEST), method="put", data={}),
                Case(
                    detail, roles(UNAUTHORIZED, FORBIDDEN if shown_on_the_site else OK, OK, OK), method="patch", data={}
                ),
                Case(
                    detail,
                    roles(UNAUTHORIZED, FORBIDDEN if shown_on_the_site else NO_CONTENT, NO_CONTENT, NO_CONTENT),
                    method="delete",
                ),
            ]
            rows[rf"api/v1/^{prefix}/{lookup}\.(?P<format>[a-z0-9]+)/?$"] = [
                Case(api(f"{name}-detail", model, suffix=".json"), everyone(OK))
            ]
    return rows


SITE_ROWS: dict[str, list[Case]] = {
    # Public pages
    "": [Case(fixed("/"), everyone(OK))],
    "states/": [Case(fixed("/states/"), everyone(OK))],
    "states/<slug:slug>/": [Case(public_detail("state"), PUBLIC_ONLY)],
    "chairmanships/": [Case(fixed("/chairmanships/"), everyone(OK))],
    "chairmanships/<slug:slug>/": [Case(public_detail("chairmanship"), PUBLIC_ONLY)],
    "summits/": [Case(fixed("/summits/"), everyone(OK))],
    "coverage/": [Case(fixed("/coverage/"), everyone(OK))],
    "summits/<slug:slug>/": [Case(public_detail("summit"), PUBLIC_ONLY)],
    "documents/": [Case(fixed("/documents/"), everyone(OK))],
    "documents/<slug:slug>/": [Case(public_detail("document"), PUBLIC_ONLY)],
    "initiatives/": [Case(fixed("/initiatives/"), everyone(OK))],
    "initiatives/<slug:slug>/": [Case(public_detail("initiative"), PUBLIC_ONLY)],
    # The SCO on a date: today, a date's own address (the picker sends the reader there), a date that is not one.
    "on/": [
        Case(fixed("/on/"), everyone(OK)),
        Case(fixed("/on/?date=2024-07-04"), everyone(FOUND)),
        Case(fixed("/on/?date=2024-02-30"), everyone(BAD_REQUEST)),
    ],
    "on/<str:day>/": [
        Case(fixed("/on/2024-07-04/"), everyone(OK)),
        Case(lambda world, state: f"/on/{timezone.localdate()}/", everyone(OK)),
        Case(fixed("/on/2024-02-30/"), everyone(NOT_FOUND)),
    ],
    # A record's citation files: public like its page, drafts and scheduled records for no one.
    **{
        f"{prefix}/<slug:slug>/cite.<citation_extension:extension>": [
            Case(citation_file(model, extension), PUBLIC_ONLY) for extension in ("bib", "ris", "json")
        ]
        for prefix, model in (
            ("states", "state"),
            ("chairmanships", "chairmanship"),
            ("summits", "summit"),
            ("documents", "document"),
            ("initiatives", "initiative"),
        )
    },
    "search/": [Case(fixed("/search/?q=matrix"), everyone(OK)), Case(fixed("/search/?q=declaration"), everyone(OK))],
    "feeds/documents/": [Case(fixed("/feeds/documents/"), everyone(OK))],
    "feeds/initiatives/": [Case(fixed("/feeds/initiatives/"), everyone(OK))],
    "sitemap.xml": [Case(fixed("/sitemap.xml"), everyone(OK))],
    "sitemap-<section>.xml": [Case(fixed("/sitemap-documents.xml"), everyone(OK))],
    "robots.txt": [Case(fixed("/robots.txt"), everyone(OK))],
    # Open data: the page for everyone; a release's files only as its manifest lists them (tests/test_releases.py
    # builds releases and opens them).
    "data/": [
        Case(fixed("/data/"), everyone(OK)),
        Case(fixed("/data/"), everyone(NOT_ALLOWED), method="post", data={}),
    ],
    "data/latest/<path:name>": [Case(fixed("/data/latest/datapackage.json"), everyone(NOT_FOUND))],
    "data/<str:version>/<path:name>": [
        Case(fixed("/data/2025-07-04/datapackage.json"), everyone(NOT_FOUND)),
        Case(fixed("/data/2025-07-04/../../sco_site/settings.py"), everyone(NOT_FOUND)),
        Case(fixed("/data/2025-07-04/datapackage.json"), everyone(NOT_ALLOWED), method="post", data={}),
    ],
    "healthz": [Case(fixed("/healthz"), everyone(OK))],
    # Uploads: served by the web server or the storage in production (SERVE_MEDIA off); never outside MEDIA_ROOT.
    "media/<path:path>": [
        Case(fixed("/media/documents/0123456789abcdef.pdf"), everyone(NOT_FOUND)),
        Case(fixed("/media/../sco_site/settings.py"), everyone(NOT_FOUND)),
    ],
    # Previews: staff preview any record; a share link opens its one record for anyone, without an account.
    "preview/<slug:model>/<slug:slug>/": [
        Case(
            lambda world, state, model=model: reverse("preview:detail", args=(model, world.record(model, state).slug)),
            per_state(STAFF_ONLY, STAFF_ONLY, STAFF_ONLY),
        )
        for model in CONTENT
    ]
    + [Case(fixed("/preview/user/matrix-editor/"), roles(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND))],
    "preview/share/<str:token>/": [
        Case(
            lambda world, state, model=model: reverse(
                "preview:shared", args=(make_share_token(world.record(model, state)),)
            ),
            per_state(everyone(OK), everyone(OK), everyone(OK)),
            shows_unpublished=True,
        )
        for model in CONTENT
    ]
    + [Case(fixed("/preview/share/forged-token/"), everyone(NOT_FOUND))],
    # API: the root, the schema and its documentation, and any other address under /api/
    "api/v1/": [Case(fixed("/api/v1/"), everyone(OK))],
    # Read only, the same for everyone (published records only); drafts and scheduled records stay out.
    "api/v1/on/<str:date>/": [
        Case(fixed("/api/v1/on/2024-07-04/"), everyone(OK)),
        Case(lambda world, state: f"/api/v1/on/{timezone.localdate()}/", everyone(OK)),
        Case(fixed("/api/v1/on/2024-07-04/"), everyone(OK), method="head"),
        Case(fixed("/api/v1/on/2024-02-30/"), everyone(NOT_FOUND)),
        Case(fixed("/api/v1/on/2024-07-04/"), everyone(NOT_ALLOWED), method="post", data={}),
        Case(fixed("/api/v1/on/2024-07-04/"), everyone(NOT_ALLOWED), method="delete"),
    ],
    "api/v1/<drf_format_suffix:format>": [Case(fixed("/api/v1/.json"), everyone(OK))],
    "api/schema/": [Case(fixed("/api/schema/"), everyone(OK))],
    "api/docs/": [Case(fixed("/api/docs/"), everyone(OK))],
    "api/redoc/": [Case(fixed("/api/redoc/"), everyone(OK))],
    "api/^": [
        Case(fixed("/api/v2/documents/"), everyone(NOT_FOUND)),
        Case(fixed("/api/v2/documents/"), everyone(NOT_FOUND), method="post", data={}),
    ],
    **api_rows(),
    # The admin's own pages
    "admin/": [Case(fixed("/admin/"), STAFF_ONLY)],
    "admin/login/": [Case(fixed("/admin/login/"), roles(OK, FOUND, FOUND, FOUND))],
    # Signing out is a POST; a visitor who is not signed in is sent to the admin's index (and from there to log in).
    "admin/logout/": [
        Case(fixed("/admin/logout/"), roles(FOUND, NOT_ALLOWED, NOT_ALLOWED, NOT_ALLOWED)),
        Case(fixed("/admin/logout/"), roles(FOUND, OK, OK, OK), method="post"),
    ],
    "admin/password_change/": [Case(fixed("/admin/password_change/"), STAFF_ONLY)],
    "admin/password_change/done/": [Case(fixed("/admin/password_change/done/"), STAFF_ONLY)],
    "admin/autocomplete/": [
        Case(
            fixed("/admin/autocomplete/?app_label=chairmanship&model_name=document&field_name=summit&term=a"),
            STAFF_ONLY,
        ),
        # Nobody but a superuser may look up accounts, even through an autocomplete.
        Case(
            fixed("/admin/autocomplete/?app_label=auth&model_name=user&field_name=groups&term=a"),
            roles(LOGIN, FORBIDDEN, FORBIDDEN, OK),
        ),
    ],
    "admin/jsi18n/": [Case(fixed("/admin/jsi18n/"), STAFF_ONLY)],
    "admin/r/<path:content_type_id>/<path:object_id>/": [
        Case(
            lambda world, state: reverse(
                "admin:view_on_site",
                args=(
                    ContentType.objects.get_for_model(world.record("document", state)).pk,
                    world.record("document", state).pk,
                ),
            ),
            per_state(*[roles(LOGIN, FOUND, FOUND, FOUND)] * 3),
        )
    ],
    "admin/^(?P<app_label>auth|authtoken|axes|chairmanship)/$": [
        Case(fixed("/admin/chairmanship/"), STAFF_ONLY),
        Case(fixed("/admin/auth/"), roles(LOGIN, NOT_FOUND, NOT_FOUND, OK)),
        Case(fixed("/admin/axes/"), roles(LOGIN, NOT_FOUND, NOT_FOUND, OK)),
    ],
    "admin/(?P<url>.*)$": [Case(fixed("/admin/no/such/page/"), roles(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND))],
    "admin/auth/user/<id>/password/": [
        Case(
            lambda world, state: reverse("admin:auth_user_password_change", args=(world.record("user").pk,)),
            roles(LOGIN, FORBIDDEN, FORBIDDEN, OK),
        )
    ],
}


# --- The admin: who may do what with each model -----------------------------------------------------
#
# Letters: v view, a add, c change, d delete, p publish. "" is no right at all (the model's pages answer 403).

EDITORIAL = ("vac", "vacdp", "vacdp")
SUPPORTING = ("vacd", "vacd", "vacd")
ADMIN_RIGHTS = {
    # (app label, model): (Editor, Publisher, superuser)
    ("chairmanship", "state"): EDITORIAL,
    ("chairmanship", "chairmanship"): EDITORIAL,
    ("chairmanship", "summit"): EDITORIAL,
    ("chairmanship", "document"): EDITORIAL,
    ("chairmanship", "initiative"): EDITORIAL,
    ("chairmanship", "membership"): SUPPORTING,
    ("chairmanship", "keyfigure"): SUPPORTING,
    ("chairmanship", "source"): SUPPORTING,
    ("chairmanship", "topic"): SUPPORTING,
    # A correction is made by saving its record with a note; a moved slug by changing a published slug.
    ("chairmanship", "correction"): ("v", "vcd", "vcd"),
    ("chairmanship", "slugredirect"): ("", "vd", "vd"),
    ("auth", "user"): ("", "", "vacd"),
    ("auth", "group"): ("", "", "vacd"),
    ("authtoken", "tokenproxy"): ("", "", "vacd"),
    # Sign-in records are written by django-axes only.
    ("axes", "accessattempt"): ("", "", "vcd"),
    ("axes", "accesslog"): ("", "", "vcd"),
    ("axes", "accessfailurelog"): ("", "", "vcd"),
}
VERSIONED = {"state", "chairmanship", "summit", "document", "initiative", "membership", "keyfigure", "source", "topic"}
# Every archive record imports and exports (chairmanship.resources).
IMPORTABLE = VERSIONED


def _allowed(rights: str, rule: str) -> bool:
    """``rule`` lists alternatives separated by "|", each a set of letters all needed: "v|c", "ac"."""
    return any(all(letter in rights for letter in option) for option in rule.split("|"))


# Each admin page of a model: (route suffix, the rights it needs, whether it takes a record, method, data).
ADMIN_PAGES = (
    ("", "v|c", False, "changelist"),
    ("add/", "a", False, "add"),
    ("<path:object_id>/change/", "v|c", True, "change"),
    ("<path:object_id>/history/", "v|c", True, "history"),
    ("<path:object_id>/delete/", "d", True, "delete"),
)
VERSION_PAGES = (
    ("^recover/$", "ac", False, "recoverlist"),
    ("^recover/(\\d+)/$", "ac", True, "recover"),
    ("^([^/]+)/history/(\\d+)/$", "c", True, "revision"),
)
EDITORIAL_PAGES = (
    ("<path:object_id>/history/compare/", "v|c", True, "compare"),
    ("<path:object_id>/share/", "p", True, "share"),
)
IMPORT_PAGES = (
    ("import/", "ac", False, "import"),
    ("export/", "v|c", False, "export"),
)


def _admin_path(app: str, model: str, page: str) -> Callable:
    def build(world, state):
        name = f"admin:{app}_{model}_{page}"
        if page in ("changelist", "add", "recoverlist", "import", "export", "process_import"):
            return reverse(name)
        record = world.record(model, state)
        versions = world.versions.get((model, state), [None])
        older, newer = versions[0], versions[-1]
        if page == "recover":
            return reverse(name, args=(newer,))
        if page == "revision":
            return reverse(name, args=(record.pk, older))
        if page == "compare":
            return reverse(name, args=(record.pk,)) + f"?from={older}&to={newer}"
        if page == "redirect":
            return reverse(f"admin:{app}_{model}_changelist") + f"{record.pk}/"
        return reverse(name, args=(record.pk,))

    return build


def _pending_path(model: str, verdict: str) -> Callable:
    def build(world, state):
        change = world.record(f"pending-{model}")
        return reverse(f"admin:chairmanship_{model}_pending_{verdict}", args=(change.object_id, change.pk))

    return build


def admin_rows() -> dict[str, list[Case]]:
    rows = {}
    for (app, model), rights in ADMIN_RIGHTS.items():
        prefix = f"admin/{app}/{model}/"
        pages = list(ADMIN_PAGES)
        if model in VERSIONED:
            pages += VERSION_PAGES
        if model in CONTENT:
            pages += EDITORIAL_PAGES
        if model in IMPORTABLE:
            pages += IMPORT_PAGES
        for suffix, rule, takes_record, page in pages:
            by_role = roles(LOGIN, *(OK if _allowed(right, rule) else FORBIDDEN for right in rights))
            if page == "delete" and model in ("membership", "keyfigure"):
                # The matrix's period and figure are on a published page: an Editor is sent back to the
                # record, told that deleting them is a Publisher's act.
                by_role["editor"] = FOUND
            # The record's state changes what an editor may do on its change, delete and share pages; the
            # history pages are the same for all three, so the published record stands for them.
            if takes_record and model in CONTENT and page in ("change", "delete", "share"):
                expected = per_state(by_role, by_role, by_role)
            else:
                expected = by_role
            rows[prefix + suffix] = [Case(_admin_path(app, model, page), expected)]
        # The bare record address forwards any staff member to the change page (which then checks rights).
        rows[prefix + "<path:object_id>/"] = [
            Case(_admin_path(app, model, "redirect"), roles(LOGIN, FOUND, FOUND, FOUND))
        ]
        if model in CONTENT:
            # Publishing or discarding a proposed change is a form post: a Publisher publishes, and the
            # Editor who proposed it (the matrix's Editor) may withdraw it.
            for verdict, by_role in (
                ("publish", roles(LOGIN, FORBIDDEN, FOUND, FOUND)),
                ("discard", roles(LOGIN, FOUND, FOUND, FOUND)),
            ):
                pending = _pending_path(model, verdict)
                rows[prefix + f"<path:object_id>/pending/<int:change_id>/{verdict}/"] = [
                    Case(pending, roles(LOGIN, *[NOT_ALLOWED] * 3)),
                    Case(pending, by_role, method="post", data={}),
                ]
        if model in IMPORTABLE:
            # The second step of an import is a form post; opened directly it is refused.
            rows[prefix + "process_import/"] = [
                Case(_admin_path(app, model, "process_import"), roles(LOGIN, *[NOT_ALLOWED] * 3))
            ]
    return rows


MATRIX: dict[str, list[Case]] = {**SITE_ROWS, **admin_rows()}

# Addresses no URL pattern serves: static files come from WhiteNoise, and nothing outside STATIC_ROOT.
UNROUTED = {
    "/static/../sco_site/settings.py": everyone(NOT_FOUND),
    "/static/no-such-file.css": everyone(NOT_FOUND),
}


# --- The tests ---------------------------------------------------------------------------------------


def url_patterns(patterns=None, prefix: str = "") -> list[str]:
    """Every URL pattern of the site, as its full route (``admin/chairmanship/document/<path:object_id>/change/``)."""
    routes = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            routes += url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            routes.append(prefix + str(pattern.pattern))
    return routes


def test_every_url_pattern_has_a_row_in_the_matrix():
    routes = url_patterns()
    missing = [route for route in routes if route not in MATRIX]
    assert not missing, "URL patterns without a row in the permissions matrix:\n  " + "\n  ".join(missing)


def test_every_row_of_the_matrix_names_a_url_pattern():
    stale = sorted(set(MATRIX) - set(url_patterns()))
    assert not stale, "Matrix rows for URL patterns that no longer exist:\n  " + "\n  ".join(stale)


def observed(response) -> object:
    if response.status_code == FOUND and response.get("Location", "").startswith(reverse("admin:login")):
        return LOGIN
    return response.status_code


UNPUBLISHED_MARKERS = tuple(f"matrix-{state}-{model}" for state in ("draft", "scheduled") for model in CONTENT)


def run_cases(world: World, cases: list[Case]) -> list[str]:
    mismatches = []
    for case in cases:
        for state in case.states:
            for role, expected in case.expectation(state).items():
                path = case.path(world, state)
                client = world.clients[role]
                kwargs = {"content_type": "application/json", "data": case.data} if case.data is not None else {}
                cookies = copy.deepcopy(client.cookies)
                with transaction.atomic():
                    response = getattr(client, case.method)(path, **kwargs)
                    # What a request wrote is undone (a sign-out included), so every cell starts from the same state.
                    transaction.set_rollback(True)
                client.cookies = cookies
                got = observed(response)
                if got != expected:
                    mismatches.append(
                        f"{case.method.upper()} {path} ({state}) as {role}: expected {expected}, got {got}"
                    )
                    continue
                body = getattr(response, "content", b"").decode(errors="replace")
                if role == "anonymous" and not case.shows_unpublished:
                    leaked = [marker for marker in UNPUBLISHED_MARKERS if marker in body]
                    if leaked:
                        mismatches.append(f"{case.method.upper()} {path} as anonymous shows unpublished {leaked}")
    return mismatches


@pytest.mark.parametrize("route", list(MATRIX))
def test_each_role_gets_the_expected_status(world, route):
    mismatches = run_cases(world, MATRIX[route])
    assert not mismatches, f"{route or '/'}:\n  " + "\n  ".join(mismatches)


@pytest.mark.parametrize("path", list(UNROUTED))
def test_addresses_outside_the_url_patterns_are_not_served(world, path):
    mismatches = run_cases(world, [Case(fixed(path), UNROUTED[path])])
    assert not mismatches, "\n".join(mismatches)


# --- Admin list actions ------------------------------------------------------------------------------

# Each action, the record it is tried on, the status that record should have afterwards when the action
# is applied, and who may apply it (Editor, Publisher, superuser).
ACTIONS = (
    ("submit_for_review", "draft", PublicationStatus.REVIEW, (True, True, True)),
    ("publish", "draft", PublicationStatus.PUBLISHED, (False, True, True)),
    ("unpublish", "published", PublicationStatus.DRAFT, (False, True, True)),
    ("unpublish", "scheduled", PublicationStatus.DRAFT, (False, True, True)),
)


@pytest.mark.parametrize("model", CONTENT)
@pytest.mark.parametrize(("action", "state", "outcome", "allowed"), ACTIONS, ids=[f"{a[0]}-{a[1]}" for a in ACTIONS])
def test_admin_list_actions_follow_the_roles(world, model, action, state, outcome, allowed):
    record = world.record(model, state)
    changelist = reverse(f"admin:chairmanship_{model}_changelist")
    mismatches = []
    for role, may in zip(ROLES[1:], allowed, strict=True):
        with transaction.atomic():
            response = world.clients[role].post(changelist, {"action": action, "_selected_action": [record.pk]})
            applied = type(record).objects.filter(pk=record.pk, status=outcome).exists()
            transaction.set_rollback(True)
        if response.status_code not in (FOUND, FORBIDDEN) or applied != may:
            mismatches.append(f"{role}: answered {response.status_code}, applied {applied}, expected applied {may}")
    anonymous = Client().post(changelist, {"action": action, "_selected_action": [record.pk]})
    if observed(anonymous) != LOGIN:
        mismatches.append(f"anonymous: answered {anonymous.status_code}")
    assert not mismatches, f"{action} on the {state} {model}:\n  " + "\n  ".join(mismatches)


@pytest.mark.parametrize("model", CONTENT)
def test_only_those_who_may_delete_are_asked_to_confirm_a_bulk_delete(world, model):
    record = world.record(model, "draft")
    changelist = reverse(f"admin:chairmanship_{model}_changelist")
    answers = {}
    for role in ROLES[1:]:
        response = world.clients[role].post(changelist, {"action": "delete_selected", "_selected_action": [record.pk]})
        confirming = response.status_code == OK and "Are you sure you want to delete" in response.text
        answers[role] = "confirm" if confirming else "refused"
    assert answers == {"editor": "refused", "publisher": "confirm", "superuser": "confirm"}


def test_scheduled_records_are_the_ones_going_live_later(world):
    """The matrix's scheduled records are published, with a publication time still to come."""
    for model in CONTENT:
        record = world.record(model, "scheduled")
        assert record.status == PublicationStatus.PUBLISHED
        assert record.published_at > timezone.now() + datetime.timedelta(days=6)
