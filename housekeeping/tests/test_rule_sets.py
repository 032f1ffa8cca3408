"""Rule sets as a user manages them: YAML export/import and their cron schedules."""

import pytest
from django_q.models import Schedule
from model_bakery import baker

from core.schedules import validate_cron
from housekeeping.models import Rule, RuleSet
from housekeeping.schedules import schedule_name
from housekeeping.yaml_io import RuleSetImportError, export_rule_sets, import_rule_sets
from libraries.models import Library
from servers.models import Server
from users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def movies():
    server = baker.make(Server, name="Home")
    return baker.make(Library, server=server, section_id=1, section_name="Movies")


def make_rule_set(movies, **settings):
    rs = RuleSet.objects.create(name=settings.pop("name", "Old movies"), **settings)
    rs.libraries.set([movies])
    Rule.objects.create(
        rule_set=rs, position=0, field="added_at", operator="more_than_days_ago", value=90
    )
    rule = Rule.objects.create(
        rule_set=rs,
        position=1,
        section=2,
        join="or",
        field="last_watched_by",
        operator="not_in_last_days",
        value=60,
    )
    rule.users.set([baker.make(User, user_id=7, username="alice")])
    return rs


def test_yaml_round_trip_recreates_the_same_rule_set(movies):
    rs = make_rule_set(
        movies, grace_days=14, pressure_tiers=[{"free_below_percent": 10, "grace_days": 3}]
    )
    text = export_rule_sets(RuleSet.objects.all())
    assert "name: Old movies" in text and "server: Home" in text and "- alice" in text
    rs.delete()

    (imported,) = import_rule_sets(text)

    assert imported.grace_days == 14 and imported.dry_run is True
    assert list(imported.libraries.all()) == [movies]
    rules = list(imported.rules.order_by("position"))
    assert [(r.section, r.join, r.field, r.operator, r.value) for r in rules] == [
        (1, "and", "added_at", "more_than_days_ago", 90),
        (2, "or", "last_watched_by", "not_in_last_days", 60),
    ]
    assert [u.username for u in rules[1].users.all()] == ["alice"]
    assert export_rule_sets(RuleSet.objects.all()) == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rule_sets: [", "Not valid YAML"),
        ("- a list", "'rule_sets' list"),
        ("rule_sets: [{name: X, rules: [{field: nope, operator: is}]}]", "unknown field"),
        (
            "rule_sets: [{name: X, rules: [{field: plays, operator: lt, value: many}]}]",
            "not a number",
        ),
        ("rule_sets: [{name: X, schedule: every day}]", "cron"),
        ("rule_sets: [{name: X, libraries: [{server: Nope, section_id: 1}]}]", "no library"),
    ],
)
def test_a_bad_import_says_why_and_changes_nothing(movies, text, message):
    make_rule_set(movies)
    before = export_rule_sets(RuleSet.objects.all())
    with pytest.raises(RuleSetImportError, match=message):
        import_rule_sets(text)
    assert export_rule_sets(RuleSet.objects.all()) == before
    assert RuleSet.objects.count() == 1


def test_each_active_rule_set_has_its_cron_schedule(movies):
    rs = make_rule_set(movies, schedule="0 3 * * *")
    schedule = Schedule.objects.get(name=schedule_name(rs.pk))
    assert (schedule.func, schedule.cron, schedule.args) == (
        "housekeeping.tasks.run_rule_set",
        "0 3 * * *",
        repr(rs.pk),
    )
    assert schedule.next_run.hour == 3 or schedule.next_run.astimezone().hour == 3

    rs.schedule = "30 4 * * 1"
    rs.save()
    assert Schedule.objects.get(name=schedule_name(rs.pk)).cron == "30 4 * * 1"

    rs.is_active = False
    rs.save()
    assert not Schedule.objects.filter(name=schedule_name(rs.pk)).exists()

    rs.is_active = True
    rs.save()
    rs.delete()
    assert not Schedule.objects.filter(name__startswith="housekeeping:").exists()


def test_cron_validation():
    assert validate_cron(" 0  3 * * * ") == "0 3 * * *"
    for bad in ("", "* * * *", "61 * * * *", "0 3 * * * *"):
        with pytest.raises(Exception, match="5-field cron"):
            validate_cron(bad)


def test_the_rule_sets_command_lists_runs_exports_and_imports(movies, tmp_path, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    make_rule_set(movies)
    call_command("rule_sets", "list")
    assert "Old movies  [movie, dry-run, active]  0 candidates" in capsys.readouterr().out

    call_command("rule_sets", "run", "Old movies", "--no-act")
    assert '"matched": 0' in capsys.readouterr().out
    assert RuleSet.objects.get().last_run["by"] == "command"

    call_command("rule_sets", "export")
    path = tmp_path / "rules.yaml"
    path.write_text(capsys.readouterr().out.replace("Old movies", "Copy"))
    call_command("rule_sets", "import", str(path))
    assert set(RuleSet.objects.values_list("name", flat=True)) == {"Old movies", "Copy"}

    path.write_text("rule_sets: [{name: Bad, schedule: never}]")
    with pytest.raises(CommandError, match="rule set 1 \\(Bad\\): .*cron"):
        call_command("rule_sets", "import", str(path))
    with pytest.raises(CommandError, match="No rule set named 'Nope'"):
        call_command("rule_sets", "run", "Nope")
