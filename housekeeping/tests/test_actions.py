import datetime as dt
import json

import pytest
import time_machine
from model_bakery import baker

from housekeeping.actions import ActionRefused, act_on, plan_action, resume_interrupted
from housekeeping.models import ActionLog, Candidate, RuleSet
from housekeeping.services.sync import sync_services
from libraries.models import LibraryMedia
from servers.models import Server

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def server():
    return baker.make(Server, name="Home")


def _item(server, media_type, rating_key, **fields):
    return baker.make(
        LibraryMedia,
        server=server,
        section_id=1,
        media_type=media_type,
        rating_key=rating_key,
        **fields,
    )


def movie(server, rating_key=100, **fields):
    values = {
        "title": "Heat",
        "year": 1995,
        "tmdb_id": "949",
        "imdb_id": "tt0113277",
        "file_paths": ["/data/movies/Heat (1995)/Heat.mkv"],
        "file_size": 5000,
        "total_file_size": 5000,
    }
    return _item(server, "movie", rating_key, **{**values, **fields})


def show_tree(server, *, season_index=1):
    """Lost (tvdb 73739): season 1 (rating key 201) with episodes 1-2, season 2 (202) with
    episode 1."""
    show = _item(server, "show", 200, title="Lost", tvdb_id="73739", total_file_size=300)
    seasons = {}
    for key, number in ((201, season_index), (202, 2)):
        seasons[number] = _item(
            server,
            "season",
            key,
            title=f"Season {number}",
            parent_rating_key=200,
            parent_title="Lost",
            media_index=number,
            total_file_size=200 if key == 201 else 100,
        )
    for key, season_key, season_number, episode in (
        (301, 201, 1, 1),
        (302, 201, 1, 2),
        (303, 202, 2, 1),
    ):
        _item(
            server,
            "episode",
            key,
            title=f"Episode {episode}",
            parent_rating_key=season_key,
            grandparent_rating_key=200,
            grandparent_title="Lost",
            parent_media_index=season_number,
            media_index=episode,
            file_paths=[f"/tv/Lost/S{season_number:02d}E{episode:02d}.mkv"],
            file_size=100,
            total_file_size=100,
        )
    return show, seasons


def candidate(item, *, status=Candidate.PENDING, **rule_set_fields):
    fields = {"dry_run": False, "action": RuleSet.ACTION_DELETE, **rule_set_fields}
    rule_set = baker.make(RuleSet, name=f"Rules {item.rating_key}", **fields)
    return Candidate.objects.create(
        rule_set=rule_set,
        item=item,
        status=status,
        first_matched_at=NOW,
        last_matched_at=NOW,
        due_at=NOW,
        size=item.total_file_size,
        trace=[{"field": "plays", "operator": "eq", "value": 0, "actual": 0, "result": True}],
    )


def writes(fake):
    return [(r["method"], r["path"], r["query"], r["json"]) for r in fake.sent("write")]


# -- Radarr -------------------------------------------------------------------------------


def test_radarr_movie_delete_with_import_exclusion(server, fake_radarr, radarr_service):
    fake_radarr.add_movie("Heat", 949, imdb_id="tt0113277", year=1995)
    c = candidate(movie(server))

    log = act_on(c, actor_label="admin: alice")

    assert writes(fake_radarr) == [
        (
            "DELETE",
            "/api/v3/movie/1",
            {"deleteFiles": "true", "addImportExclusion": "true"},
            None,
        )
    ]
    assert fake_radarr.exclusions[0]["tmdbId"] == 949
    assert fake_radarr.deleted_files == ["/data/movies/Heat (1995)/Heat.mkv"]
    log.refresh_from_db()
    assert (log.status, log.target, log.actor_label) == ("done", "radarr:Main", "admin: alice")
    assert log.result == "radarr:Main: Heat (1995) deleted with its files, import exclusion added"
    assert log.files == ["/data/movies/Heat (1995)/Heat.mkv"] and log.size == 5000
    assert log.trace == c.trace and log.rule_set_name == c.rule_set.name
    assert [(r["method"], r["path"]) for r in log.requests] == [
        ("GET", "/api/v3/movie"),
        ("DELETE", "/api/v3/movie/1"),
    ]
    # pyarr spells it tmdbid (ASP.NET binds query names case-insensitively).
    assert log.requests[0]["query"] == {"tmdbid": "949"}
    assert fake_radarr.api_key not in json.dumps(log.requests)
    c.refresh_from_db()
    assert (c.status, c.acted_at, c.reason) == (Candidate.ACTED, NOW, "")


