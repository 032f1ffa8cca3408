"""The admin's Activity page: every server's streams playing now, and whether each server answers.

Read from the ``sessions`` rows only (:class:`servers.models.Session`): the monitor (websocket) and
the reconciling poll keep them current, so a page view never waits for a Plex Media Server. Two
queries per page or fragment whatever the number of streams: the servers, then the active
sessions (``raw_stream_info`` deferred: it is the large JSON and nothing here needs it).

Shown per stream (Tautulli's activity card, reference 1.3 get_activity): server, user (friendly
name), ``full_title``, player / product / platform, state, progress, quality
(``quality_profile`` and the stream's resolution or audio codec), transcode decision (Direct
Play / Direct Stream / Transcode), bandwidth (kbps), location, IP address and start time. The
totals at the top follow get_activity's rules: counts split on ``transcode_decision``
(``transcode`` / ``copy`` / anything else), bandwidths summed in kbps, LAN for
``location == "lan"``, WAN for every other location.

Progress: a row's ``view_offset`` (ms) is the position at its last event (``stopped``, epoch s).
While the stream plays, and its server is monitored and not known to be down, the position is
extrapolated to now, capped at the duration (live TV has no duration: no cap, no percent).

Each stream is a card (Tautulli's home page): the poster (an episode's show, a track's album)
and the user's avatar through signed image links (:func:`core.image_links.image_url`: resized
and cached by our proxy, no token in the page), a progress bar with the time left, and for staff
with :data:`TERMINATE_PERMISSION` a Terminate link to :func:`terminate_page`.

The page polls :func:`activity_fragment` every :data:`REFRESH_SECONDS` with htmx (Unfold loads it
on every admin page) and swaps the fragment in place (no full reload); images keep their element
across swaps (``hx-preserve``), so posters do not flicker. No token is ever rendered; a server's
last error is shown with its token removed, should it ever contain it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import UnfoldAdminTextInputWidget

from core import clock
from core.image_links import image_url
from core.timeutils import from_epoch
from servers.models import Server, Session
from users.models import User, user_thumb_url

from .activity.terminate import DEFAULT_STOP_MESSAGE, MESSAGE_MAX_LENGTH, terminate_stream
from .demo import is_demo

REFRESH_SECONDS = 5
TERMINATE_PERMISSION = "plex.change_session"  # the sessions' admin is read-only: only this
# Image sizes asked of PMS: twice what a card shows (80 × 120 poster, 80 × 80 cover, 24 px avatar).
POSTER_PIXELS = {"poster": (160, 240), "cover": (160, 160)}
AVATAR_PIXELS = (48, 48)

# transcode_decision → (label, badge variant); anything else counts as direct play (get_activity).
DECISIONS = {
    "transcode": (gettext_lazy("Transcode"), "warning"),
    "copy": (gettext_lazy("Direct Stream"), "info"),
    "direct play": (gettext_lazy("Direct Play"), "success"),
}
STATE_VARIANTS = {
    Session.State.PLAYING: "success",
    Session.State.PAUSED: "warning",
    Session.State.BUFFERING: "danger",
}
LOCATIONS = {"lan": "LAN", "wan": "WAN", "cellular": gettext_lazy("Cellular")}
ERROR_SHOWN = 80  # characters of a server's last error in the lists (all of it in a tooltip)


# --- badges -------------------------------------------------------------------------------------


def badge(text: str, variant: str = "", title: str = "") -> SafeString:
    """Unfold's label (``unfold/helpers/label.html``): ``variant`` is success, info, warning,
    danger, primary or "" (grey); ``title`` a tooltip. Text is escaped."""
    return SafeString(
        render_to_string(
            "unfold/helpers/label.html",
            {"text": text, "variant": variant, "label_title": title},
        ).strip()
    )


def redacted_error(server: Server) -> str:
    """``server.last_error`` with the server's token (if it ever got there) replaced by ``…``."""
    error = server.last_error or ""
    if server.token and server.token in error:
        error = error.replace(server.token, "…")
    return error


def short_time(value) -> str:
    """An aware datetime in the server's time zone: ``"Nov. 22, 6:04 a.m."`` (with the year
    when not this year)."""
    local = timezone.localtime(value)
    fmt = "N j, P" if local.year == clock.today().year else "N j, Y, P"
    return date_format(local, fmt)


