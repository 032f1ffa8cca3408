"""``manage.py bootstrap`` (run by scripts/run at every start): the generated password and the API
key are printed on the first start only, so a kept start-up log does not carry the key."""

from io import StringIO

import pytest
from django.core.management import call_command

from core.models import ApiKey


def _bootstrap() -> str:
    out = StringIO()
    call_command("bootstrap", "--url", "http://127.0.0.1:8181", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_key_is_printed_on_the_first_start_only(settings):
    settings.TAUTULLI_API_KEY = ""
    first = _bootstrap()
    key = ApiKey.current()
    assert "Admin account created: admin / " in first
    assert key in first

    later = _bootstrap()
    assert key not in later
    assert "http://127.0.0.1:8181/admin/core/apikey/" in later
    assert "Admin account exists" in later
