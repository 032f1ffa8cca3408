"""Deletion candidates in the admin.

* **The list** (:class:`CandidateAdmin`), filtered by rule set, status (open ones by default),
  server, library and due day: poster, title, size, last watched, plays, users (the page's items'
  statistics from one :func:`stats.inventory.items_with_stats` query), days until the action,
  status; above the table the bytes the filtered list would free.
* **Actions** — only for staff with ``housekeeping.act_on_candidates`` (others may look):
  keep (an exclusion, children kept with it), postpone N days (a form first), act now (a
  confirmation page listing what :func:`housekeeping.actions.plan_action` will delete and
  where, then :func:`housekeeping.actions.act_on`). The same three on a candidate's page, at
  ``<id>/keep/``, ``<id>/postpone/`` and ``<id>/act/``. Every decision is an audit row.
* **A candidate's page**: the item, why it matched (the trace: condition, value, actual,
  pass/fail), and its audit rows.
* **The calendar of due actions** (``/admin/housekeeping/calendar/``, :mod:`.calendar`), listed
  in the sidebar.
"""

from __future__ import annotations

import datetime as dt
import math

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import DropdownFilter, RelatedDropdownFilter

from core.admin_kit.mixins import ReadOnlyAdminMixin
from core.admin_kit.site import AdminPage
from core.timeutils import from_epoch
from history.admin import LibraryFilter as HistoryLibraryFilter
from libraries.models import LibraryMedia
from stats.admin_inventory import item_context, library_names, local_date, poster_cell
from stats.inventory import items_with_stats

from ..forms import PostponeForm
from ..models import ActionLog, Candidate
from ..review import keep_candidates, postpone_candidates
from .calendar import calendar_page
from .common import actor_label, can_act, item_admin_url, poster_url, size_text

CHANGELIST = "admin:housekeeping_candidate_changelist"


# --- the trace ------------------------------------------------------------------------------------


def _show(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, list):
        return ", ".join(str(part) for part in value) or "–"
    return str(value)


def _operator(entry: dict) -> str:
    """The trace entry's operator in words (``more than N days ago``), else as stored."""
    from ..fields import FIELDS, operator_label

    spec = FIELDS.get(entry.get("field", ""))
    operator = entry.get("operator", "")
    return operator_label(spec.kind, operator) if spec else operator


def trace_table(trace: list[dict] | None):
    """A trace (``[{"section", "join", "field", "label", "operator", "value", "actual",
    "result"}]``) as an HTML table: condition, value, actual, pass/fail."""
    if not trace:
        return format_html('<p class="text-base-500">{}</p>', _("No trace recorded."))
    rows = format_html_join(
        "",
        '<tr class="{}"><td class="px-3 py-1">{}</td><td class="px-3 py-1">{}</td>'
        '<td class="px-3 py-1">{} <b>{}</b></td><td class="px-3 py-1">{}</td>'
        '<td class="px-3 py-1">{}</td><td class="px-3 py-1 font-semibold">{}</td></tr>',
        (
            (
                "trace-pass" if entry.get("result") else "trace-fail",
                entry.get("section", ""),
                (entry.get("join") or "").upper(),
                entry.get("label") or entry.get("field", ""),
                _operator(entry),
                _show(entry.get("value")),
                _show(entry.get("actual")),
                "✔ " + str(_("pass")) if entry.get("result") else "✘ " + str(_("fail")),
            )
            for entry in trace
        ),
    )
    head = format_html(
        "<tr>{}</tr>",
        format_html_join(
            "",
            '<th class="px-3 py-1 text-left">{}</th>',
            (
                (_("section"),),
                (_("join"),),
                (_("condition"),),
                (_("value"),),
                (_("actual"),),
                (_("result"),),
            ),
        ),
    )
    return format_html(
        '<table class="housekeeping-trace text-sm w-full"><thead>{}</thead><tbody>{}</tbody></table>',
        head,
        rows,
    )


def days_until(candidate: Candidate, now: dt.datetime | None = None) -> int | None:
    """Days from now to the candidate's due date, rounded up (due in 2 days 23 h: 3; negative:
    overdue by that many whole days); None once it is no longer open (kept, acted...)."""
    if candidate.status not in Candidate.OPEN:
        return None
    seconds = (candidate.due_at - (now or timezone.now())).total_seconds()
    return math.ceil(seconds / 86_400)


# --- filters ----------------------------------------------------------------------------------------


