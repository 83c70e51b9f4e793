"""Settings for the SCO Chairmanship Archive, read from the environment.

Development defaults are safe for a laptop (SQLite, local-memory cache, DEBUG on only when asked).
Production must set ``SECRET_KEY``; with ``DEBUG`` off, the site refuses to start without it.
"""

import hashlib
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# A development key is only acceptable while DEBUG is on; production must provide its own.
_DEVELOPMENT_SECRET_KEY = "development-only-insecure-key-never-use-in-production"  # noqa: S105 (DEBUG only)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = _DEVELOPMENT_SECRET_KEY
    else:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment, or DEBUG=1 for local development."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # Before the admin, as django-modeltranslation requires: it registers each translated field's columns.
    "modeltranslation",
    "chairmanship.apps.ArchiveAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "reversion",
    "import_export",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "chairmanship",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every answer, cached ones included (SECURE_CSP below).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Before anything that can answer on its own, so that API answers carry the CORS headers.
    "corsheaders.middleware.CorsMiddleware",
    # Serves static files with far-future cache headers (hashed names) straight from the app server.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Summaries a read finds moved on are made afresh once its answer (or the 304 in its place) is sent.
    "chairmanship.middleware.DeferredRefreshMiddleware",
    # ETag from what each read shows, and its 304s, for fresh and cached answers alike.
    "chairmanship.middleware.ConditionalReadMiddleware",
    # Anonymous reads come from the shared cache before any database work.
    "chairmanship.middleware.AnonymousPageCacheMiddleware",
    # A lost database connection becomes a 503 maintenance page, not a 500.
    "chairmanship.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language from the address (/ru/, /zh-hans/; none is English) or, in the API, from
    # Accept-Language or ?lang= (chairmanship.languages).
    "chairmanship.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Old URLs of published records whose slug changed answer with a permanent redirect.
    "chairmanship.middleware.SlugRedirectMiddleware",
    # Last, as django-axes requires: answers a locked-out login with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sco_site.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                # LANGUAGE_CODE and LANGUAGE_BIDI for <html lang> and the language switcher.
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "sco_site.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent writes wait their turn instead of failing with "database is locked": readers never block
    # the writer (WAL), every transaction takes the write lock when it begins rather than half-way (where
    # SQLite cannot wait and gives up at once), and a writer waits up to 20 seconds for the one before it.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# SQLite builds the archive's covering index (``Document.Meta.indexes``) without its INCLUDE columns, which
# only PostgreSQL uses; the warning that says so would otherwise print on every SQLite migrate.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
# A database that hangs (a frozen network, a stuck server) answers 503 after these many seconds instead of
# holding every worker: connecting, and each statement. 0 waits without limit.
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_CONNECT_TIMEOUT", "5"))
DATABASE_STATEMENT_TIMEOUT = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT", "20"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        connect_timeout=DATABASE_CONNECT_TIMEOUT,
        options=f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT * 1000}",
    )

# Redis when REDIS_URL is set (shared between app servers), else a cache on this machine's disk.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "chairmanship.cache_backends.RedisCache",
            "LOCATION": REDIS_URL,
            # Lets several deployments (or test runs) share one Redis without seeing each other's keys.
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "sco"),
            # Fail fast when Redis is gone: the site then serves uncached instead of hanging.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    # Shared by every worker process of this machine: with a per-process memory cache, a publish through
    # one gunicorn worker would leave the others serving the old pages. Keyed by the database, so two
    # databases (the archive, a benchmark) never see each other's pages.
    database = DATABASES["default"]
    database_identity = f"{database['ENGINE']}:{database.get('HOST')}:{database.get('PORT')}:{database['NAME']}"
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("CACHE_DIR", str(BASE_DIR / ".cache")),
            "KEY_PREFIX": hashlib.sha256(database_identity.encode()).hexdigest()[:12],
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

# Whole-response caching of anonymous reads (chairmanship.cache); PAGE_CACHE=0 turns it off, e.g. to measure.
PAGE_CACHE = env_bool("PAGE_CACHE", True)
# A shared HTTP cache in front of the app (a CDN, or Varnish with deploy/varnish/archive.vcl; chairmanship.purge).
# CACHE_PURGE_URL: where each committed change sends its PURGE (comma-separated for several caches); empty
# sends none. SHARED_CACHE_MAX_AGE is how long the shared cache keeps an anonymous page (s-maxage): with no
# purge it is also how long an edit can stay unseen there, so a minute; with purging a change evicts its pages
# at once and the lifetime only bounds a purge that was lost (the cache was down or slow), so an hour.
# SHARED_CACHE_STALE: seconds an expired page may still be served while the cache fetches it afresh.
CACHE_PURGE_URL = os.environ.get("CACHE_PURGE_URL", "").strip()
SHARED_CACHE_MAX_AGE = int(os.environ.get("SHARED_CACHE_MAX_AGE", "3600" if CACHE_PURGE_URL else "60"))
SHARED_CACHE_STALE = int(os.environ.get("SHARED_CACHE_STALE", "30"))
# How a read plan (the querysets pages, the API, feeds, sitemaps and search read with) loads a related record
# or deferred field it did not plan for: the name of one of Django's fetch modes. Production keeps Django's
# default (one query per access); the tests set FETCH_RAISE, so a plan missing a select_related fails loudly.
ARCHIVE_FETCH_MODE = "FETCH_ONE"
# Extra endpoints the benchmark compares against (a bare view, a hand-written JSON list); never in production.
BENCHMARK_ENDPOINTS = env_bool("BENCHMARK_ENDPOINTS", False)

