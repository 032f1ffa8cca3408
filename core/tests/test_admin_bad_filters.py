"""Bad filter values in any admin changelist behave as in stock Django (a redirect to ``?e=1``
or a 400 for a lookup that is not allowed), never a server error."""

import pytest
from django.contrib import admin
from django.contrib.admin import FieldListFilter, SimpleListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.db import models
from django.urls import reverse
from model_bakery import baker

from history.models import History
from notifications.models import NotifyLog
from servers.models import Server

pytestmark = pytest.mark.django_db

GARBAGE = ("garbage", "2026-13-45")
LOOKUPS = ("", "__exact", "__gte", "__lt", "__in", "__isnull")


def _field_params(model, path: str) -> list[str]:
    """Query parameters a filter or hierarchy on ``path`` reads."""
    names = [f"{path}{lookup}" for lookup in LOOKUPS]
    field = get_fields_from_path(model, path)[-1]
    if isinstance(field, models.DateField):  # unfold's range, Django's date hierarchy
        names += [f"{path}_from", f"{path}_to", f"{path}__year", f"{path}__month", f"{path}__day"]
    elif isinstance(field, (models.IntegerField, models.FloatField, models.DecimalField)):
        names += [f"{path}_from", f"{path}_to"]
    return names


def _garbage_params(model_admin) -> list[str]:
    """Every parameter a changelist's filters, hierarchy, search and paging read."""
    model = model_admin.model
    names = ["o", "p", "q", "all", "_facets"]
    for spec in model_admin.list_filter:
        if isinstance(spec, (list, tuple)):
            names += _field_params(model, spec[0])
        elif isinstance(spec, str):
            names += _field_params(model, spec)
        elif issubclass(spec, SimpleListFilter):
            names.append(spec.parameter_name)
        elif issubclass(spec, FieldListFilter):  # pragma: no cover  (needs a field path)
            continue
    if model_admin.date_hierarchy:
        names += _field_params(model, model_admin.date_hierarchy)
    # Lookups no filter offers: Django answers 400 (DisallowedModelAdminLookup), never 500.
    names += [field.name for field in model._meta.concrete_fields]
    return sorted(set(names))


def _changelists():
    return [
        pytest.param(model_admin, id=f"{model._meta.app_label}.{model._meta.model_name}")
        for model, model_admin in admin.site._registry.items()
    ]


@pytest.fixture
def rows():
    """One row in the big tables, so their queries and date hierarchies run for real."""
    server = baker.make(Server, name="Home")
    baker.make(History, server=server)
    baker.make(NotifyLog)


@pytest.mark.parametrize("model_admin", _changelists())
def test_no_garbage_filter_value_is_a_server_error(admin_client, rows, model_admin):
    opts = model_admin.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    admin_client.raise_request_exception = False  # collect every failure, not the first
    failures = []
    for name in _garbage_params(model_admin):
        for value in GARBAGE:
            response = admin_client.get(url, {name: value})
            if response.status_code >= 500:
                failures.append(f"{name}={value!r}: {response.status_code}")
    assert not failures


@pytest.mark.parametrize(
    "query",
    [
        "started__gte=garbage",
        "started__lt=2026-13-45",
        "started_from=garbage",
        "started_to=2026-02-30",
        "started__year=abc",
        "started__year=2026&started__month=13",
    ],
)
def test_bad_history_dates_redirect_as_django_does(admin_client, rows, query):
    response = admin_client.get(f"/admin/history/history/?{query}")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    assert "Database error" not in admin_client.get(response["Location"]).content.decode()


def test_bad_notify_log_date_redirects_as_django_does(admin_client, rows):
    response = admin_client.get("/admin/notifications/notifylog/?timestamp__gte=garbage")
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
