"""Links and ids of an item on Plex and on the metadata sites, from its guids: Tautulli's
``build_media_notify_params`` URL rules (reference 4.6), without its online lookups.

Input: the merged parameters (Tautulli's key names: ``media_type``, ``guid``, ``guids``,
``parent_guids``, ``grandparent_guids``, ``rating_key``, ``parent_rating_key``, ``slug``...).
Output: ``plex_url``, ``plex_id``, ``plex_slug``, ``plex_watch_url``, ``imdb_id``/``_url``,
``thetvdb_id``/``_url``, ``themoviedb_id``/``_url``, ``musicbrainz_id``/``_url``,
``anidb_id``/``_url``, ``lastfm_url``, ``trakt_url``, ``simkl_url``; ``tvmaze_id``/``_url``
are ``""`` (they need TVmaze's API, as Tautulli's optional lookup does).
"""

from __future__ import annotations

from urllib.parse import quote

# Tautulli's default PMS_WEB_URL: where plex_url opens the item.
PLEX_WEB_URL = "https://app.plex.tv/desktop"


def plex_url(machine_identifier: str, rating_key) -> str:
    """The Plex Web link of an item on the server ``machine_identifier``."""
    key = quote(f"/library/metadata/{rating_key}", safe="")
    return f"{PLEX_WEB_URL}#!/server/{machine_identifier}/details?key={key}"


def _after(text: str, prefix: str) -> str:
    return text.split(prefix, 1)[1]


def links(params: dict, machine_identifier: str) -> dict:
    """The link parameters of the item described by ``params`` (see module doc)."""
    media_type = params.get("media_type") or ""
    guid = str(params.get("guid") or "")
    web_key = params.get("parent_rating_key") if media_type == "track" else params.get("rating_key")
    out = dict.fromkeys(
        (
            "plex_id imdb_id imdb_url thetvdb_id thetvdb_url themoviedb_id themoviedb_url "
            "tvmaze_id tvmaze_url musicbrainz_id musicbrainz_url anidb_id anidb_url lastfm_url "
            "trakt_url simkl_url"
        ).split(),
        "",
    )
    out["plex_url"] = plex_url(machine_identifier, web_key or "")

    if media_type == "episode":
        guids = params.get("grandparent_guids")
    elif media_type == "season":
        guids = params.get("parent_guids")
    else:
        guids = params.get("guids")
    for other in guids or []:
        other = str(other)
        for scheme, key in (
            ("imdb://", "imdb_id"),
            ("tmdb://", "themoviedb_id"),
            ("tvdb://", "thetvdb_id"),
            ("mbid://", "musicbrainz_id"),
        ):
            if scheme in other:
                out[key] = _after(other, scheme)
                break

    if "plex://" in guid:
        parts = _after(guid, "plex://").split("/")
        out["plex_id"] = parts[1] if len(parts) > 1 else ""
    if "imdb://" in guid or out["imdb_id"]:
        out["imdb_id"] = out["imdb_id"] or _after(guid, "imdb://").split("?")[0]
        out["imdb_url"] = f"https://www.imdb.com/title/{out['imdb_id']}"
        out["trakt_url"] = f"https://trakt.tv/search/imdb/{out['imdb_id']}"
        out["simkl_url"] = f"https://api.simkl.com/redirect?to=Simkl&imdb={out['imdb_id']}"
    if "thetvdb://" in guid or out["thetvdb_id"]:
        kind = "movie" if media_type == "movie" else "series"
        out["thetvdb_id"] = out["thetvdb_id"] or _first_segment(guid, "thetvdb://")
        _tvdb(out, kind)
    elif "thetvdbdvdorder://" in guid:
        out["thetvdb_id"] = _first_segment(guid, "thetvdbdvdorder://")
        _tvdb(out, "series")
    if "themoviedb://" in guid or out["themoviedb_id"]:
        if media_type == "movie":
            out["themoviedb_id"] = (
                out["themoviedb_id"] or _after(guid, "themoviedb://").split("?")[0]
            )
            _tmdb(out, "movie", "movie", "")
        elif media_type in ("show", "season", "episode"):
            out["themoviedb_id"] = out["themoviedb_id"] or _first_segment(guid, "themoviedb://")
            _tmdb(out, "tv", "show", "&type=show")
    if "lastfm://" in guid:
        lastfm_id = "/".join(_after(guid, "lastfm://").split("?")[0].split("/")[:2])
        out["lastfm_url"] = f"https://www.last.fm/music/{lastfm_id}"
    if "mbid://" in guid or out["musicbrainz_id"]:
        kind = {"artist": "artist", "album": "release"}.get(media_type, "track")
        out["musicbrainz_url"] = f"https://musicbrainz.org/{kind}/{out['musicbrainz_id']}"
    if "hama://" in guid:
        pieces = _first_segment(guid, "hama://").split("-")
        out["anidb_id"] = pieces[1] if len(pieces) > 1 else ""
        out["anidb_url"] = f"https://anidb.net/anime/{out['anidb_id']}"
        out["simkl_url"] = f"https://api.simkl.com/redirect?to=Simkl&anidb={out['anidb_id']}"
    return out


def _first_segment(guid: str, scheme: str) -> str:
    return _after(guid, scheme).split("/")[0].split("?")[0]


def _tvdb(out: dict, kind: str) -> None:
    tvdb = out["thetvdb_id"]
    out["thetvdb_url"] = f"https://thetvdb.com/dereferrer/{kind}/{tvdb}"
    out["trakt_url"] = f"https://trakt.tv/search/tvdb/{tvdb}?id_type=show"
    out["simkl_url"] = f"https://api.simkl.com/redirect?to=Simkl&tvdb={tvdb}"


def _tmdb(out: dict, site: str, trakt_type: str, simkl_suffix: str) -> None:
    tmdb = out["themoviedb_id"]
    out["themoviedb_url"] = f"https://www.themoviedb.org/{site}/{tmdb}"
    out["trakt_url"] = f"https://trakt.tv/search/tmdb/{tmdb}?id_type={trakt_type}"
    out["simkl_url"] = f"https://api.simkl.com/redirect?to=Simkl&tmdb={tmdb}{simkl_suffix}"


def watch_link(media_type: str, slug: str) -> str:
    """The watch.plex.tv link of a movie or show (``""`` for other types)."""
    if media_type == "movie":
        return f"https://watch.plex.tv/movie/{slug}"
    if media_type in ("show", "season", "episode"):
        return f"https://watch.plex.tv/show/{slug}"
    return ""
