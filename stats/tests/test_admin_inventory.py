"""The inventory in the admin (stats.admin_inventory): Library items with their statistics, an
item's page with its seasons and episodes, Storage with the disk capacity, the Tautulli sync's
"last synced" line, and the posters (plex.admin) — through the admin client."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from model_bakery import baker

from conftest import FROZEN_NOW, bake_play
from core.admin_kit.sizes import ByteSizeField, format_size_exact, parse_size
from core.image_links import SALT, read
from libraries.models import Library, LibraryMedia
from libraries.rollups import roll_up_sizes
from servers.models import Server
from stats.admin_inventory import LibraryItemsAdmin, item_poster_url
from stats.storage import library_storage, storage_over_time
from tautulli_import.models import TautulliConnection
from users.models import User

pytestmark = pytest.mark.django_db

GB = 1024**3
ITEMS = "/admin/libraries/librarymedia/"
ADDED = FROZEN_NOW - dt.timedelta(days=400)


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("admin", "admin@example.com", "pw-12345")
    client.force_login(user)
    return client


def item(server, section_id, key, media_type, title, **fields):
    return LibraryMedia.objects.create(
        server=server,
        section_id=section_id,
        rating_key=key,
        media_type=media_type,
        title=title,
        sort_title=title,
        thumb=f"/library/metadata/{key}/thumb/1",
        added_at=fields.pop("added_at", ADDED),
        **fields,
    )


@pytest.fixture
def inventory():
    return make_inventory()


def make_inventory() -> dict:
    """Movies (section 1): Heat (watched 10 days ago by Alice and Bob, 8 GB), Alien (watched
    200 days ago by Bob, 5 GB), Brazil (never watched, 2 GB), Gone (removed, watched). TV
    (section 2): The Wire (show 100) with seasons 110 and 120 of two 1 GB episodes each;
    Alice watched S01E01 and S01E02, Bob S01E01 (30 days ago)."""
    server = baker.make(Server, name="Home PMS", url="http://127.0.0.1:9", token="T0KEN")
    movies = Library.objects.create(
        server=server, section_id=1, section_name="Movies", section_type="movie"
    )
    tv = Library.objects.create(server=server, section_id=2, section_name="TV", section_type="show")
    alice = baker.make(User, user_id=501, username="alice", friendly_name="Alice")
    bob = baker.make(User, user_id=502, username="bob", friendly_name="Bob")

    heat = item(server, 1, 1, "movie", "Heat", year=1995, file_size=8 * GB,
                file_paths=["/movies/Heat (1995)/Heat.mkv"],
                added_at=FROZEN_NOW - dt.timedelta(days=20))  # fmt: skip
    alien = item(server, 1, 2, "movie", "Alien", year=1979, file_size=5 * GB)
    item(server, 1, 3, "movie", "Brazil", year=1985, file_size=2 * GB)
    gone = item(server, 1, 4, "movie", "Gone", file_size=GB, removed_at=FROZEN_NOW)
    item(server, 2, 100, "show", "The Wire", year=2002)
    for season in (1, 2):
        season_key = 100 + season * 10
        item(server, 2, season_key, "season", f"Season {season}", media_index=season,
             parent_rating_key=100, parent_title="The Wire")  # fmt: skip
        for episode in (1, 2):
            item(server, 2, season_key + episode, "episode", f"Episode {season}.{episode}",
                 media_index=episode, parent_media_index=season, parent_rating_key=season_key,
                 grandparent_rating_key=100, parent_title=f"Season {season}",
                 grandparent_title="The Wire", file_size=GB,
                 file_paths=[f"/tv/The Wire/S0{season}E0{episode}.mkv"])  # fmt: skip
    roll_up_sizes(server.pk)

    def watch(user, key, days_ago, **keys):
        media_type = "episode" if key > 100 else "movie"
        return bake_play(
            server, user, stopped=FROZEN_NOW - dt.timedelta(days=days_ago), seconds=3000,
            rating_key=key, media_type=media_type, section_id=2 if key > 100 else 1, **keys,
        )  # fmt: skip

    watch(alice, heat.rating_key, 10)
    watch(bob, heat.rating_key, 12)
    watch(bob, alien.rating_key, 200)
    watch(alice, gone.rating_key, 50)
    for user, key in ((alice, 111), (alice, 112), (bob, 111)):
        watch(user, key, 30, parent_rating_key=110, grandparent_rating_key=100)
    return {"server": server, "movies": movies, "tv": tv, "alice": alice, "bob": bob}


def page_rows(client, path=ITEMS, **params):
    response = client.get(path, params)
    assert response.status_code == 200, response.status_code
    return [row.title for row in response.context["cl"].result_list], response


def column(name: str) -> int:
    """The index Django's changelist uses in ``?o=`` for a column of the list."""
    return LibraryItemsAdmin.list_display.index(name)


