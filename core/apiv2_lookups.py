"""/api/v2 IP address lookups (reference 1.2 "Tautulli / misc"): ``get_geoip_lookup`` and
``get_whois_lookup``, over :mod:`core.lookups` (where the sources are described)."""

import logging

from core.errors import InvalidInput
from core.tautulli_api import ApiError, api_command

from . import lookups

logger = logging.getLogger(__name__)


@api_command()
def get_geoip_lookup(request, params):
    """Get the geolocation info for an IP address.

    Required parameters: ip_address (str): a public IPv4 or IPv6 address.
    Returns: json: {"city": "Mountain View", "code": "US", "continent": "NA",
    "country": "United States", "latitude": 37.386, "longitude": -122.0838,
    "postal_code": "94035", "region": "California", "timezone": "America/Los_Angeles",
    "accuracy": 1000} — accuracy: radius in km; null values where the database has none.

    From the local MaxMind GeoLite2 City database named by the GEOIP_DATABASE setting (Tautulli
    asks plex.tv). Errors (HTTP 400): no address, an invalid or non-public address, no database
    configured (the message says how to set it), or an address the database does not know
    ("Failed to lookup GeoIP info for address: ...", as Tautulli).
    """
    address = params.str("ip_address")
    try:
        found = lookups.geoip_lookup(address)
    except InvalidInput as exc:
        raise ApiError(exc.message)
    except lookups.LookupFailed as exc:
        raise ApiError(str(exc))
    if not found:
        raise ApiError(f"Failed to lookup GeoIP info for address: {address}")
    return found


@api_command()
def get_whois_lookup(request, params):
    """Get the connection info for an IP address.

    Required parameters: ip_address (str): a public IPv4 or IPv6 address.
    Returns: json: {"host": "google-public-dns-a.google.com", "nets": [{"cidr": "8.8.8.0/24",
    "name": "GOGL", "handle": "NET-8-8-8-0-2", "range": "8.8.8.0 - 8.8.8.255",
    "description": "Google LLC", "country": "United States", "state": null, "city": null,
    "address": "1600 Amphitheatre Parkway, Mountain View, CA, 94043, United States",
    "postal_code": null, "emails": ["network-abuse@google.com"], "created": "2023-12-28",
    "updated": "2023-12-28"}]}
    When the registry cannot be asked: {"host": "Not available", "nets": [], "error": "..."}.

    One RDAP query (the registry found through the RDAP bootstrap, RDAP_BOOTSTRAP_URL) instead of
    Tautulli's port-43 whois: the postal address comes as one text, so state, city and
    postal_code are null. A missing, invalid or non-public address is an error (HTTP 400);
    Tautulli answers those with the "error" key.
    """
    try:
        return lookups.whois_lookup(params.str("ip_address"))
    except InvalidInput as exc:
        raise ApiError(exc.message)
