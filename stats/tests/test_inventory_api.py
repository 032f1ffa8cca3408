"""GET /api/libraries/items (issue 13): the inventory with its watch statistics, through the
REST client: shape and units, every filter, every sort in both directions with keyset paging
(no item skipped or repeated), the users' names read in one query, bad input as 422."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from libraries.models import LibraryMedia

from .inventory_data import GB, T0, build_inventory

pytestmark = pytest.mark.django_db

URL = "/api/libraries/items"
ALL_PRESENT = {1, 10, 11, 12, 20, 21, 22, 2, 30, 31, 50, 51, 52}


@pytest.fixture
def data():
    return build_inventory()


@pytest.fixture
def items(rest_get):
    def call(**params):
        status, body = rest_get(URL, limit=500, **params)
        assert status == 200, body
        return body["items"]

    return call


def _keys(rows):
    return [row["rating_key"] for row in rows]


def _iso(value: dt.datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def test_item_shape_statistics_and_units(data, items):
    rows = {row["rating_key"]: row for row in items()}
    assert set(rows) == ALL_PRESENT
    show = rows[1]
    assert show["library_id"] == data["tv"].pk and show["section_id"] == 2
    assert (show["media_type"], show["title"], show["sort_title"]) == ("show", "The Show", "Show")
    assert (show["size"], show["file_size"], show["leaf_count"]) == (4 * GB, None, 4)
    assert (show["plays"], show["users"], show["watched_items"]) == (2, 2, 2)
    assert show["user_names"] == ["Alice", "bob"]
    assert show["share_watched"] == 0.5
    assert show["watch_time"] == 1800 + 600 + 1800
    assert show["thumb"] == "/library/metadata/1/thumb/1"
    last = T0 - dt.timedelta(days=20, seconds=1800)
    assert dt.datetime.fromisoformat(show["last_watched"]) == last
    assert show["plays_current"] == 2 and show["share_watched_current"] == 0.5
    season = rows[20]
    assert (season["plays"], season["user_names"], season["share_watched"]) == (0, [], 0.0)
    assert season["last_watched"] is None
    movie = rows[50]
    assert (movie["plays"], movie["users"], movie["user_names"]) == (2, 2, ["Alice", "bob"])
    assert movie["share_watched"] is None and movie["size"] == 8 * GB
    assert dt.datetime.fromisoformat(movie["added_at"]) == T0 - dt.timedelta(days=10)
    assert rows[11]["user_names"] == ["Alice"]
    assert rows[11]["plays"] == 1  # resumed once: one play
    assert set(show) >= {
        "first_watched",
        "first_watched_current",
        "last_watched_current",
        "users_current",
        "watch_time_current",
        "watched_items_current",
        "file_paths",
        "removed_at",
        "grandparent_rating_key",
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"media_type": "movie"}, {50, 51, 52}),
        ({"section_id": 1}, {50, 51, 52}),
        ({"server": "SERVER"}, ALL_PRESENT),
        ({"library": "TV"}, {1, 10, 11, 12, 20, 21, 22, 2, 30, 31}),
        ({"library": 999999}, set()),
        ({"parent_rating_key": 10}, {11, 12}),
        ({"grandparent_rating_key": 1}, {11, 12, 21, 22}),
        ({"added_after": _iso(T0 - dt.timedelta(days=30))}, {50}),
        ({"added_before": _iso(T0 - dt.timedelta(days=30))}, ALL_PRESENT - {50}),
        ({"last_watched_after": _iso(T0 - dt.timedelta(days=6))}, {50}),
        ({"last_watched_before": _iso(T0 - dt.timedelta(days=90))}, {51}),
        (
            {"not_watched_since": _iso(T0 - dt.timedelta(days=90)), "media_type": "movie"},
            {51, 52},
        ),
        ({"never_watched": "true", "media_type": "movie"}, {52}),
        ({"never_watched": "false", "media_type": "episode"}, {11, 12}),
        ({"size_above": GB}, {1, 10, 20, 50, 51}),
        (
            {"last_watched_before": _iso(T0 - dt.timedelta(days=10)), "size_above": GB},
            {1, 10, 51},
        ),
        ({"removed": "true"}, {53}),
        ({"search": "show"}, {1, 10, 11, 12, 20, 21, 22, 2}),
        ({"search": "ALIEN"}, {51}),
    ],
)
def test_filters(data, items, params, expected):
    names = {"SERVER": data["server"].pk, "TV": data["tv"].pk}
    params = {key: names.get(value, value) for key, value in params.items()}
    assert set(_keys(items(**params))) == expected


def test_current_statistics_ignore_plays_of_an_earlier_copy(data, items):
    # Big Movie downloaded again 4 days ago: one of its two plays was of the old copy.
    LibraryMedia.objects.filter(rating_key=50).update(added_at=T0 - dt.timedelta(days=4))
    from stats.media_stats import queue_items

    queue_items(data["server"].pk, [50])
    movie = next(row for row in items(media_type="movie") if row["rating_key"] == 50)
    assert (movie["plays"], movie["plays_current"], movie["users_current"]) == (2, 1, 1)
    rows = items(media_type="movie", sort="watch_time", current="true")
    assert _keys(rows) == [50, 51, 52]  # 7000 s since the new copy, 1800, none
    assert [row["watch_time_current"] for row in rows] == [7000, 1800, 0]
    assert _keys(items(media_type="movie", never_watched="true", current="true")) == [52]
    recent = _iso(T0 - dt.timedelta(days=4, seconds=-1))
    assert _keys(items(media_type="movie", last_watched_before=recent, current="true")) == [51]


@pytest.mark.parametrize(
    ("sort", "order", "expected"),
    [
        ("title", None, [51, 50, 52]),
        ("title", "desc", [52, 50, 51]),
        ("size", None, [50, 51, 52]),
        ("size", "asc", [52, 51, 50]),  # an unknown size is the lowest
        ("plays", None, [50, 51, 52]),
        ("users", "asc", [52, 51, 50]),
        ("watch_time", None, [50, 51, 52]),
        ("last_watched", None, [50, 51, 52]),
        ("last_watched", "asc", [52, 51, 50]),  # never watched first
        ("added_at", None, [50, 52, 51]),
    ],
)
def test_sorts(data, items, sort, order, expected):
    params = {"media_type": "movie", "sort": sort}
    if order:
        params["order"] = order
    assert _keys(items(**params)) == expected


@pytest.mark.parametrize(
    "sort", ["title", "added_at", "last_watched", "plays", "size", "users", "watch_time"]
)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_keyset_pages_cover_every_item_once_in_order(data, rest_get, items, sort, order):
    whole = _keys(items(sort=sort, order=order))
    seen, cursor = [], None
    for _ in range(20):
        params = {"sort": sort, "order": order, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        status, body = rest_get(URL, **params)
        assert status == 200, body
        assert len(body["items"]) <= 2
        seen += _keys(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == whole and len(seen) == len(ALL_PRESENT)


def test_the_statistics_are_joined_once(data, rest_get):
    with CaptureQueriesContext(connection) as queries:
        status, body = rest_get(URL, sort="plays", never_watched="false", limit=50)
    assert status == 200
    page = [q["sql"] for q in queries if "ORDER BY" in q["sql"] and "librarymedia" in q["sql"]]
    assert page and all(sql.count('JOIN "stats_mediawatchstats"') == 1 for sql in page), page


def test_user_names_are_read_in_one_query(data, rest_get):
    with CaptureQueriesContext(connection) as queries:
        status, body = rest_get(URL, limit=50)
    assert status == 200
    history = [q["sql"] for q in queries if "history_history" in q["sql"].lower()]
    names = [sql for sql in history if "friendly_name" in sql]
    assert len(names) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "colour"},
        {"order": "up"},
        {"media_type": "photo"},
        {"size_above": -1},
        {"size_above": 2**64},
        {"library": "abc"},
        {"added_after": "yesterday"},
        {"never_watched": "perhaps"},
        {"search": "a\x00b"},
        {"cursor": "not-a-cursor"},
        {"cursor": "eyJzIjoidGl0bGUifQ"},
        {"limit": 0},
    ],
)
def test_bad_input_is_422(data, rest_get, params):
    status, body = rest_get(URL, **params)
    assert status == 422, body
    assert body["detail"]


def test_a_cursor_of_another_order_is_refused(data, rest_get):
    status, body = rest_get(URL, sort="size", limit=1)
    cursor = body["next_cursor"]
    assert rest_get(URL, sort="size", limit=1, cursor=cursor)[0] == 200
    assert rest_get(URL, sort="plays", limit=1, cursor=cursor)[0] == 422
    assert rest_get(URL, sort="size", order="asc", limit=1, cursor=cursor)[0] == 422


def test_documented_in_openapi(data, admin_client):
    schema = admin_client.get("/api/openapi.json").json()
    operation = schema["paths"][URL]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert names >= {
        "library",
        "server",
        "section_id",
        "media_type",
        "added_before",
        "added_after",
        "last_watched_before",
        "last_watched_after",
        "never_watched",
        "size_above",
        "removed",
        "parent_rating_key",
        "grandparent_rating_key",
        "search",
        "sort",
        "order",
        "cursor",
        "limit",
    }
    assert set(operation["responses"]) >= {"200", "401", "422"}


def test_plays_under_an_old_rating_key_count_with_their_users(data, items):
    from model_bakery import baker

    from conftest import bake_play
    from libraries.models import RatingKeyChange
    from stats.media_stats import queue_items
    from users.models import User

    carol = baker.make(User, user_id=103, username="carol", friendly_name="Carol")
    server = data["server"]
    RatingKeyChange.objects.create(
        server=server, old_rating_key=49, new_rating_key=51, changed_at=T0
    )
    bake_play(
        server,
        carol,
        stopped=T0 - dt.timedelta(days=300),
        seconds=600,
        rating_key=49,
        media_type="movie",
        section_id=1,
    )
    queue_items(server.pk, [49, 51])
    alien = next(row for row in items(media_type="movie") if row["rating_key"] == 51)
    assert (alien["plays"], alien["users"]) == (2, 2)
    assert alien["user_names"] == ["Alice", "Carol"]