def connection_state(server: Server) -> tuple[str, str, str]:
    """(kind, text, tooltip) of the server's connection as the monitor last saw it.

    ``kind``: ``off`` (not monitored), ``unknown`` (never checked: ``connected`` is empty),
    ``up`` or ``down``; ``text`` is e.g. ``"Down since Nov. 22, 6:04 a.m."``.
    """
    if not server.is_active:
        return "off", _("Not monitored"), _("Inactive: the monitor does not watch this server.")
    if server.connected is None:
        return (
            "unknown",
            _("Unknown"),
            _("Not checked yet: is the monitor (manage.py monitor) running?"),
        )
    since = short_time(server.connected_changed_at) if server.connected_changed_at else ""
    if server.connected:
        return "up", _("Up"), (_("Reachable since %s") % since) if since else ""
    text = (_("Down since %s") % since) if since else _("Down")
    return "down", text, redacted_error(server)


CONNECTION_VARIANTS = {"up": "success", "down": "danger", "unknown": "info", "off": ""}


def connection_badge(server: Server) -> SafeString:
    """The Up / Down (since …) / Unknown / Not monitored badge of ``server``."""
    kind, text, title = connection_state(server)
    return badge(text, CONNECTION_VARIANTS[kind], title)


# --- the streams --------------------------------------------------------------------------------


def clock_text(ms: int | None) -> str:
    """Milliseconds as ``m:ss``, or ``h:mm:ss`` from one hour (``""`` for None)."""
    if ms is None:
        return ""
    seconds = max(int(ms), 0) // 1000
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def current_offset(session: Session, now: float, *, extrapolate: bool = True) -> int:
    """The stream's position in ms at ``now`` (epoch s): ``view_offset`` at the last event
    (``stopped``), plus the time since while ``playing`` (when ``extrapolate``), capped at the
    duration when there is one."""
    offset = max(session.view_offset or 0, 0)
    if extrapolate and session.state == Session.State.PLAYING and session.stopped:
        offset += max(0, int((now - int(session.stopped)) * 1000))
    if session.duration and session.duration > 0:
        offset = min(offset, session.duration)
    return offset


@dataclass
class Stream:
    """One row of the Activity table (display values, already worked out)."""

    session: Session
    server: Server
    user: str
    title: str
    player: str
    product: str
    platform: str
    state: str
    offset_ms: int
    duration_ms: int | None
    percent: int | None  # None for live TV / unknown duration
    decision: str  # transcode_decision as stored
    decision_label: str
    decision_variant: str
    decision_detail: str
    quality: str
    bandwidth: int  # kbps
    location: str
    ip_address: str
    started: object  # aware datetime or None
    poster_url: str  # /image/<token>: the show's poster for an episode, the album's for a track
    poster_shape: str  # "poster" (2:3) or "cover" (square: music)
    avatar_url: str  # /image/<token> of the user's plex.tv avatar (placeholder without)

    @property
    def time_left_text(self) -> str:
        """``"12:34 left"`` (``""`` without a duration: live TV)."""
        if self.duration_ms is None:
            return ""
        return _("%s left") % clock_text(self.duration_ms - self.offset_ms)

    @property
    def subtitle(self) -> str:
        """The line under the title: ``"S01E02 · Episode"``, ``"Album · Track 3"``, ``"2019 · Movie"``."""
        session = self.session
        if session.live:
            return _("Live TV")
        kind = (session.media_type or "").capitalize()
        if session.media_type == "episode" and session.parent_media_index and session.media_index:
            return f"S{session.parent_media_index:02d}E{session.media_index:02d} · {kind}"
        if session.media_type == "track" and session.parent_title:
            return f"{session.parent_title} · {kind}"
        return " · ".join(str(p) for p in (session.year, kind) if p)

    @property
    def progress_text(self) -> str:
        if self.percent is None:  # live TV, or a duration PMS did not give
            if self.session.live:
                return _("Live · %s") % clock_text(self.offset_ms)
            return clock_text(self.offset_ms)
        return f"{clock_text(self.offset_ms)} / {clock_text(self.duration_ms)}"

    @property
    def state_variant(self) -> str:
        return STATE_VARIANTS.get(self.state, "")

    @property
    def is_lan(self) -> bool:
        return self.session.location == "lan"