# --- the list -----------------------------------------------------------------------------------


def test_the_list_shows_present_top_level_items_with_their_statistics(admin_client, inventory):
    titles, response = page_rows(admin_client)
    assert sorted(titles) == ["Alien", "Brazil", "Heat", "The Wire"]  # no episode, no removed
    html = response.content.decode()
    assert (
        "8.0\xa0GB" in html and "5.0\xa0GB" in html and "4.0\xa0GB" in html
    )  # sizes; the show's rolled up
    rows = {row.title: row for row in response.context["cl"].result_list}
    assert (rows["Heat"].plays, rows["Heat"].users) == (2, 2)
    assert (rows["The Wire"].plays, rows["The Wire"].users) == (3, 2)
    assert rows["The Wire"].total_file_size == 4 * GB
    assert rows["Brazil"].plays == 0 and rows["Brazil"].last_watched is None
    assert rows["Heat"].library_name == "Movies" and rows["The Wire"].library_name == "TV"
    assert "2/4 (50%)" in html  # the show's episodes watched
    assert "never" in html
    # Posters as signed image links (no token, no PMS address), lazily.
    assert f'src="{item_poster_url(rows["Heat"])}" loading="lazy"' in html
    assert "/image/" in item_poster_url(rows["Heat"]) and "T0KEN" not in html


def test_filters(admin_client, inventory):
    server_id = inventory["server"].pk
    titles, response = page_rows(admin_client, type="episode")
    assert sorted(titles) == ["Episode 1.1", "Episode 1.2", "Episode 2.1", "Episode 2.2"]
    assert "The Wire · S01E02" in response.content.decode()
    assert page_rows(admin_client, presence="removed")[0] == ["Gone"]
    assert sorted(page_rows(admin_client, presence="all")[0]) == [
        "Alien",
        "Brazil",
        "Gone",
        "Heat",
        "The Wire",
    ]
    assert page_rows(admin_client, watched="never")[0] == ["Brazil"]
    assert page_rows(admin_client, watched="older90")[0] == ["Alien"]
    assert sorted(page_rows(admin_client, watched="within30")[0]) == ["Heat"]
    assert sorted(page_rows(admin_client, watched="older365")[0]) == []
    assert sorted(page_rows(admin_client, size="above1")[0]) == [
        "Alien",
        "Brazil",
        "Heat",
        "The Wire",
    ]
    assert sorted(page_rows(admin_client, size="above5")[0]) == ["Heat"]
    assert sorted(page_rows(admin_client, type="season", library=f"{server_id}:2")[0]) == [
        "Season 1",
        "Season 2",
    ]
    assert page_rows(admin_client, library=f"{server_id}:1", q="heat")[0] == ["Heat"]
    assert sorted(page_rows(admin_client, type="all", q="wire", watched="never")[0]) == [
        "Episode 2.1",
        "Episode 2.2",
        "Season 2",
    ]


def test_sorting_on_the_statistics_is_sql(admin_client, inventory):
    by_plays, _ = page_rows(admin_client, o=f"-{column('plays_column')}.{column('size')}")
    assert by_plays[:2] == ["The Wire", "Heat"]
    by_size, _ = page_rows(admin_client, o=f"-{column('size')}")
    assert by_size == ["Heat", "Alien", "The Wire", "Brazil"]
    by_last, _ = page_rows(admin_client, o=str(column("last_watched_column")))
    assert by_last == ["Brazil", "Alien", "The Wire", "Heat"]  # never watched first
    by_last_desc, _ = page_rows(admin_client, o=f"-{column('last_watched_column')}")
    assert by_last_desc == ["Heat", "The Wire", "Alien", "Brazil"]
    by_users, _ = page_rows(admin_client, o=f"-{column('users_column')}.-{column('size')}")
    assert by_users == ["Heat", "The Wire", "Alien", "Brazil"]


def test_one_page_costs_the_same_queries_for_3_or_30_items(admin_client, inventory):
    server = inventory["server"]
    admin_client.get(ITEMS)  # sessions, statistics synced
    with CaptureQueriesContext(connection) as few:
        admin_client.get(ITEMS)
    for key in range(1000, 1030):
        item(server, 1, key, "movie", f"Movie {key}", file_size=GB)
    roll_up_sizes(server.pk)
    admin_client.get(ITEMS)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(ITEMS)
    assert len(response.context["cl"].result_list) == 34
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- an item's page -----------------------------------------------------------------------------


