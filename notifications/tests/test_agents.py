"""Notification agents deliver for real to loopback receivers (notifications.testing), build
Apprise URLs Apprise accepts for fixed-host services, and keep Tautulli's agent ids/options."""

import json
import sys
import urllib.parse

import apprise
import pytest

from notifications.agents import (
    AGENTS,
    MASK,
    DeliveryError,
    agent_by_id,
    agent_by_name,
    agent_choices,
)
from notifications.agents.apprise_agents import AppriseURL, deliver_apprise

# reference 4.1: Tautulli's AGENT_IDS
TAUTULLI_AGENTS = {
    0: "growl", 1: "prowl", 2: "xbmc", 3: "plex", 6: "pushbullet", 7: "pushover", 8: "osx",
    9: "boxcar", 10: "email", 11: "twitter", 12: "ifttt", 13: "telegram", 14: "slack",
    15: "scripts", 16: "facebook", 17: "browser", 18: "join", 20: "discord", 21: "remoteapp",
    22: "groupme", 23: "mqtt", 24: "zapier", 25: "webhook", 26: "plexmobileapp", 27: "lunasea",
    28: "microsoftteams", 29: "gotify", 30: "ntfy",
}  # fmt: skip


def send(agent_id, config, subject="Tautulli (Home)", body="Alice started playing Dune.", **kw):
    kw.setdefault("action", "on_play")
    kw.setdefault("parameters", {})
    return agent_by_id(agent_id).send(config, subject, body, **kw)


# -- registry and options -----------------------------------------------------------------


def test_every_tautulli_agent_id_is_registered_with_its_name():
    for agent_id, name in TAUTULLI_AGENTS.items():
        assert agent_by_id(agent_id).name == name
        assert agent_by_name(name).id == agent_id
    assert agent_by_id("100").label == "Apprise URL"
    with pytest.raises(KeyError, match="Unknown notification agent id: 19"):
        agent_by_id(19)
    labels = [label for _, label in agent_choices()]
    assert labels == sorted(labels, key=str.lower) and len(labels) == len(AGENTS)


@pytest.mark.django_db
def test_options_names_match_config_keys_and_mask_secrets():
    for agent in AGENTS.values():
        options = agent.options({})
        keys = {
            o["name"].removeprefix(agent.name + "_")
            for o in options
            if o["input_type"] not in ("help", "button")
        }
        assert keys == set(agent.defaults), agent.name
        assert agent.secrets <= set(agent.defaults), agent.name
        for option in options:
            assert {"label", "description", "input_type"} <= set(option)
    discord = agent_by_name("discord")
    hook = "https://discord.com/api/webhooks/123/secret-token"
    shown = {o["name"]: o["value"] for o in discord.options({"hook": hook, "tts": "1"})}
    assert shown["discord_hook"] == MASK and shown["discord_tts"] == 1
    email = agent_by_name("email").options({"tls": 1})
    tls = next(o for o in email if o["name"] == "email_tls")
    assert tls["value"] == 1 and set(tls["select_options"]) == {0, 1, 2}


def test_config_from_form_keeps_masked_secrets_and_casts():
    discord = agent_by_name("discord")
    current = discord.normalize({"hook": "https://discord.com/api/webhooks/1/tok"})
    new = discord.config_from_form(
        current, {"discord_hook": MASK, "discord_tts": "1", "other": "x"}
    )
    assert new["hook"] == current["hook"] and new["tts"] == 1 and "other" not in new
    email = agent_by_name("email").config_from_form({}, {"email_to": "a@x.org, b@x.org"})
    assert email["to"] == ["a@x.org", "b@x.org"]


# -- Apprise generic and loopback services ---------------------------------------------------


