"""Import of a Tautulli ``config.ini`` (Tautulli's ``import_config``; ``manage.py import_tautulli
--config PATH``).

Read with :mod:`configparser` (Tautulli writes it with configobj: ``[Section]`` then
``key = value``, keys lower case, values sometimes quoted). What becomes ours:

* ``[PMS]`` ``pms_url`` (else ``http(s)://pms_ip:pms_port`` from ``pms_ip``, ``pms_port``,
  ``pms_ssl``), ``pms_token``, ``pms_name``, ``pms_identifier``: the :class:`~servers.models.Server`
  whose machine identifier is ``pms_identifier`` (else the one named ``pms_name``, else the
  only server) is updated, or one is created. The token is stored and never printed.
* ``[General]`` ``api_key``: becomes the /api/v2 key (:class:`core.models.ApiKey`), so the
  clients of that Tautulli keep working; ``allow_guest_access`` (0/1) becomes the global guest
  access switch (``MonitoringSettings.allow_guest_access``).
* ``[Monitoring]`` watched percents, watched marker, logging ignore interval and the
  notification settings kept in :class:`core.models.MonitoringSettings` (concurrent streams
  threshold and by-IP, recently added delay and grouping): see :data:`MONITORING_KEYS`.

Everything else (paths, HTTP settings, home page, newsletters' options...) has no counterpart
here and is listed as ignored. Notifier settings are not in config.ini (they are in the
database: import it with import_database). One transaction: a config that fails changes nothing.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from django.db import transaction

from core.models import ApiKey, MonitoringSettings
from servers.models import Server

from .errors import SourceError

# Tautulli key ([Monitoring]) → (MonitoringSettings field, kind, minimum, maximum).
MONITORING_KEYS = {
    "movie_watched_percent": ("movie_watched_percent", int, 0, 100),
    "tv_watched_percent": ("tv_watched_percent", int, 0, 100),
    "music_watched_percent": ("music_watched_percent", int, 0, 100),
    "watched_marker": ("watched_marker", int, 0, 3),
    "logging_ignore_interval": ("logging_ignore_interval", int, 0, 2**31 - 1),
    "notify_concurrent_threshold": ("notify_concurrent_threshold", int, 0, 32767),
    "notify_concurrent_by_ip": ("notify_concurrent_by_ip", bool, 0, 1),
    "notify_recently_added_delay": ("notify_recently_added_delay", int, 0, 2**31 - 1),
    "notify_group_recently_added_grandparent": (
        "notify_group_recently_added_grandparent",
        bool,
        0,
        1,
    ),
    "notify_group_recently_added_parent": ("notify_group_recently_added_parent", bool, 0, 1),
}
MAX_CONFIG_BYTES = 1_000_000  # a Tautulli config.ini is a few tens of kilobytes


@dataclass
class ConfigImportResult:
    """What :func:`import_config` changed: ``server`` (None when the config names no PMS),
    ``server_created``, ``settings`` (names of the monitoring settings set), ``api_key`` (the
    key was replaced), ``warnings`` (values refused). No secret is kept here."""

    server: Server | None = None
    server_created: bool = False
    settings: list[str] = field(default_factory=list)
    api_key: bool = False
    warnings: list[str] = field(default_factory=list)


def read_config(path: str | Path) -> configparser.ConfigParser:
    """Parse ``path``; :class:`SourceError` (one line, no content) when it is missing, too
    large, not text, not an INI file or has no ``[PMS]``, ``[General]`` or ``[Monitoring]``."""
    path = Path(path)
    try:
        if not path.is_file():
            raise SourceError(f"{path.name or path}: no such file")
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise SourceError(f"{path.name}: too large for a Tautulli config.ini")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        if isinstance(exc, SourceError):
            raise
        raise SourceError("The config file cannot be read") from None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except configparser.Error:
        raise SourceError("Not a Tautulli config.ini: it cannot be parsed") from None
    if not any(parser.has_section(name) for name in ("PMS", "General", "Monitoring")):
        raise SourceError("Not a Tautulli config.ini: no [PMS], [General] or [Monitoring] section")
    return parser


def _value(parser, section: str, key: str) -> str:
    raw = parser.get(section, key, fallback="") or ""
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        raw = raw[1:-1]
    return raw


def _pms_url(parser) -> str:
    url = _value(parser, "PMS", "pms_url")
    if url:
        return url.rstrip("/")
    host = _value(parser, "PMS", "pms_ip")
    if not host:
        return ""
    port = _value(parser, "PMS", "pms_port") or "32400"
    scheme = "https" if _value(parser, "PMS", "pms_ssl") == "1" else "http"
    return f"{scheme}://{host}:{port}"


def _server(parser, result: ConfigImportResult) -> None:
    token = _value(parser, "PMS", "pms_token")
    url = _pms_url(parser)
    identifier = _value(parser, "PMS", "pms_identifier")
    name = _value(parser, "PMS", "pms_name")
    if not (token or identifier):
        return
    parts = urlsplit(url) if url else None
    if url and (parts.scheme not in ("http", "https") or not parts.hostname):
        result.warnings.append("[PMS] pms_url is not an http(s) URL: not imported")
        url = ""
    server = None
    if identifier:
        server = Server.objects.filter(machine_identifier=identifier).first()
    if server is None and name:
        server = Server.objects.filter(name=name).first()
    if server is None and Server.objects.count() == 1:
        server = Server.objects.get()
    if server is None:
        server = Server(name=name or identifier or "Plex Media Server")
        result.server_created = True
    if identifier and not server.machine_identifier:
        server.machine_identifier = identifier
    if url:
        server.url = url
    if token:
        server.token = token
    if name and result.server_created:
        server.name = name
    server.save()
    result.server = server


def _monitoring(parser, result: ConfigImportResult) -> None:
    if not parser.has_section("Monitoring"):
        return
    row = MonitoringSettings.objects.filter(pk=1).first() or MonitoringSettings()
    for key, (field_name, kind, low, high) in MONITORING_KEYS.items():
        raw = _value(parser, "Monitoring", key)
        if raw == "":
            continue
        try:
            number = int(raw)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            result.warnings.append(
                f"[Monitoring] {key}: {raw[:20]!r} is out of range, not imported"
            )
            continue
        setattr(row, field_name, bool(number) if kind is bool else number)
        result.settings.append(key.upper())
    if result.settings:
        row.save()


def _guest_access(parser, result: ConfigImportResult) -> None:
    raw = _value(parser, "General", "allow_guest_access")
    if raw == "":
        return
    if raw not in ("0", "1"):
        result.warnings.append(
            f"[General] allow_guest_access: {raw[:20]!r} is not 0 or 1, not imported"
        )
        return
    row = MonitoringSettings.objects.filter(pk=1).first() or MonitoringSettings()
    row.allow_guest_access = raw == "1"
    row.save()
    result.settings.append("ALLOW_GUEST_ACCESS")


def _api_key(parser, result: ConfigImportResult) -> None:
    key = _value(parser, "General", "api_key")
    if not key:
        return
    if len(key) > ApiKey._meta.get_field("key").max_length or not key.isprintable():
        result.warnings.append("[General] api_key is not a usable key: not imported")
        return
    row = ApiKey.objects.order_by("id").first() or ApiKey()
    row.key = key
    row.save()
    result.api_key = True


def import_config(path: str | Path) -> ConfigImportResult:
    """Apply the Tautulli ``config.ini`` at ``path`` (see the module docstring), atomically.
    Raises :class:`SourceError` when the file cannot be used; nothing is changed then."""
    parser = read_config(path)
    result = ConfigImportResult()
    with transaction.atomic():
        _server(parser, result)
        _monitoring(parser, result)
        _guest_access(parser, result)
        _api_key(parser, result)
    return result
