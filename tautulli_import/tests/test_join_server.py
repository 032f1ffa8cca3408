"""An imported history joins its live server (issue 10): one server per machine identifier,
imported live sessions hidden until that server confirms them, ids as the import says, and
databases that cannot be imported meaningfully refused.

The Plex side is the fake PMS (plex.testing) serving the imported database's machine identifier,
read through plexapi as the monitor reads it.
"""

import datetime as dt
import sqlite3
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from model_bakery import baker

from conftest import bake_play
from history.models import History
from plex import demo
from plex.activity.handler import ActivityHandler
from plex.activity.reconcile import reconcile
from plex.admin_activity import snapshot
from plex.testing import FakePlexServer
from servers.models import Server, Session
from tautulli_import.importer import import_tautulli
from users.models import User

pytestmark = pytest.mark.django_db

TOKEN = "real-token-0123456789"


def run_command(*args) -> str:
    out = StringIO()
    call_command("import_tautulli", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def machine_id_of(path) -> str:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return connection.execute("SELECT server_id FROM library_sections LIMIT 1").fetchone()[0]


def source_ids(path) -> list[int]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
        return [row[0] for row in connection.execute("SELECT id FROM session_history ORDER BY id")]


@pytest.fixture
def tautulli_db(make_tautulli_db):
    return make_tautulli_db(history_rows=300, users=5)


@pytest.fixture
def real_pms(tautulli_db):
    """The Plex server the Tautulli database came from: its machine identifier."""
    with FakePlexServer(
        token=TOKEN, name="Home PMS", machine_identifier=machine_id_of(tautulli_db)
    ) as fake:
        fake.clock.now_ms = int(dt.datetime(2026, 11, 22, 10, 30, tzinfo=dt.UTC).timestamp()) * 1000
        yield fake


@pytest.fixture
def demo_with_plays():
    """The demo's server row with three scripted plays (ids 1-3), as after a few minutes."""
    row = demo.register_server("http://127.0.0.1:32499", "demo-token", "")
    row.connected = True
    row.save()
    alice = baker.make(User, user_id=9001, username="Alice", placeholder=True)
    for day in (1, 2, 3):
        bake_play(row, alice, stopped=dt.datetime(2026, 11, day, tzinfo=dt.UTC), seconds=300)
    return row


def live_streams() -> list[str]:
    return [stream.user for stream in snapshot()["streams"]]


# --- imported sessions ---------------------------------------------------------------------------


def test_imported_sessions_are_hidden_until_their_server_confirms_them(
    tautulli_db, real_pms, call_api
):
    result = import_tautulli(tautulli_db)
    server = result.server
    assert result.counts["sessions"] == 2
    assert not server.url and server.machine_identifier == real_pms.machine_identifier
    # Nothing confirms them: no stream on Activity, none in get_history's activity rows.
    assert live_streams() == []
    status, body = call_api("get_history", include_activity=1, length=5)
    assert all(row["state"] is None for row in body["response"]["data"]["data"])
    assert Session.objects.count() == 2 and not Session.objects.active().exists()

    # The server is added; its PMS no longer plays them: reconciled as after a restart.
    Server.objects.filter(pk=server.pk).update(url=real_pms.url, token=TOKEN)
    server.refresh_from_db()
    handler = ActivityHandler(server, clock=lambda: real_pms.clock.now_ms / 1000, timeout=5)
    before = History.objects.count()
    outcome = reconcile(server, handler=handler)
    assert outcome.ok and outcome.stopped == 2
    written = History.objects.count() - before
    assert written >= 1  # the episode played 25 minutes: logged at its last known time
    assert not Session.objects.exclude(state=Session.State.STOPPED).exists()
    # Reconciling again, or importing the same file again, writes nothing twice.
    reconcile(server, handler=handler)
    again = import_tautulli(tautulli_db)
    assert again.counts["sessions"] == 0 and again.added == 0
    assert not Session.objects.filter(confirmed=False).exists()
    assert History.objects.count() == before + written


def test_an_imported_session_still_playing_goes_on_in_the_same_row(tautulli_db, real_pms, tmp_path):
    path = tmp_path / "playing.db"
    path.write_bytes(tautulli_db.read_bytes())
    with sqlite3.connect(path) as connection:  # the fake numbers its sessions from 1
        connection.execute("UPDATE sessions SET session_key = 1 WHERE state = 'playing'")
    connection.close()
    result = import_tautulli(path)
    imported = Session.objects.get(state="playing")
    real_pms.viewer(
        user_id=imported.user_id,
        rating_key=imported.rating_key,
        media_type="episode",
        duration_ms=imported.duration,
    ).play(imported.view_offset)
    Server.objects.filter(pk=result.server.pk).update(url=real_pms.url, token=TOKEN)
    server = Server.objects.get(pk=result.server.pk)
    outcome = reconcile(server, handler=ActivityHandler(server, timeout=5))
    assert (outcome.started, outcome.updated, outcome.stopped) == (0, 1, 1)
    row = Session.objects.active().get()
    assert (row.pk, row.started, row.confirmed) == (imported.pk, imported.started, True)
    assert live_streams() == [row.friendly_name or row.user]


# --- ids --------------------------------------------------------------------------------------------


def test_the_demo_plays_never_shift_the_imported_ids(tautulli_db, demo_with_plays):
    out = run_command(tautulli_db)
    assert "Demo: removed its 3 scripted plays first" in out
    assert f"history ids (row_id, reference_id) 1–{len(source_ids(tautulli_db))}: kept" in out
    server = Server.objects.get(machine_identifier=machine_id_of(tautulli_db))
    assert list(History.objects.order_by("id").values_list("id", flat=True)) == source_ids(
        tautulli_db
    )
    assert not History.objects.filter(server=demo_with_plays).exists()
    assert not User.objects.filter(user_id=9001).exists()  # the scripted viewer's placeholder
    assert History.objects.filter(server=server).count() == 300


def test_a_dry_run_says_the_demo_plays_would_go_and_keeps_them(tautulli_db, demo_with_plays):
    out = run_command(tautulli_db, "--dry-run")
    assert "Demo: would remove its 3 scripted plays" in out
    assert History.objects.filter(server=demo_with_plays).count() == 3


def test_offset_ids_are_reported_with_the_reason(make_tautulli_db, tautulli_db):
    import_tautulli(make_tautulli_db(history_rows=500, users=5, seed=2))
    out = run_command(tautulli_db)
    assert (
        "history ids (row_id, reference_id) 1–300: stored as 501–800 (offset +500), because "
        "ids 1–300 are already used by the history of 'Plex Media Server'"
    ) in out
    assert "history: no new ids (up to 300 already imported)" in run_command(tautulli_db)


# --- refused databases ---------------------------------------------------------------------------


def _bare_history(tmp_path):
    path = tmp_path / "bare.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE session_history (id INTEGER PRIMARY KEY, started INTEGER)")
        connection.execute("INSERT INTO session_history VALUES (1, 1795000000)")
        connection.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, user_id INTEGER)")
    connection.close()
    return path