def _quality(session: Session) -> str:
    """``"Original · 1080p"``; for music the codec, and its bitrate when there is no profile
    (``"192 kbps · MP3"``, ``"MP3 320 kbps"``)."""
    parts = [session.quality_profile or ""]
    if session.media_type == "track":
        codec = (session.stream_audio_codec or session.audio_codec or "").upper()
        bitrate = session.stream_audio_bitrate or session.audio_bitrate
        parts.append(codec if parts[0] or not bitrate else f"{codec} {bitrate} kbps".strip())
    else:
        parts.append(session.stream_video_full_resolution or session.video_full_resolution or "")
    return " · ".join(p for p in parts if p)


def _decision_detail(session: Session) -> str:
    parts = []
    if session.video_decision:
        parts.append(_("video: %s") % session.video_decision)
    if session.audio_decision:
        parts.append(_("audio: %s") % session.audio_decision)
    return ", ".join(parts)


def _poster(session: Session) -> tuple[str, str, str]:
    """(PMS image path, fallback, shape) of the stream's poster, as Tautulli's activity card picks
    it: an episode shows its show's poster, a track its album's cover, live TV its channel's."""
    if session.live:
        return session.channel_thumb or session.thumb or "", "poster-live", "poster"
    if session.media_type == "episode":
        return session.grandparent_thumb or session.thumb or "", "poster", "poster"
    if session.media_type == "track":
        return session.parent_thumb or session.thumb or "", "cover", "cover"
    return session.thumb or "", "poster", "poster"


