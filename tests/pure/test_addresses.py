"""Which hosts vocloop may call out to: public ones; internal ones only when listed; a cloud
metadata service never."""

from __future__ import annotations

import ipaddress

import pytest

from vocloop.lib.addresses import (
    NOTHING_ALLOWED,
    addresses_refusal,
    allow_list_parse,
    host_literal,
    host_refusal,
    host_resolve,
)

INTERNAL = [
    ("127.0.0.1", "loopback"),
    ("127.1", "loopback"),  # the old shorthand the C library still reads
    ("2130706433", "loopback"),
    ("0x7f.0.0.1", "loopback"),
    ("::1", "loopback"),
    ("[::1]", "loopback"),
    ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("10.1.2.3", "private"),
    ("172.16.0.9", "private"),
    ("192.168.1.1", "private"),
    ("100.64.0.1", "not a public address"),  # carrier-grade NAT
    ("169.254.10.10", "link-local"),
    ("fe80::1", "link-local"),
    ("fd12:3456::1", "unique-local"),
    ("fec0::1", "site-local"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
    ("169.254.169.254", "metadata"),
    ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"),
    ("metadata.google.internal", "metadata"),
    ("METADATA.GOOGLE.INTERNAL.", "metadata"),
    ("localhost", "internal name"),
    ("api.localhost", "internal name"),
    ("crm.corp.internal", "internal name"),
    ("printer.local", "internal name"),
]


@pytest.mark.parametrize(("host", "kind"), INTERNAL)
def test_an_internal_host_is_refused_saying_what_it_is(host, kind):
    refusal = host_refusal(host, NOTHING_ALLOWED)
    assert refusal is not None
    assert kind in refusal


@pytest.mark.parametrize(
    "host",
    ["hooks.example.com", "93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "8.8.8.8"],
)
def test_a_public_host_is_let_through(host):
    assert host_refusal(host, NOTHING_ALLOWED) is None


def test_the_allow_list_admits_the_internal_hosts_it_names():
    allowed = allow_list_parse(" crm.corp.internal , 10.0.0.0/8, 127.0.0.1, fd12::/16 ,")
    assert host_refusal("CRM.corp.internal", allowed) is None
    assert host_refusal("10.200.1.1", allowed) is None
    assert host_refusal("127.0.0.1", allowed) is None
    assert host_refusal("fd12:1::5", allowed) is None
    assert "loopback" in (host_refusal("127.0.0.2", allowed) or "")
    assert "private" in (host_refusal("192.168.0.1", allowed) or "")
    assert "internal name" in (host_refusal("other.corp.internal", allowed) or "")


def test_no_allow_list_admits_a_metadata_service():
    allowed = allow_list_parse("169.254.0.0/16, fd00::/8, metadata.google.internal")
    assert "metadata" in (host_refusal("169.254.169.254", allowed) or "")
    assert "metadata" in (host_refusal("fd00:ec2::254", allowed) or "")
    assert "metadata" in (host_refusal("metadata.google.internal", allowed) or "")
    assert host_refusal("169.254.1.1", allowed) is None


def test_a_name_is_refused_when_any_address_it_resolves_to_is_internal():
    public, loopback = ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("127.0.0.1")
    assert addresses_refusal("hooks.example.com", [public], NOTHING_ALLOWED) is None
    refusal = addresses_refusal("hooks.example.com", [public, loopback], NOTHING_ALLOWED)
    assert refusal == "hooks.example.com resolves to 127.0.0.1 is a loopback address"


def test_a_name_on_the_allow_list_may_resolve_inside_but_not_to_a_metadata_service():
    allowed = allow_list_parse("crm.corp.example")
    inside = [ipaddress.ip_address("10.0.0.5")]
    metadata = [ipaddress.ip_address("169.254.169.254")]
    assert addresses_refusal("crm.corp.example", inside, allowed) is None
    assert "metadata" in (addresses_refusal("crm.corp.example", metadata, allowed) or "")
    assert "private" in (addresses_refusal("other.example", inside, allowed) or "")


def test_localhost_resolves_to_loopback():
    addresses = host_resolve("localhost", 80)
    assert addresses
    assert "loopback" in (addresses_refusal("hooks.example.com", addresses, NOTHING_ALLOWED) or "")


@pytest.mark.parametrize(
    "value", ["10.0.0.0/33", "http://crm.example", "crm.example/hook", "a b", "300.1.1.1/8"]
)
def test_a_bad_allow_list_entry_is_refused_naming_it(value):
    with pytest.raises(ValueError, match="neither a host name nor an address or network"):
        allow_list_parse(f"crm.example, {value}")


def test_hosts_written_as_addresses_are_read_as_addresses():
    assert str(host_literal("127.1")) == "127.0.0.1"
    assert str(host_literal("[::1]")) == "::1"
    assert host_literal("hooks.example.com") is None
    assert host_literal("1e100.net") is None
