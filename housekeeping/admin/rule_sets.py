"""Rule sets in the admin.

* The form (:class:`~housekeeping.forms.RuleSetForm`): libraries, scope, action, grace, dry-run
  (on by default), schedule (a 5-field cron; the next runs shown), pressure tiers, options; the
  rules as a table below (:class:`RuleInline`: section, join, field, operator, value, users,
  each row checked by ``fields.validate_rule``).
* "What would this rule set free?": a panel on the change page that asks ``<id>/preview/``
  (POST of the form as edited, JSON back: ``engine.preview``'s count, bytes and a few titles)
  each time a field changes.
* "Run now" (``<id>/run/``, POST: ``tasks.run_rule_set``; needs the change permission and
  ``housekeeping.act_on_candidates``, as a run may act on due candidates), "Export YAML" (an
  admin action) and "Import YAML" (``import/``: a textarea or a file).
* "Test an item" (``/admin/housekeeping/test-item/?rule_set=&item=&q=``, in the sidebar): pick a rule set and an item (search by title)
  and see ``engine.test_item``'s trace.
"""

from __future__ import annotations

import logging

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import inlineformset_factory
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline

from core.admin_kit.site import AdminPage
from libraries.models import Library, LibraryMedia
from stats.admin_inventory import item_context

from ..forms import ImportForm, RuleForm, RuleFormSet, RuleSetForm, next_runs, operators_by_field
from ..models import Rule, RuleSet
from .common import actor_label, can_act, poster_url, size_text

logger = logging.getLogger(__name__)

PREVIEW_SAMPLE = 8  # titles shown by the preview panel (the largest)
SEARCH_LIMIT = 20


class RuleInline(TabularInline):
    model = Rule
    form = RuleForm
    formset = RuleFormSet
    extra = 1
    fields = ("section", "position", "join", "field", "operator", "value", "users")
    ordering = ("section", "position", "id")
    tab = False


def rules_formset_class():
    return inlineformset_factory(
        RuleSet, Rule, form=RuleForm, formset=RuleFormSet, fields=RuleInline.fields, extra=0
    )


