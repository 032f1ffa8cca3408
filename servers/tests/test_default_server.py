"""The server commands without ``server`` answer for: the first that can answer (issue 10)."""

import pytest
from model_bakery import baker

from servers.models import DEMO_MACHINE_IDENTIFIER, Server

pytestmark = pytest.mark.django_db


def make(name, url="", connected=None, **fields):
    return baker.make(Server, name=name, url=url, connected=connected, **fields)


def test_an_imported_server_without_url_never_hides_one_that_answers():
    make("Imported")  # first by id, no URL
    demo = make("Demo", "http://127.0.0.1:32499", True, machine_identifier=DEMO_MACHINE_IDENTIFIER)
    assert demo.is_demo and Server.objects.default() == demo
    down = make("Down", "http://10.0.0.3:32400", False)
    assert Server.objects.default() == demo  # the demo beats a real server that is down
    new = make("Just added", "http://10.0.0.4:32400", None)
    assert Server.objects.default() == new  # a real one not reached yet beats the demo
    up = make("Up", "http://10.0.0.5:32400", True)
    assert Server.objects.default() == up
    Server.objects.filter(pk=up.pk).update(is_active=False)
    assert Server.objects.default() == new
    assert down.pk < new.pk


def test_when_none_can_answer_the_first_active_one():
    first = make("Imported")
    make("Down", "http://10.0.0.3:32400", False)
    assert Server.objects.default() == first
    Server.objects.filter(pk=first.pk).update(is_active=False)
    assert Server.objects.default().name == "Down"
    Server.objects.all().delete()
    assert Server.objects.default() is None
