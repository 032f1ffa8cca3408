"""The REST API under /api/: authentication, servers, users, libraries, validation and the
OpenAPI documentation (history has its own tests in history/tests/test_rest_history.py)."""

import json
import re

import pytest
from model_bakery import baker

from users.models import User

pytestmark = pytest.mark.django_db

SERVER_TOKEN = "plex-server-token-secret"
USER_TOKEN = "plex-user-token-secret"
SERVER_TOKEN_2 = "plex-server-token-2-secret"


@pytest.fixture
def get(rest_get):
    """``get(path, **params)`` → (status, JSON) with the API key in the header."""
    return rest_get


@pytest.fixture
def patch(client, api_key):
    def call(path, body):
        response = client.patch(
            path, json.dumps(body), content_type="application/json", HTTP_X_API_KEY=api_key
        )
        return response.status_code, response.json()

    return call


@pytest.fixture
def servers():
    return [
        baker.make(
            "plex.Server",
            name="Home",
            url="http://10.0.0.2:32400",
            machine_identifier="abc123",
            token=SERVER_TOKEN,
            version="1.41.0",
            platform="Linux",
            plexpass=True,
        ),
        baker.make("plex.Server", name="Cabin", token=""),
    ]


@pytest.fixture
def users():
    common = {"user_token": USER_TOKEN, "server_token": SERVER_TOKEN_2}
    return {
        "carol": baker.make(
            User,
            user_id=3,
            username="carol",
            email="carol@example.com",
            shared_libraries="1;2;5",
            **common,
        ),
        "alice": baker.make(User, user_id=1, username="alice", friendly_name="Alice", **common),
        "bob": baker.make(User, user_id=2, username="bob", is_active=False, **common),
        "gone": baker.make(User, user_id=4, username="gone", deleted_user=True, **common),
    }