class StatusFilter(DropdownFilter):
    """Open candidates (pending, postponed, failed) unless another status is chosen."""

    title = _("status")
    parameter_name = "status"
    all_option = None

    def lookups(self, request, model_admin):
        return [
            ("open", _("Open (pending, postponed, failed)")),
            ("all", _("All")),
            *Candidate.STATUSES,
        ]

    def value(self):
        return super().value() or "open"

    def queryset(self, request, queryset):
        value = self.value()
        if value == "open":
            return queryset.filter(status__in=Candidate.OPEN)
        if value in dict(Candidate.STATUSES):
            return queryset.filter(status=value)
        return queryset


class LibraryFilter(HistoryLibraryFilter):
    """The item's library (``server:section``)."""

    lookup_prefix = "item__"


def _day(text: str | None) -> dt.date | None:
    """``"2026-12-01"`` → that date; None for anything else (``2026-13-45`` too)."""
    try:
        return parse_date(text or "")
    except ValueError:
        return None


class DueDayFilter(DropdownFilter):
    """Candidates due on one local day (``?due=2026-12-01``, the calendar's links)."""

    title = _("due on")
    parameter_name = "due"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, value)] if _day(value) else []

    def queryset(self, request, queryset):
        day = _day(self.value())
        if day is None:
            return queryset
        start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
        return queryset.filter(due_at__gte=start, due_at__lt=start + dt.timedelta(days=1))


# --- the list -------------------------------------------------------------------------------------


def attach_stats(candidates: list[Candidate]) -> list[Candidate]:
    """Each candidate's ``item`` replaced by the same item with its statistics (``plays``,
    ``users``, ``last_watched``...) and ``library_name``: two queries for the whole page."""
    ids = [candidate.item_id for candidate in candidates]
    if not ids:
        return candidates
    items = {item.pk: item for item in items_with_stats(LibraryMedia.objects.filter(pk__in=ids))}
    names = library_names()
    for candidate in candidates:
        item = items.get(candidate.item_id, candidate.item)
        item.library_name = names.get(
            (item.server_id, item.section_id), f"Section {item.section_id}"
        )
        candidate.item = item
    return candidates


class CandidateChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        self.result_list = attach_stats(list(self.result_list))


