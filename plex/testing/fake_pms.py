"""A minimal fake Plex Media Server: a real ``http.server`` on loopback, in a thread.

It answers from XML recorded from real servers (``shared/fixtures``), so plexapi (or any HTTP
client) talks to it exactly as to PMS — nothing in plexapi is patched::

    with FakePlexServer(token="secret") as pms:
        PlexServer(pms.url, "secret")           # GET / with X-Plex-Token → plex_server_base.xml

Served now:

* ``GET /`` — ``home-assistant-core/plex/plex_server_base.xml`` with its ``{name}`` and
  ``{machine_identifier}`` placeholders filled in;
* ``GET /identity`` — ``<MediaContainer claimed machineIdentifier version>`` as PMS answers it,
  without a token (PMS does not ask for one there).

Every other path needs the token (``X-Plex-Token`` header or query parameter, as PMS accepts
both) and answers 401 with PMS's HTML body otherwise; unknown paths answer 404 (with the token). Grow it with
:meth:`FakePlexServer.route` (a fixed body, a fixture file, or a callable of :class:`FakeRequest`),
an optional ``status`` and a ``delay`` (seconds, to provoke client timeouts). Every request is
recorded in :attr:`FakePlexServer.requests`.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import quoteattr

SERVER_BASE_FIXTURE = "home-assistant-core/plex/plex_server_base.xml"
UNAUTHORIZED_BODY = (
    "<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>"
)
XML_CONTENT_TYPE = "text/xml;charset=utf-8"


@dataclass(frozen=True)
class FakeRequest:
    """One request as the fake saw it: ``query`` maps each parameter to its last value."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""

    @property
    def token(self) -> str | None:
        """The Plex token sent in the ``X-Plex-Token`` header or query parameter."""
        return self.headers.get("x-plex-token") or self.query.get("X-Plex-Token")


Body = str | bytes | Callable[[FakeRequest], str | bytes]


@dataclass
class Route:
    """How the fake answers one (method, path).

    ``body`` is the text/bytes to send or a callable building it from the request; ``status`` the
    HTTP status; ``delay`` seconds to wait before answering; ``auth`` whether the token is
    required (False for PMS's open endpoints such as ``/identity``).
    """

    body: Body
    status: int = 200
    content_type: str = XML_CONTENT_TYPE
    delay: float = 0.0
    auth: bool = True


@dataclass
class FakePlexServer:
    """A fake PMS on ``127.0.0.1`` (a free port unless ``port`` is given).

    ``token`` is the only accepted ``X-Plex-Token``; ``name`` and ``machine_identifier`` fill the
    recorded root XML. Use as a context manager, or :meth:`start` / :meth:`stop`.
    """

    token: str = "fake-plex-token"
    name: str = "Fake Plex Server"
    machine_identifier: str = "fakepms0000000000000000000000000000000001"
    fixtures_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 0
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)
    requests: list[FakeRequest] = field(default_factory=list)

    def __post_init__(self):
        if self.fixtures_dir is None:
            from django.conf import settings

            self.fixtures_dir = Path(settings.SHARED_DIR) / "fixtures"
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.route("/", self._root_xml)
        self.route("/identity", self._identity_xml, auth=False)

    # --- configuration ------------------------------------------------------------------------

    def route(
        self,
        path: str,
        body: Body,
        *,
        method: str = "GET",
        status: int = 200,
        content_type: str = XML_CONTENT_TYPE,
        delay: float = 0.0,
        auth: bool = True,
    ) -> Route:
        """Answer ``method path`` with ``body`` (replacing any earlier route for it)."""
        route = Route(body, status=status, content_type=content_type, delay=delay, auth=auth)
        self.routes[(method.upper(), path)] = route
        return route

    def fixture(self, relative: str) -> str:
        """The text of ``shared/fixtures/<relative>``."""
        return (self.fixtures_dir / relative).read_text(encoding="utf-8")

    def route_fixture(self, path: str, relative: str, **kwargs) -> Route:
        """Answer ``path`` with a recorded fixture file."""
        return self.route(path, self.fixture(relative), **kwargs)

    @property
    def root_xml(self) -> str:
        """The recorded PMS root (``GET /``) with this fake's name and machine identifier."""
        return (
            self.fixture(SERVER_BASE_FIXTURE)
            .replace("{name}", self.name)
            .replace("{machine_identifier}", self.machine_identifier)
        )

    @property
    def version(self) -> str:
        """The PMS version the root XML reports."""
        match = re.search(r'\bversion="([^"]*)"', self.root_xml)
        return match.group(1) if match else ""

    def _root_xml(self, request: FakeRequest) -> str:
        return self.root_xml

    def _identity_xml(self, request: FakeRequest) -> str:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<MediaContainer size="0" claimed="1" machineIdentifier='
            f"{quoteattr(self.machine_identifier)} version={quoteattr(self.version)}>\n"
            "</MediaContainer>\n"
        )

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (after :meth:`start`)."""
        if self._httpd is None:
            raise RuntimeError("FakePlexServer is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakePlexServer:
        """Bind and serve in a daemon thread; returns self."""
        handler = type("FakePlexHandler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="fake-pms", kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (requests still sleeping in a delay are abandoned)."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._httpd = None

    def __enter__(self) -> FakePlexServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- dispatch -----------------------------------------------------------------------------

    def handle(self, request: FakeRequest) -> tuple[int, str, bytes, float]:
        """(status, content type, body, delay) for ``request``."""
        self.requests.append(request)
        route = self.routes.get((request.method, request.path))
        # As PMS: the token is checked before the path, so a wrong token gets 401 anywhere.
        if (route is None or route.auth) and request.token != self.token:
            return 401, "text/html", UNAUTHORIZED_BODY.encode(), route.delay if route else 0.0
        if route is None:
            if any(path == request.path for _, path in self.routes):
                return 405, "text/plain", b"Method Not Allowed", 0.0
            return 404, "text/html", b"<html><body><h1>404 Not Found</h1></body></html>", 0.0
        body = route.body(request) if callable(route.body) else route.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        return route.status, route.content_type, body, route.delay


class _Handler(BaseHTTPRequestHandler):
    fake: FakePlexServer
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = FakeRequest(
            method=self.command,
            path=parts.path or "/",
            query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        status, content_type, body, delay = self.fake.handle(request)
        if delay:
            time.sleep(delay)
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. a timeout test)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's signature)
        pass
