"""The admin, as a logged-in superuser sees it: every page renders, secrets never show, the
history list stays cheap, and edits save (Django's test client; see also
history/tests/test_admin_browser.py for the same in Chromium)."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.contrib import admin
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from model_bakery import baker

from core.admin_kit.display import humanize_seconds
from core.admin_kit.pagination import EstimatedCountPaginator
from core.admin_kit.secrets import MASK, mask_secrets, restore_masked
from core.models import ApiKey
from history.models import History, HistoryMediaInfo, HistoryMetadata
from libraries.models import Library, LibraryMedia, RecentlyAdded
from newsletters.models import Newsletter, NewsletterLog
from notifications.models import MobileDevice, Notifier, NotifierTrigger, NotifyLog
from servers.models import Server, Session, SessionContinued
from tautulli_import.models import TautulliConnection, TautulliImport
from users.models import User, UserLogin

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def local_time_zone(settings):
    """Plays are shown and filtered by local days: use a zone far from UTC to prove it."""
    settings.TIME_ZONE = "America/New_York"


OUR_APPS = {
    "core",
    "plex",
    "users",
    "libraries",
    "history",
    "tautulli_import",
    "notifications",
    "newsletters",
}
SECRETS = (
    "SERVER-TOKEN-SECRET",
    "USER-TOKEN-SECRET",
    "SERVER-SIDE-TOKEN-SECRET",
    "DEVICE-TOKEN-SECRET",
    "SECRET",  # the notifier's discord webhook path
    "SMTP-PASSWORD-SECRET",
    "JWT-SECRET",
    "TAUTULLI-API-KEY-SECRET",
)


def _bake_history(server, users, count, start, step=dt.timedelta(hours=7), prefix="Title number"):
    """``count`` plays spread from ``start`` on, each with metadata and media info."""
    rows = []
    decisions = ("direct play", "copy", "transcode")
    types = ("movie", "episode", "track")
    for i in range(count):
        started = start + i * step
        user = users[i % len(users)]
        history = History.objects.create(
            server=server,
            user=user,
            username=user.username,
            started=started,
            stopped=started + dt.timedelta(minutes=42),
            play_duration=42 * 60 - 30,
            paused_counter=30,
            player=f"Player {i % 3}",
            platform="Chrome",
            media_type=types[i % 3],
            section_id=1 + i % 2,
            rating_key=1000 + i,
        )
        history.reference_id = history.id
        history.save(update_fields=["reference_id"])
        HistoryMetadata.objects.create(
            history=history,
            full_title=f"{prefix} {i}",
            title=f"{prefix} {i}",
            media_type=types[i % 3],
            live=False,
        )
        HistoryMediaInfo.objects.create(
            history=history,
            transcode_decision=decisions[i % 3],
            container="mkv",
            stream_container="mkv",
            transcode_container="" if i % 3 != 2 else "mpegts",
        )
        rows.append(history)
    return rows


@pytest.fixture
def baked(db):
    """One of everything the admin shows, with a recognisable secret wherever one lives."""
    server = baker.make(
        Server,
        name="Main PMS",
        url="http://127.0.0.1:32400",
        token="SERVER-TOKEN-SECRET",
        machine_identifier="abc123",
    )
    users = [
        baker.make(
            User,
            user_id=100 + i,
            username=f"user{i}",
            friendly_name=f"Friendly {i}",
            user_token="USER-TOKEN-SECRET",
            server_token="SERVER-SIDE-TOKEN-SECRET",
        )
        for i in range(3)
    ]
    baker.make(Library, server=server, section_id=1, section_name="Movies", section_type="movie")
    baker.make(Library, server=server, section_id=2, section_name="TV Shows", section_type="show")
    start = dt.datetime(2024, 1, 3, 20, 0, tzinfo=LOCAL)
    history = _bake_history(server, users, 6, start)
    notifier = baker.make(
        Notifier,
        agent_id=25,
        agent_name="discord",
        agent_label="Discord",
        friendly_name="My Discord",
        config={
            "discord_webhook": "https://discord.com/api/webhooks/SECRET",
            "discord_username": "Tautulli",
            "discord_color": "",
        },
    )
    baker.make(NotifierTrigger, notifier=notifier, action="on_play", enabled=True, subject="s")
    baker.make(
        NotifyLog,
        timestamp=timezone.now(),
        notifier_id=notifier.id,
        agent_name="discord",
        notify_action="on_play",
        success=True,
    )
    newsletter = baker.make(
        Newsletter,
        id_name="weekly",
        friendly_name="Weekly",
        email_config={"smtp_password": "SMTP-PASSWORD-SECRET", "smtp_server": "mail.example"},
    )
    baker.make(NewsletterLog, timestamp=timezone.now(), newsletter_id=newsletter.id, uuid="u1")
    baker.make(
        MobileDevice,
        device_id="dev1",
        device_name="Phone",
        device_token="DEVICE-TOKEN-SECRET",
        last_seen=timezone.now(),
    )
    baker.make(
        RecentlyAdded, server=server, rating_key=5, media_type="movie", added_at=timezone.now()
    )
    baker.make(
        LibraryMedia,
        server=server,
        section_id=1,
        rating_key=5,
        media_type="movie",
        title="Heat",
        file_paths=["/movies/Heat.mkv"],
    )
    baker.make(
        UserLogin, timestamp=timezone.now(), user_id=100, user="user0", jwt_token="JWT-SECRET"
    )
    baker.make(Session, server=server, session_key=1, user="user0", full_title="Now playing")
    baker.make(SessionContinued, user_id=100, machine_id="m", media_type="movie", stopped=1)
    ApiKey.objects.create(key="0123456789abcdef0123456789abcdef")
    baker.make(TautulliImport, server=server, source_path="/data/tautulli.db")
    baker.make(
        TautulliConnection,
        name="nas",
        url="http://nas:8181",
        api_key="TAUTULLI-API-KEY-SECRET",
        server=server,
        last_error="Tautulli at http://nas:8181: get_history: HTTP 500",
    )
    return {"server": server, "users": users, "history": history, "notifier": notifier}


def _our_models():
    return sorted(
        (model for model in admin.site._registry if model._meta.app_label in OUR_APPS),
        key=lambda model: model._meta.label,
    )


def test_every_model_of_the_project_has_an_admin():
    registered = {model._meta.label for model in _our_models()}
    assert {
        "core.ApiKey",
        "tautulli_import.TautulliImport",
        "tautulli_import.TautulliConnection",
        "plex.Server",
        "plex.Session",
        "users.User",
        "libraries.Library",
        "libraries.RecentlyAdded",
        "history.History",
        "notifications.Notifier",
        "notifications.NotifyLog",
        "notifications.MobileDevice",
        "newsletters.Newsletter",
        "newsletters.NewsletterLog",
    } <= registered


@pytest.mark.parametrize("model", _our_models(), ids=lambda m: m._meta.label)
def test_changelist_and_change_page_render_without_secrets(admin_client, baked, model):
    opts = model._meta
    listing = admin_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), follow=True
    )
    assert listing.status_code == 200  # a single-row settings list redirects to its page
    html = listing.content.decode()
    for secret in SECRETS:
        assert secret not in html, f"{secret} leaked in the {opts.label} list"

    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"nothing baked for {opts.label}"
    page = admin_client.get(
        reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    )
    assert page.status_code == 200
    html = page.content.decode()
    for secret in SECRETS:
        assert secret not in html, f"{secret} leaked in the {opts.label} change page"


def test_history_list_shows_local_time_friendly_name_title_and_humanised_duration(
    admin_client, baked
):
    html = admin_client.get(reverse("admin:history_history_changelist")).content.decode()
    first = baked["history"][0]  # 2024-01-03 20:00 in New York = 2024-01-04 01:00 UTC
    assert first.started.astimezone(dt.UTC).hour == 1
    assert "Jan. 3, 2024, 8 p.m." in html
    assert "Friendly 0" in html and "Title number 0" in html
    assert "41m 30s" in html  # play_duration 2490 s
    assert "direct play" in html and "transcode" in html
    assert "Player 0 / Chrome" in html


def test_history_detail_shows_every_duration_in_the_admin_format(admin_client, baked):
    row = baked["history"][0]
    History.objects.filter(pk=row.pk).update(view_offset=2_490_500)  # ms
    HistoryMetadata.objects.filter(pk=row.pk).update(duration=6_000_000, marker_credits_first=None)
    HistoryMediaInfo.objects.filter(pk=row.pk).update(duration=6_000_000)
    html = admin_client.get(reverse("admin:history_history_change", args=[row.pk])).content
    html = html.decode()
    assert "41m 30s" in html  # play_duration 2490 s, and view_offset 2,490,500 ms
    assert "30s" in html  # paused_counter
    assert html.count("1h 40m") == 2  # the item's and the file's duration (6,000,000 ms)
    assert "6000000" not in html and "2490500" not in html
    assert "first credits marker" not in html.lower()  # no value: not listed


def test_history_is_read_only_but_deletable_through_the_confirmed_action(admin_client, baked):
    row = baked["history"][0]
    url = reverse("admin:history_history_changelist")
    assert admin_client.get(reverse("admin:history_history_add")).status_code == 403
    detail = admin_client.get(reverse("admin:history_history_change", args=[row.pk]))
    html = detail.content.decode()
    assert 'name="_save"' not in html  # nothing to save: a view page
    for legend in ("Source", "Stream", "Transcode", "Titles"):
        assert legend in html
    assert "mpegts" in html or "mkv" in html

    confirm = admin_client.post(url, {"action": "delete_selected", "_selected_action": [row.pk]})
    assert confirm.status_code == 200 and "Are you sure" in confirm.content.decode()
    assert History.objects.filter(pk=row.pk).exists()
    done = admin_client.post(
        url, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert done.status_code == 302
    assert not History.objects.filter(pk=row.pk).exists()
    assert not HistoryMetadata.objects.filter(pk=row.pk).exists()


def _listed_titles(response) -> set[str]:
    return set(re.findall(r"Title number \d+", response.content.decode()))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"media_type": "movie"}, {0, 3}),
        ({"media_type": "track"}, {2, 5}),
        ({"transcode_decision": "copy"}, {1, 4}),
        ({"user__user_id__exact": "101"}, {1, 4}),
        ({"library": "SERVER:2"}, {1, 3, 5}),
        ({"q": "number 4"}, {4}),
        ({"q": "user2"}, {2, 5}),
        # Jan 3 20:00, Jan 4 03:00 / 10:00 / 17:00, Jan 5 00:00 / 07:00 (local): 4th and 5th
        ({"started_from": "2024-01-04", "started_to": "2024-01-04"}, {1, 2, 3}),
        ({"started__year": "2024", "started__month": "1", "started__day": "5"}, {4, 5}),
    ],
)
def test_history_filters_and_search(admin_client, baked, params, expected):
    server = baked["server"]
    params = {k: v.replace("SERVER", str(server.pk)) for k, v in params.items()}
    response = admin_client.get(reverse("admin:history_history_changelist"), params)
    assert response.status_code == 200
    assert _listed_titles(response) == {f"Title number {i}" for i in expected}


def test_history_changelist_queries_do_not_grow_with_rows(
    admin_client, baked, django_assert_max_num_queries
):
    users = baked["users"]
    start = dt.datetime(2023, 5, 1, 12, 0, tzinfo=LOCAL)
    _bake_history(baked["server"], users, 50, start, step=dt.timedelta(days=3), prefix="Older")
    url = reverse("admin:history_history_changelist")
    # session + user, paginator count, 50 rows with their joins, filters' choices (servers,
    # users, libraries), the date hierarchy's two seek queries: no per-row query.
    with django_assert_max_num_queries(12):
        response = admin_client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 50
    assert len(re.findall(r"Older \d+", response.content.decode())) == 44
    assert "2023" in response.content.decode() and "2024" in response.content.decode()


@pytest.mark.parametrize("per_page", [50, 1], ids=["rows-known", "index-seeks"])
def test_date_hierarchy_links_follow_the_data(admin_client, baked, monkeypatch, per_page):
    """Links only for local years/months/days with plays: computed from the page's rows when
    they are the whole result, else by one query of index seeks per level."""
    monkeypatch.setattr(admin.site._registry[History], "list_per_page", per_page)
    url = reverse("admin:history_history_changelist")
    start = dt.datetime(2022, 6, 15, 12, 0, tzinfo=LOCAL)
    _bake_history(baked["server"], baked["users"], 2, start, step=dt.timedelta(days=40))
    html = admin_client.get(url).content.decode()
    assert "?started__year=2022" in html and "?started__year=2024" in html
    assert "?started__year=2023" not in html  # no play in 2023
    html = admin_client.get(url, {"started__year": "2022"}).content.decode()
    assert "started__month=6" in html and "started__month=7" in html
    assert "started__month=8" not in html
    html = admin_client.get(url, {"started__year": "2024", "started__month": "1"}).content.decode()
    days = set(re.findall(r"started__day=(\d+)", html))
    assert days == {"3", "4", "5"}
    html = admin_client.get(url, {"user__user_id__exact": "100"}).content.decode()
    assert "?started__year=2022&amp;user__user_id__exact=100" in html  # 2022-06-15 was user0's
    assert "started__year=2024" in html


def test_history_paginator_estimates_instead_of_counting(baked, django_assert_num_queries):
    class Tiny(EstimatedCountPaginator):
        exact_below = 2
        filtered_cap = 3

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # reltuples is known only after an ANALYZE
            cursor.execute("ANALYZE history_history")
    everything = History.objects.order_by("-started", "-id")
    paginator = Tiny(everything, 2)
    with django_assert_num_queries(1):
        count = paginator.count
    assert paginator.is_estimate and count >= 6  # MAX(id) on SQLite, reltuples on PostgreSQL
    filtered = Tiny(everything.filter(platform="Chrome"), 2)
    assert filtered.count == 3 and filtered.is_capped
    small = Tiny(everything.filter(media_type="movie"), 2)
    assert small.count == 2 and not small.is_capped and not small.is_estimate


def test_users_list_annotates_plays_and_last_seen_in_one_query(
    admin_client, baked, django_assert_max_num_queries
):
    from history.grouping import sync_groups

    sync_groups()  # the baked rows' plays: once, not per page
    url = reverse("admin:users_user_changelist")
    with django_assert_max_num_queries(7):
        response = admin_client.get(url)
    html = response.content.decode()
    assert "Friendly 1" in html
    user = User.objects.get(user_id=101)
    row = response.context["cl"].result_list.get(pk=user.pk)
    assert row.plays_count == 2
    assert row.last_seen_at == baked["history"][4].started


def test_user_edit_saves_the_tautulli_settings_only(admin_client, baked):
    user = baked["users"][0]
    url = reverse("admin:users_user_change", args=[user.pk])
    form = admin_client.get(url).content.decode()
    assert "USER-TOKEN-SECRET" not in form
    response = admin_client.post(
        url,
        {
            "friendly_name": "Renamed",
            "keep_history": "on",
            "allow_guest": "on",
            "username": "hacked",
            "user_token": "overwritten",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.friendly_name == "Renamed"
    assert user.keep_history and user.allow_guest and not user.do_notify
    assert user.username == "user0" and user.user_token == "USER-TOKEN-SECRET"


def test_server_token_is_write_only(admin_client, baked):
    server = baked["server"]
    url = reverse("admin:plex_server_change", args=[server.pk])
    html = admin_client.get(url).content.decode()
    assert 'type="password"' in html and "A value is stored" in html
    data = {"name": "Renamed PMS", "url": server.url, "token": "", "is_active": "on"}
    assert admin_client.post(url, data).status_code == 302
    server.refresh_from_db()
    assert server.name == "Renamed PMS" and server.token == "SERVER-TOKEN-SECRET"
    assert admin_client.post(url, {**data, "token": "NEW-TOKEN"}).status_code == 302
    server.refresh_from_db()
    assert server.token == "NEW-TOKEN"


def test_notifier_config_is_masked_and_kept_on_save(admin_client):
    """The agent's form (notifications.forms) shows a secret option masked and keeps it when the
    mask is sent back; the other options are saved."""
    from notifications.agents import MASK as AGENT_MASK
    from notifications.notifiers import add_notifier, set_notifier_config

    notifier = set_notifier_config(
        add_notifier(20),
        {"discord_hook": "https://discord.com/api/webhooks/SECRET", "discord_username": "Tautulli"},
    )
    url = reverse("admin:notifications_notifier_change", args=[notifier.pk])
    response = admin_client.get(url)
    html = response.content.decode()
    assert "SECRET" not in html and "Tautulli" in html
    form = response.context["adminform"].form
    assert form["discord_hook"].value() == AGENT_MASK
    data = {
        name: form[name].value() or ""
        for name, field in form.fields.items()
        if not isinstance(field.widget, forms.CheckboxInput)
    }
    data.update(friendly_name="My Discord", discord_username="Plex bot")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    notifier.refresh_from_db()
    assert notifier.config["hook"] == "https://discord.com/api/webhooks/SECRET"
    assert notifier.config["username"] == "Plex bot"


def test_masking_rules():
    config = {
        "discord_webhook": "https://x/SECRET",
        "api_key": "k",
        "Password": 1234,
        "use_ssl": True,
        "empty_token": "",
        "nested": {"hook_url": "h", "name": "n"},
        "items": [{"secret": "s"}],
    }
    masked = mask_secrets(config)
    assert masked == {
        "discord_webhook": MASK,
        "api_key": MASK,
        "Password": MASK,
        "use_ssl": True,
        "empty_token": "",
        "nested": {"hook_url": MASK, "name": "n"},
        "items": [{"secret": MASK}],
    }
    assert restore_masked(masked, config) == config
    assert restore_masked({**masked, "api_key": "new"}, config)["api_key"] == "new"


def test_api_key_page_shows_the_key_and_rotates_it(admin_client, baked, settings):
    settings.TAUTULLI_API_KEY = ""
    row = ApiKey.objects.get()
    listing = admin_client.get(reverse("admin:core_apikey_changelist")).content.decode()
    assert row.key not in listing and row.key[-4:] in listing
    url = reverse("admin:core_apikey_change", args=[row.pk])
    assert row.key in admin_client.get(url).content.decode()

    response = admin_client.post(url, {"core_apikey_rotate": "Rotate key"}, follow=True)
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.key != "0123456789abcdef0123456789abcdef" and len(row.key) == 32
    assert ApiKey.current() == row.key
    assert "rotated" in response.content.decode()

    settings.TAUTULLI_API_KEY = "f" * 32
    listing = admin_client.get(reverse("admin:core_apikey_changelist")).content.decode()
    assert "overrides" in listing and "f" * 32 not in listing


def test_humanize_seconds():
    assert [humanize_seconds(s) for s in (None, 0, 9, 61, 3600, 3725)] == [
        "",
        "0s",
        "9s",
        "1m 01s",
        "1h 00m",
        "1h 02m",
    ]
    # long totals (a dashboard card over a year) keep the two largest units
    assert humanize_seconds(42 * 86_400 + 5 * 3600 + 18 * 60) == "42d 05h"


def test_users_list_counts_a_resumed_play_once(admin_client, baked):
    """Tautulli counts plays, not rows: a play resumed the next day is one play (reference 3.6)."""
    from conftest import bake_play

    user = baker.make(User, user_id=4242, username="resumer")
    now = timezone.now()
    first = bake_play(baked["server"], user, stopped=now - dt.timedelta(days=1), seconds=600)
    bake_play(baked["server"], user, stopped=now, seconds=900, continues=first)
    bake_play(baked["server"], user, stopped=now, seconds=300)

    response = admin_client.get(reverse("admin:users_user_changelist"))
    row = response.context["cl"].result_list.get(pk=user.pk)
    assert row.plays_count == 2
