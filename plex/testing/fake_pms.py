"""A minimal fake Plex Media Server: a real ``http.server`` on loopback, in a thread.

It answers from XML recorded from real servers (``shared/fixtures``), so plexapi (or any HTTP
client) talks to it exactly as to PMS — nothing in plexapi is patched::

    with FakePlexServer(token="secret") as pms:
        PlexServer(pms.url, "secret")           # GET / with X-Plex-Token → plex_server_base.xml

Served now:

* ``GET /`` — ``home-assistant-core/plex/plex_server_base.xml`` with its ``{name}`` and
  ``{machine_identifier}`` placeholders filled in;
* ``GET /identity`` — ``<MediaContainer claimed machineIdentifier version>`` as PMS answers it,
  without a token (PMS does not ask for one there);
* ``GET /status/sessions`` — the current state of the scripted viewers (:attr:`FakePlexServer.timeline`,
  see :mod:`plex.testing.viewers`): ``pms.viewer(user_id=3, media_type="episode").play()``;
* ``GET /status/sessions/terminate?sessionId=..&reason=..`` — stops the viewer whose
  ``<Session id>`` is ``sessionId``, keeping ``reason`` (:attr:`Viewer.stop_reason`); an empty
  200 as PMS answers, 404 for a session that is not playing;
* ``GET /library/metadata/<ratingKey>`` — :meth:`FakePlexServer.add_metadata` items (``1`` is
  ``home-assistant-core/plex/media_1.xml``; :meth:`FakePlexServer.add_metadata_fixture` takes a
  recorded XML or JSON answer), else the item a viewer watches, else the item of a
  :attr:`FakePlexServer.metadata_sources` (a generated library's), else 404. Several rating
  keys joined by commas (``/library/metadata/12,13``, what plexapi's ``fetchItems`` of a list
  asks) answer the items found, in order (404 when none is);
* ``DELETE /library/metadata/<ratingKey>`` — deletes the item's media (PMS's "Delete" of an
  item, plexapi's ``delete()``): when the root's ``allowMediaDeletion`` is on
  (:attr:`FakePlexServer.allow_media_deletion`), the first of
  :attr:`FakePlexServer.deleters` that knows the item drops it (and its children) from its
  listings and PMS answers an empty 200; 404 for an unknown item; 400 when deletion is off
  (what plexapi's ``delete`` expects then: it logs "you have not allowed items to be
  deleted" on its ``BadRequest``). :attr:`FakePlexServer.deleted` lists the keys deleted;
* ``GET /library`` (hand-written, three directories) and ``GET /library/sections`` —
  ``home-assistant-core/plex/library_sections.xml``;
* ``GET /:/prefs`` — ``plex-api.rs/server/prefs.json`` (recorded, as the XML PMS sends for it)
  with :attr:`FakePlexServer.prefs` values put over it (remote access is published there;
  ``fake.prefs["PublishServerOnPlexOnlineKey"] = False`` turns it off);
* ``GET /myplex/account``, ``PUT /updater/check`` and ``GET /updater/status`` — built, not
  recorded (no recording is in ``shared/fixtures``): the attributes plexapi's
  ``plexapi.server.Account`` and ``Release`` read, from :attr:`FakePlexServer.account` and
  :attr:`FakePlexServer.update` (see :meth:`FakePlexServer._account_xml` and
  :meth:`FakePlexServer._updater_status_xml`);
* items added over the last days, for newsletters (``/library/sections/<id>/recentlyAdded``, a
  personal-media section 4): :func:`plex.testing.recently_added.add_recently_added`;
* collections and playlists: :func:`plex.testing.collection_routes.add_collections` (routes of
  their own module); making, filling, emptying and deleting collections:
  :func:`plex.testing.collection_writes.add_collection_writes`;
* ``/:/websockets/notifications`` — a websocket (token in the query, as plexapi sends it) pushing
  each viewer state change as PMS's ``playing`` notification, in order.

Outages, for the monitor's tests: :meth:`FakePlexServer.stop` then :meth:`~FakePlexServer.start`
serves again on the same port (the viewers' timeline goes on meanwhile);
:meth:`~FakePlexServer.silence_websockets` leaves the open websockets open but sending nothing
(a connection that died without closing); :meth:`~FakePlexServer.drop_websockets` closes them and
refuses new ones (HTTP 503) while HTTP still answers, until
:meth:`~FakePlexServer.accept_websockets`. :attr:`~FakePlexServer.websocket_opened` counts the
websockets opened so far.

Paging as PMS does it: with ``X-Plex-Container-Start``/``X-Plex-Container-Size`` (headers or query
parameters) an XML ``MediaContainer`` answer keeps only that window of its children and says
``size`` (in the window), ``totalSize`` (all) and ``offset``. A route answering a
:class:`Listing` (its children's XML texts, rendered once) is paged by slicing, without parsing
or writing the whole container again for every page: what large fake libraries use.

Every other path needs the token (``X-Plex-Token`` header or query parameter, as PMS accepts
both; a shared user's token of :attr:`FakePlexServer.user_tokens` too) and answers 401 with PMS's HTML body otherwise; unknown paths answer 404 (with the token). Grow it with
:meth:`FakePlexServer.route` (a fixed body, a fixture file, or a callable of :class:`FakeRequest`),
an optional ``status`` and a ``delay`` (seconds, to provoke client timeouts). Every request is
recorded in :attr:`FakePlexServer.requests`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree as ET
from xml.sax.saxutils import quoteattr

from plex.testing.viewers import Clock, Timeline, Viewer, metadata_container_from_json
from plex.testing.websocket import WebSocketConnection, accept_key

SERVER_BASE_FIXTURE = "home-assistant-core/plex/plex_server_base.xml"
SECTIONS_FIXTURE = "home-assistant-core/plex/library_sections.xml"
PREFS_FIXTURE = "plex-api.rs/server/prefs.json"
# /myplex/account of a signed-in server whose remote access works (see _account_xml).
DEFAULT_ACCOUNT = {
    "username": "fake-owner",
    "mappingState": "mapped",
    "mappingError": "",
    "signInState": "ok",
    "publicAddress": "203.0.113.7",
    "publicPort": "32400",
    "privateAddress": "192.168.1.10",
    "privatePort": "32400",
    "subscriptionActive": "1",
    "subscriptionState": "Active",
    "subscriptionFeatures": "pass,sync,webhooks",
}
METADATA_FIXTURES = {"1": "home-assistant-core/plex/media_1.xml"}
WEBSOCKET_PATH = "/:/websockets/notifications"
# PMS's ``GET /library`` (not among the recordings; the three directories every PMS lists).
LIBRARY_ROOT_XML = (
    '<MediaContainer size="3" allowSync="0" identifier="com.plexapp.plugins.library" '
    'mediaTagPrefix="/system/bundle/media/flags/" mediaTagVersion="1603922053" '
    'title1="Plex Library">'
    '<Directory key="sections" title="Library Sections" />'
    '<Directory key="recentlyAdded" title="Recently Added Content" />'
    '<Directory key="onDeck" title="On Deck Content" />'
    "</MediaContainer>"
)
NOT_FOUND_BODY = b"<html><body><h1>404 Not Found</h1></body></html>"
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


@dataclass
class Listing:
    """A ``MediaContainer`` answer given as the XML texts of its children (each a whole element,
    e.g. ``<Video ratingKey="1" .../>``) and the container's attributes: the fake pages it by
    slicing the list (``X-Plex-Container-Start``/``-Size``) and joins the window, so a page of
    a 100,000-item section costs the page's items only (see :func:`page`)."""

    items: list[str]
    attributes: dict[str, str] = field(default_factory=dict)

    def xml(self, start: int = 0, size: int | None = None) -> str:
        """The container holding ``items[start:start + size]`` (all when ``size`` is None),
        with ``size`` and, when paged, ``totalSize`` and ``offset`` as PMS writes them."""
        window = self.items if size is None else self.items[start : start + size]
        attributes = dict(self.attributes, size=str(len(window)))
        if size is not None:
            attributes |= {"totalSize": str(len(self.items)), "offset": str(start)}
        head = " ".join(f"{name}={quoteattr(value)}" for name, value in attributes.items())
        return f"<MediaContainer {head}>{''.join(window)}</MediaContainer>"