# --- authentication -----------------------------------------------------------------------------
ENDPOINTS = ["/api/servers", "/api/users", "/api/libraries", "/api/history"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_endpoint_needs_the_key(client, api_key, path):
    no_key = client.get(path)
    assert no_key.status_code == 401 and no_key.json() == {"detail": "Unauthorized"}
    assert client.get(path, HTTP_X_API_KEY="wrong").status_code == 401
    assert client.get(path, {"apikey": "wrong"}).status_code == 401
    assert client.get(path, {"apikey": api_key.upper()}).status_code == 401


@pytest.mark.parametrize("path", ENDPOINTS)
def test_key_in_header_or_query_is_accepted(client, api_key, path):
    assert client.get(path, HTTP_X_API_KEY=api_key).status_code == 200
    assert client.get(path, {"apikey": api_key}).status_code == 200


def test_generated_key_works_too(client, settings):
    from core.models import ApiKey

    settings.TAUTULLI_API_KEY = ""
    key = ApiKey.current()
    assert client.get("/api/servers", HTTP_X_API_KEY=key).status_code == 200


def test_logged_in_admin_session_is_accepted(client, admin_user):
    assert client.get("/api/servers").status_code == 401
    client.force_login(admin_user)
    assert client.get("/api/servers").status_code == 200


# --- servers ------------------------------------------------------------------------------------
def test_servers_list_and_detail_never_show_the_token(client, api_key, servers):
    listing = client.get("/api/servers", HTTP_X_API_KEY=api_key)
    body = listing.json()
    assert listing.status_code == 200 and body["count"] == 2
    home = body["items"][0]
    assert list(home) == [
        "id",
        "name",
        "url",
        "machine_identifier",
        "version",
        "platform",
        "plexpass",
        "is_active",
        "has_token",
        "created_at",
    ]
    assert home["name"] == "Home" and home["has_token"] is True and home["plexpass"] is True
    assert home["created_at"].endswith("Z")
    assert body["items"][1]["has_token"] is False

    detail = client.get(f"/api/servers/{servers[0].pk}", HTTP_X_API_KEY=api_key)
    assert detail.json() == home
    for response in (listing, detail):
        assert SERVER_TOKEN not in response.content.decode()
        assert '"token"' not in response.content.decode()


def test_unknown_server_is_404(get, servers):
    assert get("/api/servers/999") == (404, {"detail": "Not Found"})


def test_limit_offset_pagination(get, servers):
    status, body = get("/api/servers", limit=1, offset=1)
    assert status == 200 and body["count"] == 2
    assert [s["name"] for s in body["items"]] == ["Cabin"]
    assert get("/api/servers", limit=0)[0] == 422
    assert get("/api/servers", offset=-1)[0] == 422
    assert get("/api/servers", limit=1001)[0] == 422


# --- users --------------------------------------------------------------------------------------
def test_users_list_is_ordered_by_username_and_has_no_tokens(client, api_key, users):
    response = client.get("/api/users", HTTP_X_API_KEY=api_key)
    body = response.json()
    assert response.status_code == 200 and body["count"] == 4
    assert [u["username"] for u in body["items"]] == ["alice", "bob", "carol", "gone"]
    text = response.content.decode()
    assert USER_TOKEN not in text and SERVER_TOKEN_2 not in text and "token" not in text
    carol = body["items"][2]
    assert carol["user_id"] == 3 and carol["shared_libraries"] == [1, 2, 5]
    assert carol["friendly_name"] is None and carol["display_name"] == "carol"
    assert carol["email"] == "carol@example.com" and carol["is_active"] is True
    assert body["items"][0]["display_name"] == "Alice"


def test_user_detail_is_by_plex_user_id(client, api_key, users):
    response = client.get("/api/users/2", HTTP_X_API_KEY=api_key)
    assert response.status_code == 200
    assert response.json()["username"] == "bob" and response.json()["is_active"] is False
    assert "token" not in response.content.decode()
    assert client.get("/api/users/99", HTTP_X_API_KEY=api_key).json() == {"detail": "Not Found"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"is_active": "true"}, ["alice", "carol", "gone"]),
        ({"is_active": "false"}, ["bob"]),
        ({"deleted_user": "true"}, ["gone"]),
        ({"deleted_user": "false", "is_active": "true"}, ["alice", "carol"]),
        ({"search": "ALI"}, ["alice"]),
        ({"search": "example.com"}, ["carol"]),
        ({"search": "nobody"}, []),
    ],
)
def test_user_filters(get, users, params, expected):
    status, body = get("/api/users", **params)
    assert status == 200
    assert [u["username"] for u in body["items"]] == expected
    assert body["count"] == len(expected)


@pytest.mark.parametrize(
    "params", [{"is_active": "maybe"}, {"search": "a\x00"}, {"deleted_user": "2"}]
)
def test_bad_user_filters_are_422(get, users, params):
    status, body = get("/api/users", **params)
    assert status == 422 and body["detail"][0]["loc"] == ["query", next(iter(params))]


def test_patch_user_settings(patch, users):
    status, body = patch(
        "/api/users/3",
        {"friendly_name": "  Carol C. ", "keep_history": False, "allow_guest": True},
    )
    assert status == 200
    assert body["friendly_name"] == "Carol C." and body["display_name"] == "Carol C."
    assert body["keep_history"] is False and body["allow_guest"] is True
    assert body["do_notify"] is True  # not sent: unchanged
    assert "token" not in json.dumps(body)
    carol = User.objects.get(user_id=3)
    assert (carol.friendly_name, carol.keep_history, carol.allow_guest, carol.do_notify) == (
        "Carol C.",
        False,
        True,
        True,
    )
    assert carol.user_token == USER_TOKEN  # untouched

    status, body = patch("/api/users/3", {"do_notify": False, "friendly_name": ""})
    assert status == 200 and body["do_notify"] is False
    assert body["friendly_name"] is None and body["display_name"] == "carol"
    assert User.objects.get(user_id=3).keep_history is False


