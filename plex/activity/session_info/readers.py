"""Small readers of the plexapi objects a PMS session is made of (its media, parts, streams).

Values are PMS's attribute text (:func:`plex.pms_fields.raw`); navigation goes through plexapi's
objects. Shared by the builders of the session dict (:mod:`.library`, :mod:`.playback`,
:mod:`.parse`).
"""

from __future__ import annotations

import math

from plex.pms_fields import dynamic_range_names
from plex.pms_fields import flag as _flag
from plex.pms_fields import raw as _attr
from plex.pms_fields import to_float as _float
from plex.pms_fields import to_int as _int


def selected(items: list):
    """The item PMS marks ``selected`` (else the first; None for an empty list)."""
    return next((i for i in items if _attr(i, "selected") == "1"), items[0] if items else None)


def by_id(items: list, wanted_id):
    """The item whose id is ``wanted_id``, else the first (Tautulli's source matching)."""
    return next((i for i in items if i.id == wanted_id), items[0] if items else None)


def chosen_streams(part) -> dict[int, object]:
    """The video (1), audio (2) and subtitle (3) stream a part plays: the first of each type,
    replaced by a later one PMS marks ``selected``."""
    chosen: dict[int, object] = {}
    for stream in getattr(part, "streams", None) or []:
        kind = _int(_attr(stream, "streamType"))
        if kind in (1, 2, 3) and (kind not in chosen or _attr(stream, "selected") == "1"):
            chosen[kind] = stream
    return chosen


def tautulli_decision(value: str) -> str:
    """PMS's decision word as Tautulli shows it ("directplay" → "direct play")."""
    return value.replace("directplay", "direct play")


def resolution_of(media) -> str:
    """``videoResolution`` lower case without the scan letter: "1080p" → "1080", "SD" → "sd"."""
    return _attr(media, "videoResolution").lower().rstrip("ip")


def _dynamic_range(stream) -> str:
    """SDR, or HDR10/HLG/HDR/Dolby Vision (joined with "/") as PMS's display title names them
    (Tautulli's ``get_dynamic_range``): HDR needs more than 8 bits in BT.2020."""
    if stream is None:
        return ""
    hdr = _int(_attr(stream, "bitDepth")) > 8 and _attr(stream, "colorSpace") in (
        "bt2020nc",
        "bt2020",
    )
    dovi = bool(_attr(stream, "DOVIProfile"))
    if not hdr and not dovi:
        return "SDR"
    return dynamic_range_names(_attr(stream, "extendedDisplayTitle"), dovi)


def dynamic_range_details(stream, prefix: str) -> dict:
    """A video stream's dynamic range and Dolby Vision keys (``<prefix>dynamic_range``,
    ``<prefix>dovi_*``): 0/1 flags, int level and profile, float version (0 when not said)."""
    version = _attr(stream, "DOVIVersion")
    return {
        f"{prefix}dynamic_range": _dynamic_range(stream),
        f"{prefix}dovi_bl_present": _flag(stream, "DOVIBLPresent"),
        f"{prefix}dovi_el_present": _flag(stream, "DOVIELPresent"),
        f"{prefix}dovi_level": _int(_attr(stream, "DOVILevel")),
        f"{prefix}dovi_present": _flag(stream, "DOVIPresent"),
        f"{prefix}dovi_profile": _int(_attr(stream, "DOVIProfile")),
        f"{prefix}dovi_rpu_present": _flag(stream, "DOVIRPUPresent"),
        f"{prefix}dovi_version": _float(version) if version else 0,
    }


def percent_of(part, whole) -> int:
    """Tautulli's ``get_percent``: ``part / whole × 100`` rounded, 0 when either is 0."""
    part, whole = _float(part), _float(whole)
    return math.trunc(round(part / whole * 100)) if part and whole else 0
