"""The housekeeping admin's forms: media services (write-only API key), rule sets (libraries,
scope, action, grace, dry-run, a validated cron schedule, pressure tiers as text), their rule rows
(field and operator from :mod:`housekeeping.fields`, checked with ``fields.validate_rule``), the
YAML import, the "postpone by N days" step and the "test an item" pickers.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from croniter import croniter
from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from core.admin_kit.secrets import WriteOnlySecretsFormMixin
from core.schedules import validate_cron

from .models import RULE_SET_SETTINGS, MediaService, Rule, RuleSet
from .pressure import validate_tiers

NEXT_RUNS = 3
_TIER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%?\s*[:=]\s*(\d+)\s*(?:d|days?)?\s*$", re.IGNORECASE)


# --- media services ------------------------------------------------------------------------------


class LocalURLField(forms.URLField):
    """A URL typed without a scheme is ``http://`` (services on the LAN mostly are)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("assume_scheme", "http")
        super().__init__(**kwargs)


class MediaServiceForm(WriteOnlySecretsFormMixin, forms.ModelForm):
    """A Radarr/Sonarr/Overseerr/Jellyseerr; ``api_key`` is write-only (never rendered)."""

    write_only_fields = ("api_key",)

    class Meta:
        model = MediaService
        fields = ("name", "kind", "url", "api_key", "verify_ssl", "is_active", "servers")
        field_classes = {"url": LocalURLField}


# --- rule sets -------------------------------------------------------------------------------------


def next_runs(schedule: str, *, count: int = NEXT_RUNS, now: dt.datetime | None = None) -> list:
    """The next ``count`` aware datetimes (server's local zone) at which ``schedule`` (5-field
    cron, read in the local zone) fires after ``now``; [] when it is not a valid cron."""
    try:
        schedule = validate_cron(schedule)
    except ValidationError:
        return []
    start = timezone.localtime(now or timezone.now())
    runs = croniter(schedule, start)
    return [runs.get_next(dt.datetime) for _ in range(count)]


def tiers_text(tiers: list[dict] | None) -> str:
    """``[{"free_below_percent": 10, "grace_days": 30}]`` → ``"10: 30"`` (one tier a line)."""
    lines = []
    for tier in tiers or []:
        percent = tier.get("free_below_percent")
        if isinstance(percent, float) and percent.is_integer():
            percent = int(percent)
        lines.append(f"{percent}: {tier.get('grace_days')}")
    return "\n".join(lines)


