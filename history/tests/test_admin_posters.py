"""Posters on the history admin: each row's poster (a signed image link, never the token), the
watched mark (Tautulli's watched_status) and the play's page with its title and episode up front."""

import datetime as dt

import pytest
from model_bakery import baker

from conftest import FROZEN_NOW, bake_play
from core.image_links import SALT, read
from history.models import HistoryMetadata
from servers.models import Server
from users.models import User

LIST = "/admin/history/history/"


def token_of(url: str) -> tuple:
    return read(url.rsplit("/", 1)[-1], salt=SALT)


@pytest.fixture
def plays(db):
    server = baker.make(Server, name="Home PMS", url="http://127.0.0.1:9", token="T0KEN")
    alice = baker.make(User, user_id=501, username="alice", friendly_name="Alice")
    stopped = FROZEN_NOW - dt.timedelta(hours=1)
    episode = bake_play(
        server, alice, stopped=stopped, seconds=2400, media_type="episode", view_offset=2_000_000
    )
    HistoryMetadata.objects.create(
        history=episode,
        media_type="episode",
        title="The Detail",
        grandparent_title="The Wire",
        full_title="The Wire - The Detail",
        parent_media_index=1,
        media_index=2,
        thumb="/library/metadata/12/thumb/1700000000",
        parent_thumb="/library/metadata/11/thumb/1700000000",
        grandparent_thumb="/library/metadata/10/thumb/1700000000",
        duration=3_000_000,
    )
    movie = bake_play(
        server,
        alice,
        stopped=stopped - dt.timedelta(hours=3),
        seconds=3000,
        media_type="movie",
        view_offset=1_400_000,
    )
    HistoryMetadata.objects.create(
        history=movie,
        media_type="movie",
        title="Heat",
        full_title="Heat",
        year=1995,
        thumb="/library/metadata/20/thumb/1700000000",
        duration=6_000_000,
    )
    return {"server": server, "episode": episode, "movie": movie}


def test_the_list_shows_posters_watched_marks_and_episodes(admin_client, plays):
    response = admin_client.get(LIST)
    html = response.content.decode()
    assert response.status_code == 200
    # The episode's poster is its show's, signed for the play's server; never the token.
    episode_row, movie_row = response.context["cl"].result_list
    admin = response.context["cl"].model_admin
    src = admin.poster(episode_row).split('src="', 1)[1].split('"', 1)[0]
    server_id, path, width, height, fallback = token_of(src)
    assert (server_id, path, fallback) == (
        plays["server"].pk,
        "/library/metadata/10/thumb",
        "poster",
    )
    assert (width, height) == (64, 96) and src in html and "T0KEN" not in html
    # Title with the episode up front; watched marks by Tautulli's rule.
    assert "The Wire<br>" in html and "S01E02 · The Detail" in html
    assert 'aria-label="Partially watched (75%)"' in html  # 2,000,000 / 3,000,000 ms ≥ 3/4 of 85 %
    assert 'aria-label="Partially watched (25%)"' in html  # 1,400,000 / 6,000,000 ms
    assert "Heat<br>" in html and "1995" in html


def test_a_watched_play_is_marked_watched(admin_client, plays):
    plays["movie"].view_offset = 5_500_000  # past 85 % of 6,000,000 ms
    plays["movie"].save()
    html = admin_client.get(LIST).content.decode()
    assert 'aria-label="Watched"' in html


def test_the_list_costs_the_same_queries_with_more_rows(
    admin_client, plays, django_assert_max_num_queries
):
    admin_client.get(LIST)  # warm the settings and caches
    for i in range(30):
        row = bake_play(
            plays["server"],
            plays["episode"].user,
            stopped=FROZEN_NOW - dt.timedelta(days=1, minutes=i),
            seconds=60,
            media_type="movie",
        )
        HistoryMetadata.objects.create(history=row, media_type="movie", title=f"M{i}")
    with django_assert_max_num_queries(12):
        assert admin_client.get(LIST).status_code == 200


def test_the_play_page_shows_poster_title_episode_user_and_date_first(admin_client, plays):
    html = admin_client.get(f"{LIST}{plays['episode'].pk}/change/").content.decode()
    header = html.split('class="poster-header"', 1)[1]
    assert header.index("The Wire") < header.index("S01E02 · The Detail") < header.index("Alice")
    assert "2026-11-22 09:" in header or "2026-11-22 0" in header  # local start date
    assert html.index('class="poster-header"') < html.index("metadata")  # before the tabs
    src = header.split('src="', 1)[1].split('"', 1)[0]
    assert token_of(src)[1:4] == ("/library/metadata/10/thumb", 240, 360)
    assert "T0KEN" not in html