@pytest.mark.parametrize(
    "body",
    [
        {"friendly_name": "bad\x00name"},
        {"keep_history": "sometimes"},
        {"friendly_name": "x" * 256},
        {"friendly_name": 5},
    ],
)
def test_patch_rejects_bad_values_with_422(patch, users, body):
    status, answer = patch("/api/users/1", body)
    assert status == 422 and answer["detail"][0]["loc"][0] == "body"
    assert User.objects.get(user_id=1).friendly_name == "Alice"


def test_patch_unknown_user_is_404_and_needs_the_key(client, patch, users):
    assert patch("/api/users/99", {"do_notify": False})[0] == 404
    response = client.patch("/api/users/1", "{}", content_type="application/json")
    assert response.status_code == 401


# --- libraries ----------------------------------------------------------------------------------
@pytest.fixture
def libraries(servers):
    home, cabin = servers
    return {
        "movies": baker.make(
            "libraries.Library",
            server=home,
            section_id=1,
            section_name="Movies",
            section_type="movie",
            count=120,
            thumb="/:/resources/movie.png",
        ),
        "tv": baker.make(
            "libraries.Library",
            server=home,
            section_id=2,
            section_name="TV",
            section_type="show",
            count=10,
            parent_count=30,
            child_count=400,
            custom_thumb_url="https://example.com/tv.png",
        ),
        "old": baker.make(
            "libraries.Library",
            server=home,
            section_id=3,
            section_name="Old",
            section_type="movie",
            deleted_section=True,
        ),
        "music": baker.make("libraries.Library", server=cabin, section_id=1, section_type="artist"),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["movies", "tv", "old", "music"]),
        ({"section_type": "movie"}, ["movies", "old"]),
        ({"deleted_section": "false", "section_type": "movie"}, ["movies"]),
        ({"deleted_section": "true"}, ["old"]),
    ],
)
def test_library_filters(get, libraries, params, expected):
    status, body = get("/api/libraries", **params)
    assert status == 200
    assert [lib["id"] for lib in body["items"]] == [libraries[k].pk for k in expected]


def test_library_server_filter_and_detail(get, servers, libraries):
    status, body = get("/api/libraries", server=servers[1].pk)
    assert [lib["id"] for lib in body["items"]] == [libraries["music"].pk]
    assert get("/api/libraries", server="x")[0] == 422
    assert get("/api/libraries", section_type="movie\x00")[0] == 422

    status, tv = get(f"/api/libraries/{libraries['tv'].pk}")
    assert status == 200
    assert tv["section_id"] == 2 and tv["server_id"] == servers[0].pk
    assert (tv["count"], tv["parent_count"], tv["child_count"]) == (10, 30, 400)
    assert tv["thumb"] == "https://example.com/tv.png"  # the custom thumb wins
    assert tv["deleted_section"] is False and tv["keep_history"] is True
    assert get("/api/libraries/999")[0] == 404


# --- documentation ------------------------------------------------------------------------------
def test_openapi_lists_the_endpoints_and_documents_units(client, admin_client):
    assert client.get("/api/openapi.json").status_code == 302  # to the admin login
    response = admin_client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    for path in (
        "/api/history",
        "/api/history/{history_id}",
        "/api/users",
        "/api/users/{user_id}",
        "/api/libraries",
        "/api/libraries/{library_id}",
        "/api/servers",
        "/api/servers/{server_id}",
    ):
        assert "get" in paths[path], path
    assert "patch" in paths["/api/users/{user_id}"]
    assert {p["name"] for p in paths["/api/history"]["get"]["parameters"]} >= {
        "cursor",
        "limit",
        "user_id",
        "started_after",
        "transcode_decision",
        "search",
    }

    item = schema["components"]["schemas"]["HistoryItem"]["properties"]
    assert "milliseconds" in item["view_offset"]["description"]
    assert "milliseconds" in item["duration"]["description"]
    assert "seconds" in item["play_duration"]["description"]
    assert "seconds" in item["paused_counter"]["description"]
    assert "UTC" in item["started"]["description"]
    assert item["started"]["anyOf"][0]["format"] == "date-time"
    media = schema["components"]["schemas"]["HistoryMediaInfoOut"]["properties"]
    assert "milliseconds" in media["duration"]["description"]
    server = schema["components"]["schemas"]["ServerOut"]["properties"]
    assert "token" not in server and "has_token" in server
    assert not any(
        "token" in name for name in schema["components"]["schemas"]["UserOut"]["properties"]
    )
    assert {"ApiKeyHeaderAuth", "ApiKeyQueryAuth"} <= set(schema["components"]["securitySchemes"])


