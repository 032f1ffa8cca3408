"""Notification parameters: what ``{param}`` in a subject or body, and a custom condition,
can use (reference 4.6; Tautulli's ``NOTIFICATION_PARAMETERS`` and its
``build_media_notify_params`` / ``build_server_notify_params``, v2.17.2).

* :mod:`.catalog` — the catalogue: :data:`~.catalog.CATEGORIES`,
  :data:`~.catalog.PARAMETER_TYPES` (``{key: "str"|"int"|"float"}`` for conditions),
  :func:`~.catalog.notifier_parameters` (``get_notifier_parameters``' answer).
* :func:`stream_parameters` (:mod:`.media`) — a stream action's parameters from the
  monitor's event (session dict, PMS metadata, live sessions for the counters);
  :func:`created_parameters` — on_created's, with grouped season/episode ranges.
* :func:`server_parameters` / :func:`global_parameters` (:mod:`.server`) — server actions and
  the Global category.

Every builder returns a flat dict ``{key: value}``: ints, texts, and
:class:`~.values.DateValue` for dates (formatted with Arrow tokens, default formats
``settings.NOTIFY_DATE_FORMAT`` / ``NOTIFY_TIME_FORMAT``). A value that is not known is ``""``
(as Tautulli's), never missing, for every catalogued key.

Parameters that need data we do not have (always ``""`` unless a caller passes it):

* ``tautulli_remote``, ``tautulli_branch``, ``tautulli_commit``: this is not a git install of
  Tautulli; ``tautulli_version`` is the release we are compatible with.
* ``tautulli_update_*``: nothing here checks GitHub for Tautulli releases (on_plexpyupdate is
  never emitted); :func:`server_parameters` fills them only from Tautulli's keyword
  arguments if a caller gives them.
* ``update_*`` and ``remote_access_*``: filled from what the on_pmsupdate / on_extdown /
  on_extup emitter passes (``pms_download_info``, ``remote_access_info``); no such emitter
  exists yet.
* ``tvmaze_id``/``tvmaze_url`` and the ids Tautulli adds through its optional TheMovieDB,
  TVmaze and MusicBrainz lookups (online APIs with keys): only what PMS's guids say.
* ``poster_url``: Tautulli publishes posters through Imgur/Cloudinary or its self-hosted
  ``/image/<hash>`` route when configured (its default is none, so empty). Our image proxy
  (``pms_image_proxy``) needs an API key and we have no public base URL setting, so a
  notification service could not fetch it: empty until a public, signed image route exists.

Deliberate differences from Tautulli v2.17.2:

* ``started_*``/``stopped_*``/``added_date``... are shown in the server's time zone
  (Tautulli shows them in UTC while ``datestamp`` is local).
* ``stream_duration`` runs to the session's last update, not to the time the (queued)
  notification is built; on_created has 0 (Tautulli counted from 1970).
* The totals (``streams``, ``transcodes``, bandwidths...) count the event's server; the
  ``user_*`` counters the user's streams on every server, as the monitor's on_concurrent.
* A show/artist or season/album announced by on_created is always shown as a group
  (``season_num`` "1-3"...), whatever the grouping settings that made the announcement.
"""

from .catalog import CATEGORIES, PARAMETER_TYPES, PARAMETERS, Parameter, notifier_parameters
from .media import created_parameters, flatten_metadata, stream_parameters
from .server import global_parameters, server_parameters
from .values import DateValue

__all__ = [
    "CATEGORIES",
    "PARAMETERS",
    "PARAMETER_TYPES",
    "DateValue",
    "Parameter",
    "created_parameters",
    "flatten_metadata",
    "global_parameters",
    "notifier_parameters",
    "server_parameters",
    "stream_parameters",
]
