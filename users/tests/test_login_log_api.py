"""The web login log commands (reference 1.2): get_user_logins, logout_user_session,
delete_login_log, over the imported user_login rows."""

import datetime as dt

from model_bakery import baker

from users.models import User, UserLogin


def make_logins():
    User.objects.create(user_id=100, username="jon", friendly_name="Jon Snow")
    now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    live = baker.make(
        UserLogin,
        timestamp=now,
        user_id=100,
        user="jon",
        ip_address="10.0.0.5",
        host="http://t.local",
        user_agent="Mozilla/5.0",
        jwt_token="JWT-SECRET",
        expiry="2026-12-20T09:00:00+00:00",
        user_group="guest",
    )
    old = baker.make(
        UserLogin,
        timestamp=now - dt.timedelta(days=3),
        user_id=100,
        user="jon",
        ip_address="10.0.0.6",
        jwt_token=None,
    )
    other = baker.make(UserLogin, timestamp=now, user_id=200, user="sam", ip_address="1.2.3.4")
    return live, old, other


def test_get_user_logins_lists_a_users_logins(db, call_api):
    live, old, _ = make_logins()
    status, body = call_api("get_user_logins", user_id=100)
    data = body["response"]["data"]
    assert status == 200 and data["recordsTotal"] == 2 and data["draw"] == 1
    assert [row["row_id"] for row in data["data"]] == [live.pk, old.pk]
    row = data["data"][0]
    assert row["friendly_name"] == "Jon Snow" and row["expiry"] == "2026-12-20 09:00:00"
    assert row["timestamp"] == int(live.timestamp.timestamp()) and row["current"] is False
    assert "JWT-SECRET" not in str(body)
    status, body = call_api("get_user_logins", user_id=100, search="10.0.0.6")
    assert body["response"]["data"]["recordsFiltered"] == 1


def test_logout_user_session_clears_the_token(db, call_api):
    live, _, _ = make_logins()
    status, body = call_api("logout_user_session", row_ids=str(live.pk))
    assert status == 200 and body["response"]["message"] == "Users session logged out."
    live.refresh_from_db()
    assert live.jwt_token is None
    _, body = call_api("get_user_logins", user_id=100)
    assert body["response"]["data"]["data"][0]["expiry"] is None


def test_delete_login_log_empties_it(db, call_api):
    make_logins()
    status, body = call_api("delete_login_log")
    assert status == 200 and body["response"]["message"] == "Cleared login logs."
    assert not UserLogin.objects.exists()
