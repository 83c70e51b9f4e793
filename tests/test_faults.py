"""Faults: the database or the cache goes away under a running production server, or the disk refuses an upload.

The server is the production stack (gunicorn, DEBUG off, collected static files) started for these tests
on a free local port. PostgreSQL and Redis are throwaway instances on their own free ports, in temporary
folders, stopped and removed afterwards; the shared development servers are never touched. Every wait
has a time limit, and every process started here is stopped in a finalizer.
"""

import errno
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from glob import glob
from http import HTTPStatus
from pathlib import Path
from unittest import mock

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError

from chairmanship.models import Document
from tests.admin_support import client_for
from tests.factories import DocumentFactory
from tests.processes import free_port, terminate
from tests.test_uploads import PDF_BYTES, _upload

ROOT = Path(settings.BASE_DIR)
VENV_BIN = Path(sys.executable).parent
COMMAND_TIMEOUT = 240
STARTUP_TIMEOUT = 60
RECOVERY_TIMEOUT = 30
REQUEST_TIMEOUT = 10


# --- helpers ---------------------------------------------------------------------------------------


def wait_for(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    pytest.fail(f"Gave up waiting {timeout} s for {what}.")


def fetch(url: str) -> tuple[int | None, dict, str]:
    """(status, headers, body) of a GET; status None when nothing answers on that port."""
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None, {}, ""


def run(command: list, *, env: dict | None = None, timeout: float = COMMAND_TIMEOUT) -> None:
    result = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} failed:\n{result.stdout}\n{result.stderr}")


def production_environment(workdir: Path, static_root: Path, **extra) -> dict:
    environment = {
        key: value
        for key, value in os.environ.items()
        # The suite's own database, cache and HTTPS choices must not leak into the server under test.
        if key not in {"DATABASE_URL", "REDIS_URL", "HTTPS", "DEBUG", "PAGE_CACHE", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        DEBUG="0",
        SECRET_KEY="fault-tests-only-" + "x" * 40,
        STATIC_ROOT=str(static_root),
        MEDIA_ROOT=str(workdir / "media"),
        LOG_LEVEL="INFO",
        **extra,
    )
    return environment


def prepare_database(environment: dict) -> None:
    run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], env=environment)
    run([sys.executable, "manage.py", "load_archive", "-v", "0"], env=environment)


class AppServer:
    """gunicorn serving the site on a free port, its output kept in a log file."""

    def __init__(self, environment: dict, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    VENV_BIN / "gunicorn",
                    "sco_site.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--timeout",
                    "30",
                    "--graceful-timeout",
                    "5",
                ],
                cwd=ROOT,
                env=environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_for(
            lambda: self.process.poll() is not None or fetch(self.url + "/healthz")[0],
            timeout=STARTUP_TIMEOUT,
            what="gunicorn to answer",
        )
        if self.process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{self.log()}")

    def get(self, path: str) -> tuple[int | None, dict, str]:
        return fetch(self.url + path)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        terminate(self.process, grace=15)

    def remove(self) -> None:
        """Stops the server: it keeps no files to delete."""
        self.stop()


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own, in a temporary folder, on a free port."""

    def __init__(self):
        binaries = sorted(glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(Path(path).parts[-3]))
        if not binaries:
            pytest.fail("No PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql).")
        self.bin = Path(binaries[-1]).parent
        self.port = free_port()
        # Under /tmp rather than pytest's private folders: the postgres user must be able to reach it.
        self.workdir = Path(tempfile.mkdtemp(prefix="sco-fault-postgres-"))
        self.data = self.workdir / "data"
        self.log = self.workdir / "postgres.log"
        if os.geteuid() == 0:  # initdb refuses to run as root
            shutil.chown(self.workdir, "postgres", "postgres")
        self._as_owner(
            [self.bin / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]
        )

    def _as_owner(self, command: list) -> None:
        run(["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_owner([self.bin / "pg_ctl", "-D", self.data, "-l", self.log, "-o", options, "-w", "-t", "60", "start"])

    def stop(self, mode: str = "fast") -> None:
        self._as_owner([self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop"])

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=10) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

    def remove(self) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--"] * (os.geteuid() == 0)
            + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "-t", "30", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        shutil.rmtree(self.workdir, ignore_errors=True)


class ThrowawayRedis:
    """A Redis server of its own on a free port, persisting nothing."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self._answers, timeout=STARTUP_TIMEOUT, what="Redis to accept connections")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        terminate(self.process, grace=10)

    def remove(self) -> None:
        """Stops the server: it keeps no files to delete."""
        self.stop()


# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    """Collected, hashed static files, as production serves them (DEBUG off needs the manifest)."""
    root = tmp_path_factory.mktemp("static")
    environment = production_environment(root, root)
    run([sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"], env=environment)
    return root


def throwaway(request, server_class):
    """A server of ``server_class`` started for one test, and removed after it."""
    server = server_class()
    request.addfinalizer(server.remove)
    server.start()
    return server


@pytest.fixture
def postgres(request):
    return throwaway(request, ThrowawayPostgres)


@pytest.fixture
def redis_server(request):
    return throwaway(request, ThrowawayRedis)


def start_site(request, environment: dict, workdir: Path) -> AppServer:
    prepare_database(environment)
    site = AppServer(environment, workdir / "gunicorn.log")
    request.addfinalizer(site.stop)
    return site


# --- the database goes away --------------------------------------------------------------------------


def test_pages_answer_503_while_postgresql_is_down_and_service_resumes_by_itself(
    request, postgres, static_root, tmp_path
):
    postgres.create_database("sco_faults")
    site = start_site(
        request, production_environment(tmp_path, static_root, DATABASE_URL=postgres.url("sco_faults")), tmp_path
    )
    assert site.get("/")[0] == HTTPStatus.OK
    assert site.get("/healthz")[0] == HTTPStatus.OK

    postgres.stop()

    # Pages not served before, so no cached copy can answer for them.
    status, headers, body = site.get("/states/")
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    assert "The archive is briefly unavailable" in body
    assert "Nothing you have saved is lost" in body
    assert headers["Retry-After"] == "60"
    status, _, body = site.get("/healthz")
    assert status == HTTPStatus.SERVICE_UNAVAILABLE
    health = json.loads(body)
    assert health["status"] == "unavailable"
    assert health["database"] == {"ok": False, "vendor": "postgresql", "error": "OperationalError"}
    assert "Database unavailable while serving /states/" in site.log()

    postgres.start()

    wait_for(lambda: site.get("/summits/")[0] == HTTPStatus.OK, timeout=RECOVERY_TIMEOUT, what="pages to come back")
    assert site.get("/states/")[0] == HTTPStatus.OK
    assert json.loads(site.get("/healthz")[2])["status"] == "ok"


@pytest.mark.django_db
def test_the_api_answers_503_problem_details_while_the_database_is_unreachable(client):
    lost = OperationalError("server closed the connection unexpectedly")
    with mock.patch("chairmanship.api.views.DocumentViewSet.get_queryset", side_effect=lost):
        response = client.get("/api/v1/documents/")

    assert response.status_code == HTTPStatus.SERVICE_UNAVAILABLE
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == "60"
    assert "database cannot be reached" in response.json()["detail"]


# --- the cache goes away -------------------------------------------------------------------------------


def test_the_site_keeps_serving_uncached_while_redis_is_down_and_says_so_in_its_logs(
    request, redis_server, static_root, tmp_path
):
    environment = production_environment(
        tmp_path,
        static_root,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        REDIS_URL=f"redis://127.0.0.1:{redis_server.port}/0",
    )
    site = start_site(request, environment, tmp_path)
    first, again = site.get("/states/"), site.get("/states/")
    assert (first[1]["X-Cache"], again[1]["X-Cache"]) == ("miss", "hit")

    redis_server.stop()

    status, headers, body = site.get("/states/")
    assert status == HTTPStatus.OK
    assert "X-Cache" not in headers  # served straight from the database
    assert "Kazakhstan" in body
    status, _, body = site.get("/healthz")
    assert status == HTTPStatus.OK
    assert json.loads(body)["status"] == "degraded"
    assert "Cache unavailable, serving uncached" in site.log()

    redis_server.start()

    wait_for(
        lambda: site.get("/summits/")[1].get("X-Cache") == "miss" and site.get("/summits/")[1].get("X-Cache") == "hit",
        timeout=RECOVERY_TIMEOUT,
        what="caching to resume",
    )


@pytest.mark.django_db
def test_the_api_keeps_answering_while_the_cache_is_unreachable(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "chairmanship.cache_backends.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }

    response = client.get("/api/v1/states/")

    assert response.status_code == HTTPStatus.OK


# --- the disk refuses an upload ------------------------------------------------------------------------


def stored_files(media_root) -> list[Path]:
    return [path for path in Path(media_root).rglob("*") if path.is_file()]


@pytest.mark.django_db
def test_an_unwritable_media_folder_gives_a_clear_form_error_and_stores_nothing(editor, settings):
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True)
    # A file where the documents folder should be: creating the folder fails, even for root.
    (media_root / "documents").write_text("not a folder")
    document = DocumentFactory(draft=True)

    response = _upload(client_for(editor), document, SimpleUploadedFile("declaration.pdf", PDF_BYTES))

    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors["pdf"]
    assert not Document.objects.get(pk=document.pk).pdf
    assert stored_files(media_root) == [media_root / "documents"]


class FullDisk:
    """A file object that writes part of what it is given, then fails as a full disk does."""

    def __init__(self, real):
        self.real = real

    def write(self, data):
        self.real.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self):
        self.real.close()


@pytest.mark.django_db
def test_a_full_disk_gives_a_clear_form_error_and_leaves_no_half_written_file(editor, settings):
    document = DocumentFactory(draft=True)
    real_fdopen = os.fdopen

    with mock.patch("django.core.files.storage.filesystem.os.fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode))):
        response = _upload(client_for(editor), document, SimpleUploadedFile("declaration.pdf", PDF_BYTES))

    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form.errors["pdf"]
    assert not Document.objects.get(pk=document.pk).pdf
    assert stored_files(settings.MEDIA_ROOT) == []
