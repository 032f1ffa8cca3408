"""plex.newsletter_content: what a newsletter lists for a window, read through plexapi from the
fake PMS serving a library added over the last days (plex.testing.recently_added)."""

import json

import pytest
from model_bakery import baker

from conftest import FROZEN_NOW
from plex import newsletter_content
from plex.client import PlexUnavailable, clear_cache
from plex.newsletter_content import range_text, recently_added_between
from plex.testing import FakePlexServer
from plex.testing.recently_added import DAY, add_recently_added, served_key
from servers.models import Server

pytestmark = pytest.mark.django_db

NOW = int(FROZEN_NOW.timestamp())
WEEK = (NOW - 7 * DAY, NOW)


@pytest.fixture
def pms():
    with FakePlexServer(token="secret-plex-token") as fake:
        fake.library = add_recently_added(fake, now=NOW)
        yield fake


@pytest.fixture
def server(pms):
    return baker.make(
        Server,
        name="Winterfell",
        url=pms.url,
        token=pms.token,
        machine_identifier=pms.machine_identifier,
    )


def paths(pms, prefix="/library/"):
    return [request.path for request in pms.requests if request.path.startswith(prefix)]


def test_a_week_lists_movies_shows_music_and_other_videos_newest_first(pms, server):
    content = recently_added_between(server, None, *WEEK)

    json.dumps(content)  # stored and rendered as is
    mid = pms.machine_identifier
    assert content["server"] == {
        "id": server.pk,
        "name": "Winterfell",
        "machine_identifier": mid,
        "web_url": f"https://app.plex.tv/desktop#!/server/{mid}",
    }
    assert (content["start"], content["end"]) == WEEK
    assert content["libraries"] == [
        {"section_id": 1, "section_name": "Movies", "section_type": "movie"},
        {"section_id": 2, "section_name": "TV Shows", "section_type": "show"},
        {"section_id": 3, "section_name": "Music", "section_type": "artist"},
        {"section_id": 4, "section_name": "Home Videos", "section_type": "movie"},
    ]
    # Added 0.5, 2, 3.5 and 6 days ago; "Manchester by the Sea" (8 days) is too old.
    assert [(m["title"], m["added_at"]) for m in content["movie"]] == [
        ("Hidden Figures", NOW - DAY // 2),
        ("Rogue One: A Star Wars Story", NOW - 2 * DAY),
        ("Underworld: Blood Wars", NOW - 7 * DAY // 2),
        ("Friday", NOW - 6 * DAY),
    ]
    hidden_figures = content["movie"][0]
    assert hidden_figures == {
        "rating_key": served_key(49724),
        "title": "Hidden Figures",
        "year": 2017,
        "added_at": NOW - DAY // 2,
        "summary": hidden_figures["summary"],
        "tagline": "Meet the women you don't know, behind the mission you do.",
        "thumb": f"/library/metadata/{served_key(49724)}/thumb/1490327440",
        "art": f"/library/metadata/{served_key(49724)}/art/1490327440",
        "duration": 7603062,
        "content_rating": "PG",
        "genres": ["Biography", "History", "Drama"],
        "directors": ["Theodore Melfi"],
        "actors": ["Taraji P. Henson", "Octavia Spencer", "Janelle Monae"],
        "rating": 9.3,
        "audience_rating": 9.4,
        "section_id": 1,
        "library_name": "Movies",
        "web_url": f"https://app.plex.tv/desktop#!/server/{mid}/details?key="
        f"%2Flibrary%2Fmetadata%2F{served_key(49724)}",
    }
    assert hidden_figures["summary"].startswith("The incredible untold story")
    # The personal-media library's movies are "other videos" (20 days ago: too old).
    assert [(v["title"], v["section_id"]) for v in content["other_video"]] == [
        ("Big Buck Bunny", 4),
        ("Elephants Dream", 4),
    ]


def test_a_show_is_grouped_by_season_with_tautulli_ranges(server):
    [show] = recently_added_between(server, None, *WEEK)["show"]

    assert (show["title"], show["year"], show["content_rating"]) == ("The 100", 2014, "TV-14")
    assert show["summary"].startswith("Set ninety-seven years after a nuclear war")
    assert show["genres"] == ["Action", "Drama"]
    assert show["thumb"] == f"/library/metadata/{served_key(22)}/thumb/1579514246"
    assert "duration" not in show
    assert show["added_at"] == NOW - DAY  # its newest episode
    assert (show["season_count"], show["episode_count"], show["season_range"]) == (2, 6, "01-02")
    season_1, season_2 = show["seasons"]
    # Episode 4 was added 40 days ago: not in this week's newsletter.
    assert {k: season_1[k] for k in season_1 if k != "episodes"} == {
        "rating_key": served_key(89),
        "media_index": 1,
        "title": "Season 1",
        "thumb": f"/library/metadata/{served_key(89)}/thumb/1579514245",
        "added_at": NOW - 3 * DAY,
        "episode_count": 4,
        "episode_range": "01-03, 05",
    }
    assert [(e["media_index"], e["title"], e["added_at"]) for e in season_1["episodes"]] == [
        (1, "Pilot", NOW - 5 * DAY),
        (2, "Earth Skills", NOW - 5 * DAY),
        (3, "Earth Kills", NOW - 5 * DAY),
        (5, "Contents Under Pressure", NOW - 3 * DAY),
    ]
    assert season_1["episodes"][0] == {
        "rating_key": served_key(90),
        "media_index": 1,
        "title": "Pilot",
        "added_at": NOW - 5 * DAY,
        "thumb": f"/library/metadata/{served_key(90)}/thumb/1579514237",
        "duration": 5062,
        "summary": season_1["episodes"][0]["summary"],
    }
    assert season_1["episodes"][0]["summary"].startswith("Ninety-seven years ago")
    # Season 2 is one grouped entry of PMS's list: its episodes are read from the season.
    assert (season_2["media_index"], season_2["episode_range"], season_2["episode_count"]) == (
        2,
        "01-02",
        2,
    )
    assert [e["title"] for e in season_2["episodes"]] == ["The 48", "Inclement Weather"]


def test_an_artist_lists_the_albums_added_with_their_track_counts(server):
    [artist] = recently_added_between(server, None, *WEEK)["artist"]

    assert (artist["title"], artist["genres"], artist["section_id"]) == (
        "Skrillex",
        ["Dubstep", "Electronic"],
        3,
    )
    assert artist["summary"].startswith("Skrillex is the pseudonym")
    assert (artist["album_count"], artist["track_count"], artist["added_at"]) == (
        2,
        5,
        NOW - 2 * DAY,
    )
    assert artist["albums"] == [
        {
            "rating_key": served_key(157),
            "title": "Try It Out",
            "year": 2013,
            "thumb": f"/library/metadata/{served_key(157)}/thumb/1680344882",
            "added_at": NOW - 2 * DAY,
            "track_count": 3,
        },
        {
            "rating_key": served_key(161_000),
            "title": "Try It Out (Remixes)",
            "year": 2013,
            "thumb": f"/library/metadata/{served_key(161_000)}/thumb/{NOW - 4 * DAY}",
            "added_at": NOW - 4 * DAY,
            "track_count": 2,
        },
    ]


def test_requests_one_page_per_library_and_one_batch_of_details(pms, server):
    recently_added_between(server, None, *WEEK)

    assert paths(pms) == [
        "/library/sections",
        "/library/sections/1/recentlyAdded",
        "/library/sections/2/recentlyAdded",
        f"/library/metadata/{served_key(33)}/children",  # the grouped Season 2
        "/library/sections/3/recentlyAdded",
        "/library/sections/4/recentlyAdded",
        f"/library/metadata/{served_key(22)},{served_key(156)}",  # show and artist, batched
    ]


def test_paging_stops_once_a_page_reaches_items_older_than_the_start(pms, server, monkeypatch):
    monkeypatch.setattr(newsletter_content, "PAGE_SIZE", 2)

    content = recently_added_between(server, [1], *WEEK)

    # 34 movies in the library, 4 of them this week: pages 0-1 and 2-3 are new, 4-5 old.
    requests = pms.library.requests(pms, 1)
    assert [
        (r.headers["x-plex-container-start"], r.headers["x-plex-container-size"]) for r in requests
    ] == [
        ("0", "2"),
        ("2", "2"),
        ("4", "2"),
    ]
    assert len(content["movie"]) == 4


def test_only_the_libraries_asked_for_are_read(pms, server):
    content = recently_added_between(server, [2, "4", 99], *WEEK)

    assert [lib["section_id"] for lib in content["libraries"]] == [2, 4]
    assert content["movie"] == content["artist"] == []
    assert [show["title"] for show in content["show"]] == ["The 100"]
    assert len(content["other_video"]) == 2
    assert not pms.library.requests(pms, 1) and not pms.library.requests(pms, 3)


def test_a_show_added_whole_is_read_from_its_episodes(pms, server):
    # The 100 itself is an entry of PMS's list 40 days ago, with its episode 4.
    content = recently_added_between(server, [2], NOW - 41 * DAY, NOW - 39 * DAY)

    [show] = content["show"]
    assert (show["title"], show["season_range"], show["added_at"]) == (
        "The 100",
        "01",
        NOW - 40 * DAY,
    )
    [season] = show["seasons"]
    assert (season["episode_range"], season["episodes"][0]["title"]) == (
        "04",
        "His Sister's Keeper",
    )
    assert f"/library/metadata/{served_key(22)}/allLeaves" in paths(pms)


@pytest.mark.parametrize(
    ("section_ids", "window", "message"),
    [
        (["movies"], WEEK, "Not a library section id: 'movies'"),
        (None, (NOW, NOW - DAY), "The window starts"),
    ],
)
def test_bad_arguments_are_refused_before_asking_pms(pms, server, section_ids, window, message):
    with pytest.raises(ValueError, match=message):
        recently_added_between(server, section_ids, *window)
    assert not paths(pms)


def test_the_window_end_is_excluded(server):
    content = recently_added_between(server, None, NOW - 7 * DAY, NOW - DAY)

    assert "Hidden Figures" not in [m["title"] for m in content["movie"]]
    # Season 2's episodes were added exactly at the end.
    [show] = content["show"]
    assert (show["season_range"], show["episode_count"]) == ("01", 4)


def test_an_empty_window_gives_empty_lists(server):
    content = recently_added_between(server, None, NOW - 400 * DAY, NOW - 399 * DAY)

    assert content["movie"] == content["show"] == content["artist"] == []
    assert content["other_video"] == []
    assert len(content["libraries"]) == 4


def test_a_server_that_is_down_raises_plex_unavailable(pms, server):
    pms.stop()
    clear_cache()

    with pytest.raises(PlexUnavailable, match=r"Unreachable: could not connect to http://"):
        recently_added_between(server, None, *WEEK)


def test_a_slow_library_answer_raises_plex_unavailable_after_the_timeout(pms, server):
    pms.routes[("GET", "/library/sections/2/recentlyAdded")].delay = 2

    with pytest.raises(PlexUnavailable, match=r"Timeout: .* did not answer within 0.5 s") as raised:
        recently_added_between(server, None, *WEEK, timeout=0.5)
    assert "secret-plex-token" not in str(raised.value)


@pytest.mark.parametrize(
    ("numbers", "text"),
    [
        ([], ""),
        ([4], "04"),
        ([1, 2, 3, 5], "01-03, 05"),
        ([5, 3, 1, 2, 2], "01-03, 05"),
        ([1, 2, 4, 5, 7, 10, 11, 12], "01-02, 04-05, 07, 10-12"),
        ([0, 1], "00-01"),
        ([100, 101], "100-101"),
        ([None, 3], "03"),
    ],
)
def test_range_text(numbers, text):
    assert range_text(numbers) == text