@pytest.mark.parametrize("scheme", ["json", "form"])
def test_apprise_url_agent_delivers_to_json_and_form(http_receiver, scheme):
    url = f"{scheme}://{http_receiver.host}:{http_receiver.port}/hook"
    note = send(100, {"urls": url})
    assert "1 Apprise URL" in note
    request = http_receiver.wait_for(1)[0]
    assert request.method == "POST" and request.path == "/hook"
    if scheme == "json":
        fields = request.json()
    else:
        fields = dict(urllib.parse.parse_qsl(request.text))
    assert (
        fields["title"] == "Tautulli (Home)" and fields["message"] == "Alice started playing Dune."
    )


def test_receiver_answering_500_is_a_retryable_error_without_secret(http_receiver):
    http_receiver.status = 500
    url = f"json://user:s3cretpw@{http_receiver.host}:{http_receiver.port}/hook"
    with pytest.raises(DeliveryError) as error:
        send(100, {"urls": url})
    assert error.value.retryable
    assert "500" in error.value.reason and "s3cretpw" not in error.value.reason
    assert "\n" not in error.value.reason


def test_receiver_answering_401_is_not_retryable(http_receiver):
    http_receiver.status = 401
    with pytest.raises(DeliveryError) as error:
        send(100, {"urls": f"json://{http_receiver.host}:{http_receiver.port}/"})
    assert not error.value.retryable


def test_stopped_receiver_is_retryable(http_receiver):
    http_receiver.stop()
    with pytest.raises(DeliveryError) as error:
        send(25, {"hook": http_receiver.url + "/t0ken-path"}, subject="", body="{}")
    assert error.value.retryable and "t0ken-path" not in error.value.reason


def test_bad_apprise_url_is_a_configuration_error():
    with pytest.raises(DeliveryError) as error:
        send(100, {"urls": "nosuchservice://abc"})
    assert not error.value.retryable


def test_gotify_self_hosted(http_receiver):
    config = {"host": http_receiver.url + "/gotify", "app_token": "AppTok123", "priority": 5}
    send(29, config)
    request = http_receiver.wait_for(1)[0]
    assert request.path.startswith("/gotify/message")
    payload = request.json()
    assert (
        payload["title"] == "Tautulli (Home)"
        and payload["message"] == "Alice started playing Dune."
    )
    assert payload["priority"] == 5


def test_ntfy_self_hosted_with_token(http_receiver):
    config = {
        "host": http_receiver.url,
        "topic": "plex",
        "access_token": "tk_abc123",
        "priority": "high",
    }
    send(30, config)
    request = http_receiver.wait_for(1)[0]
    assert request.headers["authorization"] == "Bearer tk_abc123"
    body = request.json()
    assert body["topic"] == "plex" and body["message"] == "Alice started playing Dune."
    assert request.headers["x-priority"] == "high" and body["title"] == "Tautulli (Home)"


def test_incl_subject_off_drops_the_title(http_receiver):
    send(29, {"host": http_receiver.url, "app_token": "T0k", "incl_subject": 0})
    assert (
        "title" not in http_receiver.wait_for(1)[0].json() or not http_receiver.last.json()["title"]
    )


# -- webhook ----------------------------------------------------------------------------------


def test_webhook_method_headers_and_json_body(http_receiver):
    config = {"hook": http_receiver.url + "/plex?x=1", "method": "PUT"}
    headers = json.dumps({"X-Token": "abc"})
    body = json.dumps({"text": "Alice started playing Dune.", "n": 2})
    note = send(25, config, subject=headers, body=body)
    assert note == "HTTP 200"
    request = http_receiver.wait_for(1)[0]
    assert (request.method, request.path) == ("PUT", "/plex?x=1")
    assert (
        request.headers["x-token"] == "abc"
        and request.headers["content-type"] == "application/json"
    )
    assert request.json() == {"text": "Alice started playing Dune.", "n": 2}


def test_webhook_invalid_json_is_not_retryable(http_receiver):
    with pytest.raises(DeliveryError) as error:
        send(25, {"hook": http_receiver.url}, subject="", body="{not json")
    assert not error.value.retryable and not http_receiver.requests