def test_radarr_unmonitor_and_delete_file(server, fake_radarr, radarr_service):
    fake_radarr.add_movie("Heat", 949)
    c = candidate(movie(server), action=RuleSet.ACTION_UNMONITOR_DELETE)

    log = act_on(c, actor_label="schedule")

    sent = writes(fake_radarr)
    assert [(m, p) for m, p, _q, _j in sent] == [
        ("PUT", "/api/v3/movie/1"),
        ("DELETE", "/api/v3/moviefile/101"),
    ]
    assert sent[0][3]["monitored"] is False
    assert fake_radarr.movies[1]["monitored"] is False and fake_radarr.movies[1]["hasFile"] is False
    assert log.status == "done"


def test_movie_not_in_radarr_goes_to_plex_and_unmonitor_is_refused(
    server, fake_radarr, radarr_service
):
    c = candidate(movie(server), action=RuleSet.ACTION_UNMONITOR)

    log = act_on(c, actor_label="schedule")

    assert fake_radarr.sent("write") == []
    assert log.status == "failed" and log.target == "plex"
    assert "nothing to unmonitor" in log.result


# -- Sonarr -------------------------------------------------------------------------------


def test_sonarr_show_delete(server, fake_sonarr, sonarr_service):
    fake_sonarr.add_series("Lost", 73739, {1: 2, 2: 1})
    show, _seasons = show_tree(server)
    c = candidate(show, add_import_exclusion=False)

    log = act_on(c, actor_label="schedule")

    assert writes(fake_sonarr) == [
        (
            "DELETE",
            "/api/v3/series/1",
            {"deleteFiles": "true", "addImportListExclusion": "false"},
            None,
        )
    ]
    assert fake_sonarr.series == {} and fake_sonarr.exclusions == []
    assert len(fake_sonarr.deleted_files) == 3
    assert log.status == "done" and log.target == "sonarr:TV"
    assert log.files == ["/tv/Lost/S01E01.mkv", "/tv/Lost/S01E02.mkv", "/tv/Lost/S02E01.mkv"]


def test_sonarr_season_delete_files_unmonitor_then_series_if_empty(
    server, fake_sonarr, sonarr_service
):
    fake_sonarr.add_series("Lost", 73739, {1: 2})
    _show, seasons = show_tree(server)
    c = candidate(seasons[1], delete_show_if_empty=True)

    log = act_on(c, actor_label="schedule")

    sent = writes(fake_sonarr)
    assert sent[0] == ("DELETE", "/api/v3/episodefile/bulk", {}, {"episodeFileIds": [1, 2]})
    assert sent[1] == (
        "PUT",
        "/api/v3/episode/monitor",
        {},
        {"episodeIds": [1, 2], "monitored": False},
    )
    assert sent[2][:2] == ("PUT", "/api/v3/series/1")
    assert sent[2][3]["seasons"][0]["monitored"] is False
    assert sent[3] == (
        "DELETE",
        "/api/v3/series/1",
        {"deleteFiles": "true", "addImportListExclusion": "true"},
        None,
    )
    assert log.status == "done"
    assert "2 episode files deleted, unmonitored, series deleted" in log.result
    assert log.files == ["/tv/Lost/S01E01.mkv", "/tv/Lost/S01E02.mkv"] and log.size == 200


def test_sonarr_season_delete_keeps_other_seasons(server, fake_sonarr, sonarr_service):
    fake_sonarr.add_series("Lost", 73739, {1: 2, 2: 1})
    _show, seasons = show_tree(server)
    c = candidate(seasons[2], delete_show_if_empty=True)

    act_on(c, actor_label="schedule")

    assert [(m, p) for m, p, _q, _j in writes(fake_sonarr)] == [
        ("DELETE", "/api/v3/episodefile/bulk"),
        ("PUT", "/api/v3/episode/monitor"),
        ("PUT", "/api/v3/series/1"),
    ]
    assert writes(fake_sonarr)[0][3] == {"episodeFileIds": [3]}
    assert sorted(f["id"] for f in fake_sonarr.files.values()) == [1, 2]
    assert 1 in fake_sonarr.series


