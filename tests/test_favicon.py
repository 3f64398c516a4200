"""vocloop's icon: linked from every page, served with the static files, and at /favicon.ico."""

from __future__ import annotations

import re
import struct
from xml.etree import ElementTree

import pytest
from django.test import Client

from tests.staff_pages import logged_in


def icon_links(html: str) -> dict[str, str]:
    """href → the rest of each <link rel="icon"> in the page."""
    return {
        m.group(2): m.group(1) + m.group(3)
        for m in re.finditer(r'<link rel="icon"([^>]*?) href="([^"]+)"([^>]*)>', html)
    }


def served(client: Client, url: str) -> tuple[str, bytes]:
    response = client.get(url)
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response["Content-Type"], body


def ico_sizes(data: bytes) -> list[int]:
    reserved, kind, count = struct.unpack_from("<HHH", data)
    assert (reserved, kind) == (0, 1)  # an icon, not a cursor
    sizes = []
    for i in range(count):
        width, _, _, _, _, _, length, offset = struct.unpack_from("<BBBBHHII", data, 6 + 16 * i)
        # Each image is a PNG stored whole where the directory says.
        assert data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(data)
        sizes.append(width)
    return sizes


@pytest.mark.parametrize("who", ["customer", "staff"])
def test_public_and_staff_pages_link_an_svg_and_a_32_pixel_icon(org, client, who):
    page_client = client if who == "customer" else logged_in(org.support_agent)
    html = page_client.get("/feedback/" if who == "customer" else "/staff/").content.decode()
    links = icon_links(html)
    svg = next(url for url, rest in links.items() if 'type="image/svg+xml"' in rest)
    ico = next(url for url, rest in links.items() if 'sizes="32x32"' in rest)

    kind, body = served(client, svg)
    assert kind.startswith("image/svg+xml")
    root = ElementTree.fromstring(body)
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox") == "0 0 32 32"

    kind, body = served(client, ico)
    assert kind in ("image/x-icon", "image/vnd.microsoft.icon")
    assert 32 in ico_sizes(body)


def test_favicon_ico_at_the_root_is_not_a_404(client):
    response = client.get("/favicon.ico", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain and response.redirect_chain[0][1] == 302
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert ico_sizes(body) == [16, 32]