def test_webhook_500_is_retryable(http_receiver):
    http_receiver.status = 503
    with pytest.raises(DeliveryError) as error:
        send(25, {"hook": http_receiver.url + "/secret-path-123"}, subject="", body="{}")
    assert error.value.retryable and "503" in error.value.reason
    assert "secret-path-123" not in error.value.reason


def test_zapier_and_lunasea_post_json(http_receiver):
    send(24, {"hook": http_receiver.url + "/zap"}, parameters={"poster_url": "https://img/x.jpg"})
    send(27, {"hook": http_receiver.url + "/luna", "profile": "me"}, parameters={"user": "Alice"})
    zap, luna = http_receiver.wait_for(2)
    assert zap.json() == {
        "subject": "Tautulli (Home)",
        "body": "Alice started playing Dune.",
        "action": "on_play",
        "poster_url": "https://img/x.jpg",
    }
    assert luna.json()["action"] == "on_play" and luna.json()["data"]["user"] == "Alice"
    assert luna.json()["data"]["message"] == "Tautulli (Home)\r\nAlice started playing Dune."
    assert luna.headers["authorization"].startswith("Basic ")


# -- e-mail -----------------------------------------------------------------------------------


def email_config(smtp, **extra):
    return {
        "smtp_server": smtp.host,
        "smtp_port": smtp.port,
        "tls": 0,
        "from": "tautulli@example.org",
        "from_name": "Tautulli",
        "to": ["alice@example.org"],
        "cc": ["bob@example.org"],
        "bcc": ["carol@example.org"],
        **extra,
    }


def test_email_html_with_to_cc_bcc(smtp_receiver):
    send(10, email_config(smtp_receiver), body="<b>Alice</b> started playing Dune.")
    mail = smtp_receiver.wait_for(1)[0]
    assert mail.subject == "Tautulli (Home)"
    assert set(mail.rcpt_tos) == {"alice@example.org", "bob@example.org", "carol@example.org"}
    assert "alice@example.org" in mail.message["To"] and "bob@example.org" in mail.message["Cc"]
    assert "carol" not in str(mail.message)
    assert "tautulli@example.org" in mail.message["From"] and "Tautulli" in mail.message["From"]
    parts = mail.parts()
    assert (
        "<b>Alice</b>" in parts["text/html"]
        and "Alice started playing Dune." in parts["text/plain"]
    )


def test_email_plain(smtp_receiver):
    send(10, email_config(smtp_receiver, html_support=0, cc=[], bcc=[]))
    mail = smtp_receiver.wait_for(1)[0]
    assert mail.message.get_content_type() == "text/plain" and mail.rcpt_tos == [
        "alice@example.org"
    ]


# -- MQTT -------------------------------------------------------------------------------------


def test_mqtt_publishes_tautullis_json_payload(mqtt_subscriber):
    config = {"broker": "127.0.0.1", "port": 1883, "topic": mqtt_subscriber.topic}
    assert send(23, config).startswith("published to")
    topic, payload = mqtt_subscriber.wait_for(1)[0]
    assert json.loads(payload) == {
        "subject": "Tautulli (Home)",
        "body": "Alice started playing Dune.",
        "topic": mqtt_subscriber.topic,
    }


def test_mqtt_as_json_and_topic_parameters(mqtt_subscriber):
    base, _, leaf = mqtt_subscriber.topic.rpartition("/")
    config = {"broker": "127.0.0.1", "topic": base + "/{user_hash}", "as_json": 1}
    assert agent_by_id(23).text_format(config) == "json"
    send(23, config, subject='{"a": 1}', body='{"b": "x"}', parameters={"user_hash": leaf})
    assert json.loads(mqtt_subscriber.wait_for(1)[0][1])["body"] == {"b": "x"}


def test_mqtt_broker_down_is_retryable():
    with pytest.raises(DeliveryError) as error:
        send(23, {"broker": "127.0.0.1", "port": 1, "topic": "t", "password": "pw-secret"})
    assert error.value.retryable and "pw-secret" not in error.value.reason


