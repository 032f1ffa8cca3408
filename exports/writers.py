"""The export files: CSV (``csv``), JSON (``json``), XML (``xml.etree``) and M3U, in the shapes
Tautulli's exporter writes (v2.17.2 ``plexpy/exporter.py`` and its helpers; read for the facts).

* JSON: the list of exported items, each object's keys sorted with the plain values first and
  the lists of objects after, indented by 4, UTF-8 (not ASCII-escaped).
* CSV: one row per item, its lists spread over rows: the first row carries the item's values
  and the first entry of each list, the second row the second entries, and so on (a show's
  seasons and their episodes, a movie's genres side by side); columns are the dotted paths
  (``seasons.episodes.title``), ordered by depth then name, ``ratingKey``, ``title``,
  ``titleSort`` first.
* XML: ``<export title type [ratingKey|sectionID|userID]>`` holding ``<{media_type}>`` with one
  element per item; plain values are attributes (sorted), lists are elements holding one
  element per entry (named by the singular of the list: ``<genres><genre tag=""/>``; a
  collection's or playlist's items by their type), lists of texts hold text elements.
* M3U: ``#EXTM3U``, a ``# Playlist:`` line and the export's description as JSON, then for
  every item with files (children included): its description as JSON, ``#EXTINF:<duration
  ms>,<title>`` ("Artist - Title" for tracks, "Show - Title" for episodes) and its file paths.
"""

from __future__ import annotations

import csv
import json
from itertools import zip_longest
from pathlib import Path
from xml.etree import ElementTree as ET

from .fields import CHILD_TYPES, PLURAL

_FRONT = ("ratingKey", "title", "titleSort")


# --- JSON -----------------------------------------------------------------------------------


def sort_keys(value):
    """Tautulli's key order: plain values (and lists of plain values) by name, then lists of
    objects (and empty lists) by name, at every depth."""
    if isinstance(value, list):
        return [sort_keys(entry) for entry in value]
    if not isinstance(value, dict):
        return value
    first, last = [], []
    for key, entry in value.items():
        nested = isinstance(entry, list) and (not entry or any(isinstance(e, dict) for e in entry))
        (last if nested else first).append((key, sort_keys(entry)))
    return dict(sorted(first) + sorted(last))


def write_json(path: Path, items: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as out:
        json.dump(sort_keys(items), out, indent=4, ensure_ascii=False)


# --- CSV ------------------------------------------------------------------------------------


def csv_rows(items: list[dict]) -> list[dict]:
    """The CSV rows of the items (see the module doc)."""
    rows = []
    for item in items:
        rows.extend(_rows(item, ""))
    return rows


def _rows(obj: dict, prefix: str) -> list[dict]:
    common: dict = {}
    columns: list[list[dict]] = [[common]]
    for key, value in obj.items():
        name = prefix + key
        if isinstance(value, list):
            spread = []
            for entry in value:
                if isinstance(entry, dict):
                    spread.extend(_rows(entry, name + "."))
                else:
                    spread.append({name: entry})
            columns.append(spread)
        elif isinstance(value, dict):
            for row in _rows(value, name + ".")[:1]:
                common.update(row)
        else:
            common[name] = value
    merged = []
    for parts in zip_longest(*columns, fillvalue={}):
        row: dict = {}
        for part in parts:
            row.update(part)
        merged.append(row)
    return merged


def csv_headers(rows: list[dict]) -> list[str]:
    names = sorted(
        {name for row in rows for name in row}, key=lambda n: (n.count("."), n.split("."))
    )
    for name in reversed(_FRONT):
        if name in names:
            names.remove(name)
            names.insert(0, name)
    return names


def write_csv(path: Path, items: list[dict]) -> None:
    rows = csv_rows(items)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, csv_headers(rows))
        writer.writeheader()
        writer.writerows(rows)


# --- XML ------------------------------------------------------------------------------------


def _text(value) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") else name


def _fill(elem: ET.Element, data: dict) -> None:
    for key, value in sorted(data.items()):
        if isinstance(value, list):
            _list(ET.SubElement(elem, key), key, value)
        elif isinstance(value, dict):
            _fill(ET.SubElement(elem, key), value)
        else:
            elem.set(key, _text(value))


def _list(elem: ET.Element, name: str, entries: list) -> None:
    for entry in entries:
        tag = _singular(name)
        if isinstance(entry, dict):
            if name in ("items", "children") and entry.get("type"):
                tag = str(entry["type"])
            _fill(ET.SubElement(elem, tag), entry)
        else:
            ET.SubElement(elem, tag).text = _text(entry)


def write_xml(path: Path, items: list[dict], header: dict) -> None:
    """``header``: the export's ``title``, ``type`` and its ``ratingKey``/``sectionID``/
    ``userID`` when it has them."""
    root = ET.Element("export", {key: _text(value) for key, value in sorted(header.items())})
    media_type = str(header["type"])
    _list(ET.SubElement(root, media_type), media_type + "s", items)
    ET.indent(root, space="    ")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


# --- M3U ------------------------------------------------------------------------------------


def m3u_entries(items: list[dict]) -> list[dict]:
    """The playable entries of the items and of their children, in order."""
    entries = []
    for item in items:
        if item.get("locations"):
            title = item.get("title")
            if "grandparentTitle" in item:
                title = f"{item.get('originalTitle') or item['grandparentTitle']} - {title}"
            entries.append(
                {
                    "type": item.get("type"),
                    "ratingKey": item.get("ratingKey"),
                    "duration": item.get("duration", 5),
                    "title": title,
                    "location": "\n".join(str(path) for path in item["locations"]),
                }
            )
        for child in CHILD_TYPES.get(item.get("type") or "", []):
            entries.extend(m3u_entries(item.get(PLURAL[child]) or []))
    return entries


def write_m3u(path: Path, items: list[dict], header: dict) -> None:
    lines = ["#EXTM3U", f"# Playlist: {header['title']}", f"# {json.dumps(header)}", ""]
    blocks = []
    for entry in m3u_entries(items):
        duration = entry.pop("duration")
        title = entry.pop("title")
        location = entry.pop("location")
        blocks.append(f"# {json.dumps(entry)}\n#EXTINF:{duration},{title}\n{location}\n")
    with path.open("w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n" + "\n".join(blocks))


def write(path: Path, file_format: str, items: list[dict], header: dict) -> None:
    """Write ``items`` to ``path`` in ``file_format`` (csv, json, xml, m3u)."""
    if file_format == "csv":
        write_csv(path, items)
    elif file_format == "json":
        write_json(path, items)
    elif file_format == "xml":
        write_xml(path, items, header)
    elif file_format == "m3u":
        write_m3u(path, items, header)
    else:
        raise ValueError(f"Unknown file format {file_format!r}")
