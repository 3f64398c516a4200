"""The baseline of the front-door benchmark (bench/front_door.py): bare Django, served by
waitress with the settings `vocloop serve` uses, on vocloop's own database configuration.

Settings, URLs and views in one module (DJANGO_SETTINGS_MODULE=bench.bare_site):
- `POST /insert/`: one INSERT of the request body into a table of its own, committed
  (autocommit) before the answer, 201;
- `GET /read/<id>/`: one SELECT of a row by its primary key, its text in a 200;
- `GET /plain/`: a fixed text, no database.
No middleware, no templates, no sessions: what is left of a request is Django's request
and response handling, one connection (opened per request on SQLite, kept on PostgreSQL,
as vocloop's settings do) and one statement.

    python -m bench.bare_site --port 0 --threads 8
prints `bare Django is serving at http://127.0.0.1:PORT/` once it listens.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from vocloop import config

DATA_DIR = Path(os.environ.get("VOCLOOP_DATA_DIR", ".data"))
SECRET_KEY = "bench-bare-site-" + "x" * 32
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.bare_site"
USE_TZ = True
DATABASES = {"default": config.database(DATA_DIR)}

TABLE = "bench_front_door_bare"


@csrf_exempt
def insert(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (body, created_at) VALUES (%s, %s)",
            [request.body.decode(), timezone.now().isoformat()],
        )
    return HttpResponse(b'{"stored": true}', status=201, content_type="application/json")


def read(request: HttpRequest, pk: int) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT body FROM {TABLE} WHERE id = %s", [pk])
        row = cursor.fetchone()
    return HttpResponse(row[0] if row else "", content_type="text/plain")


def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Your feedback is with the team.", content_type="text/plain")


urlpatterns = [path("insert/", insert), path("read/<int:pk>/", read), path("plain/", plain)]


def _create_table() -> None:
    key = (
        "id BIGSERIAL PRIMARY KEY"
        if connection.vendor == "postgresql"
        else "id INTEGER PRIMARY KEY AUTOINCREMENT"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} ({key}, body TEXT, created_at TEXT)")
        cursor.execute(f"INSERT INTO {TABLE} (body, created_at) VALUES ('first', '')")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.bare_site"
    import django

    django.setup()
    from django.core.wsgi import get_wsgi_application
    from waitress.server import create_server

    _create_table()
    connection.close()
    # As `vocloop serve` creates its server: only the application differs.
    server = create_server(
        get_wsgi_application(),
        host="127.0.0.1",
        port=args.port,
        threads=args.threads,
        ident="vocloop",
    )
    print(
        f"bare Django is serving at http://127.0.0.1:{server.effective_port}/ "
        f"with {args.threads} threads",
        flush=True,
    )

    def stop(signum: int, frame: FrameType | None) -> Any:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    server.run()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
