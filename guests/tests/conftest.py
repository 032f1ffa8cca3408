"""Guests and their data: Alice is the guest signed in, Bob another user of the same server."""

import datetime as dt

import pytest
from model_bakery import baker

from history.models import History, HistoryMetadata
from users.accounts import PlexIdentity, guest_login_user

T0 = dt.datetime(2026, 11, 21, 20, 0, tzinfo=dt.UTC)  # the evening before the frozen "now"


@pytest.fixture
def server(db):
    return baker.make("plex.Server", name="Home", token="plex-secret-token")


@pytest.fixture
def alice(db):
    return baker.make(
        "users.User", user_id=1001, username="alice", friendly_name="Alice A.", allow_guest=True
    )


@pytest.fixture
def bob(db):
    return baker.make(
        "users.User", user_id=1002, username="bob", friendly_name="Bob B.", allow_guest=True
    )


@pytest.fixture
def guest_access(settings):
    """Guest access on globally (the environment's default; the admin's switch is not set)."""
    settings.ALLOW_GUEST_ACCESS = True


@pytest.fixture
def guest(client, alice, guest_access):
    """The test client signed in as Alice's guest account."""
    account = guest_login_user(PlexIdentity(alice.user_id, alice.username, "alice@example.org"))
    client.force_login(account)
    return account


def make_play(server, user, started, *, title, media_type="movie", offset_ms=5_000_000, **meta):
    """A history row of ``user`` with its metadata: 30 minutes played of a 90-minute item."""
    row = History.objects.create(
        server=server,
        user=user,
        username=user.username,
        started=started,
        stopped=started + dt.timedelta(minutes=30),
        play_duration=1800,
        view_offset=offset_ms,
        media_type=media_type,
        player=f"{user.username}'s TV",
        platform="Roku",
        ip_address=f"203.0.113.{user.user_id % 250}",
    )
    HistoryMetadata.objects.create(
        history=row,
        title=title,
        full_title=meta.pop("full_title", title),
        duration=5_400_000,
        media_type=media_type,
        rating_key=meta.pop("rating_key", row.pk + 100),
        thumb=f"/library/metadata/{row.pk + 100}/thumb/1",
        **meta,
    )
    return row
