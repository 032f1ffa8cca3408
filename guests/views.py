"""The guest pages (Tautulli's guest access): the signed-in guest's own streams, statistics and
history. Each view reads the user from the session (:func:`guests.access.guest_user`)."""

from django.conf import settings
from django.contrib.auth.views import LogoutView
from django.shortcuts import render

from history.models import LOGGED_MEDIA_TYPES

from .access import guest_required, guest_user
from .history import history_page
from .now_playing import now_playing
from .statistics import user_statistics

RECENT_COUNT = 5
MEDIA_TYPE_LABELS = {"movie": "Movies", "episode": "TV", "track": "Music"}


@guest_required
def home(request):
    """``GET /me/``: what plays for the guest now, their statistics and latest plays."""
    user = guest_user(request)
    return render(
        request,
        "guests/home.html",
        {
            "guest": user,
            "streams": now_playing(user.user_id),
            "statistics": user_statistics(user.user_id),
            "recent": history_page(user.user_id, per_page=RECENT_COUNT),
        },
    )


@guest_required
def history(request):
    """``GET /me/history/?media_type=movie&search=words&page=2``: the guest's history, 25 rows a
    page; unknown filter values show every row, a page out of range the last page."""
    user = guest_user(request)
    media_type = request.GET.get("media_type", "")
    search = request.GET.get("search", "")
    return render(
        request,
        "guests/history.html",
        {
            "guest": user,
            "page": history_page(
                user.user_id,
                media_type=media_type,
                search=search,
                page=request.GET.get("page", 1),
            ),
            "media_type": media_type if media_type in LOGGED_MEDIA_TYPES else "",
            "media_types": MEDIA_TYPE_LABELS,
            "search": search,
        },
    )


# POST only (Django's LogoutView), with the CSRF token of the page's button.
logout_view = LogoutView.as_view(next_page=settings.LOGIN_URL)