def test_history_without_user_times_or_item_is_refused(tmp_path):
    with pytest.raises(CommandError) as excinfo:
        run_command(_bare_history(tmp_path))
    text = str(excinfo.value)
    assert excinfo.value.returncode == 2 and "\n" not in text
    assert "session_history lacks the columns user_id, stopped, rating_key" in text
    assert not Server.objects.exists() and not History.objects.exists()


def test_without_library_sections_the_server_must_be_named(tautulli_db, tmp_path, demo_with_plays):
    path = tmp_path / "no_sections.db"
    path.write_bytes(tautulli_db.read_bytes())
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE library_sections")
    connection.close()
    with pytest.raises(CommandError) as excinfo:
        run_command(path)
    assert excinfo.value.returncode == 2
    assert "has no library_sections table" in str(excinfo.value)
    assert "--server NAME" in str(excinfo.value)
    with pytest.raises(CommandError, match="is the demo server"):
        run_command(path, "--server", demo_with_plays.name)
    assert History.objects.filter(server=demo_with_plays).count() == 3  # nothing written
    out = run_command(path, "--server", "Home")
    assert "'Home' (created)" in out and "has no URL yet" in out
    assert History.objects.filter(server__name="Home").count() == 300


# --- the whole path of a new user --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_demo_then_import_then_adding_the_server_gives_one_server(
    tautulli_db, real_pms, demo_with_plays, admin_client, call_api
):
    """Demo first (as the README suggests), then import_tautulli, then the real server is added
    in the admin: one server with the imported history, no phantom streams, ids as said."""
    out = run_command(tautulli_db)
    assert "kept as in Tautulli" in out
    imported = Server.objects.get(machine_identifier=real_pms.machine_identifier)
    # Before the server is added, the demo still answers the commands without ``server``.
    assert Server.objects.default() == demo_with_plays
    assert demo.demo_wanted({}) == (True, "")
    changelist = admin_client.get("/admin/plex/server/")
    assert "has no URL" in changelist.content.decode()

    response = admin_client.post(
        "/admin/plex/server/add/",
        {"name": "My Plex", "url": real_pms.url, "token": TOKEN, "is_active": "on"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/admin/plex/server/{imported.pk}/change/"
    assert "no second server was created" in response.content.decode()
    assert Server.objects.exclude(pk=demo_with_plays.pk).count() == 1
    imported.refresh_from_db()
    assert (imported.url, imported.token, imported.name) == (real_pms.url, TOKEN, "My Plex")

    # The monitor reaches it: the imported sessions are closed, none ever showed.
    assert live_streams() == []
    reconcile(imported, handler=ActivityHandler(imported, timeout=5))
    imported.refresh_from_db()
    assert imported.connected is True
    assert Server.objects.default() == imported
    assert live_streams() == []
    assert demo.demo_wanted({}) == (False, "a Plex server is configured")
    # Ids as the import said: Tautulli's, unshifted by the demo's plays.
    ids = set(History.objects.filter(server=imported).values_list("id", flat=True))
    assert set(source_ids(tautulli_db)) <= ids
    status, body = call_api("get_activity")
    assert body["response"]["data"]["stream_count"] == "0"
    status, body = call_api("get_server_info")
    assert body["response"]["data"]["pms_identifier"] == real_pms.machine_identifier