# -- script -----------------------------------------------------------------------------------


@pytest.fixture
def scripts(tmp_path, settings):
    folder = tmp_path / "scripts"
    folder.mkdir()
    settings.NOTIFY_SCRIPTS_DIR = str(folder)
    settings.NOTIFY_SCRIPT_TIMEOUT = 30
    (folder / "echo.py").write_text("import sys\nprint('args:', sys.argv[1:])\n")
    (folder / "slow.py").write_text("import time\ntime.sleep(10)\n")
    (folder / "fail.py").write_text("import sys\nsys.stderr.write('boom')\nsys.exit(3)\n")
    (tmp_path / "outside.py").write_text("print('should not run')\n")
    return folder


def test_script_runs_with_shlex_split_arguments(scripts):
    note = send(
        15, {"script": str(scripts / "echo.py")}, subject="--user 'Alice Smith' -x", body=""
    )
    assert note == "exit 0; stdout: args: ['--user', 'Alice Smith', '-x']"
    assert send(15, {"script": "echo.py"}, subject="", body="").startswith("exit 0")


def test_script_times_out(scripts):
    with pytest.raises(DeliveryError, match="stopped after 1 s") as error:
        send(15, {"script": "slow.py", "timeout": 1}, subject="", body="")
    assert not error.value.retryable


def test_script_failure_shows_stderr(scripts):
    with pytest.raises(DeliveryError, match="exit 3; stderr: boom"):
        send(15, {"script": "fail.py"}, subject="", body="")


@pytest.mark.parametrize("script", ["../outside.py", "{tmp}/outside.py", "/etc/passwd"])
def test_script_outside_the_folder_is_refused(scripts, script):
    script = script.format(tmp=scripts.parent)
    with pytest.raises(DeliveryError, match="outside the scripts folder") as error:
        send(15, {"script": script}, subject="", body="")
    assert not error.value.retryable


def test_script_symlink_out_of_the_folder_is_refused(scripts):
    (scripts / "link.py").symlink_to(scripts.parent / "outside.py")
    with pytest.raises(DeliveryError, match="outside the scripts folder"):
        send(15, {"script": "link.py"}, subject="", body="")


def test_scripts_disabled_without_setting(settings):
    settings.NOTIFY_SCRIPTS_DIR = None
    with pytest.raises(DeliveryError, match="NOTIFY_SCRIPTS_DIR is not set"):
        send(15, {"script": sys.executable}, subject="", body="")


# -- fixed-host services: the Apprise URL built and accepted ----------------------------------

FIXED_HOSTS = [
    (20, {"hook": "https://discord.com/api/webhooks/123456/abc-DEF_9", "username": "Tautulli Bot", "tts": 1},
     "discord://Tautulli%20Bot@123456/abc-DEF_9/?tts=yes"),
    (14, {"hook": "https://hooks.slack.com/services/T000/B000/XXXX", "channel": "#plex"},
     "slack://T000/B000/XXXX/%23plex"),
    (13, {"bot_token": "123456:ABC-def", "chat_id": "-100123, @chan", "disable_web_preview": 1},
     "tgram://123456%3AABC-def/-100123/%40chan/?format=html&preview=no&silent=no"),
    (7, {"api_token": "atoken123", "key": "ukey456", "priority": 2, "sound": "bike", "html_support": 0},
     "pover://ukey456@atoken123/?priority=2&sound=bike&retry=30&expire=3600&format=text"),
    (6, {"api_key": "o.abc", "channel_tag": "plexchan"}, "pbul://o.abc/%23plexchan"),
    (18, {"api_key": "a" * 32, "device_names": ["Phone", "Tablet"], "priority": 1},
     f"join://{'a' * 32}/Phone/Tablet/?priority=1"),
    (1, {"key": "prowlkey01234567890123456789012345678901", "priority": -1},
     "prowl://prowlkey01234567890123456789012345678901/?priority=-1"),
    (12, {"key": "ifkey", "event": "tautulli_{action}", "value3": "user"},
     "ifttt://ifkey/tautulli_on_play/?%2Bvalue3=Alice"),
    (11, {"consumer_key": "ck", "consumer_secret": "cs", "access_token": "at", "access_token_secret": "as"},
     "twitter://ck/cs/at/as/?mode=tweet"),
    (22, {"bot_id": "bot123", "access_token": "tok"}, "groupme://bot123/tok"),
    (2, {"hosts": "http://10.0.0.5:8080, https://kodi.lan", "username": "kodi", "password": "p@ss", "display_time": 7},
     "kodi://kodi:p%40ss@10.0.0.5:8080/?duration=7"),
    (10, {"smtp_server": "smtp.example.org", "smtp_port": 587, "smtp_user": "me@example.org", "smtp_password": "pw:x",
          "tls": 1, "from": "me@example.org", "to": ["a@example.org"]},
     "mailtos://me%40example.org:pw%3Ax@smtp.example.org:587/?mode=starttls&smtp=smtp.example.org"
     "&from=me%40example.org&name=Tautulli&to=a%40example.org&format=html"),
]  # fmt: skip


