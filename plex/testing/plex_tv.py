"""A loopback plex.tv for the Plex sign-in: PIN creation and polling, the account, its resources.

Built from plex.tv's recorded answers in ``../shared/fixtures/plex-api.rs/myplex/api/v2/``
(``pins_new.json``, ``pins_linked.json``, ``user/user_info_*.json``, ``resources.json``), served
as the XML plex.tv gives plexapi (which sends no ``Accept: application/json``): each JSON object
becomes an element whose scalar values are attributes, nested objects child elements, lists a
container of singular children (``connections`` → ``<connection/>``, ``features`` →
``<feature id=".."/>``).

Reached through ``settings.PLEX_TV_URL`` (see :func:`plex.sync.plex_session`)::

    with FakePlexTv() as plex_tv:
        settings.PLEX_TV_URL = plex_tv.url
        token = plex_tv.add_account(12345, "owner", servers=[fake_pms])
        ...  # the browser starts the PIN flow: POST /api/v2/pins
        plex_tv.link_pin(plex_tv.last_pin_id, token)  # the user approves it on plex.tv

Each fake PMS in ``servers`` becomes an owned resource whose first (local) connection is the
fake's URL and whose remote connection is a closed loopback port (a connection that fails).
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import socket
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

from .fake_pms import FakePlexServer, FakeRequest, Reply

MYPLEX_V2 = "plex-api.rs/myplex/api/v2"


def to_xml(tag: str, value: dict) -> str:
    """plex.tv's XML form of one JSON object (see the module's docstring)."""
    attributes, children = [], []
    for key, item in value.items():
        if isinstance(item, dict):
            children.append(to_xml(key, item))
        elif isinstance(item, list):
            singular = key[:-1] if key.endswith("s") else key
            inner = "".join(
                to_xml(singular, entry if isinstance(entry, dict) else {"id": entry})
                for entry in item
            )
            children.append(f"<{key}>{inner}</{key}>")
        elif item is not None:
            text = ("1" if item else "0") if isinstance(item, bool) else str(item)
            attributes.append(f"{key}={quoteattr(text)}")
    head = " ".join([tag, *attributes])
    return f"<{head}>{''.join(children)}</{tag}>"


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class FakeAccount:
    """One plex.tv account of the stand-in: its ``/api/v2/user`` object and owned servers."""

    user: dict
    servers: list[FakePlexServer] = field(default_factory=list)


class FakePlexTv:
    """plex.tv on loopback: ``POST /api/v2/pins``, ``GET /api/v2/pins/<id>``, and for a known
    account token ``GET /api/v2/user`` and ``GET /api/v2/resources``."""

    def __init__(self, fixtures_dir: Path | None = None):
        self.fake = FakePlexServer(
            name="plex.tv", token="plex-tv-unused", fixtures_dir=fixtures_dir
        )
        self.accounts: dict[str, FakeAccount] = {}  # auth token → account
        self.pins: dict[int, dict] = {}
        self._pin_ids = itertools.count(111222333)
        self.last_pin_id: int | None = None
        self.fake.route("/api/v2/pins", self._create_pin, method="POST", auth=False)
        self.fake.route_pattern(r"/api/v2/pins/(?P<pin_id>\d+)", self._pin, auth=False)
        self.fake.route("/api/v2/user", self._user, auth=False)
        self.fake.route("/api/v2/resources", self._resources, auth=False)

    def _json(self, name: str):
        return json.loads(self.fake.fixture(f"{MYPLEX_V2}/{name}"))

    # --- accounts ------------------------------------------------------------------------------

    def add_account(
        self,
        user_id: int,
        username: str,
        *,
        servers: list[FakePlexServer] = (),
        email: str = "",
        fixture: str = "user/user_info_plexpass.json",
    ) -> str:
        """Register a plex.tv account (from the recorded ``fixture``) owning the fake PMSs
        ``servers``; returns its auth token (what a linked PIN hands out)."""
        token = f"plex-tv-token-{user_id}"
        user = self._json(fixture)
        user.update(
            id=user_id,
            uuid=f"{user_id:016x}",
            username=username,
            title=username,
            email=email or f"{username}@example.com",
            thumb=f"https://plex.tv/users/{user_id:016x}/avatar",
            authToken=token,
        )
        self.accounts[token] = FakeAccount(user=user, servers=list(servers))
        return token

    def link_pin(self, pin_id: int, token: str) -> None:
        """The user approved PIN ``pin_id`` on plex.tv as the account of ``token``."""
        self.pins[pin_id]["authToken"] = token

    # --- routes --------------------------------------------------------------------------------

    def _create_pin(self, request: FakeRequest) -> Reply:
        pin = self._json("pins_new.json")
        pin_id = next(self._pin_ids)
        pin.update(id=pin_id, code=f"CODE{pin_id}")
        pin["clientIdentifier"] = request.headers.get("x-plex-client-identifier", "")
        self.pins[pin_id] = pin
        self.last_pin_id = pin_id
        return Reply(201, to_xml("pin", pin))

    def _pin(self, request: FakeRequest) -> str | Reply | None:
        pin_id = int(re.fullmatch(r"/api/v2/pins/(\d+)", request.path).group(1))
        pin = self.pins.get(pin_id)
        if pin is None:
            return None
        if pin["authToken"]:  # plex.tv answers the linked form (pins_linked.json)
            pin = dict(self._json("pins_linked.json"), **pin)
        return to_xml("pin", pin)

    def _account(self, request: FakeRequest) -> FakeAccount | None:
        return self.accounts.get(request.token or "")

    def _user(self, request: FakeRequest) -> str | Reply:
        account = self._account(request)
        if account is None:
            return Reply(
                401,
                "<errors><error code='1001' message='User could not be authenticated'/></errors>",
            )
        return to_xml("user", account.user)

    def _resources(self, request: FakeRequest) -> str | Reply:
        account = self._account(request)
        if account is None:
            return Reply(
                401,
                "<errors><error code='1001' message='User could not be authenticated'/></errors>",
            )
        recorded = self._json("resources.json")[0]
        resources = []
        for pms in account.servers:
            resource = copy.deepcopy(recorded)
            local, remote = resource["connections"][0], resource["connections"][1]
            local.update(protocol="http", address=pms.host, port=pms.port, uri=pms.url)
            closed = _closed_port()
            remote.update(
                protocol="http", address="127.0.0.1", port=closed, uri=f"http://127.0.0.1:{closed}"
            )
            resource.update(
                name=pms.name,
                clientIdentifier=pms.machine_identifier,
                accessToken=pms.token,
                connections=[local, remote],
            )
            resources.append(to_xml("resource", resource))
        return f'<resources size="{len(resources)}">{"".join(resources)}</resources>'

    # --- lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.fake.url

    @property
    def requests(self) -> list[FakeRequest]:
        return self.fake.requests

    def start(self) -> FakePlexTv:
        self.fake.start()
        return self

    def stop(self) -> None:
        self.fake.stop()

    def __enter__(self) -> FakePlexTv:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
