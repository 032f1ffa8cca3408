"""Hosted newsletters: ``/newsletter/<uuid>`` (one run's copy) and ``/newsletter/id/<id_name>``
(the latest successful run of a newsletter), answering the stored ``NewsletterLog.html`` as it
is (reference section 5, Tautulli's self-hosted newsletters).

Who may open them is setting NEWSLETTER_AUTH (Tautulli's choices):

* ``0``: anyone with the link;
* ``1``: whoever gives NEWSLETTER_PASSWORD in a small form; the session then remembers it (until
  the password changes). No password set: nobody gets in;
* ``2``: signed-in users only (others are sent to the login page).

The images in the pages are served without a login (:mod:`newsletters.images`): mail clients
fetch them, and only links we signed are answered.
"""

from __future__ import annotations

import hmac

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .models import Newsletter, NewsletterLog

SESSION_KEY = "newsletter_access"
AUTH_PUBLIC, AUTH_PASSWORD, AUTH_USERS = 0, 1, 2


class NewsletterPasswordForm(forms.Form):
    """The hosted newsletters' password (setting NEWSLETTER_PASSWORD)."""

    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput(attrs={"autofocus": True})
    )

    def clean_password(self) -> str:
        given = self.cleaned_data["password"]
        expected = settings.NEWSLETTER_PASSWORD or ""
        if not expected:
            raise forms.ValidationError("No newsletter password is set on this server.")
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise forms.ValidationError("Wrong password.")
        return given


def _password_mark() -> str:
    """What the session keeps once the password was given: a keyed digest of the current
    password (never the password), so changing it signs everyone out."""
    return salted_hmac(SESSION_KEY, settings.NEWSLETTER_PASSWORD or "").hexdigest()


def _guarded(request: HttpRequest, answer) -> HttpResponse:
    """``answer()`` when the visitor may see hosted newsletters, else the login redirect or the
    password form (see the module doc)."""
    mode = settings.NEWSLETTER_AUTH
    if mode == AUTH_USERS:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return answer()
    if mode == AUTH_PASSWORD:
        mark = _password_mark()
        if settings.NEWSLETTER_PASSWORD and hmac.compare_digest(
            request.session.get(SESSION_KEY, ""), mark
        ):
            return answer()
        form = NewsletterPasswordForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            request.session.cycle_key()
            request.session[SESSION_KEY] = mark
            return HttpResponseRedirect(request.get_full_path())
        status = 403 if request.method == "POST" else 200
        return render(request, "newsletters/password.html", {"form": form}, status=status)
    return answer()


def _page(log: NewsletterLog | None) -> HttpResponse:
    if log is None or not log.html:
        return _not_found()
    response = HttpResponse(log.html, content_type="text/html; charset=utf-8")
    response["Referrer-Policy"] = "no-referrer"
    return response


def _not_found() -> HttpResponse:
    return HttpResponse(render_to_string("newsletters/not_found.html"), status=404)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def hosted_newsletter(request: HttpRequest, uuid: str) -> HttpResponse:
    """``/newsletter/<uuid>``: the hosted copy of the run ``uuid`` (its ``NewsletterLog.html``);
    a 404 page for an unknown uuid or a run without a copy."""

    def answer():
        return _page(NewsletterLog.objects.filter(uuid=uuid).first())

    return _guarded(request, answer)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def latest_newsletter(request: HttpRequest, id_name: str) -> HttpResponse:
    """``/newsletter/id/<id_name>``: the copy of the latest successful run (newest timestamp,
    then newest row) of the newsletter whose ``id_name`` this is; a 404 page when there is
    none."""

    def answer():
        ids = Newsletter.objects.filter(id_name=id_name).values("pk")
        log = (
            NewsletterLog.objects.filter(newsletter_id__in=ids, success=True)
            .exclude(html="")
            .order_by("-timestamp", "-pk")
            .first()
        )
        return _page(log)

    return _guarded(request, answer)
