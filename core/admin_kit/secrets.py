"""Secrets in the admin (notifier and newsletter configs, server tokens) are never rendered.

* :func:`mask_secrets` / :func:`restore_masked` and :class:`MaskedSecretsJSONField` show a JSON
  config with secret values replaced by :data:`MASK`, and put the stored values back on save.
  A value is secret by its key's name (:func:`is_secret_key`: the whole value is masked) or by
  its content, whatever the key (:mod:`core.redaction`: only the secret part is masked, e.g.
  ``mailtos://user:********@host``, ``Bearer ********``, ``discord://1234/********``).
* :class:`WriteOnlySecretsFormMixin` turns fields into password inputs that never render their
  value; leaving them blank keeps what is stored.
* :func:`mask_tail` shows the end of a key, enough to recognise it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from django import forms
from django.utils.translation import gettext_lazy as _
from unfold.widgets import UnfoldAdminPasswordWidget, UnfoldAdminTextareaWidget

from core.redaction import replace_secrets

MASK = "********"
SECRET_KEY_PARTS = (
    "token",
    "password",
    "passwd",
    "key",
    "secret",
    "webhook",
    "url",
    "hook",
    "authorization",
    "cookie",
    "credential",
)
MASKED_HELP = _(
    "Secrets are shown as ******** (values of keys containing token, password, key, secret, "
    "webhook, url, hook or authorization; passwords and tokens inside URLs; Bearer/Basic "
    "credentials): leave them as they are to keep the stored value, or replace a whole value."
)


class MaskedValueChanged(ValueError):
    """A partly masked value was edited so that its ******** no longer match the stored secrets."""


def is_secret_key(key: str) -> bool:
    """Whether a config key names a secret: it contains one of :data:`SECRET_KEY_PARTS`."""
    lowered = str(key).lower()
    return any(part in lowered for part in SECRET_KEY_PARTS)


def mask_tail(value: str | None, keep: int = 4) -> str:
    """``"abcdef0123"`` → ``"******0123"``: enough to recognise a key, not to use it."""
    if not value:
        return ""
    return MASK + value[-keep:] if len(value) > keep * 2 else MASK


def _is_maskable(value) -> bool:
    return value not in (None, "") and not isinstance(value, bool | dict | list)


def mask_text(value: str) -> str:
    """``value`` with its secret parts (:mod:`core.redaction`, URL tokens included) replaced by
    :data:`MASK`: ``"json://u:pw@host"`` → ``"json://u:********@host"``."""
    return replace_secrets(value, MASK, url_tokens=True)[0]


def mask_secrets(value):
    """A copy of a JSON value with every non-empty scalar under a secret key replaced by MASK,
    and the secret parts of every other string masked (:func:`mask_text`).

    Nested dicts and lists are walked; empty values stay visible, so an admin can see what is
    unset. ``{"discord_webhook": "https://…", "hosts": "mailtos://me:pw@example.com",
    "color": 1}`` → ``{"discord_webhook": "********", "hosts":
    "mailtos://me:********@example.com", "color": 1}``.
    """
    if isinstance(value, dict):
        return {
            k: MASK if is_secret_key(k) and _is_maskable(v) else mask_secrets(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


def _restore_text(new: str, old) -> str:
    """``new`` (a string holding MASK, not MASK alone) with each MASK replaced, in order, by the
    secret it hides in ``old``: the admin may edit the rest (a host name) and keep the secrets.
    Raises :class:`MaskedValueChanged` when the MASKs do not match ``old``'s secrets one to one.
    """
    secrets = replace_secrets(old, MASK, url_tokens=True)[1] if isinstance(old, str) else []
    parts = new.split(MASK)
    if len(parts) - 1 != len(secrets):
        raise MaskedValueChanged(new)
    restored = [parts[0]]
    for secret, part in zip(secrets, parts[1:], strict=True):
        restored += [secret, part]
    return "".join(restored)


def restore_masked(new, old):
    """``new`` with every :data:`MASK` value replaced by the value at the same place in ``old``.

    This is the save side of :func:`mask_secrets`: an admin who leaves a masked value untouched
    keeps the stored secret; typing a new value replaces it. A MASK with nothing stored at its
    place becomes "". A partly masked string gets its secrets back in order (the rest may be
    edited); :class:`MaskedValueChanged` when its MASKs no longer match the stored value's.
    """
    if isinstance(new, dict):
        old = old if isinstance(old, dict) else {}
        return {
            k: (old.get(k, "") if v == MASK else restore_masked(v, old.get(k)))
            for k, v in new.items()
        }
    if isinstance(new, list):
        old = old if isinstance(old, list) else []
        return [restore_masked(v, old[i] if i < len(old) else None) for i, v in enumerate(new)]
    if new == MASK:
        return old if old is not None else ""
    if isinstance(new, str) and MASK in new:
        return _restore_text(new, old)
    return new


class MaskedSecretsJSONField(forms.JSONField):
    """A JSON form field that renders secret values masked (see :func:`mask_secrets`).

    The stored values are put back by :class:`MaskedSecretsFormMixin` on clean.
    """

    widget = UnfoldAdminTextareaWidget

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(mask_secrets(value), indent=2, ensure_ascii=False, cls=self.encoder)

    def has_changed(self, initial, data):
        try:
            data = restore_masked(self.to_python(data), initial)
        except (forms.ValidationError, MaskedValueChanged):
            return True
        return json.dumps(initial, sort_keys=True, cls=self.encoder) != json.dumps(
            data, sort_keys=True, cls=self.encoder
        )


class MaskedSecretsFormMixin:
    """A ModelForm mixin: fields named in ``Meta.masked_json_fields`` (or all
    :class:`MaskedSecretsJSONField` fields) get their masked values restored from the instance."""

    def clean(self):
        cleaned = super().clean()
        for name, field in self.fields.items():
            if isinstance(field, MaskedSecretsJSONField) and name in cleaned:
                stored = getattr(self.instance, name, None) if self.instance.pk else None
                try:
                    cleaned[name] = restore_masked(cleaned[name], stored)
                except MaskedValueChanged as exc:
                    self.add_error(
                        name,
                        _(
                            "The ******** in %(value)s no longer match the stored value: keep "
                            "them as they were, or type the whole value again."
                        )
                        % {"value": str(exc)},
                    )
        return cleaned


class WriteOnlySecretsFormMixin:
    """A ModelForm mixin for write-only secrets (``write_only_fields`` on the form class).

    Each field is a password input that never renders a value (``render_value=False``). On an
    existing object a blank input keeps the stored value; typing replaces it. The help text says
    whether a value is stored, without showing it.
    """

    write_only_fields: Iterable[str] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.write_only_fields:
            if name not in self.fields:
                continue
            field = self.fields[name]
            field.required = False
            field.widget = UnfoldAdminPasswordWidget(render_value=False)
            field.initial = ""
            stored = getattr(self.instance, name, "") if self.instance.pk else ""
            field.help_text = (
                _("A value is stored. Leave blank to keep it; type a new one to replace it.")
                if stored
                else _("No value stored.")
            )

    def clean(self):
        cleaned = super().clean()
        for name in self.write_only_fields:
            if name in cleaned and not cleaned[name] and self.instance.pk:
                cleaned[name] = getattr(self.instance, name)
        return cleaned
