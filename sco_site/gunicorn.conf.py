"""gunicorn settings for the production stack (`make serve`); each value can be overridden from the environment."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
# The usual (2 x cores) + 1: requests spend much of their time waiting on the database or the cache.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so that no slow leak can grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
wsgi_app = "sco_site.wsgi:application"


def post_worker_init(worker):
    """The app's own objects (Django, its settings, URL patterns, templates, translations) live as long as the
    worker: moved out of the collector's sight, so that collecting a request's garbage does not walk them again
    (the collector took 6-10% of an uncached request's time, bench/PROFILE.md)."""
    import gc

    gc.collect()
    gc.freeze()
