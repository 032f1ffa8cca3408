"""Where an IP address is (a local MaxMind GeoLite2 City database, geoip2) and who holds it
(RDAP, ipwhois): Tautulli's ``get_geoip_lookup`` and ``get_whois_lookup``.

* **GeoIP**: read from the GeoLite2-City (or GeoIP2-City) ``.mmdb`` file the admin downloads
  from MaxMind (free account) and names in ``GEOIP_DATABASE``. Tautulli v2.17.2 asks plex.tv's
  ``/api/v2/geoip`` instead (older Tautulli read GeoLite2 too); the answer keys are its.
* **Whois**: one RDAP query (``IPWhois.lookup_rdap(bootstrap=True)``: the RIR's RDAP service
  found through ARIN's bootstrap, ``RDAP_BOOTSTRAP_URL``) mapped to the ``nets`` rows Tautulli's
  port-43 whois gives; the reverse DNS name of the address is ``host``.

Both refuse an address that is not a public one (private, loopback, reserved...) with
:class:`core.errors.InvalidInput`: no registry or database knows those.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.request
from datetime import datetime
from pathlib import Path

from django.conf import settings

from core.errors import InvalidInput

GEOIP_HELP = (
    "set GEOIP_DATABASE to the path of a GeoLite2-City.mmdb file "
    "(free download from MaxMind: https://dev.maxmind.com/geoip/geolite2-free-geolocation-data)"
)
DEFAULT_RDAP_BOOTSTRAP = "https://rdap-bootstrap.arin.net/bootstrap"
WHOIS_TIMEOUT = 10  # seconds, each RDAP request


class LookupFailed(Exception):
    """The lookup could not be made (no database, registry unreachable...): ``str`` says why."""


def public_address(address: str | None) -> str:
    """``address`` (IPv4 or IPv6) normalised, or :class:`InvalidInput` when it is missing, not
    an IP address, or not a public one."""
    if not address:
        raise InvalidInput("No IP address provided.")
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        raise InvalidInput(f"Invalid IP address provided: {address}") from None
    if not ip.is_global:
        raise InvalidInput(f"{ip} is not a public IP address (private, loopback or reserved).")
    return str(ip)


# --- GeoIP ---------------------------------------------------------------------------------------


def geoip_lookup(address: str) -> dict | None:
    """Tautulli's GeoIP dict for ``address`` from ``settings.GEOIP_DATABASE``: ``city``,
    ``region`` (the most specific subdivision), ``country``, ``code`` (ISO country code), ``continent``
    (continent code), ``postal_code``, ``timezone`` (strings or None), ``latitude``,
    ``longitude`` (degrees, floats or None), ``accuracy`` (km radius, int or None); None when the
    database has no entry for it. Raises InvalidInput (see :func:`public_address`) and
    LookupFailed (no or unreadable database)."""
    import geoip2.database
    import geoip2.errors
    import maxminddb

    ip = public_address(address)
    path = getattr(settings, "GEOIP_DATABASE", "") or ""
    if not path:
        raise LookupFailed(f"No GeoIP database is configured: {GEOIP_HELP}.")
    if not Path(path).is_file():
        raise LookupFailed(f"GeoIP database {path} not found: {GEOIP_HELP}.")
    try:
        with geoip2.database.Reader(path) as reader:
            found = reader.city(ip)
    except geoip2.errors.AddressNotFoundError:
        return None
    except (maxminddb.InvalidDatabaseError, OSError, TypeError, ValueError) as exc:
        raise LookupFailed(f"GeoIP database {path} cannot be read ({exc}): {GEOIP_HELP}.")
    return {
        "city": found.city.name,
        "code": found.country.iso_code,
        "continent": found.continent.code,
        "country": found.country.name,
        "latitude": found.location.latitude,
        "longitude": found.location.longitude,
        "postal_code": found.postal.code,
        "region": found.subdivisions.most_specific.name if found.subdivisions else None,
        "timezone": found.location.time_zone,
        "accuracy": found.location.accuracy_radius,
    }


# --- whois (RDAP) --------------------------------------------------------------------------------


class _RebaseHandler(urllib.request.BaseHandler):
    """Sends ipwhois's bootstrap requests to ``base`` (``RDAP_BOOTSTRAP_URL``) instead of ARIN's
    bootstrap (the address ipwhois has built in)."""

    handler_order = 100  # before the HTTP handlers

    def __init__(self, base: str):
        self.base = base.rstrip("/")

    def _rebase(self, request):
        if request.full_url.startswith(DEFAULT_RDAP_BOOTSTRAP):
            request.full_url = self.base + request.full_url[len(DEFAULT_RDAP_BOOTSTRAP) :]
        return request

    http_request = https_request = _rebase


def reverse_dns(address: str) -> str:
    """The host name of ``address`` (reverse DNS), or "Not available" as Tautulli."""
    try:
        return socket.gethostbyaddr(address)[0]
    except (OSError, UnicodeError):
        return "Not available"


def _event_date(network: dict, action: str) -> str | None:
    for event in network.get("events") or []:
        if event.get("action") == action and event.get("timestamp"):
            try:
                return (
                    datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00"))
                    .date()
                    .isoformat()
                )
            except ValueError:
                return event["timestamp"][:10]
    return None


def _net_row(result: dict, countries: dict) -> dict:
    """One Tautulli ``nets`` row from an ipwhois RDAP result."""
    network = result.get("network") or {}
    objects = result.get("objects") or {}
    owner = next(
        (obj for obj in objects.values() if "registrant" in (obj.get("roles") or [])),
        next(iter(objects.values()), {}),
    )
    contact = owner.get("contact") or {}
    addresses = [a.get("value", "") for a in contact.get("address") or [] if a.get("value")]
    emails = sorted(
        {
            e["value"]
            for obj in objects.values()
            for e in ((obj.get("contact") or {}).get("email") or [])
            if e.get("value")
        }
    )
    start, end = network.get("start_address"), network.get("end_address")
    return {
        "cidr": network.get("cidr"),
        "name": network.get("name"),
        "handle": network.get("handle"),
        "range": f"{start} - {end}" if start and end else None,
        "description": contact.get("name"),
        "country": countries.get(network.get("country")) or network.get("country"),
        "state": None,
        "city": None,
        "address": addresses[0].replace("\n", ", ") if addresses else None,
        "postal_code": None,
        "emails": emails or None,
        "created": _event_date(network, "registration"),
        "updated": _event_date(network, "last changed"),
    }


def whois_lookup(address: str) -> dict:
    """Tautulli's whois dict for ``address``: ``{"host": reverse DNS name or "Not available",
    "nets": [{cidr, name, handle, range, description, country (full name), state, city, address,
    postal_code, emails, created, updated (YYYY-MM-DD)}]}`` (country: the ISO code when
    ipwhois's country list is not installed), with ``"error"`` (and ``nets`` [])
    when the registry cannot be asked or knows nothing. RDAP gives the postal address as one
    text (``address``); ``state``, ``city`` and ``postal_code`` stay None. Raises InvalidInput
    (see :func:`public_address`)."""
    from ipwhois import IPWhois
    from ipwhois.exceptions import BaseIpwhoisException
    from ipwhois.utils import get_countries

    ip = public_address(address)
    base = getattr(settings, "RDAP_BOOTSTRAP_URL", "") or DEFAULT_RDAP_BOOTSTRAP
    opener = urllib.request.build_opener(_RebaseHandler(base))
    info: dict = {"host": reverse_dns(ip), "nets": []}
    try:
        result = IPWhois(ip, timeout=WHOIS_TIMEOUT, proxy_opener=opener).lookup_rdap(
            retry_count=0, bootstrap=True, inc_nir=False, rate_limit_timeout=0
        )
    except BaseIpwhoisException as exc:
        info["error"] = str(exc)
        return info
    except (OSError, ValueError, KeyError, TypeError) as exc:
        info["error"] = f"Error: {exc}"
        return info
    try:
        countries = get_countries()
    except OSError:  # ipwhois installed without its data files: the ISO code stays
        countries = {}
    info["nets"] = [_net_row(result, countries)]
    return info