def stream(session: Session, server: Server, now: float) -> Stream:
    """The display row of ``session`` (of ``server``) at ``now`` (epoch seconds). The user's
    avatar comes from the ``avatar``/``custom_avatar`` annotations :func:`snapshot` adds (the
    placeholder without them)."""
    live_server = server.is_active and server.connected is not False
    offset = current_offset(session, now, extrapolate=live_server)
    duration = session.duration if session.duration and session.duration > 0 else None
    percent = min(100, offset * 100 // duration) if duration else None
    decision = session.transcode_decision or "direct play"
    label, variant = DECISIONS.get(decision, DECISIONS["direct play"])
    img, fallback, shape = _poster(session)
    return Stream(
        session=session,
        server=server,
        user=session.friendly_name or session.user or "",
        title=session.full_title or session.title or "",
        player=session.player or "",
        product=session.product or "",
        platform=session.platform or "",
        state=session.state or "",
        offset_ms=offset,
        duration_ms=duration,
        percent=percent,
        decision=decision,
        decision_label=label,
        decision_variant=variant,
        decision_detail=_decision_detail(session),
        quality=_quality(session),
        bandwidth=max(session.bandwidth or 0, 0),
        location=LOCATIONS.get(session.location or "", (session.location or "").upper()),
        ip_address=session.ip_address or "",
        started=from_epoch(session.started),
        poster_url=image_url(server.pk, img, *POSTER_PIXELS[shape], fallback=fallback),
        poster_shape=shape,
        avatar_url=image_url(
            server.pk,
            user_thumb_url(
                getattr(session, "custom_avatar", None), getattr(session, "avatar", None)
            ),
            *AVATAR_PIXELS,
            fallback="user",
        ),
    )


@dataclass
class ServerStatus:
    server: Server
    streams: int

    @property
    def badge(self) -> SafeString:
        return connection_badge(self.server)

    @property
    def demo(self) -> bool:
        return is_demo(self.server)


def snapshot(now: float | None = None) -> dict:
    """Everything the page shows at ``now`` (epoch s, default the current time), in two queries.

    ``{"streams": [Stream], "servers": [ServerStatus], "stream_count", "direct_play",
    "direct_stream", "transcode", "total_bandwidth", "lan_bandwidth", "wan_bandwidth" (kbps),
    "now": aware datetime}``. Streams are ordered by server, then start time.
    """
    now = clock.epoch() if now is None else now
    servers = {server.pk: server for server in Server.objects.order_by("id")}
    # The user's avatar, in the same query (Tautulli's user_thumb: the custom one first).
    users = User.objects.filter(user_id=OuterRef("user_id"))
    sessions = (
        Session.objects.active()  # a stopped row is a history write pending: not shown
        .defer("raw_stream_info")
        .annotate(avatar=Subquery(users.values("thumb")[:1]))
        .annotate(custom_avatar=Subquery(users.values("custom_avatar_url")[:1]))
        .order_by("server_id", "started", "id")
    )
    streams = [stream(s, servers[s.server_id], now) for s in sessions if s.server_id in servers]
    per_server: dict[int, int] = {}
    for row in streams:
        per_server[row.server.pk] = per_server.get(row.server.pk, 0) + 1
    lan = sum(s.bandwidth for s in streams if s.is_lan)
    total = sum(s.bandwidth for s in streams)
    return {
        "streams": streams,
        "servers": [ServerStatus(server, per_server.get(pk, 0)) for pk, server in servers.items()],
        "stream_count": len(streams),
        "direct_play": sum(s.decision not in ("transcode", "copy") for s in streams),
        "direct_stream": sum(s.decision == "copy" for s in streams),
        "transcode": sum(s.decision == "transcode" for s in streams),
        "total_bandwidth": total,
        "lan_bandwidth": lan,
        "wan_bandwidth": total - lan,
        "now": from_epoch(now),
        "several_servers": len(servers) > 1,
    }


# --- views (wired by plex.admin at /admin/activity/) ---------------------------------------------


def _check(model_admin, request) -> None:
    """Staff only (``admin_view`` already sent anonymous and non-staff users to the login page,
    and marks the answer uncacheable); staff without the view permission on sessions get 403."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied


def can_terminate(user) -> bool:
    """Whether ``user`` may stop streams: staff with ``plex.change_session`` ("Can change
    session"; superusers have it). The sessions' admin is read-only, so this permission means
    nothing else."""
    return user.is_staff and user.has_perm(TERMINATE_PERMISSION)


def activity_page(model_admin, request):
    """``/admin/activity/``: the page (fragment inlined, then polled). ``model_admin`` is the
    sessions' admin (its view permission is required)."""
    _check(model_admin, request)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Activity"),
        "fragment_url": reverse("admin:plex_activity_fragment"),
        "sessions_url": reverse("admin:plex_session_changelist"),
        "refresh_seconds": REFRESH_SECONDS,
        "can_terminate": can_terminate(request.user),
        **snapshot(),
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/plex/activity.html", context)


def activity_fragment(model_admin, request):
    """``/admin/activity/fragment/``: the counters, servers and streams as an HTML
    fragment (what the page swaps in every :data:`REFRESH_SECONDS`)."""
    _check(model_admin, request)
    context = {"can_terminate": can_terminate(request.user), **snapshot()}
    return TemplateResponse(request, "admin/plex/activity_fragment.html", context)


class TerminateForm(forms.Form):
    """The message the player shows when its stream is stopped (optional)."""

    message = forms.CharField(
        label=gettext_lazy("Message to the viewer"),
        max_length=MESSAGE_MAX_LENGTH,
        required=False,
        strip=True,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": DEFAULT_STOP_MESSAGE}),
        help_text=gettext_lazy("Shown on the player. Empty: “%(default)s”")
        % {"default": DEFAULT_STOP_MESSAGE},
    )


def terminate_page(model_admin, request, pk: int):
    """``/admin/activity/terminate/<pk>/``: GET asks for a message (the stream shown as on the
    Activity page), POST (CSRF-checked by the admin) stops stream ``pk`` (a ``sessions`` row id)
    through :func:`plex.activity.terminate.terminate_stream` (audited there) and goes back to the
    Activity page with the result as a message. Staff with :data:`TERMINATE_PERMISSION` only
    (403 otherwise); a stream that has ended meanwhile is said so, nothing sent; a message too
    long is a form error, nothing sent."""
    _check(model_admin, request)
    if not can_terminate(request.user):
        raise PermissionDenied
    activity_url = reverse("admin:plex_activity")
    session = (
        Session.objects.active().defer("raw_stream_info").select_related("server").filter(pk=pk)
    ).first()
    if session is None:
        messages.warning(request, _("This stream has ended already: nothing to terminate."))
        return HttpResponseRedirect(activity_url)
    row = stream(session, session.server, clock.epoch())
    form = TerminateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = terminate_stream(
            session.server,
            session_key=session.session_key,
            session_id=None if session.session_key is not None else session.session_id,
            message=form.cleaned_data["message"],
        )
        if result.ok:
            text = _("Stream of %(user)s (%(title)s) terminated.")
            messages.success(request, text % {"user": row.user, "title": row.title})
        else:
            messages.error(request, result.message)
        return HttpResponseRedirect(activity_url)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Terminate a stream"),
        "form": form,
        "s": row,
        "activity_url": activity_url,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/plex/activity_terminate.html", context)
