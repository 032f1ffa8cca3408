"""What a guest sees under /me/: their own streams, statistics and history, nobody else's."""

import datetime as dt

import pytest
from model_bakery import baker

from .conftest import T0, make_play

pytestmark = pytest.mark.django_db


@pytest.fixture
def plays(server, alice, bob):
    """Alice: two movies and an episode; Bob: a movie of his own."""
    make_play(server, alice, T0, title="Alice Movie One", year=2001)
    make_play(
        server, alice, T0 + dt.timedelta(hours=1), title="Alice Movie Two", offset_ms=5_300_000
    )
    make_play(
        server,
        alice,
        T0 + dt.timedelta(hours=2),
        title="The Pilot",
        full_title="Alice Show - The Pilot",
        media_type="episode",
        grandparent_title="Alice Show",
        parent_media_index=1,
        media_index=2,
    )
    make_play(server, bob, T0 + dt.timedelta(hours=3), title="Bob Secret Movie")


def test_home_shows_own_streams_statistics_and_plays(client, guest, plays, server, alice, bob):
    baker.make(
        "plex.Session",
        server=server,
        user_id=alice.user_id,
        state="playing",
        title="Alice Live Movie",
        media_type="movie",
        view_offset=600_000,
        duration=3_600_000,
        transcode_decision="transcode",
        player="Living Room",
        ip_address="198.51.100.7",
        confirmed=True,
    )
    baker.make(
        "plex.Session",
        server=server,
        user_id=bob.user_id,
        state="playing",
        title="Bob Live Movie",
        media_type="movie",
        ip_address="198.51.100.8",
        confirmed=True,
    )
    response = client.get("/me/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Alice Live Movie" in page and "Transcode" in page and "50 mins left" in page
    assert "Alice Movie One" in page and "Alice Show — S01E02 · The Pilot" in page
    assert "Bob" not in page  # neither his stream, his plays nor his name
    assert "198.51.100" not in page and "203.0.113" not in page  # no IP address
    assert "plex-secret-token" not in page and "/image/" in page  # posters through the proxy
    # Watch time of the last day and all time: Alice's three plays of 30 minutes.
    assert "3 plays" in page and "1 hr 30 mins" in page


def test_history_is_own_rows_with_filters_and_pages(client, guest, plays, server, alice):
    page = client.get("/me/history/").content.decode()
    assert "3 plays" in page and "Alice Movie Two" in page and "Bob Secret Movie" not in page
    assert "Watched" in page  # Movie Two played to 98 %: past the 85 % rule
    assert "Alice Movie One (2001)" in page
    movies = client.get("/me/history/", {"media_type": "episode"}).content.decode()
    assert "The Pilot" in movies and "Alice Movie One" not in movies
    found = client.get("/me/history/", {"search": "two"}).content.decode()
    assert "Alice Movie Two" in found and "Alice Movie One" not in found
    # Searching another user's title finds nothing; a tampered user_id parameter is ignored.
    assert "Bob Secret Movie" not in client.get("/me/history/", {"search": "Bob"}).content.decode()
    tampered = client.get("/me/history/", {"user_id": 1002}).content.decode()
    assert "Bob Secret Movie" not in tampered and "Alice Movie One" in tampered


def test_history_pages_in_sql(client, guest, server, alice, django_assert_max_num_queries):
    for index in range(30):
        make_play(server, alice, T0 - dt.timedelta(hours=index), title=f"Film {index:02d}")
    with django_assert_max_num_queries(12):
        first = client.get("/me/history/").content.decode()
    assert "Film 00" in first and "Film 24" in first and "Film 25" not in first
    # The overview's statistics cost the same whatever the number of plays (32 today), once
    # the statistics rollups are up to date (the first read after new plays brings them there).
    client.get("/me/")
    with django_assert_max_num_queries(40):
        assert "Film 04" in client.get("/me/").content.decode()
    assert "Page 1 of 2" in first
    second = client.get("/me/history/", {"page": 2}).content.decode()
    assert "Film 25" in second and "Film 29" in second and "Film 00" not in second
    # Bad input: a page that is not a number or out of range shows a page, never a 500.
    assert client.get("/me/history/", {"page": "x"}).status_code == 200
    assert "Page 2 of 2" in client.get("/me/history/", {"page": 99}).content.decode()
    assert client.get("/me/history/", {"media_type": "<script>"}).status_code == 200


def test_statistics_are_own(client, guest, plays):
    page = client.get("/me/").content.decode()
    assert "alice&#x27;s TV" in page or "alice's TV" in page
    assert "bob&#x27;s TV" not in page and "bob's TV" not in page
    assert "Bob Secret Movie" not in page


def test_logout_ends_the_session(client, guest):
    response = client.post("/me/logout/")
    assert response.status_code == 302
    assert client.get("/me/").status_code == 302
