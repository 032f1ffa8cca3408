"""A scriptable timeline of viewers for the fake PMS: who plays what, and the XML/JSON PMS would show.

A :class:`Timeline` owns a test-controlled :class:`Clock` (no sleeping: ``clock.advance(30)``)
and the :class:`Viewer` objects. Each viewer is one playback session (``sessionKey``) of one item
(``ratingKey``) by one user on one player; its methods :meth:`Viewer.play`, :meth:`~Viewer.pause`,
:meth:`~Viewer.resume`, :meth:`~Viewer.seek`, :meth:`~Viewer.buffer` and :meth:`~Viewer.stop`
change its state and emit the websocket ``playing`` notification PMS sends for it.

``/status/sessions`` is built (:meth:`Timeline.sessions_xml`) from XML recorded from real servers
(``shared/fixtures``): the movie and episode sessions from ``home-assistant-core/plex/session_base.xml``
(the episode's titles from ``plex.py/status/sessions.xml``), the track from the ``<Track>`` of
``plex.py/status/sessions.xml`` and live TV from ``home-assistant-core/plex/livetv_sessions.xml``,
with the viewer's state written into ``sessionKey``, ``ratingKey``, ``viewOffset`` (ms),
``<User id title>``, ``<Player address machineIdentifier local relayed secure state>``,
``<Session id bandwidth location>`` and a ``<TranscodeSession>`` unless the viewer direct-plays: the
live TV recording's for a direct stream (``copy``), overlaid with the real video transcode of
``plex-api.rs/transcode/video_sessions.json`` for a ``transcode``, and the real music transcode of
``plex-api.rs/transcode/music_sessions.json`` for a track. The track's ``<Media>`` is the one PMS
decided for a real track (``plex-api.rs/transcode/music_mp3.json``); ``/library/metadata`` shows it
with that track's library media (``plex-api.rs/transcode/metadata_157786.json``), so source and
stream differ as they do on a real server. PMS's JSON answers become XML with
:func:`element_from_json` (the two formats carry the same attributes and children).

:meth:`Viewer.terminate` is what PMS does on ``/status/sessions/terminate``: it remembers the
reason shown to the user (:attr:`Viewer.stop_reason`) and stops the session.

The notification JSON has PMS's shape (as Tautulli's activity handler and plexapi's
``AlertListener`` read it)::

    {"NotificationContainer": {"type": "playing", "size": 1, "PlaySessionStateNotification": [
        {"sessionKey": "1", "clientIdentifier": "...", "guid": "", "ratingKey": "1",
         "url": "", "key": "/library/metadata/1", "viewOffset": 0, "playQueueItemID": 1,
         "state": "playing", "transcodeSession": "..."}]}}

``transcodeSession`` is present only when the viewer does not direct-play; ``state`` is one of
``playing``, ``paused``, ``buffering``, ``stopped``.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

# PMS's metadata type numbers (the ``type`` query parameter of section listings).
PMS_TYPE_NUMBERS = {
    "movie": "1",
    "show": "2",
    "season": "3",
    "episode": "4",
    "artist": "8",
    "album": "9",
    "track": "10",
}
MEDIA_TYPES = ("movie", "episode", "track", "live")
DECISIONS = ("directplay", "copy", "transcode")  # direct play, direct stream, transcode
LOCATIONS = ("lan", "wan", "cellular")  # PMS's <Session location>

MOVIE_FIXTURE = "home-assistant-core/plex/session_base.xml"
SESSIONS_FIXTURE = "plex.py/status/sessions.xml"
LIVE_FIXTURE = "home-assistant-core/plex/livetv_sessions.xml"
VIDEO_TRANSCODE_FIXTURE = "plex-api.rs/transcode/video_sessions.json"
MUSIC_TRANSCODE_FIXTURE = "plex-api.rs/transcode/music_sessions.json"
TRACK_STREAM_FIXTURE = "plex-api.rs/transcode/music_mp3.json"
TRACK_SOURCE_FIXTURE = "plex-api.rs/transcode/metadata_157786.json"
# PMS's XML element for each metadata type of its JSON answers.
ELEMENT_TAGS = {
    "movie": "Video",
    "episode": "Video",
    "clip": "Video",
    "track": "Track",
    "photo": "Photo",
}

# Items on the fake's "library" when the test gives no ratingKey: (ratingKey, duration ms).
DEFAULT_ITEMS = {"movie": ("1", 9_000_000), "episode": ("2", 1_320_000), "track": ("3", 240_000)}


class Clock:
    """The timeline's clock, in milliseconds since the start; only the test moves it."""

    def __init__(self, start_ms: int = 0):
        self.now_ms = start_ms

    def advance(self, seconds: float) -> int:
        """Move the clock forward ``seconds`` (may be fractional); returns the new time in ms."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        self.now_ms += round(seconds * 1000)
        return self.now_ms


@dataclass
class Viewer:
    """One playback session on the fake PMS.

    ``media_type`` is ``movie``/``episode``/``track``/``live``; ``decision`` is ``directplay``,
    ``copy`` (direct stream) or ``transcode``; ``location`` is ``lan``, ``wan`` or ``cellular``
    (``local="1"`` on the player only for ``lan``; ``location`` on the session). ``duration_ms``
    caps ``view_offset``. ``state`` is ``None`` until :meth:`play`, then
    ``playing``/``paused``/``buffering``, and ``stopped`` after :meth:`stop` (the session then
    leaves ``/status/sessions``).

    ``bandwidth`` (kbps) goes on ``<Session>``; ``secure``/``relayed`` on ``<Player>``, with
    ``public_address`` (``remotePublicAddress``) and ``platform`` replacing the recorded player's
    when given. ``attributes`` are set on the item element (e.g. ``grandparentRatingKey``), in
    ``/status/sessions`` and ``/library/metadata`` alike.
    """

    timeline: Timeline
    session_key: str
    rating_key: str
    user_id: int
    user_title: str
    media_type: str = "movie"
    decision: str = "directplay"
    location: str = "lan"
    address: str = "192.168.1.20"
    machine_identifier: str = "fake-player-1"
    player_title: str = "Living Room TV"
    duration_ms: int = 9_000_000
    bandwidth: int = 7000
    secure: bool = True
    relayed: bool = False
    public_address: str | None = None
    platform: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    state: str | None = None
    stop_reason: str | None = None
    _offset_ms: int = 0
    _since_ms: int = 0

    def __post_init__(self):
        for value, allowed in (
            (self.media_type, MEDIA_TYPES),
            (self.decision, DECISIONS),
            (self.location, LOCATIONS),
        ):
            if value not in allowed:
                raise ValueError(f"{value!r} is not one of {allowed}")

    # --- state --------------------------------------------------------------------------------

    @property
    def view_offset(self) -> int:
        """The position in ms now: it moves with the clock only while ``playing``."""
        offset = self._offset_ms
        if self.state == "playing":
            offset += self.timeline.clock.now_ms - self._since_ms
        return min(offset, self.duration_ms) if self.duration_ms else offset

    @property
    def key(self) -> str:
        """The item's key: ``/library/metadata/<ratingKey>``, or ``/livetv/sessions/<id>``."""
        if self.media_type == "live":
            return f"/livetv/sessions/live_tv_{self.session_key}"
        return f"/library/metadata/{self.rating_key}"

    @property
    def transcode_key(self) -> str | None:
        """``/transcode/sessions/<id>`` unless direct-playing."""
        if self.decision == "directplay":
            return None
        return f"/transcode/sessions/fake-transcode-{self.session_key}"

    @property
    def active(self) -> bool:
        """Whether the session shows in ``/status/sessions``."""
        return self.state in ("playing", "paused", "buffering")

    def _set(self, state: str, offset_ms: int | None = None) -> Viewer:
        self._offset_ms = self.view_offset if offset_ms is None else offset_ms
        self._since_ms = self.timeline.clock.now_ms
        self.state = state
        self.timeline._emit(self)
        return self

    def _require_active(self, action: str) -> None:
        if not self.active:
            raise RuntimeError(f"cannot {action} session {self.session_key}: it is {self.state}")

    def play(self, offset_ms: int = 0) -> Viewer:
        """Start playing at ``offset_ms`` (ms); the session appears in ``/status/sessions``."""
        if self.active:
            raise RuntimeError(f"session {self.session_key} is already {self.state}")
        return self._set("playing", offset_ms)

    def pause(self) -> Viewer:
        """Pause where the clock got to."""
        self._require_active("pause")
        return self._set("paused")

    def resume(self) -> Viewer:
        """Play again from where it was paused or buffering."""
        self._require_active("resume")
        return self._set("playing")

    def seek(self, offset_ms: int) -> Viewer:
        """Jump to ``offset_ms`` (ms), keeping the state (PMS reports the new offset)."""
        self._require_active("seek")
        return self._set(self.state, max(0, min(offset_ms, self.duration_ms or offset_ms)))

    def buffer(self) -> Viewer:
        """Stall: the state is ``buffering`` and the offset stops moving."""
        self._require_active("buffer")
        return self._set("buffering")

    def stop(self) -> Viewer:
        """Stop: emits ``stopped`` and leaves ``/status/sessions``."""
        self._require_active("stop")
        return self._set("stopped")

    def terminate(self, reason: str) -> Viewer:
        """What PMS does for ``/status/sessions/terminate``: the player shows ``reason``
        (kept in :attr:`stop_reason`) and the session stops."""
        self._require_active("terminate")
        self.stop_reason = reason
        return self.stop()

    @property
    def session_id(self) -> str:
        """The ``<Session id>`` PMS gives this playback (what terminate is called with)."""
        return f"fake-session-{self.session_key}"

    # --- what PMS shows -----------------------------------------------------------------------

    def notification(self) -> dict:
        """The websocket ``NotificationContainer`` for the current state (see module doc)."""
        item = {
            "sessionKey": self.session_key,
            "clientIdentifier": self.machine_identifier,
            "guid": "",
            "ratingKey": self.rating_key,
            "url": "",
            "key": self.key,
            "viewOffset": self.view_offset,
            "playQueueItemID": int(self.session_key),
            "state": self.state,
        }
        if self.transcode_key:
            item["transcodeSession"] = self.transcode_key.rsplit("/", 1)[-1]
        return {
            "NotificationContainer": {
                "type": "playing",
                "size": 1,
                "PlaySessionStateNotification": [item],
            }
        }

    def element(self) -> ET.Element:
        """This session as the ``<Video>``/``<Track>`` of ``/status/sessions``."""
        elem = copy.deepcopy(self.timeline.templates[self.media_type])
        for child in list(elem):
            if child.tag in ("User", "Player", "Session", "TranscodeSession"):
                elem.remove(child)
        elem.set("sessionKey", self.session_key)
        elem.set("ratingKey", self.rating_key)
        elem.set("key", self.key)
        elem.set("viewOffset", str(self.view_offset))
        if self.duration_ms:  # live TV has none (as recorded)
            for node in (elem, *elem.iter("Media"), *elem.iter("Part")):
                node.set("duration", str(self.duration_ms))
        elem.attrib.update(self.attributes)
        self._set_decisions(elem)
        local = self.location == "lan"
        player = copy.deepcopy(self.timeline.templates["Player"])
        player.attrib.update(
            address=self.address,
            machineIdentifier=self.machine_identifier,
            local="1" if local else "0",
            relayed="1" if self.relayed else "0",
            secure="1" if self.secure else "0",
            state=self.state or "playing",
            title=self.player_title,
            userID=str(self.user_id),
        )
        if self.public_address is not None:
            player.set("remotePublicAddress", self.public_address)
        if self.platform is not None:
            player.set("platform", self.platform)
        elem.append(player)
        ET.SubElement(
            elem,
            "User",
            id=str(self.user_id),
            thumb=f"https://plex.tv/users/{self.user_id}/avatar",
            title=self.user_title,
        )
        ET.SubElement(
            elem,
            "Session",
            id=self.session_id,
            bandwidth=str(self.bandwidth),
            location=self.location,
        )
        if self.transcode_key:
            elem.append(self._transcode_element())
        return elem

    def _transcode_element(self) -> ET.Element:
        """``<TranscodeSession>`` from the recordings (see module doc) with this viewer's key,
        decisions and duration."""
        templates = self.timeline.templates
        if self.media_type == "track":
            transcode = ET.Element("TranscodeSession", templates["MusicTranscodeSession"])
            transcode.set("audioDecision", self.decision)
        else:
            transcode = copy.deepcopy(templates["TranscodeSession"])
            if self.decision == "transcode":
                transcode.attrib.update(templates["VideoTranscodeSession"])
            transcode.attrib.update(videoDecision=self.decision, audioDecision="copy")
        transcode.attrib.pop("subtitleDecision", None)  # no subtitle stream is played
        transcode.attrib.update(key=self.transcode_key, progress="0")
        if self.duration_ms:
            transcode.set("duration", str(self.duration_ms))
        return transcode

    def metadata_element(self) -> ET.Element:
        """The item as ``/library/metadata/<ratingKey>`` shows it (no session children)."""
        elem = self.element()
        for child in list(elem):
            if child.tag in ("User", "Player", "Session", "TranscodeSession"):
                elem.remove(child)
        for attr in ("sessionKey", "viewOffset"):
            elem.attrib.pop(attr, None)
        source_media = self.timeline.templates["source_media"].get(self.media_type)
        if source_media is not None:
            for media in elem.findall("Media"):
                elem.remove(media)
            elem.append(copy.deepcopy(source_media))
        return elem

    def _set_decisions(self, elem: ET.Element) -> None:
        part_decision = "directplay" if self.decision == "directplay" else "transcode"
        main_stream_type = "2" if self.media_type == "track" else "1"  # audio for music
        for part in elem.iter("Part"):
            part.set("decision", part_decision)
            for stream in part.iter("Stream"):
                if self.decision == "directplay":
                    stream.set("decision", "directplay")
                elif stream.get("streamType") == main_stream_type:
                    stream.set("decision", self.decision)
                else:
                    stream.set("decision", "copy")