def test_a_shows_page_has_its_seasons_and_episodes_with_their_statistics(admin_client, inventory):
    show = LibraryMedia.objects.get(rating_key=100)
    response = admin_client.get(f"{ITEMS}{show.pk}/change/")
    assert response.status_code == 200
    context = response.context
    assert [group["row"]["title"] for group in context["groups"]] == ["Season 1", "Season 2"]
    season1, season2 = context["groups"]
    assert (season1["row"]["plays"], season1["row"]["users"], season1["row"]["share"]) == (
        3,
        2,
        "2/2 (100%)",
    )
    assert season2["row"]["plays"] == 0 and season2["row"]["last_watched"] == ""
    assert [(r["title"], r["plays"], r["users"]) for r in season1["children"]] == [
        ("Episode 1.1", 2, 2),
        ("Episode 1.2", 1, 1),
    ]
    assert season1["children"][0]["files"] == ["/tv/The Wire/S01E01.mkv"]
    assert season1["children"][0]["size"] == "1.0\xa0GB"
    assert [(u["name"], u["plays"]) for u in context["users_list"]] == [("Alice", 2), ("Bob", 1)]
    html = response.content.decode()
    for text in ("Season 2", "Episode 2.2", "S02E02.mkv", "Alice", "Bob", "4.0\xa0GB"):
        assert text in html, text
    assert 'name="_save"' not in html  # read-only


def test_a_seasons_and_a_movies_pages(admin_client, inventory):
    season = LibraryMedia.objects.get(rating_key=110)
    response = admin_client.get(f"{ITEMS}{season.pk}/change/")
    assert [row["title"] for row in response.context["children"]] == ["Episode 1.1", "Episode 1.2"]
    assert [parent["title"] for parent in response.context["parents"]] == ["The Wire"]

    heat = LibraryMedia.objects.get(rating_key=1)
    response = admin_client.get(f"{ITEMS}{heat.pk}/change/")
    html = response.content.decode()
    assert "/movies/Heat (1995)/Heat.mkv" in html and "8.0\xa0GB" in html
    assert f"/admin/housekeeping/test-item/?item={heat.pk}" in html  # test it against the rules
    assert response.context["row"]["plays"] == 2
    assert admin_client.get(f"{ITEMS}999999/change/").status_code == 404


def test_a_removed_item_and_an_item_never_watched(admin_client, inventory):
    gone = LibraryMedia.objects.get(rating_key=4)
    response = admin_client.get(f"{ITEMS}{gone.pk}/change/")
    assert response.context["row"]["removed"] and "removed from Plex" in response.content.decode()
    assert response.context["row"]["plays"] == 1
    brazil = LibraryMedia.objects.get(rating_key=3)
    response = admin_client.get(f"{ITEMS}{brazil.pk}/change/")
    assert "Nobody has watched it." in response.content.decode()


def test_the_show_page_costs_the_same_queries_with_more_episodes(admin_client, inventory):
    server = inventory["server"]
    show = LibraryMedia.objects.get(rating_key=100)
    url = f"{ITEMS}{show.pk}/change/"
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for season in (3, 4):
        key = 100 + season * 10
        item(server, 2, key, "season", f"Season {season}", media_index=season,
             parent_rating_key=100)  # fmt: skip
        for episode in range(1, 6):
            item(server, 2, key + episode, "episode", f"E{episode}", media_index=episode,
                 parent_rating_key=key, grandparent_rating_key=100, file_size=GB)  # fmt: skip
    admin_client.get(url)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert len(response.context["groups"]) == 4
    assert len(many) == len(few)


# --- storage --------------------------------------------------------------------------------------


def test_storage_per_library_with_capacity_and_free_space(admin_client, inventory):
    inventory["movies"].disk_capacity = 20 * GB
    inventory["movies"].save()
    rows = {row["name"]: row for row in library_storage()}
    assert (rows["Movies"]["items"], rows["Movies"]["size"]) == (3, 15 * GB)  # Gone is removed
    assert (rows["Movies"]["free"], rows["Movies"]["used_percent"]) == (5 * GB, 75.0)
    assert (rows["TV"]["items"], rows["TV"]["size"], rows["TV"]["free"]) == (1, 4 * GB, None)

    response = admin_client.get("/admin/storage/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Movies", "15.0\xa0GB", "20.0\xa0GB", "5.0\xa0GB", "75.0%", "TV", "4.0\xa0GB"):
        assert text in html, text
    assert [chart["name"] for chart in response.context["charts"]] == [
        "storage_size",
        "storage_items",
    ]
    # The Storage page is listed under Libraries.
    assert "/admin/storage/" in admin_client.get("/admin/libraries/").content.decode()