def test_sonarr_episode_delete_file_and_unmonitor(server, fake_sonarr, sonarr_service):
    fake_sonarr.add_series("Lost", 73739, {1: 2, 2: 1})
    show_tree(server)
    episode = LibraryMedia.objects.get(rating_key=302)
    c = candidate(episode)

    log = act_on(c, actor_label="schedule")

    assert writes(fake_sonarr) == [
        ("DELETE", "/api/v3/episodefile/2", {}, None),
        ("PUT", "/api/v3/episode/monitor", {}, {"episodeIds": [2], "monitored": False}),
    ]
    assert log.result == "sonarr:TV: Lost S01E02 file deleted, unmonitored"
    assert fake_sonarr.episodes[2]["monitored"] is False


def test_season_already_without_files_is_recorded_already_gone(server, fake_sonarr, sonarr_service):
    fake_sonarr.add_series("Lost", 73739, {1: 2, 2: 1})
    fake_sonarr.files = {k: f for k, f in fake_sonarr.files.items() if f["seasonNumber"] != 1}
    _show, seasons = show_tree(server)

    log = act_on(candidate(seasons[1]), actor_label="schedule")

    assert log.status == "done" and "already gone" in log.result
    assert ("DELETE", "/api/v3/episodefile/bulk") not in [
        (m, p) for m, p, _q, _j in writes(fake_sonarr)
    ]


def test_season_without_number_is_refused_never_the_whole_show(server, fake_sonarr, sonarr_service):
    fake_sonarr.add_series("Lost", 73739, {1: 2, 2: 1})
    sync_services()
    _show, seasons = show_tree(server)
    season = seasons[1]
    season.media_index = None
    season.save()
    c = candidate(season)
    assert plan_action(c).refused

    log = act_on(c, actor_label="schedule")

    assert fake_sonarr.sent("write") == []
    assert len(fake_sonarr.files) == 3 and 1 in fake_sonarr.series
    assert log.status == "failed" and log.result.startswith("refused: ")
    c.refresh_from_db()
    assert c.status == Candidate.FAILED and "number is unknown" in c.reason


# -- Overseerr ----------------------------------------------------------------------------


def test_overseerr_request_cleared_after_delete(
    server, fake_radarr, radarr_service, fake_overseerr, overseerr_service
):
    fake_radarr.add_movie("Heat", 949)
    fake_overseerr.add_request("movie", tmdb_id=949, user="Bob")
    fake_overseerr.add_request("movie", tmdb_id=680)
    c = candidate(movie(server))

    log = act_on(c, actor_label="schedule")

    assert writes(fake_overseerr) == [
        ("DELETE", "/api/v1/request/1", {}, None),
        ("DELETE", "/api/v1/media/1", {}, None),
    ]
    assert list(fake_overseerr.requests_made) == [2]
    assert log.status == "done" and "overseerr:Requests: 1 request(s) cleared" in log.result


def test_overseerr_down_after_delete_still_done(
    server, fake_radarr, radarr_service, fake_overseerr, overseerr_service
):
    fake_radarr.add_movie("Heat", 949)
    fake_overseerr.fail = 500

    log = act_on(candidate(movie(server)), actor_label="schedule")

    assert log.status == "done" and "request not cleared" in log.result


# -- dry runs, failures, safety -------------------------------------------------------------


def test_dry_run_sends_nothing_and_writes_audit(
    server, fake_radarr, radarr_service, fake_overseerr, overseerr_service
):
    fake_radarr.add_movie("Heat", 949)
    fake_overseerr.add_request("movie", tmdb_id=949, user="Bob")
    sync_services()
    fake_radarr.requests.clear()
    fake_overseerr.requests.clear()
    c = candidate(movie(server), status=Candidate.POSTPONED, dry_run=True)

    log = act_on(c, actor_label="schedule")

    assert fake_radarr.requests == [] and fake_overseerr.requests == []
    log.refresh_from_db()
    assert (log.status, log.dry_run, log.target) == ("dry_run", True, "radarr:Main")
    assert log.requests == [
        {
            "service": "radarr:Main",
            "method": "DELETE",
            "path": "/api/v3/movie/1",
            "query": {"deleteFiles": "true", "addImportExclusion": "true"},
        },
        {"service": "overseerr:Requests", "method": "DELETE", "path": "/api/v1/request/1"},
        {"service": "overseerr:Requests", "method": "DELETE", "path": "/api/v1/media/1"},
    ]
    assert "Delete Heat (1995) in Radarr Main" in log.result
    c.refresh_from_db()
    assert c.status == Candidate.POSTPONED and c.acted_at is None
    assert 1 in fake_radarr.movies


