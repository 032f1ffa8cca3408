"""Admin for newsletters and their send log.

``email_config`` holds the SMTP password (and ``config`` may hold URLs or keys): never listed, and
shown masked in the change form (``core.admin_kit.secrets.mask_secrets``); masked values left as they
are keep the stored secrets on save.
"""

from django import forms
from django.contrib import admin
from unfold.admin import ModelAdmin
from unfold.widgets import UnfoldAdminTextInputWidget

from core.admin_kit.mixins import ReadOnlyAdminMixin
from core.admin_kit.secrets import MASKED_HELP, MaskedSecretsFormMixin, MaskedSecretsJSONField

from .models import Newsletter, NewsletterLog


class NewsletterForm(MaskedSecretsFormMixin, forms.ModelForm):
    config = MaskedSecretsJSONField(required=False, help_text=MASKED_HELP)
    email_config = MaskedSecretsJSONField(required=False, help_text=MASKED_HELP)

    class Meta:
        model = Newsletter
        fields = (
            "friendly_name",
            "id_name",
            "agent_id",
            "agent_name",
            "agent_label",
            "cron",
            "active",
            "subject",
            "body",
            "message",
            "config",
            "email_config",
        )
        widgets = {
            name: UnfoldAdminTextInputWidget
            for name in ("friendly_name", "id_name", "agent_name", "agent_label", "cron", "subject")
        }


@admin.register(Newsletter)
class NewsletterAdmin(ModelAdmin):
    form = NewsletterForm
    list_display = ("__str__", "agent_label", "cron", "active")
    list_filter = ("active",)
    search_fields = ("friendly_name", "id_name")


@admin.register(NewsletterLog)
class NewsletterLogAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("timestamp", "newsletter_id", "agent_name", "start_date", "end_date", "success")
    list_filter = ("success",)
    ordering = ("-timestamp",)