@dataclass
class Timeline:
    """The viewers of one fake PMS and the clock they share.

    ``listeners`` are called with each notification dict (see :meth:`Viewer.notification`) in the
    order the state changes happen; :attr:`notifications` keeps them all.
    """

    fixtures_dir: Path
    clock: Clock = field(default_factory=Clock)
    viewers: list[Viewer] = field(default_factory=list)
    notifications: list[dict] = field(default_factory=list)
    listeners: list[Callable[[dict], None]] = field(default_factory=list)

    def __post_init__(self):
        self._lock = threading.RLock()
        self.templates = self._load_templates()

    def _load_templates(self) -> dict[str, ET.Element]:
        def root(relative: str) -> ET.Element:
            return ET.fromstring((self.fixtures_dir / relative).read_text(encoding="utf-8"))

        def recorded_json(relative: str) -> dict:
            return json.loads((self.fixtures_dir / relative).read_text(encoding="utf-8"))

        def transcode_attributes(relative: str) -> dict[str, str]:
            recorded = recorded_json(relative)["MediaContainer"]["TranscodeSession"][0]
            return element_from_json("TranscodeSession", recorded).attrib

        movie = root(MOVIE_FIXTURE).find("Video")
        recorded = root(SESSIONS_FIXTURE)
        episode = copy.deepcopy(movie)
        recorded_episode = recorded.find("Video[@type='episode']")
        for attr in ("grandparentTitle", "guid", "index", "parentIndex", "title", "year"):
            episode.set(attr, recorded_episode.get(attr))
        episode.set("type", "episode")
        episode.set("librarySectionID", "2")
        episode.set("librarySectionTitle", "TV Shows")
        episode.set("librarySectionKey", "/library/sections/2")
        track = recorded.find("Track")
        track.attrib.update(librarySectionID="3", librarySectionTitle="Music")
        decided = recorded_json(TRACK_STREAM_FIXTURE)["MediaContainer"]["Metadata"][0]
        track.append(element_from_json("Media", decided["Media"][0]))
        library = recorded_json(TRACK_SOURCE_FIXTURE)["MediaContainer"]["Metadata"][0]
        live = root(LIVE_FIXTURE).find("Video")
        transcode = live.find("Media/TranscodeSession")
        live.find("Media").remove(transcode)
        return {
            "movie": movie,
            "episode": episode,
            "track": track,
            "live": live,
            "Player": movie.find("Player"),
            "TranscodeSession": transcode,
            "VideoTranscodeSession": transcode_attributes(VIDEO_TRANSCODE_FIXTURE),
            "MusicTranscodeSession": transcode_attributes(MUSIC_TRANSCODE_FIXTURE),
            "source_media": {"track": element_from_json("Media", library["Media"][0])},
        }

    def add_viewer(
        self,
        user_id: int = 1,
        user_title: str | None = None,
        media_type: str = "movie",
        rating_key: str | int | None = None,
        duration_ms: int | None = None,
        **kwargs,
    ) -> Viewer:
        """A new viewer (not playing yet: call :meth:`Viewer.play`) with the next ``sessionKey``.

        Without ``rating_key``/``duration_ms`` the item is the default one of its type
        (:data:`DEFAULT_ITEMS`; live TV has no ratingKey of its own and no duration).
        """
        default_key, default_duration = DEFAULT_ITEMS.get(media_type, ("", 0))
        if media_type == "live":
            default_key = self.templates["live"].get("ratingKey")
        with self._lock:
            viewer = Viewer(
                timeline=self,
                session_key=str(len(self.viewers) + 1),
                rating_key=str(rating_key if rating_key is not None else default_key),
                user_id=user_id,
                user_title=user_title or f"user{user_id}",
                media_type=media_type,
                duration_ms=default_duration if duration_ms is None else duration_ms,
                machine_identifier=kwargs.pop(
                    "machine_identifier", f"fake-player-{len(self.viewers) + 1}"
                ),
                **kwargs,
            )
            self.viewers.append(viewer)
        return viewer

    def active(self) -> list[Viewer]:
        """The viewers shown in ``/status/sessions``, by sessionKey."""
        return [v for v in self.viewers if v.active]

    def sessions_xml(self) -> str:
        """``/status/sessions``: ``<MediaContainer size="N">`` with one element per active viewer."""
        container = ET.Element("MediaContainer")
        with self._lock:
            for viewer in self.active():
                container.append(viewer.element())
        container.set("size", str(len(container)))
        return ET.tostring(container, encoding="unicode")

    def terminate(self, session_id: str, reason: str) -> Viewer | None:
        """Stop the active viewer whose ``<Session id>`` is ``session_id`` showing ``reason``
        (PMS's ``/status/sessions/terminate``); None when no such session plays."""
        with self._lock:
            viewer = next((v for v in self.active() if v.session_id == session_id), None)
            if viewer is not None:
                viewer.terminate(reason)
        return viewer

    def metadata_xml(self, rating_key: str) -> str | None:
        """``/library/metadata/<ratingKey>`` for an item some viewer watches, else None."""
        for viewer in self.viewers:
            if viewer.rating_key == rating_key and viewer.media_type != "live":
                container = ET.Element("MediaContainer", size="1")
                container.append(viewer.metadata_element())
                return ET.tostring(container, encoding="unicode")
        return None

    def section_items_xml(self, section_id: str, type_number: str | None) -> str:
        """``/library/sections/<id>/all``: one element per distinct item the viewers watch in
        that section, of PMS type number ``type_number`` (1 movie, 4 episode, 10 track) if given."""
        container = ET.Element("MediaContainer")
        seen = set()
        for viewer in self.viewers:
            elem = viewer.metadata_element()
            if elem.get("librarySectionID") != section_id or viewer.rating_key in seen:
                continue
            if type_number and PMS_TYPE_NUMBERS.get(elem.get("type")) != type_number:
                continue
            seen.add(viewer.rating_key)
            container.append(elem)
        container.set("size", str(len(container)))
        return ET.tostring(container, encoding="unicode")

    def _emit(self, viewer: Viewer) -> None:
        with self._lock:
            message = viewer.notification()
            self.notifications.append(message)
            listeners = list(self.listeners)
        # Outside the lock: a listener may read /status/sessions (as the monitor does on a new
        # session), which the server thread renders under the same lock.
        for listener in listeners:
            listener(message)