def test_forced_dry_run_and_nothing_action(server, fake_radarr, radarr_service):
    fake_radarr.add_movie("Heat", 949)
    c = candidate(movie(server), action=RuleSet.ACTION_NOTHING)
    log = act_on(c, actor_label="schedule")
    assert log.status == "dry_run" and log.requests == [] and fake_radarr.requests == []

    other = candidate(movie(server, rating_key=101), dry_run=False)
    log = act_on(other, actor_label="api", dry_run=True)
    assert log.status == "dry_run" and fake_radarr.requests == []


def test_service_error_fails_with_reason(server, fake_radarr, radarr_service):
    fake_radarr.add_movie("Heat", 949)
    fake_radarr.fail = 500
    c = candidate(movie(server))

    log = act_on(c, actor_label="schedule")

    assert log.status == "failed"
    assert log.result == "radarr:Main: Internal Server Error: Internal failure (fake)"
    c.refresh_from_db()
    assert c.status == Candidate.FAILED and c.reason == log.result


def test_radarr_down_never_falls_back_to_plex(server, fake_radarr, radarr_service):
    fake_radarr.stop()
    c = candidate(movie(server))

    log = act_on(c, actor_label="schedule")

    assert log.status == "failed" and log.result == "radarr:Main: cannot connect"
    assert all(r["service"] == "radarr:Main" for r in log.requests)
    assert [r["method"] for r in log.requests] == ["GET"]
    c.refresh_from_db()
    assert c.status == Candidate.FAILED


def test_sonarr_down_for_an_episode_never_falls_back(server, fake_sonarr, sonarr_service):
    fake_sonarr.stop()
    show_tree(server)
    log = act_on(candidate(LibraryMedia.objects.get(rating_key=301)), actor_label="schedule")
    assert log.status == "failed" and log.result == "sonarr:TV: cannot connect"
    assert not any(r["service"] == "plex" for r in log.requests)


def test_double_act_refused(server, fake_radarr, radarr_service):
    fake_radarr.add_movie("Heat", 949)
    c = candidate(movie(server))
    act_on(c, actor_label="schedule")

    with pytest.raises(ActionRefused):
        act_on(c, actor_label="schedule")
    Candidate.objects.filter(pk=c.pk).update(status=Candidate.ACTING)
    with pytest.raises(ActionRefused):
        act_on(c, actor_label="schedule")
    for status in (Candidate.KEPT, Candidate.EXCLUDED):
        Candidate.objects.filter(pk=c.pk).update(status=status)
        with pytest.raises(ActionRefused):
            act_on(c, actor_label="schedule")

    assert ActionLog.objects.count() == 1
    assert len(writes(fake_radarr)) == 1


def test_action_finished_sent_on_commit(
    server, fake_radarr, radarr_service, django_capture_on_commit_callbacks
):
    from core.housekeeping_events import action_finished

    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    action_finished.connect(receiver)
    try:
        fake_radarr.add_movie("Heat", 949)
        with django_capture_on_commit_callbacks(execute=True):
            log = act_on(candidate(movie(server)), actor_label="schedule")
    finally:
        action_finished.disconnect(receiver)
    assert [(r["action_log_id"], r["status"]) for r in received] == [(log.pk, "done")]


def test_plan_lists_steps_files_and_size(server, fake_sonarr, sonarr_service):
    fake_sonarr.add_series("Lost", 73739, {1: 2, 2: 1})
    sync_services()
    show, _seasons = show_tree(server)
    plan = plan_action(candidate(show))
    assert plan.target == "sonarr:TV" and plan.size == 300 and not plan.refused
    assert plan.files == ["/tv/Lost/S01E01.mkv", "/tv/Lost/S01E02.mkv", "/tv/Lost/S02E01.mkv"]
    assert plan.steps[0] == (
        "Delete the series Lost in Sonarr TV with its files (/data/tv/Lost),"
        " and add an import-list exclusion."
    )
    assert fake_sonarr.sent("write") == []


# -- interrupted actions ------------------------------------------------------------------


def _started(c, *, target, minutes_ago, dry_run=False):
    Candidate.objects.filter(pk=c.pk).update(status=Candidate.ACTING)
    log = ActionLog.objects.create(
        candidate=c,
        rule_set=c.rule_set,
        server_id=c.item.server_id,
        rating_key=c.item.rating_key,
        media_type=c.item.media_type,
        action=c.rule_set.action,
        target=target,
        dry_run=dry_run,
    )
    ActionLog.objects.filter(pk=log.pk).update(created_at=NOW - dt.timedelta(minutes=minutes_ago))
    return log


