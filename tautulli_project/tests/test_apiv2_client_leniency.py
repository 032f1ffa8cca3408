"""/api/v2 answers that real clients rely on (api-clients.md, the Tautulli captures)."""

import pytest

from conftest import load_fixture
from stats.home_stats import HOME_STAT_IDS

pytestmark = pytest.mark.django_db


def top_users(call_api, **params):
    status, body = call_api("get_home_stats", stat_id="top_users", **params)
    assert status == 200, body
    return body["response"]["data"]


@pytest.mark.parametrize("stats_type", ["total_plays", "plays", "0", "PLAYS", "", "bogus"])
def test_every_stats_type_but_duration_counts_plays(call_api, seeded, stats_type):
    """mcp-tautulli's "most watched" tools send ``total_plays``: Tautulli sorts by plays for every
    value but ``duration`` (api-clients.md), where this server used to answer HTTP 400."""
    card = top_users(call_api, stats_type=stats_type)
    assert card["stat_type"] == "total_plays"
    assert card["rows"] and card == top_users(call_api)


@pytest.mark.parametrize("stats_type", ["duration", "1", "total_duration", "Duration"])
def test_duration_stats_types_sort_by_duration(call_api, seeded, stats_type):
    assert top_users(call_api, stats_type=stats_type)["stat_type"] == "total_duration"


def test_every_card_takes_a_client_stats_type(call_api, seeded):
    status, body = call_api("get_home_stats", stats_type="total_duration")
    assert status == 200 and [card["stat_id"] for card in body["response"]["data"]] == list(
        HOME_STAT_IDS
    )


def test_a_refresh_that_fails_answers_tautullis_false(call_api, seeded):
    """The seeded server is at a closed port: Tautulli's api2 answers its refresh's false as an
    error without a message (reference 1.1: a command returning False)."""
    status, body = call_api("refresh_libraries_list")
    assert (status, body["response"]) == (400, {"result": "error", "message": None, "data": {}})


def test_docs_md_is_served_as_tautulli_serves_it(client, api_key):
    meta = load_fixture("tautulli-dart/api/docs_md.meta.json")
    response = client.get("/api/v2", {"apikey": api_key, "cmd": "docs_md"})
    assert response.status_code == meta["status"] == 200
    assert response["Content-Type"].lower() == meta["content_type"].lower()
    body = response.content.decode()
    assert body.startswith("<pre>") and body.endswith("</pre>")
    assert "### get_history" in body
    # Markdown stays text: a "<" in a docstring is escaped, not read as a tag.
    assert "<" not in body[len("<pre>") : -len("</pre>")]