class PressureTiersField(forms.CharField):
    """Pressure tiers typed one a line as ``free below %: grace days`` (``10: 30``, ``5%: 15
    days``); cleaned to ``[{"free_below_percent": 10, "grace_days": 30}, ...]``, lowest
    threshold last. Raises ``ValidationError`` naming the line it cannot read."""

    widget = UnfoldAdminTextareaWidget(attrs={"rows": 3})

    def prepare_value(self, value):
        if isinstance(value, list):
            return tiers_text(value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        tiers = []
        for line in str(value or "").replace(",", "\n").splitlines():
            if not line.strip():
                continue
            match = _TIER.match(line)
            if not match:
                raise ValidationError(
                    _("Cannot read %(line)r: write 'free below %%: grace days', e.g. 10: 30.")
                    % {"line": line.strip()},
                    code="tier",
                )
            percent = float(match.group(1))
            if not 0 < percent < 100:
                raise ValidationError(_("A free-space percent is between 0 and 100."), code="tier")
            tiers.append(
                {
                    "free_below_percent": int(percent) if percent.is_integer() else percent,
                    "grace_days": int(match.group(2)),
                }
            )
        return validate_tiers(tiers)

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (initial or [])
        except ValidationError:
            return True


class RuleSetForm(forms.ModelForm):
    """The rule set's own fields; the schedule must be a 5-field cron (croniter)."""

    pressure_tiers = PressureTiersField(
        required=False,
        label=_("Disk pressure tiers"),
        help_text=_(
            "One a line, 'free below %: grace days' (e.g. 10: 30 then 5: 15): the grace period "
            "shrinks as free space (from Radarr/Sonarr or a library's capacity) falls."
        ),
    )

    class Meta:
        model = RuleSet
        fields = ("name", "libraries", *RULE_SET_SETTINGS)

    def clean_schedule(self):
        return validate_cron(self.cleaned_data.get("schedule", ""))


# --- rules ------------------------------------------------------------------------------------------


def field_choices() -> list[tuple[str, str]]:
    """``[(field name, label)]`` of every rule field (:data:`housekeeping.fields.FIELDS`)."""
    from . import fields

    return [("", "---------")] + [(name, spec.label) for name, spec in fields.FIELDS.items()]


def operator_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Operators grouped by field kind (``[(kind, [(name, label)])]``), each name once per kind."""
    from . import fields

    return [("", "---------")] + [
        (kind, list(operators)) for kind, operators in fields.OPERATORS.items()
    ]


def operators_by_field() -> dict[str, list[str]]:
    """``{field name: [operator names]}``: what the rule rows' script offers per field."""
    from . import fields

    return {
        name: [operator for operator, _label in fields.OPERATORS.get(spec.kind, [])]
        for name, spec in fields.FIELDS.items()
    }


def parse_value(text: str, kind: str | None):
    """A rule value as typed in the admin → its JSON value.

    JSON is taken as it is (``30``, ``"4K"``, ``["a", "b"]``, ``true``); otherwise a list field
    splits on commas (``Action, Comedy`` → ``["Action", "Comedy"]``), a number field reads a
    number, anything else stays the text. Empty → None."""
    text = (text or "").strip()
    if text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        pass
    if kind == "list":
        return [part.strip() for part in text.split(",") if part.strip()]
    if kind == "number":
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return text
    return text


def value_text(value) -> str:
    """A stored rule value as the admin shows it in its input (the inverse of
    :func:`parse_value`): strings as they are, lists comma-separated, the rest as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(part, str) and "," not in part for part in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False)


class RuleForm(forms.ModelForm):
    """One rule row: section, join, field, operator, value (typed; see :func:`parse_value`),
    users. Checked with :func:`housekeeping.fields.validate_rule` against the rule set's scope
    (``scope`` keyword, from :class:`RuleFormSet`)."""

    value = forms.CharField(
        required=False,
        widget=UnfoldAdminTextInputWidget(attrs={"placeholder": "30, 2024-01-01, 4K, a, b"}),
    )

    class Meta:
        model = Rule
        fields = ("section", "position", "join", "field", "operator", "value", "users")
        widgets = {
            "section": UnfoldAdminIntegerFieldWidget(attrs={"style": "width: 4rem"}),
            "position": UnfoldAdminIntegerFieldWidget(attrs={"style": "width: 4rem"}),
        }

    def __init__(self, *args, scope: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["field"] = forms.ChoiceField(
            choices=field_choices(),
            widget=UnfoldAdminSelectWidget(attrs={"class": "housekeeping-rule-field"}),
        )
        self.fields["operator"] = forms.ChoiceField(
            choices=operator_choices(),
            widget=UnfoldAdminSelectWidget(attrs={"class": "housekeeping-rule-operator"}),
        )
        if self.instance.pk and "value" not in self.data:
            self.initial["value"] = value_text(self.instance.value)

    def clean(self):
        from . import fields

        cleaned = super().clean()
        field, operator = cleaned.get("field"), cleaned.get("operator")
        if not field or not operator or self.errors:
            return cleaned
        spec = fields.FIELDS.get(field)
        value = parse_value(cleaned.get("value"), spec.kind if spec else None)
        scope = self.scope or RuleSet.SCOPE_MOVIE
        users = list(cleaned.get("users") or [])
        try:
            cleaned["value"] = fields.validate_rule(field, operator, value, scope, users)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        return cleaned


class RuleFormSet(BaseInlineFormSet):
    """The rule rows of a rule set; each form learns the rule set's scope (as edited)."""

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["scope"] = getattr(self.instance, "scope", None)
        return kwargs


# --- pages ------------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    """YAML rule sets to import, pasted or uploaded."""

    text = forms.CharField(
        required=False,
        label=_("YAML"),
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 14, "spellcheck": "false"}),
    )
    upload = forms.FileField(required=False, label=_("or a .yaml file"))

    MAX_BYTES = 1024 * 1024

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload is not None:
            if upload.size > self.MAX_BYTES:
                raise ValidationError(_("The file is larger than 1 MB."))
            try:
                cleaned["text"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise ValidationError(_("The file is not UTF-8 text.")) from None
        if not (cleaned.get("text") or "").strip():
            raise ValidationError(_("Paste YAML or choose a file."))
        return cleaned


class PostponeForm(forms.Form):
    """How many days to postpone the selected candidates' actions by."""

    days = forms.IntegerField(
        min_value=1,
        max_value=3650,
        initial=7,
        label=_("Postpone by (days)"),
        widget=UnfoldAdminIntegerFieldWidget,
    )