def test_resume_interrupted_closes_started_rows(server, fake_radarr, radarr_service):
    fake_radarr.add_movie("Ronin", 8195)
    gone = candidate(movie(server))  # Heat: no longer in Radarr → the delete happened
    still = candidate(movie(server, rating_key=101, title="Ronin", tmdb_id="8195", imdb_id=""))
    dry = candidate(movie(server, rating_key=102, tmdb_id="1"))
    recent = candidate(movie(server, rating_key=103, tmdb_id="2"))
    logs = {
        "gone": _started(gone, target="radarr:Main", minutes_ago=30),
        "still": _started(still, target="radarr:Main", minutes_ago=30),
        "dry": _started(dry, target="radarr:Main", minutes_ago=30, dry_run=True),
        "recent": _started(recent, target="radarr:Main", minutes_ago=5),
    }

    closed = resume_interrupted(older_than_minutes=10)

    assert sorted(log.pk for log in closed) == sorted(logs[k].pk for k in ("gone", "still", "dry"))
    for log in logs.values():
        log.refresh_from_db()
    for c in (gone, still, dry, recent):
        c.refresh_from_db()
    assert logs["gone"].status == "done" and gone.status == Candidate.ACTED
    assert logs["gone"].result.startswith("interrupted: ")
    assert logs["still"].status == "failed" and still.status == Candidate.FAILED
    assert still.reason.startswith("interrupted: ")
    assert logs["dry"].status == "failed" and dry.status == Candidate.PENDING
    assert logs["recent"].status == "started" and recent.status == Candidate.ACTING
    assert fake_radarr.sent("write") == []


def test_resume_interrupted_with_service_down_reports_failed(server, fake_sonarr, sonarr_service):
    fake_sonarr.stop()
    show, _seasons = show_tree(server)
    c = candidate(show)
    log = _started(c, target="sonarr:TV", minutes_ago=30)

    resume_interrupted()

    log.refresh_from_db()
    c.refresh_from_db()
    assert log.status == "failed" and "could not check" in log.result
    assert c.status == Candidate.FAILED


def test_episode_sonarr_does_not_list_fails_not_gone(server, fake_sonarr, sonarr_service):
    fake_sonarr.add_series("Lost", 73739, {1: 1})
    show_tree(server)
    c = candidate(LibraryMedia.objects.get(rating_key=302))  # S01E02: Sonarr has only S01E01

    log = act_on(c, actor_label="schedule")

    assert log.status == "failed" and log.result == "sonarr:TV: Sonarr lists no Lost S01E02"
    assert fake_sonarr.sent("write") == []


def test_movie_radarr_deleted_meanwhile_is_already_gone(server, fake_radarr, radarr_service):
    fake_radarr.add_movie("Heat", 949, year=1995)
    fake_radarr.overrides[("DELETE", "/api/v3/movie/1")] = (404, {"message": "NotFound"})
    c = candidate(movie(server))

    log = act_on(c, actor_label="schedule")

    assert log.status == "done" and log.result == "radarr:Main: Heat (1995) already gone"
    c.refresh_from_db()
    assert c.status == Candidate.ACTED


def test_show_delete_clears_tv_requests_by_tvdb_id(
    server, fake_sonarr, sonarr_service, fake_overseerr, overseerr_service
):
    fake_sonarr.add_series("Lost", 73739, {1: 1})
    fake_overseerr.add_request("tv", tmdb_id=4607, tvdb_id=73739, seasons=(1,))
    fake_overseerr.add_request("movie", tmdb_id=73739)  # a movie with that number: not this
    show, _seasons = show_tree(server)

    log = act_on(candidate(show), actor_label="schedule")

    assert writes(fake_overseerr) == [
        ("DELETE", "/api/v1/request/1", {}, None),
        ("DELETE", "/api/v1/media/1", {}, None),
    ]
    assert log.status == "done"


def test_season_delete_keeps_the_requests(
    server, fake_sonarr, sonarr_service, fake_overseerr, overseerr_service
):
    fake_sonarr.add_series("Lost", 73739, {1: 1, 2: 1})
    fake_overseerr.add_request("tv", tmdb_id=4607, tvdb_id=73739, seasons=(1, 2))
    _show, seasons = show_tree(server)

    act_on(candidate(seasons[1]), actor_label="schedule")

    assert fake_overseerr.requests == []