@admin.register(Candidate)
class CandidateAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = (
        "poster",
        "title_column",
        "size_column",
        "last_watched_column",
        "plays_column",
        "users_column",
        "due_column",
        "status",
        "rule_set",
    )
    list_display_links = ("title_column",)
    list_filter = (
        ("rule_set", RelatedDropdownFilter),
        StatusFilter,
        ("item__server", RelatedDropdownFilter),
        LibraryFilter,
        DueDayFilter,
    )
    list_filter_submit = True
    list_select_related = ("item", "rule_set")
    list_per_page = 50
    ordering = ("due_at", "id")
    search_fields = ("item__title", "item__grandparent_title", "item__parent_title")
    search_help_text = _("Search by title (or its show, season, artist or album).")
    show_full_result_count = False
    list_before_template = "admin/housekeeping/candidate/list_before.html"
    actions = ("keep_action", "postpone_action", "act_now_action")

    def get_changelist(self, request, **kwargs):
        return CandidateChangeList

    def has_act_permission(self, request) -> bool:
        return can_act(request)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/keep/", wrap(self.keep_view), name="housekeeping_candidate_keep"
            ),
            path(
                "<path:object_id>/postpone/",
                wrap(self.postpone_view),
                name="housekeeping_candidate_postpone",
            ),
            path("<path:object_id>/act/", wrap(self.act_view), name="housekeeping_candidate_act"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        """The list, with the filtered list's reclaimable bytes and count above it (one query)."""
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)
        if context and "cl" in context:
            totals = (
                context["cl"].queryset.order_by().aggregate(size=Sum("size"), count=Count("pk"))
            )
            context["reclaimable"] = size_text(totals["size"] or 0)
            context["reclaimable_count"] = totals["count"]
            context["calendar_url"] = reverse("admin:housekeeping_candidate_calendar")
            context["can_act"] = can_act(request)
        return response

    # --- columns ------------------------------------------------------------------------------

    @admin.display(description=_("poster"))
    def poster(self, candidate: Candidate):
        return poster_cell(poster_url(candidate.item))

    @admin.display(description=_("title"), ordering="item__sort_title")
    def title_column(self, candidate: Candidate):
        item = candidate.item
        context = item_context(item)
        year = f" ({item.year})" if item.year and item.media_type in ("movie", "show") else ""
        library = getattr(item, "library_name", "")
        return format_html(
            '{}{}{}<br><span class="inventory-context">{} · {}</span>',
            format_html('<span class="inventory-context">{}</span><br>', context)
            if context
            else "",
            item.title or item,
            year,
            item.get_media_type_display(),
            library,
        )

    @admin.display(description=_("size"), ordering="size")
    def size_column(self, candidate: Candidate) -> str:
        return size_text(candidate.size)

    @admin.display(description=_("last watched"))
    def last_watched_column(self, candidate: Candidate) -> str:
        last = getattr(candidate.item, "last_watched", None)
        return local_date(from_epoch(last)) or _("never")

    @admin.display(description=_("plays"))
    def plays_column(self, candidate: Candidate):
        return getattr(candidate.item, "plays", "")

    @admin.display(description=_("users"))
    def users_column(self, candidate: Candidate):
        return getattr(candidate.item, "users", "")

    @admin.display(description=_("action in"), ordering="due_at")
    def due_column(self, candidate: Candidate) -> str:
        days = days_until(candidate)
        due = local_date(candidate.due_at)
        if days is None:
            return due
        if days < 0:
            return format_html(
                '<span class="text-red-600">{}</span><br>{}',
                _("overdue %(n)d d") % {"n": -days},
                due,
            )
        return format_html("{}<br>{}", _("%(n)d d") % {"n": days}, due)

    # --- admin actions (rows of the list) -----------------------------------------------------

    @admin.action(description=_("Keep (exclude for good)"), permissions=["act"])
    def keep_action(self, request, queryset):
        logs = keep_candidates(queryset, actor=request.user, actor_label=actor_label(request))
        self.message_user(
            request, _("%(n)d candidate(s) kept.") % {"n": len(logs)}, messages.SUCCESS
        )

    @admin.action(description=_("Postpone by N days…"), permissions=["act"])
    def postpone_action(self, request, queryset):
        form = PostponeForm(request.POST if "days" in request.POST else None)
        if form.is_valid():
            logs = postpone_candidates(
                queryset,
                form.cleaned_data["days"],
                actor=request.user,
                actor_label=actor_label(request),
            )
            self.message_user(
                request,
                _("%(n)d candidate(s) postponed by %(days)d day(s).")
                % {"n": len(logs), "days": form.cleaned_data["days"]},
                messages.SUCCESS,
            )
            return None
        return self._render(
            request,
            "admin/housekeeping/candidate/postpone.html",
            _("Postpone candidates"),
            {
                "form": form,
                "candidates": list(queryset.select_related("item")),
                "action": "postpone_action",
            },
        )

    @admin.action(description=_("Act now…"), permissions=["act"])
    def act_now_action(self, request, queryset):
        if request.POST.get("confirm") == "yes":
            self._act(request, queryset)
            return None
        return self._confirm_act(request, queryset, action="act_now_action")

    # --- one candidate's buttons --------------------------------------------------------------

    def _candidate(self, request, object_id) -> Candidate:
        if not can_act(request):
            raise PermissionDenied
        candidate = self.get_object(request, unquote(object_id))
        if candidate is None:
            raise Http404(_("No candidate with this id."))
        return candidate

    def _one(self, candidate):
        return Candidate.objects.filter(pk=candidate.pk)

    def keep_view(self, request, object_id):
        """POST: keep this candidate (``every_rule_set=1``: for every rule set)."""
        candidate = self._candidate(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        logs = keep_candidates(
            self._one(candidate),
            actor=request.user,
            actor_label=actor_label(request),
            every_rule_set=request.POST.get("every_rule_set") == "1",
        )
        self.message_user(
            request, _("%(n)d candidate(s) kept.") % {"n": len(logs)}, messages.SUCCESS
        )
        return redirect(reverse("admin:housekeeping_candidate_change", args=[candidate.pk]))

    def postpone_view(self, request, object_id):
        """GET: the days form; POST ``days``: postpone this candidate."""
        candidate = self._candidate(request, object_id)
        form = PostponeForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            postpone_candidates(
                self._one(candidate),
                form.cleaned_data["days"],
                actor=request.user,
                actor_label=actor_label(request),
            )
            self.message_user(request, _("Postponed."), messages.SUCCESS)
            return redirect(reverse("admin:housekeeping_candidate_change", args=[candidate.pk]))
        return self._render(
            request,
            "admin/housekeeping/candidate/postpone.html",
            _("Postpone %(title)s") % {"title": candidate.item},
            {"form": form, "candidates": [candidate], "action": None},
        )

    def act_view(self, request, object_id):
        """GET: what acting on this candidate will do; POST ``confirm=yes``: do it."""
        candidate = self._candidate(request, object_id)
        if request.method == "POST" and request.POST.get("confirm") == "yes":
            self._act(request, self._one(candidate))
            return redirect(reverse("admin:housekeeping_candidate_change", args=[candidate.pk]))
        return self._confirm_act(request, self._one(candidate), action=None)

    # --- acting ---------------------------------------------------------------------------------

    def _confirm_act(self, request, queryset, *, action):
        """The confirmation page: per open candidate, :func:`actions.plan_action`'s target,
        steps, files and bytes; whether its rule set is in dry-run."""
        from .. import actions

        plans = []
        for candidate in queryset.select_related("item", "rule_set", "item__server"):
            if candidate.status not in Candidate.OPEN:
                continue
            plan = actions.plan_action(candidate)
            plans.append({"candidate": candidate, "plan": plan, "size": size_text(plan.size)})
        total = sum(entry["plan"].size or 0 for entry in plans)
        return self._render(
            request,
            "admin/housekeeping/candidate/act_confirm.html",
            _("Act on candidates"),
            {"plans": plans, "total": size_text(total), "action": action},
        )

    def _act(self, request, queryset):
        """:func:`actions.act_on` for each open candidate; a message per outcome."""
        from .. import actions

        outcomes: dict[str, int] = {}
        for candidate in queryset.select_related("item", "rule_set"):
            if candidate.status not in Candidate.OPEN:
                continue
            try:
                log = actions.act_on(
                    candidate, actor=request.user, actor_label=actor_label(request)
                )
            except actions.ActionRefused as refused:
                self.message_user(request, f"{candidate.item}: {refused}", messages.WARNING)
                continue
            outcomes[log.get_status_display()] = outcomes.get(log.get_status_display(), 0) + 1
            if log.status == ActionLog.FAILED:
                self.message_user(request, f"{candidate.item}: {log.result}", messages.ERROR)
        summary = ", ".join(f"{status}: {count}" for status, count in outcomes.items())
        self.message_user(
            request,
            _("Acted on %(n)d candidate(s) (%(summary)s).")
            % {"n": sum(outcomes.values()), "summary": summary or "–"},
        )

    def _render(self, request, template, title, context):
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.opts,
                "changelist_url": reverse(CHANGELIST),
                **context,
            },
        )

    # --- a candidate's page -------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The candidate's page: its item, why it matched (trace) and its audit rows."""
        candidate = self.get_object(request, unquote(object_id))
        if candidate is None:
            raise Http404(_("No candidate with this id."))
        if not self.has_view_permission(request, candidate):
            raise PermissionDenied
        candidate = attach_stats([candidate])[0]
        item = candidate.item
        return self._render(
            request,
            "admin/housekeeping/candidate/detail.html",
            str(item),
            {
                "original": candidate,
                "candidate": candidate,
                "item": item,
                "item_url": item_admin_url(item),
                "poster": poster_url(item, (192, 288)),
                "context_line": item_context(item),
                "size": size_text(candidate.size),
                "last_watched": local_date(from_epoch(getattr(item, "last_watched", None)))
                or _("never"),
                "days": days_until(candidate),
                "due": local_date(candidate.due_at),
                "trace": trace_table(candidate.trace),
                "logs": candidate.action_logs.order_by("-created_at", "-id")[:50],
                "can_act": can_act(request) and candidate.status in Candidate.OPEN,
                "test_url": reverse("admin:housekeeping_test_item")
                + f"?rule_set={candidate.rule_set_id}&item={item.pk}",
                "has_view_permission": True,
            },
        )


admin.site.register_page(
    AdminPage(
        title=_("Calendar of due actions"),
        app_label="housekeeping",
        urls=(
            path(
                "housekeeping/calendar/",
                lambda request: calendar_page(admin.site.get_model_admin(Candidate), request),
                name="housekeeping_candidate_calendar",
            ),
        ),
        permission=lambda request: admin.site.get_model_admin(Candidate).has_view_permission(
            request
        ),
    )
)