@pytest.mark.parametrize(("agent_id", "config", "url"), FIXED_HOSTS)
def test_fixed_host_services_build_an_apprise_url_apprise_accepts(agent_id, config, url):
    agent = agent_by_id(agent_id)
    urls = agent.apprise_urls(
        agent.normalize(config), parameters={"user": "Alice"}, action="on_play"
    )
    assert urls[0] == url
    for built in urls:
        assert apprise.Apprise().add(built), built


def test_growl_url_is_accepted_by_apprise_with_gntp():
    growl = agent_by_name("growl")
    (url,) = growl.apprise_urls(growl.normalize({"host": "192.168.1.9:23053", "password": "gpw"}))
    assert url == "growl://gpw@192.168.1.9:23053"
    assert apprise.Apprise().add(url)


def test_teams_needs_a_workflows_url():
    teams = agent_by_name("microsoftteams")
    hook = (
        "https://prod-12.westus.logic.azure.com:443/workflows/abc123/triggers/manual/paths/invoke"
        "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=SIGabc"
    )
    assert apprise.Apprise().add(teams.apprise_urls(teams.normalize({"hook": hook}))[0])
    with pytest.raises(DeliveryError, match="Workflows"):
        teams.apprise_urls(
            teams.normalize({"hook": "https://outlook.office.com/webhook/a/IncomingWebhook/b"})
        )


def test_gotify_priority_mapping():
    gotify = agent_by_name("gotify")
    for level, word in ((0, "low"), (2, "moderate"), (7, "normal")):
        (url,) = gotify.apprise_urls(
            gotify.normalize(
                {"host": "https://g.example.org/", "app_token": "t", "priority": level}
            )
        )
        assert url == f"gotifys://g.example.org/t/?priority={word}"


# -- unsupported agents -----------------------------------------------------------------------


@pytest.mark.parametrize("agent_id", [8, 16, 17, 26])
def test_unsupported_agents_say_why(agent_id):
    with pytest.raises(DeliveryError, match="is not supported here: ") as error:
        send(agent_id, {}, action="on_play")
    assert not error.value.retryable


def test_plex_mobile_app_only_some_actions():
    assert agent_by_name("plexmobileapp").supported_actions == {
        "on_play",
        "on_created",
        "on_newdevice",
    }
    with pytest.raises(DeliveryError, match="only supports"):
        send(26, {}, action="on_stop")


def test_deliver_apprise_redacts_every_secret_form():
    agent = AppriseURL()
    config = {"urls": "json://u:p%40ss-word@127.0.0.1:1/"}
    with pytest.raises(DeliveryError) as error:
        deliver_apprise(agent, config, ["json://u:p%40ss-word@127.0.0.1:1/"], "t", "b", "text")
    assert "p%40ss-word" not in error.value.reason and "p@ss-word" not in error.value.reason
