"""Which client a public submission counts against."""

from django.test import RequestFactory

from vocloop.listening.ratelimit import client_address


def request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/feedback/", **extra)


def test_without_trusted_proxies_a_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_one_proxy_the_address_it_saw_counts_not_what_the_client_claims(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    spoofed = request("10.0.0.2", "1.2.3.4, 198.51.100.7")
    assert client_address(spoofed) == "198.51.100.7"


def test_ipv6_clients_are_limited_per_64(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(request("2001:db8:1:2::5")) == client_address(
        request("2001:db8:1:2:ffff::9")
    )
