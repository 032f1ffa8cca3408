"""Tautulli's notify actions: the names of the events a notifier can be switched on for.

One table for every layer (reference 4.2): the monitor emits them (``plex.activity.events``), a
notifier has one trigger per action (``notifications.models.NotifierTrigger``), the notify log
records them, and a Tautulli import reads one ``on_*`` column per action of its ``notifiers``
table. :class:`Action` lists the 22 of them in Tautulli's column order (the order of
``notifiers``' columns and of a notifier's triggers), each with a label for people.

Groups, by what the event is about:

* :data:`STREAM_ACTIONS` — a stream (the event carries the session);
* :data:`SERVER_ACTIONS` — the Plex server's reachability, locally (``intdown``/``intup``) or
  through remote access (``extdown``/``extup``);
* :data:`MONITOR_ACTIONS` — every action the Plex integration emits (``plex.activity.events``):
  the two groups above, ``on_created`` (recently added), ``on_pmsupdate`` (a newer Plex Media
  Server is available) and ``on_tokenexpired`` (PMS rejected the server's token).

The other two are not the monitor's: ``on_plexpydbcorrupt`` is raised by the database backup's
integrity check, and ``on_plexpyupdate`` (a newer Tautulli) does not apply to this project, which
does not update itself: it is kept, never emitted, so that a notifier's triggers and a Tautulli
import keep all 22.
"""

from django.db import models


class Action(models.TextChoices):
    """A notify action (Tautulli's ``notify_action``), in Tautulli's order."""

    PLAY = "on_play", "Playback started"
    STOP = "on_stop", "Playback stopped"
    PAUSE = "on_pause", "Playback paused"
    RESUME = "on_resume", "Playback resumed"
    CHANGE = "on_change", "Transcode decision changed"
    BUFFER = "on_buffer", "Buffering warning"
    ERROR = "on_error", "Playback error"
    INTRO = "on_intro", "Intro marker reached"
    CREDITS = "on_credits", "Credits marker reached"
    COMMERCIAL = "on_commercial", "Commercial marker reached"
    WATCHED = "on_watched", "Watched"
    CREATED = "on_created", "Recently added"
    EXTDOWN = "on_extdown", "Remote access down"
    INTDOWN = "on_intdown", "Plex server down"
    EXTUP = "on_extup", "Remote access back up"
    INTUP = "on_intup", "Plex server back up"
    PMSUPDATE = "on_pmsupdate", "Plex server update available"
    CONCURRENT = "on_concurrent", "Concurrent streams of a user"
    NEWDEVICE = "on_newdevice", "User on a new device"
    PLEXPYUPDATE = "on_plexpyupdate", "Tautulli update available"
    PLEXPYDBCORRUPT = "on_plexpydbcorrupt", "Tautulli database corrupt"
    TOKENEXPIRED = "on_tokenexpired", "Plex token expired"


# Actions about one stream: their event carries the session.
STREAM_ACTIONS = frozenset(
    {
        Action.PLAY,
        Action.STOP,
        Action.PAUSE,
        Action.RESUME,
        Action.CHANGE,
        Action.BUFFER,
        Action.ERROR,
        Action.INTRO,
        Action.CREDITS,
        Action.COMMERCIAL,
        Action.WATCHED,
        Action.CONCURRENT,
        Action.NEWDEVICE,
    }
)
# Actions about the Plex server's reachability.
SERVER_ACTIONS = frozenset({Action.INTDOWN, Action.INTUP, Action.EXTDOWN, Action.EXTUP})
# Every action the Plex integration emits (plex.activity.events.emit accepts only these).
MONITOR_ACTIONS = (
    STREAM_ACTIONS | SERVER_ACTIONS | {Action.CREATED, Action.PMSUPDATE, Action.TOKENEXPIRED}
)
