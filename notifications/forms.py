"""The admin's notifier forms: the agent picker, one form per agent (its options, the trigger
switches and texts, the custom conditions), the preview and the send-test forms.

The notifier form speaks Tautulli's form field names (``<agent name>_<option>``, ``on_x``,
``on_x_subject``, ``on_x_body``, ``custom_conditions_logic``) so that saving is one call to
:func:`notifications.notifiers.set_notifier_config`, the rule the API uses too. Secrets are
write-only: their inputs hold :data:`notifications.agents.MASK` when set, and a mask sent back
keeps the stored value.
"""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminPasswordWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
    UnfoldBooleanSwitchWidget,
)

from core.admin_kit.secrets import MaskedValueChanged, mask_text, restore_masked
from core.events import Action

from .actions import NOTIFIER_ACTIONS
from .agents import Agent, agent_by_id
from .conditions import OPERATORS, STR_OPERATORS, ConditionError, validate
from .defaults import TEST_BODY, TEST_SUBJECT
from .models import Notifier
from .notifiers import ALL_ACTIONS, DEFAULT_CUSTOM_CONDITIONS, shown_texts, trigger_texts
from .parameters.catalog import PARAMETER_TYPES, catalog

#: Blank condition rows offered below the stored ones.
EXTRA_CONDITION_ROWS = 2
SECRET_INPUTS = ("password", "token")
# Buttons act in Tautulli's browser page (register an app, authorise): nothing to store here.
NO_VALUE_INPUTS = ("help", "button")


def option_field(agent: Agent, option: dict) -> forms.Field | None:
    """The form field of one entry of ``agent.options(config)`` (Tautulli's ``config_options``
    shape), its initial value set; None for entries without a stored value (help, buttons).

    text → text input; password/token → password input holding the mask when set (not
    stripped: the mask is spaces); number → integer; checkbox → switch; select → choices;
    selectize → choices when the agent lists them, else comma-separated text (a list). Plain
    text shows the secret parts of its value masked (``core.admin_kit.secrets.mask_text``:
    a password in a URL, a bearer token), restored on save by :meth:`NotifierFormBase.clean`."""
    kind = option["input_type"]
    if kind in NO_VALUE_INPUTS:
        return None
    common = {
        "label": option["label"],
        "help_text": option.get("description", ""),
        "required": False,
    }
    value = option.get("value")
    choices = option.get("select_options")
    if kind in SECRET_INPUTS:
        return forms.CharField(
            strip=False,
            widget=UnfoldAdminPasswordWidget(render_value=True),
            initial=value,
            **common,
        )
    if kind == "number":
        return forms.IntegerField(widget=UnfoldAdminIntegerFieldWidget, initial=value, **common)
    if kind == "checkbox":
        return forms.BooleanField(widget=UnfoldBooleanSwitchWidget, initial=bool(value), **common)
    if isinstance(value, list):
        text = ", ".join(str(item) for item in value)
        return forms.CharField(widget=UnfoldAdminTextInputWidget, initial=text, **common)
    if kind in ("select", "selectize") and choices:
        options = [(str(key), label) for key, label in choices.items()]
        if value not in (None, "") and str(value) not in dict(options):
            options.append((str(value), str(value)))  # a custom value (selectize allows one)
        return forms.ChoiceField(
            choices=options, widget=UnfoldAdminSelectWidget, initial=str(value), **common
        )
    field = forms.CharField(
        widget=UnfoldAdminTextInputWidget,
        initial="" if value is None else mask_text(str(value)),
        **common,
    )
    field.masks_secret_parts = True
    return field


def option_help(options: list[dict]) -> list[str]:
    """The texts of the agent's help and button entries (shown as text above its options)."""
    return [
        f"{option['label']}: {option.get('description', '')}".strip(": ")
        for option in options
        if option["input_type"] in NO_VALUE_INPUTS
    ]


def parameter_choices() -> list:
    """The custom condition parameters, grouped by catalogue category, with their type."""
    return [("", "---------")] + [
        (
            group["category"],
            [(p["value"], f"{p['value']} ({p['type']})") for p in group["parameters"]],
        )
        for group in catalog()
    ]


def operator_choices() -> list:
    """The operators, grouped by the parameter type they apply to (``conditions.OPERATORS``)."""
    numbers = [op for op in OPERATORS["int"]]
    return [
        ("", "---------"),
        (_("Text parameters"), [(op, op) for op in STR_OPERATORS]),
        (
            _("Number-only operators"),
            [(op, op) for op in numbers if op not in STR_OPERATORS],
        ),
    ]


