"""Which hosts vocloop may call out to: public ones, and internal ones only when allowed.

A webhook is a request vocloop makes on behalf of whoever set up the subscription.
Pointed at 127.0.0.1, a private network or a cloud's metadata service, it would
reach what only the server can reach (server-side request forgery). So an
internal address is refused unless the deployment lists it (AllowList, read from
VOCLOOP_WEBHOOK_ALLOWED_HOSTS), and a cloud metadata service is refused always: no
receiver lives there, and it hands out the machine's credentials.

Plain Python, no Django: the rules are tested alone (tests/pure/test_addresses.py).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass, field

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# The clouds' instance metadata services (AWS, GCP, Azure, Oracle: 169.254.169.254 and
# AWS's IPv6 fd00:ec2::254; AWS ECS task metadata; Alibaba), by address and by name.
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
)
METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
# Names that only ever mean something inside a machine or a private network.
INTERNAL_SUFFIXES = ("localhost", "localdomain", "local", "internal", "home.arpa")

UNIQUE_LOCAL = ipaddress.ip_network("fc00::/7")
NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class AllowList:
    """Internal hosts a deployment lets vocloop call: exact host names, addresses and networks."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = field(default=())

    def allows_name(self, host: str) -> bool:
        return host_key(host) in self.names

    def allows_address(self, address: IPAddress) -> bool:
        return any(address.version == n.version and address in n for n in self.networks)

    def __str__(self) -> str:
        return ",".join(sorted(self.names) + [str(n) for n in self.networks])


NOTHING_ALLOWED = AllowList()

_LABEL = r"[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?"
_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(\.{_LABEL})*")


def allow_list_parse(value: str) -> AllowList:
    """ "crm.corp.example, 10.1.2.3, 192.168.0.0/16, fd12::/16": names, addresses and networks.

    ValueError naming the entry that is none of these.
    """
    names: set[str] = set()
    networks: list[IPNetwork] = []
    for raw in value.split(","):
        entry = raw.strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            continue
        except ValueError:
            pass
        name = host_key(entry)
        if "/" in entry or not _NAME.fullmatch(name):
            raise ValueError(f"{entry!r} is neither a host name nor an address or network")
        names.add(name)
    return AllowList(names=frozenset(names), networks=tuple(networks))


def host_key(host: str) -> str:
    """A host name as compared: lower case, without the root's trailing dot or IPv6 brackets."""
    return host.strip().strip("[]").lower().rstrip(".")


def host_literal(host: str) -> IPAddress | None:
    """The address a host written as an address means, in any form a resolver accepts.

    Besides the usual forms that is the old IPv4 shorthand the C library still reads:
    "127.1", "2130706433", "0x7f.0.0.1" all mean 127.0.0.1.
    """
    name = host_key(host).split("%")[0]
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fx.]+", name) and name[0].isdigit():
        try:
            return ipaddress.IPv4Address(socket.inet_aton(name))
        except OSError:
            return None
    return None


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, 6to4, Teredo, NAT64), which is the one
    the packets reach."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_kind(address: IPAddress) -> str | None:
    """What makes an address internal ("a loopback address" …); None for a public one."""
    inner = _embedded_ipv4(address)
    if inner is not None:
        return address_kind(inner)
    if address in METADATA_ADDRESSES:
        return "a cloud metadata service"
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_loopback, "a loopback address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (getattr(address, "is_site_local", False), "a site-local address"),
        (address in UNIQUE_LOCAL, "a unique-local address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (not address.is_global, "not a public address"),
    )
    return next((kind for internal, kind in checks if internal), None)


def address_refusal(address: IPAddress, allowed: AllowList) -> str | None:
    """Why vocloop must not call this address; None when it may."""
    kind = address_kind(address)
    if kind is None:
        return None
    metadata = address in METADATA_ADDRESSES or _embedded_ipv4(address) in METADATA_ADDRESSES
    if not metadata and allowed.allows_address(address):
        return None
    return f"{address} is {kind}"


def host_refusal(host: str, allowed: AllowList) -> str | None:
    """Why vocloop must not call this host, judged by how it is written; None when it may.

    An address is judged as such; a name by what it says (localhost, *.internal, a
    metadata service). What a name resolves to is judged by addresses_refusal.
    """
    name = host_key(host)
    if name in METADATA_NAMES:
        return f"{name} is a cloud metadata service"
    literal = host_literal(name)
    if literal is not None:
        return address_refusal(literal, allowed)
    if allowed.allows_name(name):
        return None
    if any(name == suffix or name.endswith("." + suffix) for suffix in INTERNAL_SUFFIXES):
        return f"{name} is an internal name"
    return None


def addresses_refusal(host: str, addresses: list[IPAddress], allowed: AllowList) -> str | None:
    """Why vocloop must not call a host that resolves to these addresses; None when it may.

    Every address must pass: a name with one public and one internal address would
    let the connection land on the internal one. A host allowed by name may resolve
    to internal addresses, never to a metadata service.
    """
    by_name = allowed.allows_name(host)
    for address in addresses:
        if by_name and address_kind(address) != "a cloud metadata service":
            continue
        refusal = address_refusal(address, allowed)
        if refusal is not None:
            return f"{host_key(host)} resolves to {refusal}"
    return None


def host_resolve(host: str, port: int) -> list[IPAddress]:
    """The addresses a host name resolves to, in the resolver's order, each once.

    socket.gaierror (an OSError) when it does not resolve.
    """
    found: list[IPAddress] = []
    for *_, sockaddr in socket.getaddrinfo(host_key(host), port, type=socket.SOCK_STREAM):
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in found:
            found.append(address)
    return found
