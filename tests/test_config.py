"""VOCLOOP_* variables: safe defaults when unset, a loud error naming the variable when bad."""

import os
import subprocess
import sys

import pytest

from vocloop import config


def test_unset_variables_give_the_embedded_defaults(monkeypatch, tmp_path):
    for name in ("DEBUG", "DATABASE_URL", "SECRET_KEY", "SQLITE_TIMEOUT", "SQLITE_SYNCHRONOUS"):
        monkeypatch.delenv(f"VOCLOOP_{name}", raising=False)
    assert config.env_bool("DEBUG", False) is False
    db = config.database(tmp_path)
    assert db["ENGINE"] == "django.db.backends.sqlite3"
    assert db["NAME"] == str(tmp_path / "vocloop.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    assert "synchronous=NORMAL" in db["OPTIONS"]["init_command"]
    assert db["OPTIONS"]["timeout"] == 20  # seconds a writer waits for SQLite's lock


def test_a_generated_secret_key_is_kept_and_private(monkeypatch, tmp_path):
    monkeypatch.delenv("VOCLOOP_SECRET_KEY", raising=False)
    first = config.secret_key(tmp_path)
    assert first == config.secret_key(tmp_path) and len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgresql_urls_are_understood(monkeypatch, tmp_path):
    monkeypatch.setenv("VOCLOOP_DATABASE_URL", "postgresql://vl:pw@db.example:5433/vocloop")
    db = config.database(tmp_path)
    assert (db["ENGINE"], db["HOST"], db["PORT"], db["NAME"]) == (
        "django.db.backends.postgresql",
        "db.example",
        5433,
        "vocloop",
    )
    # A kept connection that a restarted server dropped is replaced, not failed on.
    assert db["CONN_HEALTH_CHECKS"] is True


@pytest.mark.parametrize(
    ("name", "value", "reader"),
    [
        ("DEBUG", "maybe", lambda p: config.env_bool("DEBUG", False)),
        ("PUBLIC_RATE_LIMIT", "lots", lambda p: config.env_int("PUBLIC_RATE_LIMIT", 20)),
        ("PUBLIC_RATE_LIMIT", "0", lambda p: config.env_int("PUBLIC_RATE_LIMIT", 20, minimum=1)),
        ("DATABASE_URL", "mysql://x/y", config.database),
        ("SQLITE_TIMEOUT", "0", config.database),
        ("SQLITE_TIMEOUT", "20s", config.database),
        ("SQLITE_SYNCHRONOUS", "OFF", config.database),
        ("SQLITE_SYNCHRONOUS", "extra", config.database),
        ("SECRET_KEY", "short", config.secret_key),
        ("CACHE_URL", "memcached://127.0.0.1", lambda p: config.cache_redis_url()),
        ("CACHE_URL", "redis://", lambda p: config.cache_redis_url()),
        (
            "SESSION_IDLE_MINUTES",
            "0",
            lambda p: config.env_int("SESSION_IDLE_MINUTES", 60, minimum=1, unit="minute"),
        ),
        ("WEBHOOK_ALLOWED_HOSTS", "10.0.0.0/33", lambda p: config.webhook_allowed_hosts()),
        (
            "WEBHOOK_ALLOWED_HOSTS",
            "crm.example, http://x",
            lambda p: config.webhook_allowed_hosts(),
        ),
        (
            "BASE_URL",
            "ftp://x",
            lambda p: config.env_url("BASE_URL", "http://a", schemes={"http", "https"}),
        ),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(monkeypatch, tmp_path, name, value, reader):
    monkeypatch.setenv(f"VOCLOOP_{name}", value)
    with pytest.raises(config.ConfigError, match=f"VOCLOOP_{name}"):
        reader(tmp_path)


def test_the_command_stops_with_a_message_not_a_traceback(tmp_path):
    env = {"VOCLOOP_DATA_DIR": str(tmp_path), "VOCLOOP_DEBUG": "maybe", "PATH": "/usr/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "vocloop", "check"], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "VOCLOOP_DEBUG='maybe' is not a boolean" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("five", "VOCLOOP_WORKER_STALE_AFTER='five' is not a whole number of minutes"),
        ("0", "VOCLOOP_WORKER_STALE_AFTER=0 must be at least 1 minute"),
    ],
)
def test_a_bad_value_in_a_unit_is_refused_naming_the_unit(monkeypatch, value, message):
    monkeypatch.setenv("VOCLOOP_WORKER_STALE_AFTER", value)
    with pytest.raises(config.ConfigError) as refused:
        config.env_int("WORKER_STALE_AFTER", 5, minimum=1, unit="minute")
    assert str(refused.value) == message


SYNCHRONOUS = (
    "from django.db import connection; "
    "print('synchronous:', connection.cursor().execute('PRAGMA synchronous').fetchone()[0])"
)


@pytest.mark.parametrize(("value", "level"), [("", 1), ("normal", 1), ("FULL", 2), ("full", 2)])
def test_sqlite_syncs_every_commit_when_full_is_chosen(tmp_path, value, level):
    env = {
        **os.environ,
        "VOCLOOP_DATA_DIR": str(tmp_path),
        "VOCLOOP_DATABASE_URL": "",
        "VOCLOOP_SQLITE_SYNCHRONOUS": value,
    }
    done = subprocess.run(
        [sys.executable, "-m", "vocloop", "shell", "-c", SYNCHRONOUS],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    # SQLite's numbers: 1 NORMAL, 2 FULL, on the connections vocloop opens.
    assert f"synchronous: {level}" in done.stdout


def test_a_synchronous_level_other_than_normal_or_full_is_refused(monkeypatch, tmp_path):
    # OFF would risk the database itself on a power cut, not only its last commits.
    monkeypatch.setenv("VOCLOOP_SQLITE_SYNCHRONOUS", "OFF")
    with pytest.raises(config.ConfigError) as refused:
        config.database(tmp_path)
    assert str(refused.value) == "VOCLOOP_SQLITE_SYNCHRONOUS='OFF' must be one of NORMAL, FULL"


def test_a_minimum_of_several_units_is_written_in_the_plural(monkeypatch):
    monkeypatch.setenv("VOCLOOP_SQLITE_TIMEOUT", "1")
    with pytest.raises(config.ConfigError, match=r"must be at least 2 seconds$"):
        config.env_int("SQLITE_TIMEOUT", 20, minimum=2, unit="second")


def test_the_rate_limits_count_in_the_database_unless_redis_is_named(monkeypatch):
    monkeypatch.delenv("VOCLOOP_CACHE_URL", raising=False)
    assert config.cache_redis_url() is None
    monkeypatch.setenv("VOCLOOP_CACHE_URL", "database")
    assert config.cache_redis_url() is None
    monkeypatch.setenv("VOCLOOP_CACHE_URL", "redis://127.0.0.1:6379/1")
    assert config.cache_redis_url() == "redis://127.0.0.1:6379/1"