def condition_field_names(number: int) -> tuple[str, str, str]:
    """The form fields of condition row ``number`` (1-based): parameter, operator, value."""
    return (
        f"condition_{number}_parameter",
        f"condition_{number}_operator",
        f"condition_{number}_value",
    )


def split_values(text: str) -> list[str]:
    """A condition's values typed as ``a, b, c`` (blanks dropped)."""
    return [value.strip() for value in str(text or "").split(",") if value.strip()]


def stored_conditions(notifier: Notifier) -> list[dict]:
    """The notifier's conditions without Tautulli's blank placeholder rows."""
    conditions = notifier.custom_conditions or []
    if not isinstance(conditions, list):
        return []
    return [c for c in conditions if isinstance(c, dict) and c.get("parameter")]


class NotifierFormBase(forms.ModelForm):
    """The common part of every agent's form; :func:`notifier_form_class` adds the fields.

    After validation :attr:`tautulli_values` holds what :func:`set_notifier_config` takes.
    Class attributes set by the factory: ``agent``, ``option_names``, ``condition_rows``.
    """

    agent: Agent | None = None
    option_names: tuple[str, ...] = ()
    condition_rows: int = 0

    class Meta:
        model = Notifier
        fields = ("friendly_name",)
        widgets = {"friendly_name": UnfoldAdminTextInputWidget}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tautulli_values: dict = {}
        notifier = self.instance
        if self.agent is None or notifier.pk is None:
            return
        for action, trigger in trigger_texts(notifier, ALL_ACTIONS).items():
            self.initial.setdefault(action, trigger.enabled)
            subject, body = shown_texts(trigger, self.agent.name)
            self.initial.setdefault(f"{action}_subject", subject)
            self.initial.setdefault(f"{action}_body", body)
        for number, condition in enumerate(stored_conditions(notifier), start=1):
            parameter, operator, value = condition_field_names(number)
            values = condition.get("value") or []
            values = values if isinstance(values, list) else [values]
            self.initial.setdefault(parameter, condition.get("parameter", ""))
            self.initial.setdefault(operator, condition.get("operator", ""))
            self.initial.setdefault(value, ", ".join(str(v) for v in values))
        self.initial.setdefault("custom_conditions_logic", notifier.custom_conditions_logic or "")

    def clean(self):
        """Gather Tautulli's form values and check the conditions with ``conditions.validate``
        (an error names the condition's row; the logic's error goes on the logic field)."""
        data = super().clean()
        values = {"friendly_name": data.get("friendly_name") or ""}
        stored = {
            option.get("name"): option.get("value")
            for option in self.agent.options(self.instance.config, mask_secrets=False)
        }
        for name in self.option_names:
            value = data.get(name)
            if getattr(self.fields[name], "masks_secret_parts", False) and value:
                try:
                    value = restore_masked(value, str(stored.get(name) or ""))
                except MaskedValueChanged:
                    self.add_error(
                        name,
                        _(
                            "The hidden parts (********) no longer match the stored value: "
                            "keep them as they are, or retype the whole value."
                        ),
                    )
                    return data
            if isinstance(value, bool):
                value = int(value)
            values[name] = "" if value is None else value
        for action in NOTIFIER_ACTIONS:
            values[action.value] = int(bool(data.get(action.value)))
            for part in ("subject", "body"):
                values[f"{action.value}_{part}"] = data.get(f"{action.value}_{part}") or ""
        conditions = []
        for number in range(1, self.condition_rows + 1):
            parameter, operator, value = condition_field_names(number)
            if not data.get(parameter) and not data.get(operator) and not data.get(value):
                continue
            conditions.append(
                {
                    "parameter": data.get(parameter) or "",
                    "operator": data.get(operator) or "",
                    "value": split_values(data.get(value)),
                    "_row": number,
                }
            )
        logic = data.get("custom_conditions_logic") or ""
        try:
            checked = validate(
                [{k: v for k, v in c.items() if k != "_row"} for c in conditions],
                None,
                PARAMETER_TYPES,
            )
        except ConditionError as exc:
            self._condition_error(exc, conditions)
            return data
        for condition, row in zip(checked, conditions, strict=True):
            if condition["parameter"] and not condition["operator"]:
                self.add_error(condition_field_names(row["_row"])[1], _("Choose an operator."))
                return data
        try:
            validate(checked, logic, PARAMETER_TYPES)
        except ConditionError as exc:
            self.add_error("custom_conditions_logic", str(exc))
            return data
        values["custom_conditions"] = json.dumps(checked or DEFAULT_CUSTOM_CONDITIONS)
        values["custom_conditions_logic"] = logic
        self.tautulli_values = values
        return data

    def _condition_error(self, exc: ConditionError, conditions: list[dict]):
        """Put ``exc`` on the row it names (``condition {n}`` counts the filled rows)."""
        message = str(exc)
        for index, condition in enumerate(conditions, start=1):
            if message.startswith(f"condition {{{index}}}"):
                parameter, operator, value = condition_field_names(condition["_row"])
                field = parameter if "no parameter" in message else value
                if "does not apply" in message:
                    field = operator
                self.add_error(field, message)
                return
        self.add_error(None, message)