# Behind HTTPS (HTTPS=1): redirect plain HTTP, secure cookies, HSTS. Off for local `make serve` over HTTP.
HTTPS = env_bool("HTTPS", False)
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies in front of the app append the client's address to X-Forwarded-For. 0: none, the
# connection's address is the client's. The login lockout and the API's rate limits count clients by it.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts only from this site, never inline; the few views that need more declare it with ``csp_override``
# (the policies are named in chairmanship.security). Inline styles stay allowed: the admin and its add-ons
# use style attributes.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Brute-force protection of the login (django-axes): 5 failed attempts for one username from one address
# lock that pair out for an hour. Unlock early with `manage.py axes_reset_username <name>` (README).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The lockout page (templates/axes_lockout.html, answered 429 with Retry-After).
AXES_LOCKOUT_CALLABLE = "chairmanship.security.lockout_response"
# The client's address behind TRUSTED_PROXY_COUNT proxies (X-Forwarded-For), not the proxy's.
AXES_CLIENT_IP_CALLABLE = "chairmanship.security.client_ip_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The archive's languages: English, and the SCO's official languages, Russian and Chinese (simplified).
LANGUAGES = [
    ("en", "English"),
    ("ru", "Русский"),
    ("zh-hans", "简体中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Translated fields (chairmanship/translation.py): one column per language; an empty one falls back to English.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# The app answers MEDIA_URL itself (chairmanship.media): on in development and in `make serve`; off where a
# web server or object storage serves the uploads.
SERVE_MEDIA = env_bool("SERVE_MEDIA", DEBUG)

# Open data releases (``manage.py build_release``, served at /data/): one folder per release, never changed once
# written. Git-ignored; keep it on storage every app server reads.
RELEASES_DIR = Path(os.environ.get("RELEASES_DIR", BASE_DIR / "releases"))
OPEN_DATA_LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}

# In production static files get content-hashed, compressed names (``collectstatic`` builds the
# manifest), so browsers can cache them forever. Development serves the source files as they are.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Development prints email to the console; production sends it over SMTP (SMTP_HOST, SMTP_PORT, SMTP_USER,
# SMTP_PASSWORD, SMTP_USE_TLS), which `check --deploy` requires.
if DEBUG:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("SMTP_HOST", "localhost"),
                "port": int(os.environ.get("SMTP_PORT", "25")),
                "username": os.environ.get("SMTP_USER", ""),
                "password": os.environ.get("SMTP_PASSWORD", ""),
                "use_tls": env_bool("SMTP_USE_TLS", False),
                "timeout": 10,
            },
        }
    }

REST_FRAMEWORK = {
    # Token first: an anonymous write is answered 401 with a WWW-Authenticate challenge.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["chairmanship.api.permissions.EditorModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "chairmanship.api.pagination.ArchivePagination",
    "PAGE_SIZE": 20,
    # ``?format=`` is the summits' filter (in person, virtual, hybrid); clients choose JSON with Accept.
    "URL_FORMAT_OVERRIDE": None,
    "DEFAULT_RENDERER_CLASSES": [
        "chairmanship.api.renderers.ProblemAwareJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "chairmanship.api.throttling.AnonymousRateThrottle",
        "chairmanship.api.throttling.AuthenticatedRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        # Empty turns a limit off (the benchmark: one client makes every call).
        "anon": os.environ.get("API_THROTTLE_ANON", "120/minute") or None,
        "user": os.environ.get("API_THROTTLE_USER", "600/minute") or None,
    },
    "EXCEPTION_HANDLER": "chairmanship.api.exceptions.problem_exception_handler",
    # Rate limits count clients behind the same proxies as the login lockout does.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT or None,
    "DEFAULT_SCHEMA_CLASS": "chairmanship.api.schema.ArchiveAutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "SCO Chairmanship Archive API",
    "DESCRIPTION": (
        "Read the archive's published states, memberships, chairmanships, summits, documents, initiatives, "
        "topics, key figures and sources as JSON. Lists are paginated and filtered with the same filters as "
        "the public pages; every read carries an ETag for If-None-Match (and If-Match on writes). Errors are RFC 9457 "
        "problem details. Editors write with a token (`Authorization: Token <key>`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Clients write JSON. The browsable API's HTML forms post form data too, but a form reads an empty field
    # as null (an empty date-time is no date-time), which the schema cannot say: it documents JSON only.
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # The documentation pages load Swagger UI and Redoc from this site, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "PublicationStatusEnum": "chairmanship.models.PublicationStatus",
        "MembershipStatusEnum": "chairmanship.models.MembershipStatus",
        "InitiativeStatusEnum": "chairmanship.models.InitiativeStatus",
        "InitiativeCategoryEnum": "chairmanship.models.InitiativeCategory",
        "DocumentTypeEnum": "chairmanship.models.DocumentType",
        "AdoptionEnum": "chairmanship.models.Adoption",
        "SummitFormatEnum": "chairmanship.models.SummitFormat",
        "FigureQualifierEnum": "chairmanship.models.FigureQualifier",
    },
}

# Other sites may read the API from the browser; nothing else is shared, and no credentials are.
# The API and the open data files may be read by scripts on any site.
CORS_URLS_REGEX = r"^/(api|data)/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_CREDENTIALS = False
CORS_EXPOSE_HEADERS = ("ETag", "Last-Modified", "Retry-After")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
