"""Posters and avatars on the libraries' and users' admin pages: Recently added (a poster grid
per library and server), the users' avatars and the libraries' thumbs — signed image links that
never carry the Plex token."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from model_bakery import baker

from conftest import FROZEN_NOW
from core.image_links import SALT, read
from libraries.models import Library, LibraryMedia
from servers.models import Server
from users.models import User

RECENT = "/admin/recently-added/"


def tokens(html: str) -> list[tuple]:
    """The (server id, path, width, height, fallback) of every signed image link in ``html``."""
    found = []
    for part in html.split('src="/image/')[1:]:
        found.append(read(part.split('"', 1)[0], salt=SALT))
    return found


@pytest.fixture
def libraries(db):
    home = baker.make(Server, name="Home PMS", url="http://127.0.0.1:9", token="T0KEN")
    cabin = baker.make(Server, name="Cabin PMS", url="http://127.0.0.1:9", token="T0KEN2")
    movies = baker.make(
        Library, server=home, section_id=1, section_name="Movies", section_type="movie",
        thumb="/:/resources/movie.png",
    )  # fmt: skip
    baker.make(Library, server=home, section_id=2, section_name="TV", section_type="show")
    baker.make(Library, server=cabin, section_id=1, section_name="Films", section_type="movie")

    def item(server, section_id, rating_key, media_type, title, days_ago, **fields):
        return baker.make(
            LibraryMedia, server=server, section_id=section_id, rating_key=rating_key,
            media_type=media_type, title=title, added_at=FROZEN_NOW - dt.timedelta(days=days_ago),
            thumb=f"/library/metadata/{rating_key}/thumb/1700000000", **fields,
        )  # fmt: skip

    item(home, 1, 1, "movie", "Heat", 3, year=1995)
    item(home, 2, 10, "show", "The Wire", 2)
    item(
        home, 2, 12, "episode", "The Detail", 1, grandparent_rating_key=10,
        grandparent_title="The Wire", parent_media_index=1, media_index=2,
    )  # fmt: skip
    item(cabin, 1, 1, "movie", "Alien", 0, year=1979)
    item(home, 1, 2, "movie", "Gone", 0, removed_at=FROZEN_NOW)
    return {"home": home, "cabin": cabin, "movies": movies}


def tile_titles(response) -> list[str]:
    return [tile["title"] for tile in response.context["tiles"]]


def test_recently_added_is_a_poster_grid_newest_first(admin_client, libraries):
    response = admin_client.get(RECENT)
    assert response.status_code == 200
    # Movies and episodes (not the show, not a removed item), newest first, across servers.
    assert tile_titles(response) == ["Alien", "The Wire", "Heat"]
    html = response.content.decode()
    assert "S01E02 · The Detail" in html and "1995" in html and "Added 2026-11" in html
    # The episode's tile shows its show's poster; every image is signed, no token in the page.
    paths = {token[1] for token in tokens(html)}
    assert "/library/metadata/10/thumb" in paths and "T0KEN" not in html
    assert (
        f'href="/admin/libraries/librarymedia/{LibraryMedia.objects.get(title="Heat").pk}/change/"'
        in html
    )


def test_recently_added_per_server_and_per_library(admin_client, libraries):
    home, cabin = libraries["home"], libraries["cabin"]
    assert tile_titles(admin_client.get(RECENT, {"scope": str(cabin.pk)})) == ["Alien"]
    assert tile_titles(admin_client.get(RECENT, {"scope": f"{home.pk}:2"})) == ["The Wire"]
    assert tile_titles(admin_client.get(RECENT, {"scope": f"{home.pk}:1"})) == ["Heat"]
    html = admin_client.get(RECENT).content.decode()
    assert "All of Cabin PMS" in html and f'value="{home.pk}:2"' in html
    # A scope that means nothing shows an empty grid, not an error.
    for scope in ("x", f"{home.pk}:y", "999"):
        response = admin_client.get(RECENT, {"scope": scope})
        assert response.status_code == 200 and tile_titles(response) == []
        assert "Nothing added yet" in response.content.decode()


def test_recently_added_pages_in_sql(admin_client, libraries, django_assert_max_num_queries):
    baker.make(
        LibraryMedia, server=libraries["home"], section_id=1, media_type="movie",
        rating_key=iter(range(100, 200)), added_at=FROZEN_NOW - dt.timedelta(days=9), _quantity=40,
    )  # fmt: skip
    admin_client.get(RECENT)
    with django_assert_max_num_queries(8):
        first = admin_client.get(RECENT)
    assert len(first.context["tiles"]) == 36 and "Page 1 of 2" in first.content.decode()
    assert len(admin_client.get(RECENT, {"page": 2}).context["tiles"]) == 7


def test_recently_added_needs_the_view_permission(client, libraries):
    assert client.get(RECENT).status_code == 302  # to the login page
    staff = get_user_model().objects.create_user("staff", password="pw-12345", is_staff=True)
    client.force_login(staff)
    assert client.get(RECENT).status_code == 403


def test_users_list_shows_avatars(admin_client, libraries, django_assert_max_num_queries):
    baker.make(User, user_id=501, username="alice", thumb="https://plex.tv/users/abc/avatar?c=1")
    baker.make(User, user_id=502, username="bob", thumb=None)
    with django_assert_max_num_queries(10):
        html = admin_client.get("/admin/users/user/").content.decode()
    avatars = [token for token in tokens(html) if token[4] == "user"]
    assert len(avatars) == 2
    assert {token[1] for token in avatars} == {"https://plex.tv/users/abc/avatar?c=1", ""}
    assert {token[0] for token in avatars} == {libraries["home"].pk}  # fetched through a PMS
    assert {token[2:4] for token in avatars} == {(64, 64)}


def test_libraries_list_shows_section_thumbs(admin_client, libraries):
    libraries["movies"].custom_thumb_url = "https://img.example/movies.png"
    libraries["movies"].save()
    html = admin_client.get("/admin/libraries/library/").content.decode()
    covers = [token for token in tokens(html) if token[4] == "cover"]
    assert len(covers) == 3
    assert "https://img.example/movies.png" in {token[1] for token in covers}  # custom first
    assert "T0KEN" not in html


def test_a_library_page_shows_its_thumb_and_art(admin_client, libraries):
    movies = libraries["movies"]
    movies.art = "/:/resources/movie-fanart.jpg"
    movies.save()
    html = admin_client.get(f"/admin/libraries/library/{movies.pk}/change/").content.decode()
    shown = {(token[1], token[2], token[3], token[4]) for token in tokens(html)}
    assert ("/:/resources/movie.png", 240, 240, "cover") in shown
    assert ("/:/resources/movie-fanart.jpg", 640, 360, "art") in shown
    assert "T0KEN" not in html
