"""VOCLOOP_EMAIL_URL: where outgoing email goes, as one URL.

    file://                          .eml files in <data dir>/mail/ (the default)
    file:///var/spool/vocloop        .eml files in that directory
    smtp://user:pass@host:587?tls=1  SMTP with STARTTLS
    smtp+ssl://user:pass@host:465    SMTP over TLS (also smtp://…?ssl=1)

Imported by settings.py: no Django import here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from vocloop.config import PREFIX, ConfigError

VARIABLE = PREFIX + "EMAIL_URL"
FILE_BACKEND = "vocloop.notifications.mail_backends.EmlFileBackend"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def _fail(url: str, why: str) -> ConfigError:
    return ConfigError(f"{VARIABLE}={url!r} {why}")


def _flag(url: str, name: str, value: str) -> bool:
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise _fail(url, f"has {name}={value!r}; use {name}=1 or {name}=0")


def django_email_settings(url: str, data_dir: Path) -> dict[str, Any]:
    """Django's EMAIL_* settings for the URL; ConfigError naming the variable when it is bad."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise _fail(url, f"is not a URL: {exc}") from None
    if parts.scheme == "file":
        if parts.netloc:
            raise _fail(url, "must be file:// or file:///absolute/path (no host)")
        directory = Path(unquote(parts.path)) if parts.path not in {"", "/"} else data_dir / "mail"
        return {"EMAIL_BACKEND": FILE_BACKEND, "EMAIL_FILE_PATH": str(directory)}
    if parts.scheme not in {"smtp", "smtp+ssl"}:
        raise _fail(url, "must start with smtp://, smtp+ssl:// or file://")
    if not parts.hostname:
        raise _fail(url, "has no host")
    if parts.path not in {"", "/"}:
        raise _fail(url, "must not have a path")
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    unknown = set(query) - {"tls", "ssl"}
    if unknown:
        raise _fail(url, f"has unknown options {', '.join(sorted(unknown))} (use tls or ssl)")
    use_ssl = parts.scheme == "smtp+ssl" or _flag(url, "ssl", query.get("ssl", "0"))
    use_tls = _flag(url, "tls", query.get("tls", "0"))
    if use_ssl and use_tls:
        raise _fail(url, "asks for both ssl and tls: choose one")
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if use_ssl else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_TIMEOUT": 20,
    }
