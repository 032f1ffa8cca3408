"""The admin site (core.admin_kit.site): Django's default site is ours, and an app adds a page to
it through ``register_page`` (URLs behind login and permission, an entry first in its group)."""

import pytest
from django.contrib import admin
from django.contrib.admin.exceptions import AlreadyRegistered
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path

from core.admin_kit.display import duration_display, humanize_seconds
from core.admin_kit.site import AdminPage, AdminSite

# --- a site of its own, with one page, served by this module's URLs ----------------------------


def _report(request):
    return HttpResponse("the report")


def _report_rows(request):
    return HttpResponse("its rows")


kit_site = AdminSite(name="kit")
kit_site.register(Group)
kit_site.register_page(
    AdminPage(
        title="Report",
        app_label="auth",
        urls=(
            path("report/", _report, name="auth_report"),
            path("report/rows/", _report_rows, name="auth_report_rows"),
        ),
        permission=lambda request: request.user.is_superuser,
    )
)
urlpatterns = [path("kit/", kit_site.urls)]


@pytest.fixture
def staff_with_groups(db):
    """Staff who may view groups (so the "auth" group shows) but is not a superuser."""
    staff = get_user_model().objects.create_user("staff", password="pw", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_group"))
    return get_user_model().objects.get(pk=staff.pk)


@pytest.mark.urls(__name__)
def test_a_registered_page_is_served_behind_login_and_its_permission(
    client, admin_client, staff_with_groups
):
    for url in ("/kit/report/", "/kit/report/rows/"):
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/kit/login/")
        client.force_login(staff_with_groups)
        assert client.get(url).status_code == 403
        client.logout()
        answer = admin_client.get(url)
        assert answer.status_code == 200
        assert "no-cache" in answer["Cache-Control"]  # admin_view: never cached
    assert admin_client.get("/kit/report/rows/").content == b"its rows"


@pytest.mark.urls(__name__)
def test_a_registered_page_is_listed_first_in_its_group_for_who_may_see_it(
    admin_user, staff_with_groups
):
    def app_list(user, app_label=None):
        request = RequestFactory().get("/kit/")
        request.user = user
        return kit_site.get_app_list(request, app_label)

    (auth,) = app_list(admin_user)
    assert [m["name"] for m in auth["models"]] == ["Report", "Groups"]
    assert auth["models"][0]["admin_url"] == "/kit/report/"
    assert auth["models"][0]["view_only"] is True
    assert app_list(admin_user, "auth")[0]["models"][0]["name"] == "Report"
    (auth,) = app_list(staff_with_groups)
    assert [m["name"] for m in auth["models"]] == ["Groups"]


def test_a_page_name_is_registered_once():
    site = AdminSite(name="once")
    page = AdminPage("A", "auth", (path("a/", _report, name="a"),), lambda request: True)
    site.register_page(page)
    with pytest.raises(AlreadyRegistered):
        site.register_page(AdminPage("B", "auth", (path("b/", _report, name="a"),), lambda r: True))
    assert site.pages == (page,)


# --- the project's site ------------------------------------------------------------------------


def test_the_default_site_is_ours_and_not_patched():
    assert isinstance(admin.site, AdminSite)
    instance = admin.site._wrapped  # the DefaultAdminSite proxy's site
    assert not {"get_app_list", "extra_urls", "get_urls"} & set(vars(instance))
    assert "plex_activity" in [page.url_name for page in admin.site.pages]


def test_root_leads_to_the_admin_and_view_site_to_the_api_docs(client, admin_client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    html = admin_client.get("/admin/").content.decode()
    assert 'href="/api/docs"' in html and "View site" in html
    assert admin_client.get("/api/docs").status_code == 200


# --- the one duration format -------------------------------------------------------------------


class _Play:
    seconds = 3725
    milliseconds = 90_500
    nothing = None


def test_duration_display_writes_seconds_and_milliseconds_in_the_one_format():
    in_seconds = duration_display("seconds", "played")
    in_ms = duration_display("milliseconds", "offset", unit="ms")
    empty = duration_display("nothing", "none")
    assert in_seconds(None, _Play()) == humanize_seconds(3725) == "1h 02m"
    assert in_ms(None, _Play()) == humanize_seconds(90) == "1m 30s"
    assert empty(None, _Play()) == ""
    assert in_ms.source_field == "milliseconds" and in_ms.short_description == "offset"