def test_storage_over_time_from_the_growth_data(inventory):
    history = storage_over_time(12)
    assert history["categories"][-1] == "Nov 2026" and len(history["categories"]) == 12
    movies = next(s for s in history["size"] if s["name"] == "Movies")
    # Alien and Brazil (7 GB) since before the window; Heat (8 GB) added in November.
    assert movies["data"][0] == 7 * GB and movies["data"][-2] == 7 * GB
    assert movies["data"][-1] == 15 * GB
    items = next(s for s in history["items"] if s["name"] == "TV")
    assert items["data"] == [4] * 12  # episodes, all added before the window


def test_disk_capacity_is_typed_with_a_unit(admin_client, inventory):
    movies = inventory["movies"]
    url = f"/admin/libraries/library/{movies.pk}/change/"
    data = {
        "keep_history": "on",
        "do_notify": "on",
        "do_notify_created": "on",
        "custom_thumb_url": "",
        "custom_art_url": "",
        "disk_capacity": "4 TB",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    movies.refresh_from_db()
    assert movies.disk_capacity == 4 * 1024**4
    assert 'value="4 TB"' in admin_client.get(url).content.decode()
    response = admin_client.post(url, {**data, "disk_capacity": "lots"})
    assert response.status_code == 200 and "Type a size" in response.content.decode()
    admin_client.post(url, {**data, "disk_capacity": ""})
    movies.refresh_from_db()
    assert movies.disk_capacity is None


@pytest.mark.parametrize(
    ("text", "size"),
    [("4 TB", 4 * 1024**4), ("750gb", 750 * GB), ("1.5 TiB", int(1.5 * 1024**4)), ("1234", 1234)],
)
def test_parse_size(text, size):
    assert parse_size(text) == size


def test_sizes_refused_and_written_back():
    for text in ("", "-1 GB", "4 XB", "GB"):
        with pytest.raises(ValueError):
            parse_size(text)
    assert format_size_exact(4 * 1024**4) == "4 TB" and format_size_exact(1500) == "1500"
    assert ByteSizeField(required=False).clean("") is None


# --- the Tautulli sync's line, the posters ----------------------------------------------------


def test_the_last_synced_line(admin_client, inventory):
    assert "inventory-sync-status" not in admin_client.get(ITEMS).content.decode()
    TautulliConnection.objects.create(
        name="Old box",
        url="http://127.0.0.1:9",
        api_key="K",
        last_sync_at=FROZEN_NOW - dt.timedelta(hours=3),
        last_counts={"users": 2, "session_history": 500},
        last_error="HTTP 500 from http://127.0.0.1:9",
    )
    TautulliConnection.objects.create(name="New box", url="http://127.0.0.1:9", api_key="K")
    html = admin_client.get(ITEMS).content.decode()
    assert "Last synced from Tautulli “Old box”: 2026-11-22 07:30 (3\xa0hours ago)" in html
    assert "502 rows added; error: HTTP 500 from http://127.0.0.1:9." in html
    assert "Tautulli “New box”: never synced yet." in html
    assert "Old box" in admin_client.get("/admin/storage/").content.decode()
    show = LibraryMedia.objects.get(rating_key=100)
    assert "Old box" in admin_client.get(f"{ITEMS}{show.pk}/change/").content.decode()


def test_a_poster_falls_back_to_the_placeholder_when_plex_is_down(admin_client, inventory):
    heat = LibraryMedia.objects.get(rating_key=1)
    response = admin_client.get(item_poster_url(heat))
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["Cache-Control"].startswith("private")


def test_an_episode_shows_its_show_poster(inventory):
    episode = LibraryMedia.objects.filter(media_type="episode").first()
    token = item_poster_url(episode).rsplit("/", 1)[-1]
    _server, path, width, height, fallback = read(token, salt=SALT)
    assert path == f"/library/metadata/{episode.grandparent_rating_key}/thumb"
    assert (width, height, fallback) == (64, 96, "poster")


def test_staff_without_the_view_permission_see_nothing(client, inventory):
    user = get_user_model().objects.create_user("staff", password="pw-12345", is_staff=True)
    client.force_login(user)
    heat = LibraryMedia.objects.get(rating_key=1)
    assert client.get(ITEMS).status_code == 403
    assert client.get(f"{ITEMS}{heat.pk}/change/").status_code == 403
    assert client.get("/admin/storage/").status_code == 403
