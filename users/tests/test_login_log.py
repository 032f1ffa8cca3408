"""The web login log (users.logins): a row for every sign-in, whatever the way in, shown to staff
in the admin and by get_user_logins with the OS and browser read from the user agent."""

import datetime as dt

from django.contrib.auth import get_user_model
from model_bakery import baker

from users.accounts import PlexIdentity, guest_login_user, owner_login_user
from users.models import User, UserLogin

CHROME_ON_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_ON_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
    " Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
PASSWORD = "correct horse battery staple"


def password_login(client, username, password):
    return client.post(
        "/admin/login/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR="198.51.100.4",
        HTTP_USER_AGENT=CHROME_ON_WINDOWS,
    )


def test_a_password_sign_in_is_logged_with_address_host_and_agent(db, client):
    get_user_model().objects.create_superuser("admin", "", PASSWORD)
    assert password_login(client, "admin", PASSWORD).status_code == 302
    login = UserLogin.objects.get()
    assert login.success and login.user == "admin" and login.user_group == "admin"
    assert login.user_id is None  # a local account has no plex.tv id
    assert login.ip_address == "198.51.100.4"
    assert login.host == "http://testserver"
    assert login.user_agent == CHROME_ON_WINDOWS
    assert login.timestamp == dt.datetime(2026, 11, 22, 10, 30, tzinfo=dt.UTC).replace(
        microsecond=login.timestamp.microsecond, second=login.timestamp.second
    )


def test_a_wrong_password_is_logged_as_failed_without_the_password(db, client):
    get_user_model().objects.create_superuser("admin", "", PASSWORD)
    password_login(client, "admin", "guess")
    login = UserLogin.objects.get()
    assert not login.success and login.user == "admin" and login.user_group is None
    assert "guess" not in str(UserLogin.objects.values().get())


def test_plex_sign_ins_carry_the_plex_tv_id_and_group(db, client, settings):
    owner = owner_login_user(PlexIdentity(user_id=1, username="owner"))
    client.force_login(owner)
    settings.ALLOW_GUEST_ACCESS = True
    baker.make(User, user_id=42, username="jon", allow_guest=True)
    client.force_login(guest_login_user(PlexIdentity(user_id=42, username="jon")))
    rows = list(UserLogin.objects.order_by("pk").values_list("user_id", "user", "user_group"))
    assert rows == [(1, "owner", "admin"), (42, "jon", "guest")]


def test_get_user_logins_gives_os_and_browser(db, call_api):
    baker.make(
        UserLogin,
        user_id=42,
        timestamp=dt.datetime(2026, 11, 21, tzinfo=dt.UTC),
        user_agent=CHROME_ON_WINDOWS,
    )
    baker.make(
        UserLogin,
        user_id=42,
        timestamp=dt.datetime(2026, 11, 20, tzinfo=dt.UTC),
        user_agent=SAFARI_ON_IPHONE,
    )
    baker.make(
        UserLogin, user_id=42, timestamp=dt.datetime(2026, 11, 19, tzinfo=dt.UTC), user_agent=None
    )
    status, body = call_api("get_user_logins", user_id=42)
    rows = [(row["os"], row["browser"]) for row in body["response"]["data"]["data"]]
    assert rows == [("Windows 10", "Chrome 120"), ("iOS 17", "Mobile Safari 17"), ("", "")]


def test_staff_see_the_login_list_with_filters_and_search(
    db, client, django_assert_max_num_queries
):
    admin = get_user_model().objects.create_superuser("admin", "", PASSWORD)
    for n in range(30):
        baker.make(
            UserLogin,
            user=f"user{n}",
            ip_address=f"10.0.0.{n}",
            success=n % 2 == 0,
            timestamp=dt.datetime(2026, 11, 1 + n % 20, tzinfo=dt.UTC),
            user_agent=CHROME_ON_WINDOWS,
        )
    client.force_login(admin)  # itself a login row
    with django_assert_max_num_queries(12):
        page = client.get("/admin/users/userlogin/").content.decode()
    assert "Web logins" in page and "Chrome 120" in page and "Windows 10" in page
    failed = client.get("/admin/users/userlogin/?success__exact=0").content.decode()
    assert "user1<" in failed and "user2<" not in failed
    found = client.get("/admin/users/userlogin/?q=10.0.0.7").content.decode()
    assert "user7" in found and "user8" not in found
    by_day = client.get(
        "/admin/users/userlogin/?timestamp__year=2026&timestamp__month=11&timestamp__day=3"
    )
    assert "user2<" in by_day.content.decode() and "user3<" not in by_day.content.decode()
    row = UserLogin.objects.get(user="user4")
    detail = client.get(f"/admin/users/userlogin/{row.pk}/change/").content.decode()
    assert "Windows 10" in detail and "Save" not in detail  # read-only


def test_the_login_list_is_not_for_anonymous_or_guests(db, client, settings):
    assert client.get("/admin/users/userlogin/").status_code == 302
    settings.ALLOW_GUEST_ACCESS = True
    baker.make(User, user_id=42, username="jon", allow_guest=True)
    client.force_login(guest_login_user(PlexIdentity(user_id=42, username="jon")))
    assert client.get("/admin/users/userlogin/").status_code == 302
