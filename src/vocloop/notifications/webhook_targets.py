"""Where a webhook may go: checked when a subscription is saved and again at every send.

A receiver must be public unless VOCLOOP_WEBHOOK_ALLOWED_HOSTS lists it; a cloud
metadata service never is (lib/addresses.py). At send the host is resolved once,
every address it resolves to is checked, and the connection goes to those checked
addresses (webhook_posting.py): a name that answers a public address to the check
and 127.0.0.1 to the connection (DNS rebinding) gains nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from vocloop.lib.addresses import (
    AllowList,
    IPAddress,
    addresses_refusal,
    host_literal,
    host_refusal,
    host_resolve,
)

SCHEMES = {"http": 80, "https": 443}
METADATA = "a cloud metadata service"


class WebhookRefused(Exception):
    """The subscription's address is one vocloop does not call; the message says why."""


@dataclass(frozen=True)
class WebhookTarget:
    scheme: str
    host: str
    port: int
    path: str  # with the query
    addresses: list[IPAddress]  # all checked; the connection goes to one of these


def _allowed() -> AllowList:
    allowed: AllowList = settings.WEBHOOK_ALLOWED_HOSTS
    return allowed


def _refused(reason: str) -> WebhookRefused:
    if reason.endswith(METADATA):
        return WebhookRefused(f"{reason}, which vocloop never calls.")
    return WebhookRefused(
        f"vocloop does not call internal addresses: {reason}. To call an internal receiver, "
        "list it in VOCLOOP_WEBHOOK_ALLOWED_HOSTS."
    )


def _split(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise WebhookRefused("A webhook's address starts with https:// or http://.")
    try:
        host, port = parts.hostname, parts.port or SCHEMES[scheme]
    except ValueError:
        raise WebhookRefused("The port of the webhook's address is not a number.") from None
    if not host:
        raise WebhookRefused("The webhook's address has no host.")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port, path


def webhook_target(url: str) -> WebhookTarget:
    """The URL's host, resolved once, with every address it resolves to allowed.

    WebhookRefused when an address (or the name itself) is one vocloop does not call;
    OSError when the name does not resolve.
    """
    scheme, host, port, path = _split(url)
    allowed = _allowed()
    refusal = host_refusal(host, allowed)
    if refusal is not None:
        raise _refused(refusal)
    literal = host_literal(host)
    addresses = [literal] if literal is not None else host_resolve(host, port)
    refusal = addresses_refusal(host, addresses, allowed)
    if refusal is not None:
        raise _refused(refusal)
    return WebhookTarget(scheme=scheme, host=host, port=port, path=path, addresses=addresses)


def webhook_url_refusal(url: str) -> str | None:
    """Why a subscription may not use this URL (for its form); None when it may.

    The name is resolved now, so that one pointing inside is refused at once. One that
    does not resolve now is let through: the receiver may not be set up yet, and
    every send checks again.
    """
    try:
        webhook_target(url)
    except WebhookRefused as exc:
        return str(exc)
    except OSError:
        return None
    return None
