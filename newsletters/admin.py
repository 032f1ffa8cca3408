"""Admin for newsletters and their send log.

The newsletter's change page is a real form (:class:`newsletters.forms.NewsletterForm`): the
schedule with a preset or custom cron and its next runs, the time frame, the library picker,
how it is sent, the e-mail settings (the SMTP password write-only) and the texts. Saving sets
its django-q2 schedule (:mod:`newsletters.schedules`). Neither the list nor the form ever shows
the password. ``change_form_after_template`` is left for the sending side's buttons (send now,
test e-mail, preview).

The log is read-only: each run with a link to its hosted copy (``/newsletter/<uuid>``).
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.decorators import action

from core.admin_kit.mixins import ReadOnlyAdminMixin
from core.schedules import next_runs

from .forms import NewsletterForm
from .models import Newsletter, NewsletterLog
from .send import NewsletterError, preview_newsletter, run_newsletter, send_test_email


def hosted_url(uuid: str) -> str:
    """The path of a run's hosted copy (Tautulli's ``/newsletter/<uuid>``)."""
    return f"/newsletter/{uuid}"


@admin.register(Newsletter)
class NewsletterAdmin(ModelAdmin):
    form = NewsletterForm
    list_display = ("__str__", "id_name", "cron", "next_run", "active")
    list_filter = ("active",)
    search_fields = ("friendly_name", "id_name")
    readonly_fields = ("next_runs",)
    actions_submit_line = ("save_and_send_now", "save_and_send_test_email")
    actions_detail = ("preview",)
    fieldsets = (
        (None, {"fields": ("friendly_name", "id_name", "active")}),
        (
            _("Schedule"),
            {
                "fields": (
                    "schedule",
                    "schedule_time",
                    "schedule_weekday",
                    "schedule_day",
                    "cron",
                    "next_runs",
                )
            },
        ),
        (_("Content"), {"fields": ("time_frame", "time_frame_units", "incl_libraries")}),
        (
            _("Sending"),
            {"fields": ("formatted", "threaded", "save_only", "notifier_id", "email_notifier_id")},
        ),
        (
            _("E-mail"),
            {
                "fields": (
                    "from_name",
                    "from_address",
                    "email_to",
                    "email_cc",
                    "email_bcc",
                    "smtp_server",
                    "smtp_port",
                    "smtp_user",
                    "smtp_password",
                    "tls",
                    "html_support",
                )
            },
        ),
        (_("Texts"), {"fields": ("subject", "body", "message")}),
    )

    @admin.display(description=_("next runs (server time)"))
    def next_runs(self, obj):
        """The next 3 runs of the stored cron (``core.schedules.next_runs``), or why none."""
        if obj is None or obj.pk is None:
            return _("Shown once saved.")
        try:
            runs = next_runs(obj.cron, 3)
        except ValidationError as exc:
            return " ".join(exc.messages)
        text = format_html_join(
            ", ", "{}", ((formats.date_format(run, "D Y-m-d H:i"),) for run in runs)
        )
        if not obj.active:
            return format_html("{} ({})", text, _("inactive: not scheduled"))
        return text

    @action(description=_("Save and send now"), permissions=["change"])
    def save_and_send_now(self, request, obj: Newsletter):
        """Run the newsletter now (Tautulli's action ``test``): what it sent, or why not."""
        run = run_newsletter(obj, "test")
        level = messages.SUCCESS if run.sent else messages.WARNING
        self.message_user(request, run.message, level)

    @action(description=_("Save and send a test e-mail"), permissions=["change"])
    def save_and_send_test_email(self, request, obj: Newsletter):
        """A short message through the e-mail settings, to check them."""
        try:
            send_test_email(obj)
        except NewsletterError as exc:
            self.message_user(request, exc.reason, messages.ERROR)
        else:
            self.message_user(request, _("The test e-mail was sent."), messages.SUCCESS)

    @action(
        description=_("Preview the next newsletter"),
        url_path="preview",
        attrs={"target": "_blank"},
        permissions=["view"],
    )
    def preview(self, request, object_id):
        """The next run rendered from live data (nothing sent or stored), or why there is none."""
        newsletter = get_object_or_404(Newsletter, pk=object_id)
        html, message = preview_newsletter(newsletter)
        if html is None:
            return HttpResponse(
                format_html("<!DOCTYPE html><title>Preview</title><p>{}</p>", message),
                status=200,
            )
        return HttpResponse(html)

    @admin.display(description=_("next run"))
    def next_run(self, obj):
        if not obj.active:
            return "—"
        try:
            return formats.date_format(next_runs(obj.cron, 1)[0], "D Y-m-d H:i")
        except ValidationError:
            return _("invalid cron")


@admin.register(NewsletterLog)
class NewsletterLogAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = (
        "timestamp",
        "newsletter_id",
        "notify_action",
        "start_date",
        "end_date",
        "success",
        "hosted_copy",
    )
    list_filter = ("success", "notify_action")
    ordering = ("-timestamp",)
    search_fields = ("uuid", "subject_text")
    exclude = ("html", "message_text")
    readonly_fields = ("hosted_copy",)

    def get_queryset(self, request):
        """Without the hosted copies (big), with ``has_copy``."""
        has_copy = ExpressionWrapper(~Q(html=""), output_field=BooleanField())
        return (
            super().get_queryset(request).defer("html", "message_text").annotate(has_copy=has_copy)
        )

    @admin.display(description=_("hosted copy"))
    def hosted_copy(self, obj):
        """A link to ``/newsletter/<uuid>`` when the run kept a copy, else the bare uuid."""
        if not obj.uuid or not getattr(obj, "has_copy", bool(obj.html)):
            return obj.uuid or "—"
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', hosted_url(obj.uuid), obj.uuid
        )
