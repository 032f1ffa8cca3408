"""get_geoip_lookup and get_whois_lookup (core.apiv2_lookups): bad input, the GeoIP database
missing, and whois through a loopback RDAP stand-in (never the internet).

The RDAP answer is built (RFC 7483's ip network object with one registrant entity, as ARIN
answers for 8.8.8.8), not recorded: no RDAP recording is in shared/fixtures. The GeoLite2
City database is written here with mmdb-writer (MaxMind's format, GeoLite2-City's record
layout), so the reading path runs through geoip2 as it does on a user's file.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core import lookups

pytestmark = pytest.mark.django_db

RDAP_NETWORK = {
    "objectClassName": "ip network",
    "handle": "NET-8-8-8-0-2",
    "startAddress": "8.8.8.0",
    "endAddress": "8.8.8.255",
    "ipVersion": "v4",
    "name": "GOGL",
    "type": "DIRECT ALLOCATION",
    "country": "US",
    "events": [
        {"eventAction": "registration", "eventDate": "2023-12-28T17:24:33-05:00"},
        {"eventAction": "last changed", "eventDate": "2023-12-28T17:24:56-05:00"},
    ],
    "entities": [
        {
            "objectClassName": "entity",
            "handle": "GOGL",
            "roles": ["registrant"],
            "vcardArray": [
                "vcard",
                [
                    ["version", {}, "text", "4.0"],
                    ["fn", {}, "text", "Google LLC"],
                    [
                        "adr",
                        {
                            "label": "1600 Amphitheatre Parkway\nMountain View\nCA\n94043\nUnited States"
                        },
                        "text",
                        ["", "", "", "", "", "", ""],
                    ],
                    ["kind", {}, "text", "org"],
                    ["email", {}, "text", "network-abuse@google.com"],
                ],
            ],
        }
    ],
}


def error(call_api, cmd, **params):
    status, body = call_api(cmd, **params)
    assert status == 400 and body["response"]["result"] == "error", body
    return body["response"]["message"]


@pytest.mark.parametrize("cmd", ["get_geoip_lookup", "get_whois_lookup"])
def test_missing_invalid_and_private_addresses_are_refused(call_api, cmd):
    assert error(call_api, cmd) == "No IP address provided."
    assert error(call_api, cmd, ip_address="999.1.1.1") == "Invalid IP address provided: 999.1.1.1"
    assert "not a public IP address" in error(call_api, cmd, ip_address="192.168.1.10")
    assert "not a public IP address" in error(call_api, cmd, ip_address="127.0.0.1")
    assert "not a public IP address" in error(call_api, cmd, ip_address="fe80::1")


def test_geoip_without_database_says_how_to_set_it(call_api, settings, tmp_path):
    settings.GEOIP_DATABASE = ""
    message = error(call_api, "get_geoip_lookup", ip_address="8.8.8.8")
    assert "No GeoIP database is configured" in message and "GEOIP_DATABASE" in message
    settings.GEOIP_DATABASE = str(tmp_path / "missing.mmdb")
    message = error(call_api, "get_geoip_lookup", ip_address="8.8.8.8")
    assert "not found" in message and "GeoLite2-City.mmdb" in message
    junk = tmp_path / "junk.mmdb"
    junk.write_bytes(b"not a maxmind database")
    settings.GEOIP_DATABASE = str(junk)
    assert "cannot be read" in error(call_api, "get_geoip_lookup", ip_address="8.8.8.8")


def _geolite2_city(path):
    """A GeoLite2-City-shaped database with one network, 8.8.8.0/24."""
    from mmdb_writer import MmdbBaseType, MmdbF64, MmdbU16, MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, database_type="GeoLite2-City", ipv4_compatible=True)
    record: dict[str, MmdbBaseType | dict | list | str] = {
        "city": {"names": {"en": "Mountain View"}},
        "continent": {"code": "NA", "names": {"en": "North America"}},
        "country": {"iso_code": "US", "names": {"en": "United States"}},
        "location": {
            "accuracy_radius": MmdbU16(1000),
            "latitude": MmdbF64(37.386),
            "longitude": MmdbF64(-122.0838),
            "time_zone": "America/Los_Angeles",
        },
        "postal": {"code": "94035"},
        "subdivisions": [{"iso_code": "CA", "names": {"en": "California"}}],
    }
    writer.insert_network(IPSet(["8.8.8.0/24"]), record)
    writer.to_db_file(str(path))
    return path


def test_geoip_reads_the_users_geolite2_database(call_api, settings, tmp_path):
    settings.GEOIP_DATABASE = str(_geolite2_city(tmp_path / "GeoLite2-City.mmdb"))
    status, body = call_api("get_geoip_lookup", ip_address="8.8.8.8")
    assert status == 200, body
    assert body["response"]["result"] == "success"
    assert body["response"]["data"] == {
        "city": "Mountain View",
        "code": "US",
        "continent": "NA",
        "country": "United States",
        "latitude": 37.386,
        "longitude": -122.0838,
        "postal_code": "94035",
        "region": "California",
        "timezone": "America/Los_Angeles",
        "accuracy": 1000,
    }
    # An address the database does not know: Tautulli's error for it.
    message = error(call_api, "get_geoip_lookup", ip_address="9.9.9.9")
    assert message == "Failed to lookup GeoIP info for address: 9.9.9.9"


class _RdapStandIn(BaseHTTPRequestHandler):
    answers: dict
    seen: list

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.seen.append(self.path)
        answer = self.answers.get(self.path)
        body = json.dumps(answer or {"errorCode": 404}).encode()
        self.send_response(200 if answer else 404)
        self.send_header("Content-Type", "application/rdap+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def rdap(settings, monkeypatch):
    handler = type("Rdap", (_RdapStandIn,), {"answers": {}, "seen": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    settings.RDAP_BOOTSTRAP_URL = f"http://127.0.0.1:{httpd.server_address[1]}/bootstrap"
    # No reverse DNS query leaves the machine.
    monkeypatch.setattr(lookups, "reverse_dns", lambda address: "dns.google")
    yield handler
    httpd.shutdown()
    httpd.server_close()


def test_whois_answers_tautullis_shape_from_rdap(call_api, rdap):
    rdap.answers["/bootstrap/ip/8.8.8.8"] = RDAP_NETWORK
    status, body = call_api("get_whois_lookup", ip_address="8.8.8.8")
    assert status == 200, body
    data = body["response"]["data"]
    # ipwhois's country names (its data files) may be missing from an install: then the code.
    assert data["nets"][0].pop("country") in {"United States", "US"}
    assert data == {
        "host": "dns.google",
        "nets": [
            {
                "cidr": "8.8.8.0/24",
                "name": "GOGL",
                "handle": "NET-8-8-8-0-2",
                "range": "8.8.8.0 - 8.8.8.255",
                "description": "Google LLC",
                "state": None,
                "city": None,
                "address": "1600 Amphitheatre Parkway, Mountain View, CA, 94043, United States",
                "postal_code": None,
                "emails": ["network-abuse@google.com"],
                "created": "2023-12-28",
                "updated": "2023-12-28",
            }
        ],
    }
    assert rdap.seen == ["/bootstrap/ip/8.8.8.8"]


def test_whois_registry_failure_is_an_error_key_not_a_500(call_api, rdap):
    status, body = call_api("get_whois_lookup", ip_address="8.8.4.4")
    assert status == 200
    data = body["response"]["data"]
    assert data["host"] == "dns.google" and data["nets"] == [] and data["error"]