def element_from_json(tag: str, data: dict) -> ET.Element:
    """PMS's JSON object ``data`` as the XML element PMS sends for it: scalars become attributes
    (booleans ``1``/``0``), lists of objects become child elements named by their key
    (``"Media": [...]`` → ``<Media>``, ``"Part"`` → ``<Part>``, ``"Genre"`` → ``<Genre>``...)."""
    elem = ET.Element(tag)
    for key, value in data.items():
        if isinstance(value, dict):
            elem.append(element_from_json(key, value))
        elif isinstance(value, list):
            for child in value:
                if isinstance(child, dict):
                    elem.append(element_from_json(key, child))
        elif isinstance(value, bool):
            elem.set(key, "1" if value else "0")
        elif value is not None:
            elem.set(key, str(value))
    return elem


def metadata_container_from_json(recorded: dict, index: int = 0) -> ET.Element:
    """One item of PMS's JSON ``{"MediaContainer": {..., "Metadata": [...]}}`` as the
    ``<MediaContainer size="1">`` PMS sends for ``/library/metadata/<ratingKey>``: the container's
    attributes kept, the item's element named for its type (:data:`ELEMENT_TAGS`, else
    ``Directory``)."""
    source = recorded["MediaContainer"]
    item = source["Metadata"][index]
    container = element_from_json(
        "MediaContainer", {k: v for k, v in source.items() if k != "Metadata"}
    )
    container.set("size", "1")
    container.append(element_from_json(ELEMENT_TAGS.get(item.get("type"), "Directory"), item))
    return container
