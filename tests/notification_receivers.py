"""Real receivers for the notification tests: an SMTP server and an HTTP endpoint on 127.0.0.1.

No tests here: the other test_notifications_* files import these. While a webhook
receiver runs, VOCLOOP_WEBHOOK_ALLOWED_HOSTS lists 127.0.0.1, as a deployment lists
an internal receiver: vocloop calls no loopback address otherwise.
"""

from __future__ import annotations

import email
import email.policy
import http.server
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.test import override_settings

from vocloop.lib.addresses import allow_list_parse


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Collector:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 Message accepted"


@contextmanager
def smtp_server() -> Iterator[tuple[int, _Collector]]:
    """An SMTP server accepting everything; yields (port, collector of received messages)."""
    collector = _Collector()
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, collector
    finally:
        controller.stop()


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


def tls_certificates(directory: Path, name: str = "localhost") -> tuple[Path, ssl.SSLContext]:
    """A test CA (its certificate file) and a server context with a certificate for `name`
    signed by it. Skips the test without the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    (directory / "san.cnf").write_text(f"subjectAltName=DNS:{name}\n")
    for step in (
        f"req -x509 {ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=test-CA"
        " -addext basicConstraints=critical,CA:TRUE",
        f"req {ec} -keyout server.key -out server.csr -subj /CN={name}",
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem"
        " -days 2 -extfile san.cnf",
    ):
        subprocess.run(["openssl", *step.split()], cwd=directory, check=True, capture_output=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(directory / "server.pem", directory / "server.key")
    return directory / "ca.pem", context


@dataclass
class WebhookReceiver:
    """Answers with the scripted statuses in turn, then `then`; records every request on arrival.

    Every answer carries `answer` as its body and `headers` (a redirect's Location, say).
    """

    script: list[int] = field(default_factory=list)
    then: int = 200
    delay: float = 0.0
    answer: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)
    url: str = ""
    server_names: list[str | None] = field(default_factory=list)  # asked for by TLS (SNI)

    def status(self) -> int:
        return self.script.pop(0) if self.script else self.then


@contextmanager
def webhook_receiver(
    *, allowed: str = "127.0.0.1", tls: ssl.SSLContext | None = None, **options: Any
) -> Iterator[WebhookReceiver]:
    """A receiver on 127.0.0.1, https://localhost:… with a `tls` context (tls_certificates);
    `allowed` is VOCLOOP_WEBHOOK_ALLOWED_HOSTS while it runs."""
    receiver = WebhookReceiver(**options)
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                receiver.requests.append(Received(dict(self.headers.items()), body))
                status = receiver.status()
            time.sleep(receiver.delay)
            self.send_response(status)
            for name, value in receiver.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(receiver.answer)))
            self.end_headers()
            self.wfile.write(receiver.answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    if tls is not None:
        tls.sni_callback = lambda _socket, name, _context: receiver.server_names.append(name)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        receiver.url = f"https://localhost:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with override_settings(WEBHOOK_ALLOWED_HOSTS=allow_list_parse(allowed)):
            yield receiver
    finally:
        server.shutdown()
        server.server_close()
