"""The admin's newsletter form: fields for what Tautulli keeps in two JSON documents.

Schedule: a preset (every day, every week on a day, every month on a day, at a time) or a
custom 5-field cron; the chosen preset is written as cron (``config["custom_cron"]`` 0, as
Tautulli's simple picker) and a stored cron that matches no preset opens as "custom". The
library picker lists :func:`newsletters.config.library_choices`. The SMTP password is
write-only: a password input that never renders a value; blank keeps the stored one.
Everything is checked with :func:`newsletters.config.validate_newsletter`, the rule the API
uses; each problem is shown on its field.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget,
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminPasswordWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldAdminTimeWidget,
    UnfoldBooleanSwitchWidget,
)

from notifications.models import Notifier

from . import config as nl_config
from .models import Newsletter

DAILY, WEEKLY, MONTHLY, CUSTOM = "daily", "weekly", "monthly", "custom"
SCHEDULE_CHOICES = (
    (DAILY, _("Every day")),
    (WEEKLY, _("Every week, on a day")),
    (MONTHLY, _("Every month, on a day")),
    (CUSTOM, _("Custom cron")),
)
# Cron's day-of-week numbers (0 = Sunday), as Tautulli's crontab.
WEEKDAY_CHOICES = tuple(
    (str(n), name)
    for n, name in enumerate(
        (
            _("Sunday"),
            _("Monday"),
            _("Tuesday"),
            _("Wednesday"),
            _("Thursday"),
            _("Friday"),
            _("Saturday"),
        )
    )
)
_NUMBER = r"(\d{1,2})"
PRESETS = (
    (DAILY, re.compile(rf"^{_NUMBER} {_NUMBER} \* \* \*$")),
    (WEEKLY, re.compile(rf"^{_NUMBER} {_NUMBER} \* \* ([0-6])$")),
    (MONTHLY, re.compile(rf"^{_NUMBER} {_NUMBER} ([1-9]|1\d|2[0-8]) \* \*$")),
)

#: Form field → (document, key) of what it edits; errors of validate_newsletter go back here.
CONFIG_FIELDS = {
    "time_frame": "time_frame",
    "time_frame_units": "time_frame_units",
    "incl_libraries": "incl_libraries",
    "formatted": "formatted",
    "threaded": "threaded",
    "save_only": "save_only",
    "notifier_id": "notifier_id",
}
EMAIL_FIELDS = {
    "email_notifier_id": "notifier_id",
    "from_name": "from_name",
    "from_address": "from",
    "email_to": "to",
    "email_cc": "cc",
    "email_bcc": "bcc",
    "smtp_server": "smtp_server",
    "smtp_port": "smtp_port",
    "smtp_user": "smtp_user",
    "smtp_password": "smtp_password",
    "tls": "tls",
    "html_support": "html_support",
}
SWITCH_FIELDS = ("formatted", "threaded", "save_only", "html_support")
LIST_FIELDS = ("email_to", "email_cc", "email_bcc")


def parse_preset(cron: str) -> dict:
    """The schedule fields for a stored ``cron``: ``{"schedule", "schedule_time",
    "schedule_weekday", "schedule_day"}``; "custom" when it matches no preset."""
    expression = " ".join(str(cron or "").split())
    for kind, pattern in PRESETS:
        match = pattern.match(expression)
        if match:
            minute, hour = int(match.group(1)), int(match.group(2))
            if minute > 59 or hour > 23:
                break
            fields = {"schedule": kind, "schedule_time": dt.time(hour, minute)}
            if kind == WEEKLY:
                fields["schedule_weekday"] = match.group(3)
            if kind == MONTHLY:
                fields["schedule_day"] = int(match.group(3))
            return fields
    return {"schedule": CUSTOM}


def preset_cron(kind: str, time: dt.time, weekday: str | None, day: int | None) -> str:
    """The cron of a preset: ``"M H * * *"``, ``"M H * * D"`` (0 = Sunday), ``"M H d * *"``."""
    if kind == WEEKLY:
        return f"{time.minute} {time.hour} * * {weekday}"
    if kind == MONTHLY:
        return f"{time.minute} {time.hour} {day} * *"
    return f"{time.minute} {time.hour} * * *"


NO_NOTIFIER = _("None")


def notifier_choices(agent_name: str | None = None, none_label=NO_NOTIFIER) -> list:
    notifiers = Notifier.objects.order_by("id")
    if agent_name:
        notifiers = notifiers.filter(agent_name=agent_name)
    return [("0", none_label)] + [
        (str(n.pk), f"{n.pk}: {n.friendly_name or n.agent_label}") for n in notifiers
    ]


def _text(**kwargs):
    return forms.CharField(widget=UnfoldAdminTextInputWidget, required=False, **kwargs)


class NewsletterForm(forms.ModelForm):
    """A newsletter's change form (module doc). On a valid form ``instance.cron``,
    ``instance.config`` and ``instance.email_config`` hold the checked values."""

    schedule = forms.ChoiceField(
        label=_("Schedule"), choices=SCHEDULE_CHOICES, widget=UnfoldAdminSelectWidget
    )
    schedule_time = forms.TimeField(
        label=_("At (server time)"),
        required=False,
        widget=UnfoldAdminTimeWidget(format="%H:%M"),
        help_text=_("HH:MM, for the presets."),
    )
    schedule_weekday = forms.ChoiceField(
        label=_("On"),
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text=_("For a weekly newsletter."),
    )
    schedule_day = forms.IntegerField(
        label=_("Day of the month"),
        min_value=1,
        max_value=28,
        required=False,
        widget=UnfoldAdminIntegerFieldWidget,
        help_text=_("1 to 28, for a monthly newsletter."),
    )
    cron = forms.CharField(
        label=_("Custom cron"),
        required=False,
        widget=UnfoldAdminTextInputWidget,
        help_text=_(
            'For "Custom cron": minute hour day month weekday (0 = Sunday), e.g. '
            "'0 9 * * 1-5' for weekdays at 09:00."
        ),
    )
    time_frame = forms.IntegerField(
        label=_("Time frame"),
        min_value=1,
        widget=UnfoldAdminIntegerFieldWidget,
        help_text=_("Items added in this many units before the newsletter runs."),
    )
    time_frame_units = forms.ChoiceField(
        label=_("Units"),
        choices=[(u, u) for u in nl_config.TIME_FRAME_UNITS],
        widget=UnfoldAdminSelectWidget,
    )
    incl_libraries = forms.MultipleChoiceField(
        label=_("Included libraries"),
        required=False,
        widget=UnfoldAdminCheckboxSelectMultipleWidget,
        help_text=_("None selected: nothing is sent."),
    )
    formatted = forms.BooleanField(
        label=_("HTML e-mail"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
        help_text=_("On: the newsletter by e-mail. Off: only subject and body via a notifier."),
    )
    threaded = forms.BooleanField(
        label=_("Threaded e-mails"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
        help_text=_("Each e-mail replies to the previous one."),
    )
    save_only = forms.BooleanField(
        label=_("Save only"),
        required=False,
        widget=UnfoldBooleanSwitchWidget,
        help_text=_("Only keep the hosted copy, send nothing."),
    )
    notifier_id = forms.TypedChoiceField(
        label=_("Notifier"),
        coerce=int,
        empty_value=0,
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text=_("When HTML e-mail is off: the notifier that sends subject and body."),
    )
    email_notifier_id = forms.TypedChoiceField(
        label=_("E-mail settings"),
        coerce=int,
        empty_value=0,
        required=False,
        widget=UnfoldAdminSelectWidget,
        help_text=_("The SMTP settings of an Email notifier, or this newsletter's own below."),
    )
    from_name = _text(label=_("From name"))
    from_address = _text(label=_("From address"))
    email_to = _text(label=_("To"), help_text=_("Addresses, separated by commas."))
    email_cc = _text(label=_("Cc"), help_text=_("Addresses, separated by commas."))
    email_bcc = _text(label=_("Bcc"), help_text=_("Addresses, separated by commas."))
    smtp_server = _text(label=_("SMTP server"))
    smtp_port = forms.IntegerField(
        label=_("SMTP port"),
        min_value=1,
        max_value=65535,
        widget=UnfoldAdminIntegerFieldWidget,
    )
    smtp_user = _text(label=_("SMTP user"))
    smtp_password = forms.CharField(
        label=_("SMTP password"),
        required=False,
        strip=False,
        widget=UnfoldAdminPasswordWidget(render_value=False),
    )
    tls = forms.TypedChoiceField(
        label=_("Encryption"),
        coerce=int,
        choices=[(str(k), v) for k, v in nl_config.TLS_CHOICES.items()],
        widget=UnfoldAdminSelectWidget,
    )
    html_support = forms.BooleanField(
        label=_("HTML part"), required=False, widget=UnfoldBooleanSwitchWidget
    )

    class Meta:
        model = Newsletter
        fields = ("friendly_name", "id_name", "active", "subject", "body", "message")
        widgets = {
            "friendly_name": UnfoldAdminTextInputWidget,
            "id_name": UnfoldAdminTextInputWidget,
            "active": UnfoldBooleanSwitchWidget,
            "subject": UnfoldAdminTextInputWidget,
            "body": UnfoldAdminTextareaWidget,
            "message": UnfoldAdminTextareaWidget,
        }
        help_texts = {
            "id_name": _("The hosted page's name: /newsletter/id/<id_name> shows the latest."),
            "subject": _("Newsletter parameters in braces, e.g. {server_name}, {end_date}."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        newsletter = self.instance
        self.fields["incl_libraries"].choices = nl_config.library_choices()
        self.fields["notifier_id"].choices = notifier_choices()
        self.fields["email_notifier_id"].choices = notifier_choices(
            "email", _("This newsletter's own settings")
        )
        self.fields["id_name"].required = False
        config = nl_config.config_of(newsletter)
        email = nl_config.email_config_of(newsletter)
        initial = {
            **parse_preset(newsletter.cron),
            "cron": newsletter.cron,
            "time_frame": config["time_frame"],
            "time_frame_units": config["time_frame_units"],
            "incl_libraries": nl_config.library_values(newsletter),
            "formatted": bool(config["formatted"]),
            "threaded": bool(config["threaded"]),
            "save_only": bool(config["save_only"]),
            "notifier_id": str(config["notifier_id"]),
            "email_notifier_id": str(email["notifier_id"]),
            "from_name": email["from_name"],
            "from_address": email["from"],
            "email_to": ", ".join(email["to"]),
            "email_cc": ", ".join(email["cc"]),
            "email_bcc": ", ".join(email["bcc"]),
            "smtp_server": email["smtp_server"],
            "smtp_port": email["smtp_port"],
            "smtp_user": email["smtp_user"],
            "tls": str(email["tls"]),
            "html_support": bool(email["html_support"]),
        }
        initial.setdefault("schedule_time", dt.time(0, 0))
        for key, value in initial.items():
            self.initial.setdefault(key, value)
        for key, default in (
            ("subject", nl_config.DEFAULT_SUBJECT),
            ("body", nl_config.DEFAULT_BODY),
        ):
            if not self.initial.get(key):
                self.initial[key] = default
        self.fields["smtp_password"].help_text = (
            _("A password is stored. Leave blank to keep it; type a new one to replace it.")
            if email["smtp_password"]
            else _("No password stored.")
        )

    def schedule_cron(self, data: dict) -> str | None:
        """The cron the schedule fields describe (None with a field error when incomplete)."""
        kind = data.get("schedule")
        if kind == CUSTOM:
            if not data.get("cron"):
                self.add_error("cron", _("Type a cron expression for a custom schedule."))
                return None
            return data["cron"]
        time = data.get("schedule_time")
        if time is None:
            self.add_error("schedule_time", _("Give the time of day."))
            return None
        if kind == WEEKLY and not data.get("schedule_weekday"):
            self.add_error("schedule_weekday", _("Choose the day of the week."))
            return None
        if kind == MONTHLY and not data.get("schedule_day"):
            self.add_error("schedule_day", _("Give the day of the month (1 to 28)."))
            return None
        return preset_cron(kind, time, data.get("schedule_weekday"), data.get("schedule_day"))

    def clean(self):
        data = super().clean()
        cron = self.schedule_cron(data)
        if cron is None or self.errors:
            return data
        newsletter = self.instance
        stored_email = nl_config.email_config_of(newsletter) if newsletter.pk else {}
        config = {
            **nl_config.config_of(newsletter),
            **{key: data.get(field) for field, key in CONFIG_FIELDS.items()},
            "custom_cron": int(data["schedule"] == CUSTOM),
        }
        email = {
            **stored_email,
            **{key: data.get(field) for field, key in EMAIL_FIELDS.items()},
        }
        for field in SWITCH_FIELDS:
            target = config if field in CONFIG_FIELDS else email
            target[CONFIG_FIELDS.get(field) or EMAIL_FIELDS[field]] = int(bool(data.get(field)))
        try:
            cron, config, email = nl_config.validate_newsletter(cron, config, email, stored_email)
        except ValidationError as exc:
            self._field_errors(exc, data["schedule"])
            return data
        newsletter.cron = data["cron"] = cron  # "cron" is a model field the admin saves too
        newsletter.config = config
        newsletter.email_config = email
        data["subject"] = data.get("subject") or nl_config.DEFAULT_SUBJECT
        data["body"] = data.get("body") or nl_config.DEFAULT_BODY
        return data

    def _field_errors(self, exc: ValidationError, schedule: str) -> None:
        """Put each of validate_newsletter's errors on the field it is about."""
        by_key = {key: field for field, key in CONFIG_FIELDS.items()}
        by_key.update({f"email_{key}": field for field, key in EMAIL_FIELDS.items()})
        by_key["cron"] = "cron" if schedule == CUSTOM else "schedule"
        for key, messages in exc.message_dict.items():
            field = by_key.get(key)
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