@dataclass
class Reply:
    """What a route's callable returns to answer with another status than its route's (e.g. a
    400 for a refused write)."""

    status: int
    body: str | bytes | Listing = ""
    content_type: str = XML_CONTENT_TYPE


Body = str | bytes | Listing | Callable[[FakeRequest], str | bytes | Listing | Reply]


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
    # ``/:/prefs`` values put over the recorded ones (setting id → value).
    prefs: dict[str, object] = field(default_factory=dict)
    # ``/myplex/account``'s attributes (change them to break or restore remote access).
    account: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_ACCOUNT))
    # The ``<Release>`` of ``/updater/status`` (attribute → value), None: no update offered.
    update: dict[str, str] | None = None
    # Shared users' server tokens PMS accepts besides ``token`` (the owner's), e.g. for
    # ``/playlists`` as that user (see :func:`plex.testing.collection_routes.add_user_playlists`).
    user_tokens: set[str] = field(default_factory=set)
    # The root's ``allowMediaDeletion`` (the server setting "Allow media deletion").
    allow_media_deletion: bool = True

    def __post_init__(self):
        if self.fixtures_dir is None:
            from django.conf import settings

            self.fixtures_dir = Path(settings.SHARED_DIR) / "fixtures"
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.patterns: list[tuple[str, re.Pattern, Route]] = []
        self.metadata: dict[str, str] = {
            rk: self.fixture(rel) for rk, rel in METADATA_FIXTURES.items()
        }
        self.timeline = Timeline(self.fixtures_dir)
        # More answers of ``GET /library/metadata/<key>``: callables of the rating key (str)
        # returning a whole ``MediaContainer`` or None (see inventory_library).
        self.metadata_sources: list[Callable[[str], str | None]] = []
        # Who deletes an item on ``DELETE /library/metadata/<key>``: callables of the rating key
        # (str) returning True when they held (and dropped) it.
        self.deleters: list[Callable[[str], bool]] = []
        self.deleted: list[str] = []  # rating keys deleted, in order
        self.websockets: list[WebSocketConnection] = []
        self.websocket_opened = 0  # websockets opened since the fake was made
        self.websockets_refused = False  # True: upgrades are answered 503 (see drop_websockets)
        self._ws_lock = threading.Lock()
        self._ws_changed = threading.Condition(self._ws_lock)
        self.timeline.listeners.append(self.broadcast)
        self.route("/", self._root_xml)
        self.route("/identity", self._identity_xml, auth=False)
        self.route("/status/sessions", lambda request: self.timeline.sessions_xml())
        self.route("/status/sessions/terminate", self._terminate)
        self.route("/library", LIBRARY_ROOT_XML)
        self.route_fixture("/library/sections", SECTIONS_FIXTURE)
        self.route_pattern(r"/library/metadata/(?P<rating_keys>\d+(,\d+)*)", self._metadata_xml)
        self.route_pattern(
            r"/library/metadata/(?P<rating_key>\d+)", self._delete_metadata, method="DELETE"
        )
        self.route_pattern(r"/library/sections/(?P<section_id>\d+)/all", self._section_items_xml)
        self.route("/:/prefs", self._prefs_xml)
        self.route("/myplex/account", self._account_xml)
        self.route("/updater/check", "", method="PUT")
        self.route("/updater/status", self._updater_status_xml)

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

    def route_pattern(self, pattern: str, body: Body, *, method: str = "GET", **kwargs) -> Route:
        """Answer paths fully matching the regular expression ``pattern`` (after exact routes)."""
        route = Route(body, **kwargs)
        self.patterns.append((method.upper(), re.compile(pattern), route))
        return route

    def unroute(self, path: str, *, method: str = "GET") -> None:
        """Remove the exact route for ``method path`` (patterns then answer it, if one matches)."""
        self.routes.pop((method.upper(), path), None)

    def add_metadata(self, rating_key: str | int, xml: str) -> None:
        """Serve ``xml`` (a whole ``MediaContainer``) at ``/library/metadata/<rating_key>``."""
        self.metadata[str(rating_key)] = xml

    def add_metadata_fixture(self, rating_key: str | int, relative: str, index: int = 0) -> None:
        """Serve a recorded answer at ``/library/metadata/<rating_key>``: an XML file as it is, or
        item ``index`` of a JSON ``MediaContainer.Metadata`` list as the XML PMS sends for it
        (see :func:`plex.testing.viewers.metadata_container_from_json`)."""
        text = self.fixture(relative)
        if relative.endswith(".json"):
            container = metadata_container_from_json(json.loads(text), index)
            text = ET.tostring(container, encoding="unicode")
        self.add_metadata(rating_key, text)

    # --- the scripted viewers -----------------------------------------------------------------

    @property
    def clock(self) -> Clock:
        """The viewers' clock: ``pms.clock.advance(seconds)`` moves every playing viewOffset."""
        return self.timeline.clock

    def viewer(self, **kwargs) -> Viewer:
        """A new viewer (see :meth:`Timeline.add_viewer`); call ``.play()`` to start it."""
        return self.timeline.add_viewer(**kwargs)

    def broadcast(self, message: dict) -> None:
        """Send ``message`` as JSON to every open websocket, in call order."""
        with self._ws_lock:
            self.websockets = [ws for ws in self.websockets if not ws.closed.is_set()]
            for ws in self.websockets:
                ws.send_json(message)

    def wait_for_websockets(self, count: int = 1, timeout: float = 5.0) -> bool:
        """Block until ``count`` websocket clients are connected (False on timeout)."""
        with self._ws_changed:
            return self._ws_changed.wait_for(
                lambda: sum(not ws.closed.is_set() for ws in self.websockets) >= count, timeout
            )

    def silence_websockets(self) -> None:
        """Leave the open websockets open but send nothing more on them (no notification, pong
        or close frame): a connection that died without closing. New websockets work."""
        with self._ws_lock:
            for ws in self.websockets:
                ws.silent = True

    def drop_websockets(self, *, refuse: bool = True) -> None:
        """Close the open websockets (close frame 1001, as PMS going away) and, when
        ``refuse``, answer new ones HTTP 503 until :meth:`accept_websockets`; HTTP still answers."""
        with self._ws_lock:
            self.websockets_refused = refuse
            for ws in self.websockets:
                ws.close(1001)

    def accept_websockets(self) -> None:
        """Accept websockets again after :meth:`drop_websockets`."""
        self.websockets_refused = False

    def _add_websocket(self, ws: WebSocketConnection) -> None:
        with self._ws_changed:
            self.websockets.append(ws)
            self.websocket_opened += 1
            self._ws_changed.notify_all()

    def _terminate(self, request: FakeRequest) -> str | None:
        viewer = self.timeline.terminate(
            request.query.get("sessionId", ""), request.query.get("reason", "")
        )
        return None if viewer is None else ""

    def _section_items_xml(self, request: FakeRequest) -> str:
        """``/library/sections/<id>/all?type=N``: the viewers' items of that section and type
        (what library counts read, paged like any answer)."""
        section_id = request.path.split("/")[3]
        return self.timeline.section_items_xml(section_id, request.query.get("type"))

    def metadata_item_xml(self, rating_key: str) -> str | None:
        """The whole ``MediaContainer`` answering ``GET /library/metadata/<rating_key>``, or
        None (404)."""
        found = self.metadata.get(rating_key) or self.timeline.metadata_xml(rating_key)
        for source in self.metadata_sources:
            if found:
                break
            found = source(rating_key)
        return found or None

    def _metadata_xml(self, request: FakeRequest) -> str | None:
        keys = request.path.rsplit("/", 1)[-1].split(",")
        if len(keys) == 1:
            return self.metadata_item_xml(keys[0])
        root = None
        for key in keys:
            text = self.metadata_item_xml(key)
            if text is None:
                continue
            found = ET.fromstring(text)
            if root is None:
                root = ET.Element("MediaContainer", found.attrib)
            root.extend(list(found))
        if root is None:
            return None
        root.set("size", str(len(root)))
        return ET.tostring(root, encoding="unicode")

    def _delete_metadata(self, request: FakeRequest) -> Reply | str | None:
        """``DELETE /library/metadata/<key>`` (see the module doc)."""
        if not self.allow_media_deletion:
            return Reply(400, "<html><body><h1>400 Bad Request</h1></body></html>", "text/html")
        rating_key = request.path.rsplit("/", 1)[-1]
        if self.metadata.pop(rating_key, None) is not None or any(
            delete(rating_key) for delete in self.deleters
        ):
            self.deleted.append(rating_key)
            return ""
        return None

    def fixture(self, relative: str) -> str:
        """The text of ``shared/fixtures/<relative>``."""
        return (self.fixtures_dir / relative).read_text(encoding="utf-8")

    def route_fixture(self, path: str, relative: str, **kwargs) -> Route:
        """Answer ``path`` with a recorded fixture file."""
        return self.route(path, self.fixture(relative), **kwargs)

    @property
    def root_xml(self) -> str:
        """The recorded PMS root (``GET /``) with this fake's name and machine identifier, and
        ``allowMediaDeletion`` as :attr:`allow_media_deletion` says."""
        return (
            self.fixture(SERVER_BASE_FIXTURE)
            .replace("{name}", self.name)
            .replace("{machine_identifier}", self.machine_identifier)
            .replace(
                'allowMediaDeletion="1"',
                f'allowMediaDeletion="{int(self.allow_media_deletion)}"',
            )
        )

    @property
    def version(self) -> str:
        """The PMS version the root XML reports."""
        match = re.search(r'\bversion="([^"]*)"', self.root_xml)
        return match.group(1) if match else ""

    def _root_xml(self, request: FakeRequest) -> str:
        return self.root_xml

    def _prefs_xml(self, request: FakeRequest) -> str:
        """``/:/prefs``: the recorded settings (JSON) as PMS's XML, ``<Setting id type default
        value .../>`` (booleans ``true``/``false``), with :attr:`prefs` over the values."""
        settings = json.loads(self.fixture(PREFS_FIXTURE))["MediaContainer"]["Setting"]
        root = ET.Element("MediaContainer", size=str(len(settings)))
        for setting in settings:
            values = dict(setting)
            if setting["id"] in self.prefs:
                values["value"] = self.prefs[setting["id"]]
            ET.SubElement(root, "Setting", {k: _xml_value(v) for k, v in values.items()})
        return ET.tostring(root, encoding="unicode")

    def _account_xml(self, request: FakeRequest) -> str:
        """``/myplex/account``, built from plexapi's model (``plexapi.server.Account`` reads
        these attributes of the root ``<MyPlex>`` element; Tautulli's ``get_server_response`` the
        mapping ones), not recorded: ``<MyPlex username mappingState mappingError signInState
        publicAddress publicPort privateAddress privatePort subscription.../>`` from
        :attr:`account`. PMS's ``mappingState`` is ``mapped``, ``waiting``, ``unknown`` or
        ``failed``; ``mappingError`` is "" or e.g. ``unreachable`` / ``publisherror``."""
        attributes = " ".join(f"{name}={quoteattr(value)}" for name, value in self.account.items())
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<MyPlex {attributes} />\n'

    def _updater_status_xml(self, request: FakeRequest) -> str:
        """``/updater/status``, built from plexapi's model (``PlexServer.checkForUpdate`` reads
        the first ``<Release>`` child: ``key version added fixed downloadURL state``; the
        container says ``canInstall``, ``downloadURL``, ``checkedAt``), not recorded. One Release
        from :attr:`update` (``added`` / ``fixed`` are PMS's changelog text, one item a line), or
        none when :attr:`update` is None."""
        root = ET.Element(
            "MediaContainer", size="0", canInstall="0", checkedAt=str(self.clock.now_ms // 1000)
        )
        root.set("status", "0")
        if self.update is not None:
            root.set("size", "1")
            root.set("downloadURL", self.update.get("downloadURL", ""))
            ET.SubElement(root, "Release", {k: str(v) for k, v in self.update.items()})
        return ET.tostring(root, encoding="unicode")

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
        """Bind and serve in a daemon thread; returns self. Started again after :meth:`stop`, it
        serves on the same port (a server back from an outage)."""
        handler = type("FakePlexHandler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self.port = self._httpd.server_address[1]
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="fake-pms", kwargs={"poll_interval": 0.05}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port (requests still sleeping in a delay are abandoned,
        websockets are closed)."""
        with self._ws_lock:
            for ws in self.websockets:
                ws.close(1001)
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
        route = self.routes.get((request.method, request.path)) or self._pattern_route(request)
        # As PMS: the token is checked before the path, so a wrong token gets 401 anywhere.
        accepted = request.token == self.token or request.token in self.user_tokens
        if (route is None or route.auth) and not accepted:
            return 401, "text/html", UNAUTHORIZED_BODY.encode(), route.delay if route else 0.0
        if route is None:
            if any(path == request.path for _, path in self.routes):
                return 405, "text/plain", b"Method Not Allowed", 0.0
            return 404, "text/html", NOT_FOUND_BODY, 0.0
        body = route.body(request) if callable(route.body) else route.body
        if body is None:  # a callable's way of saying "no such item"
            return 404, "text/html", NOT_FOUND_BODY, route.delay
        status, content_type = route.status, route.content_type
        if isinstance(body, Reply):
            status, content_type, body = body.status, body.content_type, body.body
        if status == 200 and content_type == XML_CONTENT_TYPE:
            body = page(body, request)
        elif isinstance(body, Listing):
            body = body.xml()
        if isinstance(body, str):
            body = body.encode("utf-8")
        return status, content_type, body, route.delay

    def _pattern_route(self, request: FakeRequest) -> Route | None:
        for method, pattern, route in self.patterns:
            if method == request.method and pattern.fullmatch(request.path):
                return route
        return None


def _xml_value(value) -> str:
    """A JSON value as PMS writes it in an XML attribute (booleans ``true``/``false``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def page(body: str | bytes | Listing, request: FakeRequest) -> str | bytes:
    """The window ``X-Plex-Container-Start``/``-Size`` asks of a ``MediaContainer`` (as PMS).

    Without those headers/parameters, or when ``body`` is not a MediaContainer, it is unchanged.
    Otherwise only the children from ``start`` (0-based) to ``start + size`` stay, ``size`` says
    how many, ``totalSize`` how many in all and ``offset`` the start. A :class:`Listing` is
    sliced (never parsed); a text answer is parsed and written again.
    """
    raw_start = request.headers.get(
        "x-plex-container-start", request.query.get("X-Plex-Container-Start")
    )
    raw_size = request.headers.get(
        "x-plex-container-size", request.query.get("X-Plex-Container-Size")
    )
    if isinstance(body, Listing):
        if raw_start is None and raw_size is None:
            return body.xml()
        try:
            start = max(0, int(raw_start or 0))
            size = max(0, int(raw_size)) if raw_size is not None else len(body.items)
        except ValueError:
            return body.xml()
        return body.xml(start, size)
    if raw_start is None and raw_size is None:
        return body
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return body
    if root.tag != "MediaContainer":
        return body
    children = list(root)
    try:
        start = max(0, int(raw_start or 0))
        size = max(0, int(raw_size)) if raw_size is not None else len(children)
    except ValueError:
        return body
    for child in children[:start] + children[start + size :]:
        root.remove(child)
    root.set("size", str(len(root)))
    root.set("totalSize", str(len(children)))
    root.set("offset", str(start))
    return ET.tostring(root, encoding="unicode")


class _Handler(BaseHTTPRequestHandler):
    fake: FakePlexServer
    protocol_version = "HTTP/1.1"
    # Headers and body are two writes: with Nagle's algorithm the body waits for the client's
    # delayed ACK of the headers (40 ms a response on Linux), which PMS does not do.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == WEBSOCKET_PATH and self.headers.get("Upgrade", "").lower() == "websocket":
            self._serve_websocket(parts.query)
            return
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

    def _serve_websocket(self, query: str) -> None:
        """Upgrade (RFC 6455 section 4.2) if the token is right, then serve frames until closed."""
        params = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        request = FakeRequest(
            method="GET",
            path=WEBSOCKET_PATH,
            query=params,
            headers={k.lower(): v for k, v in self.headers.items()},
        )
        self.fake.requests.append(request)
        self.close_connection = True
        if self.fake.websockets_refused:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if request.token != self.fake.token or not self.headers.get("Sec-WebSocket-Key"):
            bad_token = request.token != self.fake.token
            body = UNAUTHORIZED_BODY.encode() if bad_token else b"Bad websocket handshake"
            self.send_response(401 if bad_token else 400)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept_key(self.headers["Sec-WebSocket-Key"]))
        self.end_headers()
        self.wfile.flush()
        ws = WebSocketConnection(self.connection, self.rfile)
        self.fake._add_websocket(ws)
        ws.serve()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format, *args):  # noqa: A002 (BaseHTTPRequestHandler's signature)
        pass