def test_docs_render_for_a_logged_in_admin(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert b"/api/openapi.json" in response.content


def test_openapi_takes_the_api_key_like_the_api(client, api_key):
    by_header = client.get("/api/openapi.json", HTTP_X_API_KEY=api_key)
    assert by_header.status_code == 200 and "paths" in by_header.json()
    assert client.get("/api/openapi.json", {"apikey": api_key}).status_code == 200
    # A wrong key is no key: to the admin login, like an anonymous visitor.
    assert client.get("/api/openapi.json", HTTP_X_API_KEY="wrong").status_code == 302
    assert client.get("/api/openapi.json", {"apikey": "wrong"}).status_code == 302
    assert client.get("/api/docs", {"apikey": "wrong"}).status_code == 302


def _references(html: str) -> list[str]:
    """Every src/href of the page."""
    return re.findall(r'(?:src|href)="([^"]*)"', html)


def test_docs_work_offline_from_the_projects_static_files(admin_client):
    """Swagger UI's script, style and icons come from the project (django-ninja's static files,
    served by whitenoise): the page names no other host."""
    html = admin_client.get("/api/docs").content.decode()
    assert "://" not in html  # no absolute URL at all: nothing from a CDN
    assets = _references(html)
    assert {"/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui.css"} <= set(assets)
    for asset in assets:
        response = admin_client.get(asset)
        assert response.status_code == 200, asset
        assert b"".join(response.streaming_content if response.streaming else [response.content])


def test_docs_opened_with_the_key_read_the_schema_with_it(client, api_key):
    response = client.get("/api/docs", {"apikey": api_key})
    assert response.status_code == 200
    settings = json.loads(
        re.search(r'id="swagger-settings">(.*?)</script>', response.content.decode(), re.S)[1]
    )
    assert settings["url"] == f"/api/openapi.json?apikey={api_key}"
    assert client.get(settings["url"]).status_code == 200


def test_every_documented_filter_has_a_filterset_filter():
    """The query schemas (shown in the docs) and the FilterSets (run on the queryset) agree."""
    from history.filters import HistoryFilterSet
    from history.schemas import HistoryFilters
    from libraries.filters import LibraryFilterSet
    from libraries.schemas import LibraryFilters
    from users.filters import UserFilterSet
    from users.schemas import UserFilters

    for schema, filterset in (
        (HistoryFilters, HistoryFilterSet),
        (UserFilters, UserFilterSet),
        (LibraryFilters, LibraryFilterSet),
    ):
        assert set(schema.model_fields) == set(filterset.base_filters), schema.__name__


def test_invalid_input_answers_400_with_its_message(get):
    """An unknown server (InvalidInput from the lookup every adapter shares) is a 400 with
    ``{"detail": message}``, as the endpoints answered it by hand before."""
    status, body = get("/api/stats/graphs/plays_by_date", server="nowhere")
    assert (status, body) == (400, {"detail": "Unknown server: nowhere"})
    status, body = get("/api/libraries/growth", after="2026-05-01", before="2026-04-01")
    assert (status, body) == (400, {"detail": "Parameter after must not be later than before"})
