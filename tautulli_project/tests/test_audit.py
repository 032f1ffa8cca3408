"""The audit log (tautulli_project.audit): who changed what, when, with secrets masked."""

import json

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from model_bakery import baker

from core.admin_kit.secrets import MASK
from core.clock import now
from history.models import History
from history.tests.test_get_history import make_row
from notifications.notifiers import add_notifier, set_notifier_config
from servers.models import Server
from users.models import User

TOKEN = "PLEX-TOKEN-0123456789-SECRET"
HOOK = "https://discord.com/api/webhooks/1234/HOOK-SECRET-abcdef"

LIST_URL = "/admin/auditlog/logentry/"


def entries_for(obj) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(obj).order_by("timestamp", "id"))


def stored_text(entry: LogEntry) -> str:
    """Everything an entry keeps, as text."""
    return json.dumps(
        [entry.changes, entry.changes_text, entry.object_repr, entry.additional_data],
        default=str,
    )


@pytest.fixture
def server(db):
    return baker.make(
        Server, name="Living room", url="http://192.168.1.10:32400", token=TOKEN, is_active=True
    )


def test_an_admin_edit_of_a_server_says_who_when_what_with_the_token_masked(
    admin_client, admin_user, server
):
    url = reverse("admin:plex_server_change", args=[server.pk])
    data = {"name": "Basement", "url": server.url, "token": "NEW-TOKEN-98765-SECRET"}
    before = now()
    assert admin_client.post(url, {**data, "is_active": "on"}).status_code == 302

    entry = entries_for(server)[-1]
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == admin_user
    assert before <= entry.timestamp <= now()
    assert entry.remote_addr == "127.0.0.1"
    assert entry.changes_dict["name"] == ["Living room", "Basement"]
    assert entry.changes_dict["token"] == [MASK, MASK]
    assert "SECRET" not in stored_text(entry)

    page = admin_client.get(reverse("admin:auditlog_logentry_change", args=[entry.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Living room" in html and "Basement" in html and admin_user.username in html
    assert "SECRET" not in html


def test_the_monitors_bookkeeping_on_a_server_is_not_an_entry(server):
    before = len(entries_for(server))
    server.connected = True
    server.last_contact_at = now()
    server.version = "1.40.0"
    server.save()
    assert len(entries_for(server)) == before


def test_a_notifier_edit_through_the_api_is_made_with_the_api_key_secret_masked(call_api):
    notifier = set_notifier_config(add_notifier(20), {"discord_hook": HOOK})
    status, body = call_api(
        "set_notifier_config",
        notifier_id=notifier.pk,
        agent_id=20,
        friendly_name="Discord",
        discord_hook=HOOK.replace("abcdef", "ghijkl"),
        discord_username="Tautulli bot",
    )
    assert status == 200, body

    entry = entries_for(notifier)[-1]
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor is None
    assert entry.additional_data["api"] == "API key"
    assert entry.additional_data["command"] == "set_notifier_config"
    assert entry.additional_data["changed_keys"] == {"config": ["hook", "username"]}
    old, new = (json.loads(value) for value in entry.changes_dict["config"])
    assert new["hook"] == MASK and new["username"] == "Tautulli bot"
    assert entry.changes_dict["friendly_name"][1] == "Discord"
    assert "SECRET" not in stored_text(entry)


def test_an_api_change_is_attributed_to_the_api_in_the_admin(admin_client, call_api):
    notifier = add_notifier(20)
    call_api("set_notifier_config", notifier_id=notifier.pk, agent_id=20, friendly_name="Ops")
    entry = entries_for(notifier)[-1]
    html = admin_client.get(LIST_URL, {"author": "api"}).content.decode()
    assert f"/admin/auditlog/logentry/{entry.pk}/change/" in html
    assert "API key (/api/v2 set_notifier_config)" in html


@pytest.fixture
def plays(server):
    user = baker.make(User, user_id=7, username="alice")
    start = 1_790_000_000
    return [
        make_row(server, user, row_id, started=start + row_id * 3600, minutes=30)
        for row_id in (1, 2, 3)
    ]


def test_a_history_deletion_through_the_api_leaves_an_entry_per_row(call_api, plays):
    status, _ = call_api("delete_history", row_ids="1,3")
    assert status == 200
    history_type = ContentType.objects.get_for_model(History)
    deleted = LogEntry.objects.filter(content_type=history_type, action=LogEntry.Action.DELETE)
    assert sorted(int(e.object_pk) for e in deleted) == [1, 3]
    entry = deleted.get(object_pk="1")
    assert entry.changes_dict["username"] == ["alice", "None"]
    assert entry.additional_data == {"api": "API key", "command": "delete_history"}
    assert len({e.cid for e in deleted}) == 1  # one request


def test_a_history_deletion_in_the_admin_names_the_admin(admin_client, admin_user, plays):
    response = admin_client.post(
        reverse("admin:history_history_changelist"),
        {"action": "delete_selected", "_selected_action": ["2"], "post": "yes"},
    )
    assert response.status_code == 302
    assert not History.objects.filter(pk=2).exists()
    entry = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(History), object_pk="2"
    )
    assert entry.action == LogEntry.Action.DELETE and entry.actor == admin_user


def test_the_api_key_rotation_never_stores_the_key(db):
    from core.models import ApiKey

    row = ApiKey.objects.create(key="a" * 32)
    ApiKey.rotate()
    text = " ".join(stored_text(e) for e in entries_for(row))
    assert "a" * 32 not in text and ApiKey.objects.get().key not in text
    assert entries_for(row)[-1].changes_dict["key"] == [MASK, MASK]


def test_the_audit_list_and_its_filters_render(admin_client, admin_user, server):
    admin_client.post(
        reverse("admin:plex_server_change", args=[server.pk]),
        {"name": "Attic", "url": server.url, "token": "", "is_active": "on"},
    )
    entry = entries_for(server)[-1]
    server_type = ContentType.objects.get_for_model(Server)
    for params in (
        {},
        {"model": server_type.pk},
        {"action__exact": LogEntry.Action.UPDATE},
        {"author": admin_user.pk},
        {"timestamp_from": f"{now():%Y-%m-%d}", "timestamp_to": f"{now():%Y-%m-%d}"},
        {"q": "Attic"},
        {"cid": entry.cid},
    ):
        response = admin_client.get(LIST_URL, params)
        assert response.status_code == 200, params
        html = response.content.decode()
        assert f"/admin/auditlog/logentry/{entry.pk}/change/" in html, params
        assert TOKEN not in html
    for author in ("api", "system"):
        html = admin_client.get(LIST_URL, {"author": author}).content.decode()
        assert f"/admin/auditlog/logentry/{entry.pk}/change/" not in html


def test_the_audit_log_is_read_only(admin_client, server):
    server.name = "Changed"
    server.save()
    entry = entries_for(server)[-1]
    assert admin_client.get(f"{LIST_URL}add/").status_code == 403
    assert admin_client.get(f"{LIST_URL}{entry.pk}/delete/").status_code == 403
    admin_client.post(reverse("admin:auditlog_logentry_change", args=[entry.pk]), {"action": 2})
    entry.refresh_from_db()
    assert entry.action == LogEntry.Action.UPDATE


def test_a_user_who_is_not_staff_cannot_see_the_audit_log(client, django_user_model, server):
    user = django_user_model.objects.create_user("viewer", password="pw-viewer-1234")
    user.user_permissions.add(
        Permission.objects.get(codename="view_logentry", content_type__app_label="auditlog")
    )
    client.force_login(user)
    response = client.get(LIST_URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_without_the_permission_cannot_see_it(client, django_user_model):
    user = django_user_model.objects.create_user("staff", password="pw-staff-1234", is_staff=True)
    client.force_login(user)
    assert client.get(LIST_URL).status_code == 403


def test_a_rest_api_edit_is_made_with_the_api_key(client, api_key):
    user = baker.make(User, user_id=42, username="bob", friendly_name="Bob")
    response = client.patch(
        "/api/users/42",
        data=json.dumps({"friendly_name": "Robert"}),
        content_type="application/json",
        headers={"X-Api-Key": api_key},
    )
    assert response.status_code == 200
    entry = entries_for(user)[-1]
    assert entry.changes_dict["friendly_name"] == ["Bob", "Robert"]
    assert entry.actor is None
    assert entry.additional_data == {"api": "API key", "request": "PATCH /api/users/42"}


def test_a_secret_in_a_masked_field_is_never_stored():
    from tautulli_project.audit import mask_secret

    assert mask_secret("abcdef0123456789") == MASK  # auditlog's default shows half of it
    assert mask_secret("") == ""
    config = json.loads(mask_secret(json.dumps({"bot_token": "T0K3N", "chat_id": "42"})))
    assert config == {"bot_token": MASK, "chat_id": "42"}


def test_a_remote_app_device_registered_and_removed_is_audited_without_its_token(call_api, api_key):
    from notifications.models import MobileDevice

    call_api("register_device", device_id="dev-1", device_name="Pixel", platform="android")
    device = MobileDevice.objects.get(device_id="dev-1")
    call_api("delete_mobile_device", device_id="dev-1")
    created, deleted = LogEntry.objects.filter(
        object_pk=str(device.pk), content_type__model="mobiledevice"
    ).order_by("timestamp", "pk")
    assert (created.action, deleted.action) == (LogEntry.Action.CREATE, LogEntry.Action.DELETE)
    assert created.additional_data["command"] == "register_device"
    assert created.changes_dict["device_name"][1] == "Pixel"
    assert api_key not in stored_text(created) and api_key not in stored_text(deleted)
