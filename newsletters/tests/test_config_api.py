"""/api/v2 newsletter configuration commands against Tautulli v2.17.2's captures."""

import copy
import datetime as dt
import json

import pytest
from django_q.models import Schedule
from model_bakery import baker

from conftest import load_fixture
from libraries.models import Library
from newsletters import config as nl_config
from newsletters.models import Newsletter, NewsletterLog
from newsletters.schedules import schedule_name
from notifications.models import Notifier
from servers.models import Server
from users.models import User

CAPTURES = "tautulli-dart/newsletter/"
SECRET = "s3cret-smtp-pw"
# The capture's libraries: (section_id, name, type, agent), in its order.
LIBRARIES = [
    (13, "Documentaries", "movie", "tv.plex.agents.movie"),
    (12, "Movies", "movie", "tv.plex.agents.movie"),
    (7, "Movies (Fan Edits)", "movie", "tv.plex.agents.movie"),
    (6, "Comedy Specials", "movie", "tv.plex.agents.movie"),
    (22, "Theater Plays", "movie", "tv.plex.agents.movie"),
    (24, "4K Movies", "movie", "tv.plex.agents.movie"),
    (28, "Library 1", "movie", "tv.plex.agents.movie"),
    (1, "TV Shows", "show", "tv.plex.agents.series"),
    (25, "4K TV Shows", "show", "tv.plex.agents.series"),
    (30, "Library 2", "show", "tv.plex.agents.series"),
    (31, "Docuseries", "show", "tv.plex.agents.series"),
    (19, "Music", "artist", "tv.plex.agents.music"),
    (27, "Audiobooks", "artist", "tv.plex.agents.music"),
    (4, "Home Videos", "movie", "tv.plex.agents.none"),
    (40, "Photos", "photo", "com.plexapp.agents.none"),
]


def capture(name):
    return load_fixture(CAPTURES + name)["response"]


@pytest.fixture
def server(db):
    return baker.make(Server, name="Winterfell", machine_identifier="abc")


@pytest.fixture
def libraries(server):
    for section_id, name, kind, agent in LIBRARIES:
        baker.make(
            Library,
            server=server,
            section_id=section_id,
            section_name=name,
            section_type=kind,
            agent=agent,
        )
    baker.make(Library, server=server, section_id=50, section_type="movie", deleted_section=True)


@pytest.fixture
def email_notifier(db):
    return baker.make(Notifier, agent_id=10, agent_name="email", agent_label="Email")


