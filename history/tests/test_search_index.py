"""get_history's search through SQLite's trigram FTS5 index (history.search_index): the same
results as the plain LIKE path on both databases, for tricky inputs that must never be read as
FTS syntax, and an index kept current by its triggers whoever changes the groups."""

import io

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import connection

from history import search_index
from history.grouping import rebuild_groups
from history.models import History, HistoryGroup, HistoryMetadata
from history.table.sources import _search_text_q
from history.tests.test_get_history import D0, HOUR, _answer, make_row
from servers.models import Server
from users.models import User

TITLES = [
    'He said "Hi" - Part 1',
    "Star*Wars: A New Hope",
    "NEAR the end AND OR NOT",
    "Ça va? Ünïcödé 東京物語",
    "100% pure_fun \\ back",
    "col:umn (paren) ^caret",
    "plain old title",
    "STAR trek",
    # Unicode case folding would turn these into ASCII "kelvin" and "istanbul"; LIKE does not.
    "\u212aelvin İstanbul",
]
SEARCHES = [
    '"',
    '"Hi"',
    'said "Hi',
    "Star*",
    "*",
    "r*W",
    "- Part",
    "-",
    "NEAR",
    "AND OR",
    "end AND",
    "NEAR(",
    "ça",
    "Ça va",
    "ünï",
    "東京",
    "東京物",
    "100%",
    "%",
    "_",
    "pure_f",
    "\\ b",
    "col:",
    "(paren)",
    "^car",
    "star",
    "sTaR",
    "ar",
    "a",
    "title",
    "no such thing",
    "10.0.0",
    "SHIELD",
    "alice",
    "kelvin",
    "elvin",
    "istanbul",
    "İstan",
    "\u212ael",
]


@pytest.fixture
def tricky(db):
    server = Server.objects.create(name="Plex", machine_identifier="pms1")
    alice = User.objects.create(user_id=101, username="alice", friendly_name="Alice A")
    for index, title in enumerate(TITLES, start=1):
        make_row(server, alice, index, started=D0 + index * HOUR, minutes=10, full_title=title)
    return server, alice


def _fts_keys(search):
    text_q, _matches = _search_text_q(search, plays=HistoryGroup.objects.count())
    return set(HistoryGroup.objects.filter(text_q).values_list("reference_id", flat=True))


def _like_keys(search):
    return set(
        HistoryGroup.objects.filter(search_text__icontains=search).values_list(
            "reference_id", flat=True
        )
    )


def test_the_index_exists_on_sqlite_only(db):
    assert search_index.available(connection) == (connection.vendor == "sqlite")


@pytest.mark.parametrize(
    ("search", "phrase"),
    [
        ("ab", None),
        ("abc", '"abc"'),
        ("AbC Ça", '"abc Ça"'),
        ('say "hi"', '"say ""hi"""'),
        ("NEAR(a b)", '"near(a b)"'),
        ("a\x00b", None),
    ],
)
def test_match_phrase_quotes_every_input(search, phrase):
    assert search_index.match_phrase(search) == phrase


def test_tricky_searches_match_like_the_plain_path(tricky):
    for search in SEARCHES:
        assert _fts_keys(search) == _like_keys(search), search
        fast = _answer({}, use_groups=True, search=search)
        plain = _answer({}, use_groups=False, search=search)
        assert fast["recordsFiltered"] == plain["recordsFiltered"], search
        assert fast["data"] == plain["data"], search
    assert _fts_keys("star") == {2, 8}
    assert _fts_keys('"Hi"') == {1}
    assert _fts_keys("NEAR") == {3}
    assert _fts_keys("kelvin") == set() and _fts_keys("elvin") == {9}


STRATEGIES = {  # (FEW_MATCHES, PROBE_SHARE) that make every search take one way
    "keys": (10**9, 2.0),
    "walk": (0, 2.0),
    "probe": (0, 0.0),
}


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_generated_history_searches_like_the_plain_path(imported_tautulli, monkeypatch, strategy):
    """Whichever way the index is read (plays looked up by key, the date order walked against
    the keys, or each play probed), the page and its count are the plain path's."""
    few, share = STRATEGIES[strategy]
    monkeypatch.setattr(search_index, "FEW_MATCHES", few)
    monkeypatch.setattr(search_index, "PROBE_SHARE", share)
    imported_tautulli(history_rows=1500)
    titles = list(HistoryMetadata.objects.values_list("full_title", flat=True)[:40:7])
    searches = [word for title in titles for word in title.split()[:2]] + [
        titles[0][1:6],
        titles[1].upper(),
        "the",
        "e -",
        "192.168",
        "Plex",
    ]
    for search in searches:
        assert _fts_keys(search) == _like_keys(search), search
        fast = _answer({}, use_groups=True, search=search)
        plain = _answer({}, use_groups=False, search=search)
        assert fast["recordsFiltered"] == plain["recordsFiltered"], search
        assert fast["data"] == plain["data"], search


def test_the_index_follows_changes_and_rebuilds(tricky):
    server, alice = tricky
    assert _fts_keys("plain old") == {7}
    HistoryMetadata.objects.filter(history_id=7).update(full_title="brand new words")
    assert _fts_keys("plain old") == set()
    assert _fts_keys("brand new") == {7}
    make_row(server, alice, 20, started=D0 + 30 * HOUR, minutes=5, full_title="Brand New Day")
    assert _fts_keys("brand new") == {7, 20}
    History.objects.filter(id=7).delete()
    assert _fts_keys("brand new") == {20}
    rebuild_groups()
    assert _fts_keys("brand new") == {20}
    for search in SEARCHES:
        assert _fts_keys(search) == _like_keys(search), search
    if connection.vendor == "sqlite":
        # The triggers are back after the rebuild: the index follows changes again.
        HistoryMetadata.objects.filter(history_id=20).update(full_title="Gone")
        assert _fts_keys("brand new") == set()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [search_index.GROUPS],
            )
            assert {row[0] for row in cursor.fetchall()} == set(search_index.TRIGGER_NAMES)
            cursor.execute(
                f"INSERT INTO {search_index.FTS_TABLE} ({search_index.FTS_TABLE}, rank) "
                "VALUES ('integrity-check', 1)"
            )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite's")
def test_a_missing_search_trigger_is_reported_and_the_command_repairs_it(tricky):
    """A migration that rebuilt the plays table without reinstalling the index's triggers:
    ``manage.py check`` says so (history.E002), and install_history_triggers puts the triggers
    back and rebuilds the index, so plays changed meanwhile are found."""
    server, alice = tricky
    insert_trigger = search_index.TRIGGER_NAMES[0]
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {insert_trigger}")
    make_row(server, alice, 30, started=D0 + 40 * HOUR, minutes=5, full_title="Unseen Arrival")
    assert _fts_keys("unseen arrival") == set()  # the gap the check reports
    errors = [
        message
        for message in checks.run_checks(tags=[checks.Tags.database], databases=["default"])
        if message.id == "history.E002"
    ]
    assert len(errors) == 1 and insert_trigger in errors[0].msg
    assert "install_history_triggers" in errors[0].hint

    out = io.StringIO()
    call_command("install_history_triggers", stdout=out)
    assert insert_trigger in out.getvalue()
    assert search_index.missing_triggers(connection) == []
    assert _fts_keys("unseen arrival") == {30}
    assert not [
        message
        for message in checks.run_checks(tags=[checks.Tags.database], databases=["default"])
        if message.id == "history.E002"
    ]
