"""Typed readers for VOCLOOP_* environment variables.

Each reader returns a safe default for the embedded set-up when the variable is
unset and raises ConfigError, naming the variable, when it is set to a bad value:
a typo in production must stop the process, not fall back silently.
"""

from __future__ import annotations

import importlib
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from vocloop.lib.addresses import AllowList, allow_list_parse
from vocloop.lib.words import counted

PREFIX = "VOCLOOP_"


class ConfigError(Exception):
    pass


def _raw(name: str) -> str | None:
    value = os.environ.get(PREFIX + name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{PREFIX}{name}={value!r} is not a boolean (use true or false)")


def env_int(name: str, default: int, *, minimum: int = 0, unit: str = "") -> int:
    """A whole number; `unit` ("minute") names what it counts in the error, so that a
    reader of "VOCLOOP_WORKER_STALE_AFTER=0" learns that it is minutes, not seconds."""
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        of = f" of {unit}s" if unit else ""
        raise ConfigError(f"{PREFIX}{name}={value!r} is not a whole number{of}") from None
    if number < minimum:
        least = counted(minimum, unit) if unit else str(minimum)
        raise ConfigError(f"{PREFIX}{name}={number} must be at least {least}")
    return number


def env_choice(name: str, default: str, *, choices: tuple[str, ...]) -> str:
    """One of `choices`, written in any case; the error lists them."""
    value = env_str(name, default)
    for choice in choices:
        if value.upper() == choice.upper():
            return choice
    raise ConfigError(f"{PREFIX}{name}={value!r} must be one of {', '.join(choices)}")


def env_url(name: str, default: str, *, schemes: set[str]) -> str:
    value = env_str(name, default)
    parts = urlsplit(value)
    if parts.scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise ConfigError(f"{PREFIX}{name}={value!r} must be a URL with scheme {allowed}")
    if parts.scheme in {"http", "https"} and not parts.netloc:
        raise ConfigError(f"{PREFIX}{name}={value!r} has no host")
    return value


def data_dir() -> Path:
    default = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "vocloop"
    path = Path(env_str("DATA_DIR", str(default))).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{PREFIX}DATA_DIR={str(path)!r} cannot be created: {exc}") from None
    return path


def secret_key(directory: Path) -> str:
    """VOCLOOP_SECRET_KEY, or a key generated once and kept in the data directory."""
    value = _raw("SECRET_KEY")
    if value is not None:
        if len(value) < 32:
            raise ConfigError(f"{PREFIX}SECRET_KEY must be at least 32 characters long")
        return value
    key_file = directory / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def database(directory: Path) -> dict[str, object]:
    import dj_database_url

    default = f"sqlite:///{directory / 'vocloop.sqlite3'}"
    # Read whatever the database, so that a bad value is refused before it matters.
    sqlite_timeout = env_int("SQLITE_TIMEOUT", 20, minimum=1, unit="second")
    # NORMAL: with WAL, a power cut may lose the last transactions committed before it,
    # never the database itself; FULL syncs the log at every commit (README, "Backup and
    # restore"). OFF is not offered: it risks the database itself.
    sqlite_synchronous = env_choice("SQLITE_SYNCHRONOUS", "NORMAL", choices=("NORMAL", "FULL"))
    url = env_url("DATABASE_URL", default, schemes={"sqlite", "postgres", "postgresql", "pgsql"})
    try:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    except ValueError as exc:
        raise ConfigError(f"{PREFIX}DATABASE_URL is not usable: {exc}") from None
    if config["ENGINE"] == "django.db.backends.postgresql":
        # Parameters bound on the server, so that psycopg prepares a query it has run a
        # few times: dashboards and the API repeat the same handful of queries, and
        # planning them anew each time cost as much as running them.
        config["OPTIONS"] = {"server_side_binding": True}
        # A connection kept between requests that PostgreSQL dropped (a restart) is found
        # at the next request's first query and replaced, instead of failing that request.
        config["CONN_HEALTH_CHECKS"] = True
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        # WAL lets the server read while the worker writes; IMMEDIATE transactions
        # take the write lock up front so concurrent writers queue instead of failing.
        # A writer waits up to the busy timeout for the lock, then fails with "database
        # is locked": long enough for ordinary writes, not for a large import.
        # secure_delete overwrites deleted content with zeros, so that an erased
        # customer's text is not left in the file's free pages (customers.erasure).
        config["OPTIONS"] = {
            "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={sqlite_synchronous}; "
            "PRAGMA secure_delete=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": sqlite_timeout,
        }
    return config


def _redis_url(name: str, *, needs: str) -> str | None:
    """VOCLOOP_<name>: "database" (the default) or a redis:// URL, usable only with the
    Redis extra installed (`needs` is a module of it)."""
    value = env_str(name, "database")
    if value == "database":
        return None
    if urlsplit(value).scheme not in {"redis", "rediss"} or not urlsplit(value).hostname:
        raise ConfigError(
            f"{PREFIX}{name}={value!r} must be `database` or a URL such as redis://127.0.0.1:6379/0"
        )
    try:
        importlib.import_module(needs)
    except ImportError:
        raise ConfigError(
            f"{PREFIX}{name} names Redis, but the Redis extra is not installed: "
            "pip install 'vocloop[redis]'"
        ) from None
    return value


def tasks_redis_url() -> str | None:
    """VOCLOOP_TASKS_URL: "database" (the default) or a redis:// URL for the task queue."""
    return _redis_url("TASKS_URL", needs="django_tasks_rq")


def cache_redis_url() -> str | None:
    """VOCLOOP_CACHE_URL: "database" (the default) or a redis:// URL for what every server
    process must share: the rate limits' counts and the cache."""
    return _redis_url("CACHE_URL", needs="redis")


def webhook_allowed_hosts() -> AllowList:
    """VOCLOOP_WEBHOOK_ALLOWED_HOSTS: internal hosts webhooks may call, comma-separated host
    names, addresses and networks (CIDR); none by default (lib/addresses.py)."""
    value = env_str("WEBHOOK_ALLOWED_HOSTS", "")
    try:
        return allow_list_parse(value)
    except ValueError as exc:
        raise ConfigError(
            f"{PREFIX}WEBHOOK_ALLOWED_HOSTS: {exc}; give host names (crm.corp.example), "
            "addresses (10.0.0.5) or networks (10.0.0.0/24), separated by commas"
        ) from None
