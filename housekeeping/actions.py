"""Acting on a deletion candidate, safely, with an audit row for every action.

* :func:`plan_action` — what an action would do (target, steps in words, files, bytes, the
  requests it would send), without any network call: the admin's confirmation page and the
  dry runs show it.
* :func:`act_on` — claim the candidate (nothing is done twice), write the "started"
  :class:`~housekeeping.models.ActionLog` row, then act: through Radarr for a movie Radarr has,
  through Sonarr for a show / season / episode Sonarr has, else through Plex
  (:func:`plex.housekeeping.delete_item`); then clear the Overseerr / Jellyseerr request.
* :func:`resume_interrupted` — close the "started" rows a crash left, after checking the item
  in its target.

Safety: a lookup that fails (service down, HTTP error) fails the action — it never falls back
to Plex and never counts as "gone"; a season or episode without its number is refused, never
widened to the whole show; an item the service no longer has is recorded "already gone".
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q

from core.clock import now as clock_now
from core.housekeeping_events import action_finished
from housekeeping.models import ActionLog, Candidate, ExternalMedia, MediaService, RuleSet
from housekeeping.services import ServiceError, ServiceNotFound, client_for
from libraries.models import LibraryMedia

logger = logging.getLogger(__name__)

SHOW_TYPES = ("show", "season", "episode")
DELETING = (RuleSet.ACTION_DELETE, RuleSet.ACTION_UNMONITOR_DELETE)


class ActionRefused(Exception):
    """:func:`act_on` would not start: the candidate is not open (already acting, acted, kept
    or excluded). Nothing was sent and no audit row was written."""


class ActionFailed(Exception):
    """The action cannot be done as asked (one line, the candidate's ``reason``)."""


@dataclass
class ActionPlan:
    """What acting on a candidate would do.

    ``target``: ``"radarr:<name>"``, ``"sonarr:<name>"``, ``"plex"`` or ``""`` (action
    "nothing"); ``steps``: human-readable lines; ``files``: the item's file paths and, for a
    show / season / artist / album, those of its present children; ``size``: bytes (None:
    unknown); ``requests``: what would be sent (``{"service", "method", "path", "query"?,
    "json"?}``, ids from the last sync); ``refused``: why it cannot be done ("" when it can).
    """

    target: str
    action: str
    steps: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    size: int | None = None
    requests: list[dict] = field(default_factory=list)
    refused: str = ""


# -- what an item is -------------------------------------------------------------------------


def _show_of(item: LibraryMedia) -> LibraryMedia | None:
    """The show of a show / season / episode (itself for a show)."""
    if item.media_type == "show":
        return item
    key = item.parent_rating_key if item.media_type == "season" else item.grandparent_rating_key
    if key is None:
        return None
    return LibraryMedia.objects.filter(server_id=item.server_id, rating_key=key).first()


def _numbers(item: LibraryMedia) -> tuple[int | None, int | None]:
    """(season number, episode number) of a season or an episode (None when PMS gave none)."""
    if item.media_type == "season":
        return item.media_index, None
    if item.media_type == "episode":
        return item.parent_media_index, item.media_index
    return None, None


def _files(item: LibraryMedia) -> list[str]:
    """The item's file paths, then its present children's (episodes of a show or season,
    tracks of an artist or album) in their order."""
    files = list(item.file_paths or [])
    if item.media_type in ("show", "season", "artist", "album"):
        children = (
            LibraryMedia.objects.present()
            .filter(server_id=item.server_id)
            .filter(
                Q(parent_rating_key=item.rating_key) | Q(grandparent_rating_key=item.rating_key)
            )
            .order_by("parent_media_index", "media_index", "id")
            .values_list("file_paths", flat=True)
        )
        for paths in children:
            files.extend(paths or [])
    return files


def _label(item: LibraryMedia) -> str:
    season, episode = _numbers(item)
    if item.media_type == "season":
        show = item.parent_title or "?"
        return f"{show} season {season if season is not None else '?'}"
    if item.media_type == "episode":
        return f"{item.grandparent_title or '?'} S{season or 0:02d}E{episode or 0:02d} {item.title}"
    return f"{item.title} ({item.year})" if item.year else item.title


def _services(kind: str, server_id: int):
    """Active services of ``kind`` (radarr / sonarr) or request services, allowed to hold the
    items of ``server_id`` (no servers chosen: every server)."""
    kinds = [kind] if kind != "requests" else [MediaService.OVERSEERR, MediaService.JELLYSEERR]
    return list(
        MediaService.objects.filter(is_active=True, kind__in=kinds)
        .filter(Q(servers__isnull=True) | Q(servers=server_id))
        .distinct()
        .order_by("name")
    )


def _id_filter(item: LibraryMedia, *, movie: bool) -> Q | None:
    """The ExternalMedia filter matching ``item`` by its ids (None: it has none)."""
    q = Q()
    if movie:
        if item.tmdb_id:
            q |= Q(tmdb_id=item.tmdb_id)
        if item.imdb_id:
            q |= Q(imdb_id=item.imdb_id)
    else:
        if item.tvdb_id:
            q |= Q(tvdb_id=item.tvdb_id)
        if item.tmdb_id:
            q |= Q(tmdb_id=item.tmdb_id)
    return q or None


def _synced(item: LibraryMedia, show: LibraryMedia | None):
    """(service, ExternalMedia) of the Radarr / Sonarr that listed the item at the last sync,
    or (None, None)."""
    movie = item.media_type == "movie"
    source = item if movie else show
    if source is None or (not movie and item.media_type not in SHOW_TYPES):
        return None, None
    services = _services(MediaService.RADARR if movie else MediaService.SONARR, item.server_id)
    q = _id_filter(source, movie=movie)
    if not services or q is None:
        return None, None
    row = (
        ExternalMedia.objects.filter(service__in=services, media_type="movie" if movie else "show")
        .filter(q)
        .select_related("service")
        .order_by("service__name")
        .first()
    )
    return (row.service, row) if row else (None, None)


# -- the plan --------------------------------------------------------------------------------


def _req(service: str, method: str, path: str, query: dict | None = None, json=None) -> dict:
    entry = {"service": service, "method": method, "path": path}
    if query:
        entry["query"] = query
    if json is not None:
        entry["json"] = json
    return entry


def _yes(value: bool) -> str:
    return "true" if value else "false"


def plan_action(candidate: Candidate) -> ActionPlan:
    """What :func:`act_on` would do for ``candidate``, from the local data only (the last
    sync of the services, the inventory): no network call. The real action looks the item up
    again first; its ActionLog says what was actually sent."""
    rule_set = candidate.rule_set
    item = candidate.item
    action = rule_set.action
    size = item.total_file_size if item.total_file_size is not None else item.file_size
    plan = ActionPlan(target="", action=action, files=_files(item), size=size)
    if plan.size is None:
        plan.size = candidate.size
    label = _label(item)
    if action == RuleSet.ACTION_NOTHING:
        plan.steps.append(f"Do nothing with {label}: the action is only recorded.")
        return plan

    show = _show_of(item) if item.media_type in SHOW_TYPES else None
    service, row = _synced(item, show)
    if service is not None and service.kind == MediaService.RADARR:
        _plan_radarr(plan, rule_set, service, row, label)
    elif service is not None:
        _plan_sonarr(plan, rule_set, item, service, row, label)
    else:
        plan.target = "plex"
        if action == RuleSet.ACTION_UNMONITOR:
            plan.refused = "no Radarr/Sonarr lists this item: there is nothing to unmonitor"
            plan.steps.append(f"Refused: {plan.refused}.")
            return plan
        plan.steps.append(
            f"Delete {label} from Plex server {item.server} (rating key {item.rating_key}),"
            " with its files on the server's disks."
        )
        plan.requests.append(_req("plex", "DELETE", f"/library/metadata/{item.rating_key}"))
    if plan.refused:
        return plan
    if action in DELETING and rule_set.clear_requests:
        _plan_requests(plan, item, show)
    if plan.files:
        plan.steps.append(f"Files concerned: {len(plan.files)}.")
    return plan


def _plan_radarr(plan, rule_set, service, row, label):
    plan.target = f"radarr:{service.name}"
    path = f"/api/v3/movie/{row.external_id}"
    where = f"in Radarr {service.name}"
    if rule_set.action in (RuleSet.ACTION_UNMONITOR, RuleSet.ACTION_UNMONITOR_DELETE):
        plan.steps.append(f"Unmonitor {label} {where}.")
        plan.requests.append(_req(plan.target, "PUT", path, json={"monitored": False}))
    if rule_set.action == RuleSet.ACTION_UNMONITOR_DELETE:
        plan.steps.append(f"Delete its file {where} ({row.path}); the movie stays, unmonitored.")
        file_id = (row.data or {}).get("movie_file_id") or "<movie file>"
        plan.requests.append(_req(plan.target, "DELETE", f"/api/v3/moviefile/{file_id}"))
    if rule_set.action == RuleSet.ACTION_DELETE:
        exclusion = rule_set.add_import_exclusion
        plan.steps.append(
            f"Delete {label} {where} with its files ({row.path})"
            + (", and add an import exclusion." if exclusion else ".")
        )
        plan.requests.append(
            _req(
                plan.target,
                "DELETE",
                path,
                {"deleteFiles": "true", "addImportExclusion": _yes(exclusion)},
            )
        )


def _plan_sonarr(plan, rule_set, item, service, row, label):
    plan.target = f"sonarr:{service.name}"
    action = rule_set.action
    series = f"/api/v3/series/{row.external_id}"
    where = f"in Sonarr {service.name}"
    exclusion = rule_set.add_import_exclusion
    delete_series = _req(
        plan.target,
        "DELETE",
        series,
        {"deleteFiles": "true", "addImportListExclusion": _yes(exclusion)},
    )
    season, episode = _numbers(item)
    if item.media_type == "show":
        if action == RuleSet.ACTION_DELETE:
            plan.steps.append(
                f"Delete the series {label} {where} with its files ({row.path})"
                + (", and add an import-list exclusion." if exclusion else ".")
            )
            plan.requests.append(delete_series)
            return
        plan.steps.append(f"Unmonitor the series {label} and its seasons {where}.")
        plan.requests.append(_req(plan.target, "PUT", series, json={"monitored": False}))
        if action == RuleSet.ACTION_UNMONITOR_DELETE:
            plan.steps.append(f"Delete every episode file of {label} {where} ({row.path}).")
            plan.requests.append(
                _req(
                    plan.target,
                    "DELETE",
                    "/api/v3/episodefile/bulk",
                    json={"episodeFileIds": "<every file of the series>"},
                )
            )
        return
    if season is None or (item.media_type == "episode" and episode is None):
        plan.refused = f"the {item.media_type}'s number is unknown: refusing to act on the series"
        plan.steps.append(f"Refused: {plan.refused}.")
        return
    if item.media_type == "season":
        if action in DELETING:
            plan.steps.append(f"Delete the episode files of {label} {where}.")
            plan.requests.append(
                _req(
                    plan.target,
                    "DELETE",
                    "/api/v3/episodefile/bulk",
                    json={"episodeFileIds": f"<files of season {season}>"},
                )
            )
        plan.steps.append(f"Unmonitor {label} and its episodes {where}.")
        plan.requests.append(
            _req(
                plan.target,
                "PUT",
                "/api/v3/episode/monitor",
                json={"episodeIds": f"<episodes of season {season}>", "monitored": False},
            )
        )
        plan.requests.append(_req(plan.target, "PUT", series, json={"seasons": "<unmonitored>"}))
        if action in DELETING and rule_set.delete_show_if_empty:
            plan.steps.append(f"Then delete the series {where} if no episode file is left.")
            plan.requests.append(delete_series)
        return
    if action in DELETING:
        plan.steps.append(f"Delete the file of {label} {where}.")
        plan.requests.append(
            _req(
                plan.target, "DELETE", f"/api/v3/episodefile/<file of S{season:02d}E{episode:02d}>"
            )
        )
    plan.steps.append(f"Unmonitor {label} {where}.")
    plan.requests.append(
        _req(
            plan.target,
            "PUT",
            "/api/v3/episode/monitor",
            json={"episodeIds": f"<S{season:02d}E{episode:02d}>", "monitored": False},
        )
    )


def _plan_requests(plan, item, show):
    source = item if item.media_type == "movie" else show
    if source is None or item.media_type not in ("movie", "show"):
        return
    services = _services("requests", item.server_id)
    q = _id_filter(source, movie=item.media_type == "movie")
    if not services or q is None:
        return
    rows = ExternalMedia.objects.filter(service__in=services, media_type=item.media_type).filter(q)
    for row in rows.select_related("service"):
        target = f"{row.service.kind}:{row.service.name}"
        plan.steps.append(
            f"Clear the request by {row.requested_by or 'someone'} in {row.service.name}."
        )
        plan.requests.append(_req(target, "DELETE", f"/api/v1/request/{row.external_id}"))
        if (row.data or {}).get("media_id"):
            plan.requests.append(_req(target, "DELETE", f"/api/v1/media/{row.data['media_id']}"))


# -- acting ----------------------------------------------------------------------------------


def act_on(
    candidate: Candidate, *, actor=None, actor_label: str, dry_run: bool | None = None
) -> ActionLog:
    """Act on ``candidate`` as its rule set says, and return the (finished) audit row.

    ``dry_run`` None: the rule set's. ``actor`` the admin user (or None), ``actor_label`` who
    in words ("schedule", "api", "admin: alice").

    The candidate is claimed first (pending / postponed / failed → acting, one conditional
    UPDATE) together with the "started" ActionLog (plan, trace, files, bytes): anything else
    raises :class:`ActionRefused` and does nothing. Then a dry run or the "nothing" action
    records the requests it would send (status ``dry_run``, the candidate back to its status);
    a real action sends them (status ``done``: the candidate ``acted``; ``failed`` with one
    line: the candidate ``failed``, ``reason`` set). ``action_finished`` is sent on commit.
    """
    with transaction.atomic():
        current = Candidate.objects.filter(pk=candidate.pk).values_list("status", flat=True).first()
        claimed = current in Candidate.OPEN and (
            Candidate.objects.filter(pk=candidate.pk, status=current).update(
                status=Candidate.ACTING
            )
            == 1
        )
        if not claimed:
            raise ActionRefused(f"candidate {candidate.pk} is {current or 'gone'}: not acting")
        candidate.refresh_from_db()
        rule_set = candidate.rule_set
        item = candidate.item
        plan = plan_action(candidate)
        if dry_run is None:
            dry_run = rule_set.dry_run
        log = ActionLog.record(
            candidate,
            actor=actor,
            actor_label=actor_label,
            title=_label(item),
            action=rule_set.action,
            dry_run=dry_run or rule_set.action == RuleSet.ACTION_NOTHING,
            target=plan.target,
            files=plan.files,
            size=plan.size,
            requests=plan.requests,
            status=ActionLog.STARTED,
            result="\n".join(plan.steps),
        )

    if log.dry_run:
        return _finish(log, candidate, ActionLog.DRY_RUN, "\n".join(plan.steps), back_to=current)
    if plan.refused:
        return _finish(log, candidate, ActionLog.FAILED, f"refused: {plan.refused}", sent=[])
    sent: list[dict] = []
    try:
        result = _execute(candidate, rule_set, item, log, sent)
    except (ActionFailed, ServiceError) as error:
        return _finish(log, candidate, ActionLog.FAILED, str(error), sent=sent)
    return _finish(log, candidate, ActionLog.DONE, result, sent=sent)


def _finish(log, candidate, status, result, *, sent=None, back_to=None) -> ActionLog:
    """Close the audit row and the candidate; send ``action_finished`` on commit."""
    now = clock_now()
    line = result.splitlines()[0] if result else ""
    with transaction.atomic():
        log.status = status
        log.result = result
        log.finished_at = now
        fields = ["status", "result", "finished_at", "target"]
        if sent is not None:
            log.requests = sent
            fields.append("requests")
        log.save(update_fields=fields)
        if back_to is not None:
            update = {"status": back_to}
        elif status == ActionLog.DONE:
            update = {"status": Candidate.ACTED, "acted_at": now, "reason": ""}
        elif status == ActionLog.FAILED:
            update = {"status": Candidate.FAILED, "reason": line[:500]}
        else:
            update = {"status": Candidate.PENDING}
        Candidate.objects.filter(pk=candidate.pk, status=Candidate.ACTING).update(**update)
        for name, value in update.items():
            setattr(candidate, name, value)
        log_id = log.pk
        transaction.on_commit(
            lambda: action_finished.send(sender=ActionLog, action_log_id=log_id, status=status)
        )
    if status == ActionLog.FAILED:
        logger.warning("Housekeeping action %s failed: %s", log_id, line)
    return log


def _execute(candidate, rule_set, item, log, sent) -> str:
    """Send the action; return the result text. Raises ActionFailed / ServiceError."""
    show = _show_of(item) if item.media_type in SHOW_TYPES else None
    service, client, found = _find_live(item, show, sent)
    if service is not None:
        log.target = f"{service.kind}:{service.name}"
        if service.kind == MediaService.RADARR:
            result = _act_radarr(client, rule_set, found, sent)
        else:
            result = _act_sonarr(client, rule_set, item, found, sent)
    else:
        log.target = "plex"
        result = _act_plex(rule_set, item, sent)
    series_deleted = "series deleted" in result
    if (
        rule_set.clear_requests
        and rule_set.action in DELETING
        and (item.media_type in ("movie", "show") or series_deleted)
    ):
        cleared = _clear_requests(item, show, sent)
        if cleared:
            result += "\n" + cleared
    return result


def _record(client, sent):
    """Copy what ``client`` sent so far into ``sent`` (and forget it in the client)."""
    sent.extend(client.sent)
    client.sent.clear()


def _find_live(item, show, sent):
    """(service, client, resource) of the Radarr / Sonarr that has the item now, or
    (None, None, None). Every applicable service is asked (the synced one first); a service
    that cannot answer raises ServiceUnavailable — never read as "not there"."""
    movie = item.media_type == "movie"
    if not movie and item.media_type not in SHOW_TYPES:
        return None, None, None
    source = item if movie else show
    if source is None:
        if item.media_type in ("season", "episode"):
            raise ActionFailed(f"the show of this {item.media_type} is not in the inventory")
        return None, None, None
    kind = MediaService.RADARR if movie else MediaService.SONARR
    services = _services(kind, item.server_id)
    synced, _row = _synced(item, show)
    if synced is not None:
        services.sort(key=lambda s: s.pk != synced.pk)
    for service in services:
        client = client_for(service)
        try:
            if movie:
                if not (source.tmdb_id or source.imdb_id):
                    return None, None, None
                found = client.find_movie(tmdb_id=source.tmdb_id, imdb_id=source.imdb_id)
            else:
                if not (source.tvdb_id or source.tmdb_id):
                    return None, None, None
                found = client.find_series(tvdb_id=source.tvdb_id, tmdb_id=source.tmdb_id)
        finally:
            _record(client, sent)
        if found:
            return service, client, found
    return None, None, None


def _act_radarr(client, rule_set, movie, sent) -> str:
    name = f"{movie.get('title')} ({movie.get('year')})"
    try:
        if rule_set.action in (RuleSet.ACTION_UNMONITOR, RuleSet.ACTION_UNMONITOR_DELETE):
            client.unmonitor(movie)
        if rule_set.action == RuleSet.ACTION_UNMONITOR:
            return f"{client.label}: {name} unmonitored"
        if rule_set.action == RuleSet.ACTION_UNMONITOR_DELETE:
            movie_file = movie.get("movieFile") or {}
            if not movie_file.get("id"):
                return f"{client.label}: {name} unmonitored; its file was already gone"
            client.delete_movie_file(movie_file["id"])
            return (
                f"{client.label}: {name} unmonitored, file deleted ({movie_file.get('path', '')})"
            )
        try:
            client.delete_movie(
                movie["id"], delete_files=True, add_exclusion=rule_set.add_import_exclusion
            )
        except ServiceNotFound:
            return f"{client.label}: {name} already gone"
        exclusion = ", import exclusion added" if rule_set.add_import_exclusion else ""
        return f"{client.label}: {name} deleted with its files{exclusion}"
    finally:
        _record(client, sent)


def _act_sonarr(client, rule_set, item, series, sent) -> str:
    try:
        return _sonarr_steps(client, rule_set, item, series)
    finally:
        _record(client, sent)


def _sonarr_steps(client, rule_set, item, series) -> str:
    action = rule_set.action
    title = series.get("title") or "?"
    deleting = action in DELETING
    exclusion = rule_set.add_import_exclusion
    if item.media_type == "show":
        if action == RuleSet.ACTION_DELETE:
            try:
                client.delete_series(series["id"], delete_files=True, add_exclusion=exclusion)
            except ServiceNotFound:
                return f"{client.label}: {title} already gone"
            extra = ", import-list exclusion added" if exclusion else ""
            return f"{client.label}: {title} series deleted with its files{extra}"
        seasons = [{**s, "monitored": False} for s in series.get("seasons") or []]
        client.update_series({**series, "monitored": False, "seasons": seasons})
        if action == RuleSet.ACTION_UNMONITOR:
            return f"{client.label}: {title} unmonitored"
        file_ids = [f["id"] for f in client.episode_files(series["id"])]
        if file_ids:
            client.delete_episode_files(file_ids)
        return f"{client.label}: {title} unmonitored, {len(file_ids)} episode files deleted"

    season, episode = _numbers(item)
    if season is None or (item.media_type == "episode" and episode is None):
        raise ActionFailed(
            f"refused: the {item.media_type}'s number is unknown: refusing to act on the series"
        )
    episodes = client.episodes(series["id"])
    if item.media_type == "episode":
        match = [
            e
            for e in episodes
            if e.get("seasonNumber") == season and e.get("episodeNumber") == episode
        ]
        name = f"{title} S{season:02d}E{episode:02d}"
        if not match:
            # Sonarr does not know this episode (another numbering?): not "gone", report it.
            raise ActionFailed(f"{client.label}: Sonarr lists no {name}")
        done = []
        file_id = match[0].get("episodeFileId") or 0
        if deleting:
            if file_id:
                try:
                    client.delete_episode_file(file_id)
                    done.append("file deleted")
                except ServiceNotFound:
                    done.append("file already gone")
            else:
                done.append("file already gone")
        client.monitor_episodes([match[0]["id"]], False)
        done.append("unmonitored")
        return f"{client.label}: {name} " + ", ".join(done)

    name = f"{title} season {season}"
    if not any(e.get("seasonNumber") == season for e in episodes):
        raise ActionFailed(f"{client.label}: Sonarr lists no {name}")
    done = []
    if deleting:
        files = client.episode_files(series["id"])
        own = [f["id"] for f in files if f.get("seasonNumber") == season]
        if own:
            client.delete_episode_files(own)
            done.append(f"{len(own)} episode files deleted")
        else:
            done.append("already gone (no episode file)")
    episode_ids = [e["id"] for e in episodes if e.get("seasonNumber") == season]
    if episode_ids:
        client.monitor_episodes(episode_ids, False)
    seasons = [
        {**s, "monitored": False} if s.get("seasonNumber") == season else s
        for s in series.get("seasons") or []
    ]
    client.update_series({**series, "seasons": seasons})
    done.append("unmonitored")
    if deleting and rule_set.delete_show_if_empty:
        remaining = client.episode_files(series["id"])
        if not remaining:
            client.delete_series(series["id"], delete_files=True, add_exclusion=exclusion)
            done.append("series deleted (no episode file left)")
    return f"{client.label}: {name} " + ", ".join(done)


def _act_plex(rule_set, item, sent) -> str:
    if rule_set.action == RuleSet.ACTION_UNMONITOR:
        raise ActionFailed("no Radarr/Sonarr has this item: there is nothing to unmonitor")
    try:
        from plex import housekeeping as plex_housekeeping
    except ImportError as error:
        raise ActionFailed("deleting through Plex is not available") from error
    try:
        made = plex_housekeeping.delete_item(item.server, item.rating_key)
    except plex_housekeeping.PlexItemGone:
        return f"plex: {_label(item)} already gone"
    except (plex_housekeeping.PlexDeletionRefused, plex_housekeeping.PlexUnreachable) as error:
        text = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ActionFailed(f"plex: {text}") from error
    sent.extend(made or [])
    return f"plex: {_label(item)} deleted"


def _clear_requests(item, show, sent) -> str:
    """Delete the Overseerr / Jellyseerr requests (and their media entry) of the item.
    Returns one line per service; a service failing here does not undo the deletion."""
    movie = item.media_type == "movie"
    source = item if movie else show
    lines = []
    for service in _services("requests", item.server_id):
        client = client_for(service)
        try:
            cleared = 0
            media_ids = set()
            for request in client.list_requests():
                media = request.get("media") or {}
                if not _request_matches(media, request, source, movie):
                    continue
                try:
                    client.delete_request(request["id"])
                except ServiceNotFound:
                    pass
                cleared += 1
                if media.get("id"):
                    media_ids.add(media["id"])
            for media_id in sorted(media_ids):
                try:
                    client.delete_media(media_id)
                except ServiceNotFound:
                    pass
            lines.append(f"{client.label}: {cleared} request(s) cleared")
        except ServiceError as error:
            lines.append(f"{client.label}: request not cleared ({error})")
        finally:
            _record(client, sent)
    return "\n".join(lines)


def _request_matches(media: dict, request: dict, source, movie: bool) -> bool:
    kind = request.get("type") or media.get("mediaType")
    if movie:
        return (
            kind == "movie" and bool(source.tmdb_id) and str(media.get("tmdbId")) == source.tmdb_id
        )
    if kind != "tv":
        return False
    if source.tvdb_id and str(media.get("tvdbId")) == source.tvdb_id:
        return True
    return bool(source.tmdb_id) and str(media.get("tmdbId")) == source.tmdb_id


# -- interrupted actions ---------------------------------------------------------------------


def resume_interrupted(older_than_minutes: int = 10) -> list[ActionLog]:
    """Close the ActionLog rows still "started" after ``older_than_minutes`` (a crash or a
    restart mid-action), each after checking the item in its target:

    * a dry run (nothing was sent): failed "interrupted: …", the candidate back to pending;
    * Radarr / Sonarr: the item's state there decides — the action's effect is there: done
      (the candidate acted), else failed (the candidate failed, to act again); a service that
      cannot answer: failed "interrupted: could not check …";
    * Plex: failed (acting again is safe: an item already gone is recorded as such).

    Returns the rows closed.
    """
    cutoff = clock_now() - dt.timedelta(minutes=older_than_minutes)
    closed = []
    for log in ActionLog.objects.filter(status=ActionLog.STARTED, created_at__lt=cutoff):
        candidate = log.candidate
        if log.dry_run or log.action == RuleSet.ACTION_NOTHING:
            status, text = ActionLog.FAILED, "interrupted: the dry run did not finish"
        else:
            status, text = _check_interrupted(log, candidate)
        if candidate is None:
            log.status, log.result, log.finished_at = status, text, clock_now()
            log.save(update_fields=["status", "result", "finished_at"])
        elif log.dry_run:
            _finish(log, candidate, status, text, back_to=Candidate.PENDING)
        else:
            _finish(log, candidate, status, text)
        closed.append(log)
    return closed


def _check_interrupted(log, candidate) -> tuple[str, str]:
    item = (
        candidate.item
        if candidate is not None
        else LibraryMedia.objects.filter(server_id=log.server_id, rating_key=log.rating_key).first()
    )
    kind, _, name = log.target.partition(":")
    if kind not in (MediaService.RADARR, MediaService.SONARR) or item is None:
        return (
            ActionLog.FAILED,
            f"interrupted: the outcome in {log.target or 'the target'} is unknown; act again"
            " to retry (an item already gone is recorded as such)",
        )
    service = MediaService.objects.filter(kind=kind, name=name).first()
    if service is None:
        return ActionLog.FAILED, f"interrupted: {log.target} is no longer configured"
    client = client_for(service)
    try:
        done = _effect_present(client, kind, log.action, item)
    except (ServiceError, ActionFailed) as error:
        return ActionLog.FAILED, f"interrupted: could not check ({error})"
    if done:
        return ActionLog.DONE, f"interrupted: {log.target} shows the action done"
    return ActionLog.FAILED, f"interrupted: {log.target} shows the action not done; act again"


def _effect_present(client, kind, action, item) -> bool:
    deleting = action in DELETING
    if kind == MediaService.RADARR:
        movie = client.find_movie(tmdb_id=item.tmdb_id, imdb_id=item.imdb_id)
        if movie is None:
            return True
        if action == RuleSet.ACTION_DELETE:
            return False
        return not movie.get("monitored") and (not deleting or not movie.get("hasFile"))
    show = _show_of(item)
    if show is None:
        raise ActionFailed("the show is not in the inventory")
    series = client.find_series(tvdb_id=show.tvdb_id, tmdb_id=show.tmdb_id)
    if series is None:
        return True
    if item.media_type == "show":
        if action == RuleSet.ACTION_DELETE:
            return False
        files = client.episode_files(series["id"]) if deleting else []
        return not series.get("monitored") and not files
    season, episode = _numbers(item)
    if season is None:
        raise ActionFailed(f"the {item.media_type}'s number is unknown")
    episodes = [e for e in client.episodes(series["id"]) if e.get("seasonNumber") == season]
    if item.media_type == "episode":
        episodes = [e for e in episodes if e.get("episodeNumber") == episode]
    unmonitored = all(not e.get("monitored") for e in episodes)
    without_files = all(not e.get("episodeFileId") for e in episodes)
    return unmonitored and (not deleting or without_files)
