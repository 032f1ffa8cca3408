"""Home statistics answered once per rollup generation (``get_home_stats``, the dashboard).

A card set depends only on the rollups (and the history rows, users and libraries they are
built from, which change the rollups' generation: :func:`stats.rollup.rollup_generation`) and on
the request (window, filters, paging). :func:`home_stats` keeps each answer in the ``stats``
cache (``settings.CACHES``: files in ``DATA_DIR/cache``, shared by the web workers and the
scheduler) under its request and the generation:

* same generation: the stored answer (a few ms, whatever the window);
* a newer generation (a play was written and synced since): one request recomputes it, under a
  lock in the cache; meanwhile the others get the previous answer if it is at most
  :data:`STALE_SECONDS` old, so that fifty dashboards refreshing at once do not compute the same
  year of statistics fifty times;
* the every-minute statistics task recomputes, after its sync, the answers asked for in the
  last hour (:func:`refresh_recent`), so that requests seldom pay for it.

Nothing is served older than the last sync by more than :data:`STALE_SECONDS`; a request alone
(no other computing it) always gets the current generation.
"""

import hashlib
import json
import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from history.watched import watched_marker, watched_percent_for
from libraries.models import Library
from users.models import User

from . import home_stats as cards
from .rollup import bump_generation, fresh_generation, rollup_generation
from .window import StatsWindow

logger = logging.getLogger(__name__)

CACHE = "stats"
STALE_SECONDS = 60  # the every-minute task's period
LOCK_SECONDS = 120  # a recompute that takes longer lets another one start
RECENT_SECONDS = 3600  # requests refreshed in the background after a sync
RECENT_LIMIT = 50
# The form of a cached answer, in its key: entries of an earlier release (cards as Python
# objects, format 1) are never read as this one's JSON text.
ENTRY_FORMAT = 2


def home_stats(window: StatsWindow, **options) -> list[dict]:
    """:func:`stats.home_stats.home_stats` of ``window`` and ``options`` (its keyword
    arguments), from the cache when computed for the current rollup generation (see the module
    docstring). Same result and errors."""
    return json.loads(home_stats_json(window, **options))


def home_stats_json(window: StatsWindow, **options) -> str:
    """:func:`home_stats` as JSON text (``json.dumps(cards, ensure_ascii=False)``), as it is
    cached: what ``get_home_stats`` answers without decoding and encoding it again."""
    generation = fresh_generation()
    cache = caches[CACHE]
    key = _key(window, options)
    entry = cache.get(key)  # (generation, computed at, cards as JSON text)
    if entry is not None and entry[0] == generation:
        return entry[2]
    _remember(key, window, options)
    lock = f"{key}:busy"
    locked = cache.add(lock, 1, LOCK_SECONDS)
    if not locked and entry is not None and time.time() - entry[1] <= STALE_SECONDS:
        return entry[2]  # another request is computing the new generation
    try:
        return _compute(cache, key, generation, window, options)
    finally:
        if locked:  # not another request's lock
            cache.delete(lock)


def refresh_recent() -> int:
    """Recompute the answers asked for in the last hour that are not of the current generation
    (the statistics task calls it after its sync); returns how many were computed."""
    cache = caches[CACHE]
    generation = rollup_generation()
    computed = 0
    for window, options in list((cache.get(_recent_key()) or {}).values()):
        key = _key(window, options)  # today's key: the watched rule may have changed since
        entry = cache.get(key)
        if entry is not None and entry[0] == generation:
            continue
        if cache.add(f"{key}:busy", 1, LOCK_SECONDS):
            try:
                _compute(cache, key, generation, window, options)
                computed += 1
            except Exception:  # noqa: BLE001 - a bad remembered request must not stop the others
                logger.exception("Recomputing home statistics failed")
            finally:
                cache.delete(f"{key}:busy")
    return computed


def _compute(cache, key: str, generation: int, window: StatsWindow, options: dict) -> str:
    result = json.dumps(cards.home_stats(window, **options), ensure_ascii=False)
    cache.set(key, (generation, time.time(), result), RECENT_SECONDS)
    return result


def _key(window: StatsWindow, options: dict) -> str:
    """The request's cache key: the database, the window, the options, the local zone and the
    watched rule (last_watched; editable in the admin)."""
    database = settings.DATABASES["default"]["NAME"]
    watched = (watched_percent_for("movie"), watched_percent_for("episode"), watched_marker())
    text = repr((str(database), settings.TIME_ZONE, watched, window, sorted(options.items())))
    return f"home:{ENTRY_FORMAT}:" + hashlib.sha256(text.encode()).hexdigest()


def _remember(key: str, window: StatsWindow, options: dict) -> None:
    """Note the request (its ``key``) for :func:`refresh_recent` (at most
    :data:`RECENT_LIMIT`, newest)."""
    cache, recent_key = caches[CACHE], _recent_key()
    recent = cache.get(recent_key) or {}
    recent[key] = (window, options)
    while len(recent) > RECENT_LIMIT:
        recent.pop(next(iter(recent)))
    cache.set(recent_key, recent, RECENT_SECONDS)


def _recent_key() -> str:
    """The key of the recent requests of this installation's database."""
    database = str(settings.DATABASES["default"]["NAME"])
    return "home:recent:" + hashlib.sha256(database.encode()).hexdigest()


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
@receiver(post_save, sender=Library)
@receiver(post_delete, sender=Library)
def _names_changed(sender, **kwargs):
    """Users' and libraries' names, pictures and deletion show in the cards."""
    bump_generation()