def full_form(**overrides):
    values = {
        "newsletter_id": None,
        "agent_id": 0,
        "id_name": "weekly",
        "friendly_name": "Weekly",
        "cron": "0 9 * * 1",
        "active": 1,
        "subject": "New on {server_name}",
        "body": "See {newsletter_url}",
        "message": "Enjoy!",
        "newsletter_config_time_frame": 2,
        "newsletter_config_time_frame_units": "days",
        "newsletter_config_incl_libraries": "12,1",
        "newsletter_config_formatted": 1,
        "newsletter_config_threaded": 1,
        "newsletter_email_from": "plex@example.com",
        "newsletter_email_to": "a@example.com, b@example.com",
        "newsletter_email_bcc": "owner@example.com",
        "newsletter_email_smtp_server": "smtp.example.com",
        "newsletter_email_smtp_port": 587,
        "newsletter_email_smtp_user": "plex",
        "newsletter_email_smtp_password": SECRET,
        "newsletter_email_tls": 1,
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def add(call_api) -> int:
    status, body = call_api("add_newsletter_config", agent_id=0)
    assert status == 200, body
    assert body["response"]["result"] == "success"
    assert body["response"]["message"] == "Added newsletter."
    return body["response"]["data"]["newsletter_id"]


def test_a_new_newsletter_is_tautullis_capture(call_api, libraries):
    expected = capture("get_newsletter_config__new.json")["data"]
    newsletter_id = add(call_api)
    status, body = call_api("get_newsletter_config", newsletter_id=newsletter_id)
    assert status == 200
    assert body["response"]["result"] == "success"
    data = body["response"]["data"]
    assert list(data) == list(expected)
    for key in ("id",):
        expected[key] = newsletter_id
    for key in list(expected):
        if key != "email_config_options":
            assert data[key] == expected[key], key
    assert [list(o) for o in data["config_options"]] == [
        list(o) for o in expected["config_options"]
    ]
    # The e-mail form: Tautulli's entries; the recipients' choices are this install's users.
    ours = copy.deepcopy(data["email_config_options"])
    theirs = copy.deepcopy(expected["email_config_options"])
    for option in ours + theirs:
        if option["name"] in ("newsletter_email_to", "newsletter_email_cc", "newsletter_email_bcc"):
            option["select_options"] = []
    assert ours == theirs
    assert [list(o) for o in ours] == [list(o) for o in theirs]


def test_recipient_choices_are_the_configured_addresses_then_the_users(call_api):
    baker.make(User, user_id=1, username="ann", friendly_name="Ann", email="ann@example.com")
    baker.make(User, user_id=2, username="bob", friendly_name="", email="bob@example.com")
    baker.make(User, user_id=3, username="cyd", email="")
    newsletter = baker.make(Newsletter, id_name="n", email_config={"to": ["x@example.com"]})
    _, body = call_api("get_newsletter_config", newsletter_id=newsletter.pk)
    to = body["response"]["data"]["email_config_options"][2]
    assert to["name"] == "newsletter_email_to"
    assert to["value"] == ["x@example.com"]
    assert to["select_options"] == [
        {"value": "x@example.com", "text": ""},
        {"value": "ann@example.com", "text": "Ann"},
        {"value": "bob@example.com", "text": "bob"},
    ]


def test_get_newsletters_is_tautullis_list(call_api, db):
    expected = capture("get_newsletters.json")["data"]
    for row in expected:
        newsletter = baker.make(
            Newsletter,
            id=row["id"],
            id_name=f"n{row['id']}",
            friendly_name=row["friendly_name"],
            cron=row["cron"],
            active=bool(row["active"]),
        )
        for timestamp, success in (
            (row["last_triggered"] - 3600, False),
            (row["last_triggered"], True),
        ):
            baker.make(
                NewsletterLog,
                newsletter_id=newsletter.pk,
                timestamp=dt.datetime.fromtimestamp(timestamp, tz=dt.UTC),
                success=success,
                uuid=f"{newsletter.pk}-{timestamp}",
            )
    status, body = call_api("get_newsletters")
    assert status == 200
    assert body["response"]["data"] == expected
    assert [list(row) for row in body["response"]["data"]] == [list(row) for row in expected]


def test_add_then_list_is_the_after_add_capture(call_api, db):
    expected = capture("get_newsletters__after_add.json")["data"]
    newsletter_id = add(call_api)
    _, body = call_api("get_newsletters")
    row = body["response"]["data"][-1]
    assert row == {**expected[-1], "id": newsletter_id}
    assert not Schedule.objects.filter(name=schedule_name(newsletter_id)).exists()  # inactive


def test_add_refuses_an_unknown_agent(call_api, db):
    status, body = call_api("add_newsletter_config", agent_id=5)
    assert status == 400
    assert body["response"]["result"] == "error"
    assert "agent_id 5 is not a newsletter agent" in body["response"]["message"]
    assert not Newsletter.objects.exists()


def test_add_set_get_round_trip(call_api, libraries, email_notifier):
    newsletter_id = add(call_api)
    status, body = call_api(
        "set_newsletter_config",
        **full_form(newsletter_id=newsletter_id, newsletter_email_notifier_id=email_notifier.pk),
    )
    assert status == 200, body
    assert body["response"] == {"result": "success", "message": "Saved newsletter.", "data": {}}
    _, body = call_api("get_newsletter_config", newsletter_id=newsletter_id)
    data = body["response"]["data"]
    assert (data["id_name"], data["friendly_name"], data["cron"], data["active"]) == (
        "weekly",
        "Weekly",
        "0 9 * * 1",
        1,
    )
    assert (data["subject"], data["body"], data["message"]) == (
        "New on {server_name}",
        "See {newsletter_url}",
        "Enjoy!",
    )
    assert data["config"] == {
        **nl_config.DEFAULT_CONFIG,
        "time_frame": 2,
        "threaded": 1,
        "incl_libraries": ["12", "1"],
    }
    assert data["config_options"][0]["value"] == ["12", "1"]
    assert data["email_config"] == {
        **nl_config.DEFAULT_EMAIL_CONFIG,
        "from": "plex@example.com",
        "to": ["a@example.com", "b@example.com"],
        "bcc": ["owner@example.com"],
        "smtp_server": "smtp.example.com",
        "smtp_port": 587,
        "smtp_user": "plex",
        "smtp_password": "    ",  # Tautulli's mask: set, not shown
        "tls": 1,
        "notifier_id": email_notifier.pk,
    }
    newsletter = Newsletter.objects.get(pk=newsletter_id)
    assert newsletter.email_config["smtp_password"] == SECRET
    assert nl_config.selected_libraries(newsletter) == {libraries_server(): [12, 1]}
    schedule = Schedule.objects.get(name=schedule_name(newsletter_id))
    assert schedule.cron == "0 9 * * 1"

    # The mask (or nothing) sent back keeps the password; a new one replaces it.
    for kept in ("    ", ""):
        call_api(
            "set_newsletter_config",
            **full_form(newsletter_id=newsletter_id, newsletter_email_smtp_password=kept),
        )
        assert Newsletter.objects.get(pk=newsletter_id).email_config["smtp_password"] == SECRET
    form = full_form(newsletter_id=newsletter_id)
    del form["newsletter_email_smtp_password"]
    call_api("set_newsletter_config", **form)
    assert Newsletter.objects.get(pk=newsletter_id).email_config["smtp_password"] == SECRET
    call_api(
        "set_newsletter_config",
        **full_form(newsletter_id=newsletter_id, newsletter_email_smtp_password="new"),
    )
    assert Newsletter.objects.get(pk=newsletter_id).email_config["smtp_password"] == "new"

    # A new cron reschedules; inactive removes the schedule.
    call_api("set_newsletter_config", **full_form(newsletter_id=newsletter_id, cron="15 7 1 * *"))
    assert Schedule.objects.get(name=schedule_name(newsletter_id)).cron == "15 7 1 * *"
    call_api("set_newsletter_config", **full_form(newsletter_id=newsletter_id, active=0))
    assert not Schedule.objects.filter(name=schedule_name(newsletter_id)).exists()


def libraries_server():
    return Server.objects.get().pk


def test_empty_texts_fall_back_to_tautullis_defaults(call_api, libraries):
    newsletter_id = add(call_api)
    call_api(
        "set_newsletter_config",
        **full_form(newsletter_id=newsletter_id, subject="", body="", message=""),
    )
    data = call_api("get_newsletter_config", newsletter_id=newsletter_id)[1]["response"]["data"]
    assert (data["subject"], data["body"], data["message"]) == (
        nl_config.DEFAULT_SUBJECT,
        nl_config.DEFAULT_BODY,
        "",
    )


@pytest.mark.parametrize(
    "override, message",
    [
        ({"cron": "every sunday"}, "not a 5-field cron expression"),
        ({"cron": "0 0 * *"}, "not a 5-field cron expression"),
        ({"newsletter_email_to": "friends, b@example.com"}, "to: not an e-mail address: friends"),
        ({"newsletter_email_from": "plex at example"}, "from: not an e-mail address"),
        ({"newsletter_email_smtp_port": "smtp"}, "smtp_port must be a whole number"),
        ({"newsletter_email_smtp_port": 70000}, "smtp_port must be between 1 and 65535"),
        ({"newsletter_email_tls": 3}, "tls must be one of 0, 1, 2"),
        ({"newsletter_config_time_frame": 0}, "time_frame must be between 1"),
        ({"newsletter_config_time_frame": "a week"}, "time_frame must be a whole number"),
        (
            {"newsletter_config_time_frame_units": "weeks"},
            "time_frame_units must be hours, days or months",
        ),
        ({"newsletter_config_notifier_id": 99}, "there is no notifier 99"),
        ({"newsletter_email_notifier_id": 99}, "there is no Email notifier 99"),
        ({"newsletter_config_incl_libraries": "12,99"}, "Unknown library: 99"),
        ({"newsletter_config_incl_libraries": "40"}, "Unknown library: 40"),  # photos
        ({"newsletter_config_colour": "red"}, "unknown parameter newsletter_config_colour"),
        ({"active": "maybe"}, "active must be 0 or 1"),
        ({"agent_id": 1}, "agent_id 1 is not a newsletter agent"),
    ],
)
def test_bad_input_is_an_error_and_changes_nothing(call_api, libraries, override, message):
    newsletter_id = add(call_api)
    call_api("set_newsletter_config", **full_form(newsletter_id=newsletter_id))
    before = Newsletter.objects.values().get(pk=newsletter_id)
    schedules = list(Schedule.objects.values("name", "cron", "next_run"))
    status, body = call_api(
        "set_newsletter_config", **full_form(newsletter_id=newsletter_id, **override)
    )
    assert status == 400
    assert body["response"]["result"] == "error"
    assert body["response"]["data"] == {}
    assert message in body["response"]["message"], body["response"]["message"]
    assert body["response"]["message"].startswith("Failed to save newsletter:")
    assert Newsletter.objects.values().get(pk=newsletter_id) == before
    assert list(Schedule.objects.values("name", "cron", "next_run")) == schedules


def test_the_minimal_call_is_a_clear_error_not_a_500(call_api, db):
    newsletter_id = add(call_api)
    status, body = call_api("set_newsletter_config", newsletter_id=newsletter_id, agent_id=0)
    assert status == 400
    response = body["response"]
    assert response["result"] == "error" and response["data"] == {}
    assert response["message"].startswith(
        "Failed to save newsletter: parameters subject, body, message are required"
    )
    assert list(response) == list(capture("set_newsletter_config__minimal_500.json"))


@pytest.mark.parametrize(
    "cmd", ["get_newsletter_config", "set_newsletter_config", "delete_newsletter"]
)
def test_an_unknown_newsletter_is_an_error(call_api, db, cmd):
    status, body = call_api(cmd, newsletter_id=404, agent_id=0, subject="", body="", message="")
    assert status == 400
    assert body["response"] == {
        "result": "error",
        "message": "Invalid newsletter_id 404.",
        "data": {},
    }


def test_delete_newsletter_removes_it_and_its_schedule(call_api, libraries):
    newsletter_id = add(call_api)
    call_api("set_newsletter_config", **full_form(newsletter_id=newsletter_id))
    assert Schedule.objects.filter(name=schedule_name(newsletter_id)).exists()
    status, body = call_api("delete_newsletter", newsletter_id=newsletter_id)
    assert (status, body["response"]["message"]) == (200, "Newsletter deleted successfully.")
    assert not Newsletter.objects.exists()
    assert not Schedule.objects.filter(name=schedule_name(newsletter_id)).exists()


def test_delete_newsletter_log_clears_every_row(call_api, db):
    baker.make(NewsletterLog, uuid="a1", newsletter_id=1)
    baker.make(NewsletterLog, uuid="b2", newsletter_id=2)
    status, body = call_api("delete_newsletter_log")
    assert status == 200
    assert body["response"] == {
        "result": "success",
        "message": "Cleared newsletter logs.",
        "data": {},
    }
    assert not NewsletterLog.objects.exists()


def test_delete_hosted_images_says_nothing_is_uploaded(call_api, db):
    status, body = call_api("delete_hosted_images", delete_all="true", service="imgur")
    assert status == 200
    assert body["response"]["result"] == "success"
    assert "never uploaded" in body["response"]["message"]
    status, body = call_api("delete_hosted_images", service="flickr")
    assert status == 400
    assert list(body["response"]) == list(capture("delete_hosted_images__error.json"))


def test_the_password_is_in_no_answer(call_api, libraries, email_notifier):
    newsletter_id = add(call_api)
    call_api("set_newsletter_config", **full_form(newsletter_id=newsletter_id))
    assert Newsletter.objects.get(pk=newsletter_id).email_config["smtp_password"] == SECRET
    answers = [
        call_api("get_newsletter_config", newsletter_id=newsletter_id),
        call_api("get_newsletters"),
        call_api("get_newsletter_log"),
        call_api("set_newsletter_config", **full_form(newsletter_id=newsletter_id, cron="bad")),
        call_api("set_newsletter_config", **full_form(newsletter_id=newsletter_id)),
    ]
    for _, body in answers:
        assert SECRET not in json.dumps(body)
    options = answers[0][1]["response"]["data"]["email_config_options"]
    password = next(o for o in options if o["name"] == "newsletter_email_smtp_password")
    assert password["value"] == "    "


def test_several_servers_name_their_libraries(call_api, libraries):
    other = baker.make(Server, name="Dragonstone", machine_identifier="def")
    baker.make(Library, server=other, section_id=12, section_name="Films", section_type="movie")
    main = Server.objects.get(name="Winterfell")
    newsletter = baker.make(Newsletter, id_name="n", config={"incl_libraries": ["12"]})
    data = call_api("get_newsletter_config", newsletter_id=newsletter.pk)[1]["response"]["data"]
    movies = data["config_options"][0]["select_options"]["Movie Libraries"]
    assert {"value": f"{main.pk}:12", "text": "Winterfell · Movies"} in movies
    assert {"value": f"{other.pk}:12", "text": "Dragonstone · Films"} in movies
    # A bare (imported) section id means the default server's library.
    assert nl_config.selected_libraries(newsletter) == {main.pk: [12]}
    status, _ = call_api(
        "set_newsletter_config",
        **full_form(newsletter_id=newsletter.pk, newsletter_config_incl_libraries=f"{other.pk}:12"),
    )
    assert status == 200
    newsletter.refresh_from_db()
    assert nl_config.selected_libraries(newsletter) == {other.pk: [12]}


def test_no_library_selected_selects_nothing(libraries):
    newsletter = baker.make(Newsletter, id_name="n", config={"incl_libraries": []})
    assert nl_config.selected_libraries(newsletter) == {}


def test_full_config_is_both_documents_over_the_defaults(db):
    newsletter = baker.make(
        Newsletter,
        id_name="n",
        config={"time_frame": "3", "incl_libraries": "1, 2"},
        email_config={"smtp_password": SECRET, "to": "a@example.com"},
    )
    config = nl_config.full_config(newsletter)
    assert config["config"] == {
        **nl_config.DEFAULT_CONFIG,
        "time_frame": 3,
        "incl_libraries": ["1", "2"],
    }
    assert config["email_config"] == {
        **nl_config.DEFAULT_EMAIL_CONFIG,
        "to": ["a@example.com"],
        "smtp_password": SECRET,  # for sending
    }
