"""Live sessions as Tautulli's ``get_activity`` shows them (reference 1.3 "get_activity", 3.1).

* :func:`session_info` (:mod:`.parse`) — one session of ``PlexServer.sessions()`` as Tautulli's
  session dict (its ``pmsconnect.get_session_each``): about 250 keys, every key of the v2.17.2
  capture (``shared/fixtures/tautulli-dart/activity/get_activity__by_session_key.json``) with the
  same JSON type: PMS's attribute text for most values, ints for flags and counters, lists for
  people, genres, guids and markers. Built from :mod:`.library` (the item's metadata and source
  file), :mod:`.playback` (user, player, transcoder, streams) and :mod:`.readers`.
* :class:`MetadataCache`, :class:`RecentMetadata` (:mod:`.cache`) — the library items read for
  the sessions of one answer, or of the monitor's polls; :func:`load_lookups` (:mod:`.lookups`)
  — the users and library names from the database.
* :func:`session_columns` (:mod:`.columns`) — the part of such a dict that fits a
  :class:`servers.models.Session` row, plus ``raw_stream_info`` (the whole dict as JSON), as the
  monitor stores it.
* :func:`activity_data` (:mod:`.activity`) — Tautulli's ``get_activity`` ``data`` for a server:
  counters, bandwidths and every session; or one session by ``session_key``/``session_id``.

Where the values come from (as Tautulli takes them):

* ``/status/sessions`` (the plexapi session item): the player, user, ``<Session>``,
  ``<TranscodeSession>`` and the *stream* (``stream_*``): the media, part and streams PMS is
  sending, chosen by ``selected``.
* ``/library/metadata/<ratingKey>`` (:meth:`MetadataCache.source <.cache.MetadataCache.source>`): titles, people, markers and
  the *source* (``container``, ``bitrate``, ``video_*``, ``audio_*``, ``subtitle_*``, ``file``): the
  library media matching the streamed media's id (else the first). For an episode the show's
  studio, people, genres, labels and collections, for a track the album's year, genres, labels
  and collections (one more request each, as Tautulli does). When PMS cannot give the metadata
  (live TV, a deleted item, an error) the session item stands in for it.
* The database: ``users.User`` for the account fields, ``libraries.Library`` for the library
  name when PMS does not say it. Callers showing many sessions pass both preloaded
  (``users``/``library_names``, see :func:`load_lookups`) so the queries do not grow with them.

Values are PMS's attribute text, verbatim (read from the element each plexapi object was built
from): Tautulli's fields are those strings, and plexapi's typed attributes would not give them
back (``titleSort`` defaults to the title, ``frameRate="24.000"`` becomes ``24.0``, dates become
local datetimes, ``relayed``/``secure`` lose "not said", and the live-TV ``channel*`` attributes
of ``<Media>`` are not parsed at all). Navigation (media → parts → streams, player, session,
transcode session, tags, markers) goes through plexapi's objects.

Deliberate differences from Tautulli v2.17.2 (reference 9):

* A user the database does not know keeps the id and name PMS gives (Tautulli answered its
  "Local" user, id 0, which also lost the play's owner in history); ``do_notify`` and
  ``keep_history`` are 1 for such a user until the users list is refreshed.
* Every session dict has every key, whatever the media type (Tautulli left some out, e.g.
  ``stream_video_full_resolution`` for tracks), and flags are always 0/1 ints (``secure`` was
  null when PMS did not say it).
* Sessions are sorted by session key as numbers (Tautulli sorted the strings: "10" < "2").
* ``stream_count`` counts the sessions listed (PMS's count included background theme music,
  which is not listed).
"""

from .activity import COUNTERS, activity_data, find_session, session_id_of
from .cache import MetadataCache, RecentMetadata
from .columns import BOOKKEEPING_COLUMNS, session_columns
from .lookups import load_lookups
from .parse import session_info

__all__ = [
    "BOOKKEEPING_COLUMNS",
    "COUNTERS",
    "MetadataCache",
    "RecentMetadata",
    "activity_data",
    "find_session",
    "load_lookups",
    "session_columns",
    "session_id_of",
    "session_info",
]