@admin.register(RuleSet)
class RuleSetAdmin(ModelAdmin):
    form = RuleSetForm
    inlines = (RuleInline,)
    list_display = (
        "name",
        "scope",
        "action",
        "dry_run",
        "is_active",
        "grace_days",
        "schedule",
        "open_candidates",
        "last_run_at",
    )
    list_filter = ("is_active", "dry_run", "scope", "action")
    search_fields = ("name", "description")
    filter_horizontal = ("libraries",)
    readonly_fields = ("next_runs_display", "last_run_display")
    actions = ("export_yaml",)
    change_form_after_template = "admin/housekeeping/ruleset/preview_panel.html"
    change_form_outer_after_template = "admin/housekeeping/ruleset/tools.html"
    change_list_template = "admin/housekeeping/ruleset/change_list.html"
    warn_unsaved_form = False
    fieldsets = (
        (None, {"fields": ("name", "description", "libraries", "scope", "is_active")}),
        (
            _("Action"),
            {"fields": ("action", "dry_run", "grace_days", "pressure_tiers")},
        ),
        (_("Schedule"), {"fields": ("schedule", "next_runs_display", "last_run_display")}),
        (
            _("Options"),
            {
                "fields": (
                    "add_import_exclusion",
                    "delete_show_if_empty",
                    "clear_requests",
                    "leaving_soon_collection",
                )
            },
        ),
    )

    def get_queryset(self, request):
        from django.db.models import Count, Q

        from ..models import Candidate

        return (
            super()
            .get_queryset(request)
            .annotate(
                open_count=Count("candidates", filter=Q(candidates__status__in=Candidate.OPEN))
            )
        )

    @admin.display(description=_("open candidates"), ordering="open_count")
    def open_candidates(self, obj: RuleSet):
        url = reverse("admin:housekeeping_candidate_changelist") + f"?rule_set__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj.open_count)

    @admin.display(description=_("next runs"))
    def next_runs_display(self, obj: RuleSet | None):
        runs = next_runs(obj.schedule) if obj and obj.pk else []
        if not runs:
            return "–"
        return format_html_join(", ", "{}", ((date_format(run, "Y-m-d H:i"),) for run in runs))

    @admin.display(description=_("last run"))
    def last_run_display(self, obj: RuleSet | None):
        if not obj or not obj.last_run_at:
            return _("never")
        details = ", ".join(f"{key}: {value}" for key, value in (obj.last_run or {}).items())
        return f"{date_format(timezone.localtime(obj.last_run_at), 'Y-m-d H:i')} — {details}"

    # --- URLs ---------------------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="housekeeping_ruleset_import"),
            path(
                "<path:object_id>/preview/",
                wrap(self.preview_view),
                name="housekeeping_ruleset_preview",
            ),
            path("<path:object_id>/run/", wrap(self.run_view), name="housekeeping_ruleset_run"),
            *super().get_urls(),
        ]

    def _rule_set(self, request, object_id) -> RuleSet:
        rule_set = self.get_object(request, unquote(object_id))
        if rule_set is None:
            raise Http404(_("No rule set with this id."))
        if not self.has_view_permission(request, rule_set):
            raise PermissionDenied
        return rule_set

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "preview_url": reverse("admin:housekeeping_ruleset_preview", args=[object_id]),
            "run_url": reverse("admin:housekeeping_ruleset_run", args=[object_id]),
            "test_url": reverse("admin:housekeeping_test_item") + f"?rule_set={object_id}",
            "candidates_url": reverse("admin:housekeeping_candidate_changelist")
            + f"?rule_set__id__exact={object_id}",
            "calendar_url": reverse("admin:housekeeping_candidate_calendar")
            + f"?rule_set={object_id}",
            "can_run": self._can_run(request),
            "operators_by_field": operators_by_field(),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "operators_by_field": operators_by_field()}
        return super().add_view(request, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "import_url": reverse("admin:housekeeping_ruleset_import"),
            "test_url": reverse("admin:housekeeping_test_item"),
            "can_import": self.has_add_permission(request),
        }
        return super().changelist_view(request, extra_context)

    # --- "what would this rule set free?" -----------------------------------------------------

    def preview_view(self, request, object_id):
        """JSON ``{"count", "size", "size_text", "sample": [{"title", "context", "size",
        "url"}], "errors": [str]}``: :func:`engine.preview` of the rule set as saved (GET) or
        as edited (POST of the change form: its scope, libraries and rule rows; rows with
        errors are left out and their errors listed)."""
        from .. import engine

        rule_set = self._rule_set(request, object_id)
        specs = libraries = None
        errors: list[str] = []
        if request.method == "POST":
            scope = request.POST.get("scope")
            if scope in dict(RuleSet.SCOPES):
                rule_set.scope = scope
            chosen = [pk for pk in request.POST.getlist("libraries") if pk.isdigit()]
            libraries = list(Library.objects.filter(pk__in=chosen))
            specs, errors = self._edited_rules(request, rule_set)
        try:
            result = engine.preview(rule_set, specs, libraries=libraries, sample=PREVIEW_SAMPLE)
        except (ValidationError, engine.EvaluationError) as exc:
            messages_ = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            return JsonResponse({"count": None, "errors": [*errors, *messages_]})
        return JsonResponse(
            {
                "count": result.count,
                "size": result.size,
                "size_text": size_text(result.size),
                "sample": [
                    {
                        "title": str(item.title or item),
                        "context": item_context(item),
                        "size": size_text(item.total_file_size),
                        "url": reverse("admin:libraries_librarymedia_change", args=[item.pk]),
                    }
                    for item in result.sample
                ],
                "errors": errors,
            }
        )

    @staticmethod
    def _edited_rules(request, rule_set: RuleSet) -> tuple[list, list[str]]:
        """The rule rows of a POSTed change form as :class:`engine.RuleSpec` (rows not deleted
        and valid, in section and position order), and the other rows' errors."""
        from ..engine import RuleSpec

        formset = rules_formset_class()(request.POST, instance=rule_set, prefix="rules")
        specs, errors = [], []
        for number, form in enumerate(formset.forms, start=1):
            if not form.has_changed() and not form.instance.pk:
                continue
            if not form.is_valid():
                errors.extend(
                    f"{_('Rule')} {number}: {message}"
                    for messages_ in form.errors.values()
                    for message in messages_
                )
                continue
            data = form.cleaned_data
            if data.get("DELETE"):
                continue
            specs.append(
                RuleSpec(
                    section=data.get("section") or 1,
                    position=data.get("position") or 0,
                    join=data.get("join") or Rule.AND,
                    field=data["field"],
                    operator=data["operator"],
                    value=data.get("value"),
                    user_ids=tuple(sorted(user.user_id for user in data.get("users") or [])),
                )
            )
        specs.sort(key=lambda spec: (spec.section, spec.position))
        return specs, errors

    # --- run now --------------------------------------------------------------------------------

    def _can_run(self, request) -> bool:
        return self.has_change_permission(request) and can_act(request)

    def run_view(self, request, object_id):
        """POST: run the rule set now (:func:`tasks.run_rule_set`), its outcome as a message."""
        from .. import tasks

        rule_set = self._rule_set(request, object_id)
        if not self._can_run(request):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            outcome = tasks.run_rule_set(rule_set.pk, actor_label=actor_label(request))
        except Exception as exc:  # noqa: BLE001 - shown to the admin, traceback logged
            logger.exception("Run of rule set %s failed", rule_set.pk)
            self.message_user(
                request, _("The run failed: %(error)s") % {"error": exc}, messages.ERROR
            )
        else:
            details = ", ".join(f"{key}: {value}" for key, value in (outcome or {}).items())
            self.message_user(
                request,
                _("Rule set run: %(details)s") % {"details": details or "–"},
                messages.SUCCESS,
            )
        return redirect(reverse("admin:housekeeping_ruleset_change", args=[rule_set.pk]))

    # --- YAML ---------------------------------------------------------------------------------

    @admin.action(description=_("Export as YAML"))
    def export_yaml(self, request, queryset):
        from .. import yaml_io

        response = HttpResponse(
            yaml_io.export_rule_sets(queryset), content_type="application/yaml; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="rule_sets.yaml"'
        return response

    def import_view(self, request):
        """GET: the import form; POST: :func:`yaml_io.import_rule_sets` of the text or file."""
        from .. import yaml_io

        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                imported = yaml_io.import_rule_sets(form.cleaned_data["text"])
            except yaml_io.RuleSetImportError as exc:
                form.add_error(None, str(exc))
            else:
                for rule_set in imported:
                    self.log_addition(request, rule_set, [{"added": {}}])
                self.message_user(
                    request,
                    _("Imported %(n)d rule set(s): %(names)s")
                    % {"n": len(imported), "names": ", ".join(r.name for r in imported)},
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:housekeeping_ruleset_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import rule sets (YAML)"),
            "opts": self.opts,
            "form": form,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/housekeeping/ruleset/import.html", context)

    # --- test an item -------------------------------------------------------------------------

    def test_item_view(self, request):
        """``?rule_set=<id>&item=<id>``: the item tested against the rule set
        (:func:`engine.test_item`: matched, trace); ``q``: items whose title contains it (in
        the rule set's libraries and scope when one is chosen), to pick from."""
        from .. import engine
        from .candidates import trace_table

        if not self.has_view_permission(request):
            raise PermissionDenied
        rule_sets = list(RuleSet.objects.order_by("name"))
        rule_set = _pick(RuleSet.objects.all(), request.GET.get("rule_set"))
        item = _pick(LibraryMedia.objects.all(), request.GET.get("item"))
        query = (request.GET.get("q") or "").strip()
        results = []
        if query:
            items = LibraryMedia.objects.filter(title__icontains=query, removed_at__isnull=True)
            if rule_set is not None:
                items = items.filter(media_type__in=engine.SCOPE_TYPES.get(rule_set.scope, ()))
                libraries = list(rule_set.libraries.values_list("server_id", "section_id"))
                if libraries:
                    from django.db.models import Q

                    where = Q()
                    for server_id, section_id in libraries:
                        where |= Q(server_id=server_id, section_id=section_id)
                    items = items.filter(where)
            results = list(items.order_by("title", "pk")[:SEARCH_LIMIT])
        tested = None
        if rule_set is not None and item is not None:
            outcome = engine.test_item(rule_set, item)
            tested = {
                "matched": outcome.matched,
                "trace": trace_table(outcome.trace),
                "notes": outcome.notes,
            }
        context = {
            **self.admin_site.each_context(request),
            "title": _("Test an item against a rule set"),
            "opts": self.opts,
            "rule_sets": rule_sets,
            "rule_set": rule_set,
            "item": item,
            "item_poster": poster_url(item) if item else None,
            "item_context": item_context(item) if item else "",
            "query": query,
            "results": [
                {
                    "item": result,
                    "context": item_context(result),
                    "size": size_text(result.total_file_size),
                }
                for result in results
            ],
            "tested": tested,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/housekeeping/ruleset/test_item.html", context)


def _pick(queryset, value):
    """The row of ``queryset`` whose pk is ``value`` (a digit string), else None."""
    if not value or not str(value).isdigit():
        return None
    return queryset.filter(pk=int(value)).first()


admin.site.register_page(
    AdminPage(
        title=_("Test an item"),
        app_label="housekeeping",
        urls=(
            path(
                "housekeeping/test-item/",
                lambda request: admin.site.get_model_admin(RuleSet).test_item_view(request),
                name="housekeeping_test_item",
            ),
        ),
        permission=lambda request: admin.site.get_model_admin(RuleSet).has_view_permission(request),
    )
)