def notifier_form_class(notifier: Notifier) -> type[NotifierFormBase]:
    """The form of ``notifier``'s agent: its options (from ``agent.options(config)``), a switch,
    subject and body per action (``notifications.actions.NOTIFIER_ACTIONS``: Tautulli's 22 in
    ``core.events.Action`` order, then this project's), the stored condition rows plus
    :data:`EXTRA_CONDITION_ROWS` blank ones, and the logic expression."""
    agent = agent_by_id(notifier.agent_id)
    attrs: dict = {"agent": agent}
    names = []
    for option in agent.options(notifier.config):
        field = option_field(agent, option)
        if field is not None:
            attrs[option["name"]] = field
            names.append(option["name"])
    attrs["option_names"] = tuple(names)
    for action in NOTIFIER_ACTIONS:
        attrs[action.value] = forms.BooleanField(
            label=action.label, required=False, widget=UnfoldBooleanSwitchWidget
        )
        attrs[f"{action.value}_subject"] = forms.CharField(
            label=_("Subject"), required=False, strip=False, widget=UnfoldAdminTextInputWidget
        )
        attrs[f"{action.value}_body"] = forms.CharField(
            label=_("Body"),
            required=False,
            strip=False,
            widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}),
        )
    rows = len(stored_conditions(notifier)) + EXTRA_CONDITION_ROWS
    attrs["condition_rows"] = rows
    for number in range(1, rows + 1):
        parameter, operator, value = condition_field_names(number)
        attrs[parameter] = forms.ChoiceField(
            label=_("Parameter {%(n)d}") % {"n": number},
            choices=parameter_choices(),
            required=False,
            widget=UnfoldAdminSelectWidget,
        )
        attrs[operator] = forms.ChoiceField(
            label=_("Operator"),
            choices=operator_choices(),
            required=False,
            widget=UnfoldAdminSelectWidget,
        )
        attrs[value] = forms.CharField(
            label=_("Values"),
            required=False,
            help_text=_("Comma-separated; any of them matches."),
            widget=UnfoldAdminTextInputWidget,
        )
    attrs["custom_conditions_logic"] = forms.CharField(
        label=_("Condition logic"),
        required=False,
        help_text=_(
            "Combine the conditions by number, e.g. {1} and ({2} or {3}). Blank: all of them."
        ),
        widget=UnfoldAdminTextInputWidget,
    )
    return type(f"{agent.name.title()}NotifierForm", (NotifierFormBase,), attrs)


class AgentPickerForm(forms.Form):
    """The add page: which agent the new notifier uses."""

    agent_id = forms.TypedChoiceField(coerce=int, choices=())

    def __init__(self, *args, **kwargs):
        from .agents import agent_choices

        super().__init__(*args, **kwargs)
        self.fields["agent_id"].choices = agent_choices(available_only=True)


class PreviewForm(forms.Form):
    """The preview's trigger (GET on the change page)."""

    preview = forms.ChoiceField(label=_("Trigger"), choices=Action.choices)


# A JSON agent's test body: Discord reads "content", Slack and Mattermost "text".
TEST_JSON_BODY = json.dumps({"content": TEST_BODY, "text": TEST_BODY})


class SendTestForm(forms.Form):
    """The send-test button's texts: Tautulli's test notification, or for an agent that sends
    JSON (webhook) empty headers and a JSON body that chat webhooks display."""

    subject = forms.CharField(required=False, initial=TEST_SUBJECT, strip=False)
    body = forms.CharField(required=False, initial=TEST_BODY, strip=False)

    @classmethod
    def for_agent(cls, agent) -> SendTestForm:
        form = cls()
        if agent is not None and agent.body_format == "json":
            form.fields["subject"].label, form.fields["subject"].initial = "JSON headers", ""
            form.fields["body"].label, form.fields["body"].initial = "JSON body", TEST_JSON_BODY
        return form
