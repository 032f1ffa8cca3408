"""Fake PMS / plex.tv routes for the Plex server tools (:mod:`plex.server_tools`).

What is recorded and what is built:

* ``/:/prefs`` and ``/updater/status`` are the fake's own routes (:mod:`plex.testing.fake_pms`:
  prefs recorded, the updater built);
* ``GET /diagnostics/logs`` (:func:`add_log_zip`) — **built**: no recording of PMS's log zip is
  in ``shared/fixtures``. A zip holding ``<name>.log`` files at its root, as PMS's "Download
  logs" gives. :func:`captured_log_lines` writes PMS log lines back from the rows Tautulli
  answered in the ``tautulli-dart/log/get_plex_log.json`` capture (``time [thread] LEVEL -
  message``, PMS's line form; the thread number is made up);
* plex.tv's ``GET /servers/<machine>/sync_lists`` and ``DELETE
  /devices/<client>/sync_items/<id>`` (:func:`add_sync_lists`) — **built** from the XML
  attributes Tautulli's ``PlexTV.get_synced_items`` reads (no recording): ``<SyncList
  clientIdentifier><Device userID name platform/><SyncItems><SyncItem id rootTitle title
  metadataType contentType><Status state itemsCount itemsCompleteCount itemsDownloadedCount
  totalSize failure/><MediaSettings maxVideoBitrate musicBitrate photoQuality
  videoQuality/><Location uri/></SyncItem>...``, answering the :class:`SyncedItem` list.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from urllib.parse import quote
from xml.etree import ElementTree as ET

from .fake_pms import FakePlexServer, FakeRequest, Reply

LOG_CAPTURE = "tautulli-dart/log/get_plex_log.json"


def captured_log_lines(fake: FakePlexServer) -> list[str]:
    """PMS log lines rebuilt from Tautulli's captured ``get_plex_log`` rows (see module doc)."""
    rows = json.loads(fake.fixture(LOG_CAPTURE))["response"]["data"]["data"]
    return [f"{time} [140097] {level} - {message}" for time, level, message in rows]


def log_zip(files: dict[str, str]) -> bytes:
    """A zip of ``{"Plex Media Server.log": text, ...}``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def add_log_zip(fake: FakePlexServer, files: dict[str, str]) -> None:
    """Serve ``files`` as PMS's ``GET /diagnostics/logs`` zip (token required)."""
    fake.route("/diagnostics/logs", log_zip(files), content_type="application/zip")


@dataclass
class SyncedItem:
    """One item synced to a device (the values plex.tv's sync list gives)."""

    sync_id: str
    title: str
    uri: str  # the <Location uri>, e.g. library://<uuid>/item/%2Flibrary%2Fmetadata%2F108
    client_id: str = "95434se643fsf24f-com-plexapp-android"
    device_name: str = "Tyrion's iPad"
    platform: str = "iOS"
    user_id: str = "1"
    root_title: str = "Movies"
    metadata_type: str = "movie"
    content_type: str = "video"
    state: str = "complete"
    items: int = 1
    downloaded: int = 1
    total_size: str = "560718134"
    video_bitrate: str = "4000"


def _sync_lists_xml(items: list[SyncedItem]) -> str:
    root = ET.Element("SyncLists", size="0")
    by_client: dict[str, list[SyncedItem]] = {}
    for item in items:
        by_client.setdefault(item.client_id, []).append(item)
    for number, (client_id, client_items) in enumerate(by_client.items(), 1):
        first = client_items[0]
        sync_list = ET.SubElement(
            root, "SyncList", id=str(number), clientIdentifier=client_id, version="2"
        )
        ET.SubElement(
            sync_list,
            "Device",
            name=first.device_name,
            platform=first.platform,
            userID=first.user_id,
            clientIdentifier=client_id,
        )
        container = ET.SubElement(sync_list, "SyncItems")
        for item in client_items:
            elem = ET.SubElement(
                container,
                "SyncItem",
                id=item.sync_id,
                version="1",
                rootTitle=item.root_title,
                title=item.title,
                metadataType=item.metadata_type,
                contentType=item.content_type,
            )
            ET.SubElement(
                elem,
                "Status",
                failureCode="",
                failure="",
                state=item.state,
                itemsCount=str(item.items),
                itemsCompleteCount=str(item.downloaded),
                itemsDownloadedCount=str(item.downloaded),
                totalSize=item.total_size,
            )
            ET.SubElement(
                elem,
                "MediaSettings",
                maxVideoBitrate=item.video_bitrate,
                musicBitrate="192",
                photoQuality="74",
                videoQuality="100",
            )
            ET.SubElement(elem, "Location", uri=item.uri)
    root.set("size", str(len(root)))
    return ET.tostring(root, encoding="unicode")


def add_sync_lists(plextv: FakePlexServer, machine_id: str, items: list[SyncedItem]) -> None:
    """Serve plex.tv's sync lists of server ``machine_id`` from ``items`` (a live list: a
    DELETE of ``/devices/<client>/sync_items/<id>`` removes the item, 404 when unknown)."""
    plextv.route(f"/servers/{machine_id}/sync_lists", lambda request: _sync_lists_xml(items))

    def delete(request: FakeRequest):
        parts = request.path.split("/")  # ["", "devices", client, "sync_items", id]
        for item in items:
            if quote(item.client_id, safe="") == parts[2] and item.sync_id == parts[4]:
                items.remove(item)
                return Reply(200, "")
        return None

    plextv.route_pattern(r"/devices/[^/]+/sync_items/[^/]+", delete, method="DELETE")
