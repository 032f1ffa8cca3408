"""/api/v2 commands of the web login log (Tautulli's ``user_login`` table, reference 1.2
"Users"): get_user_logins, logout_user_session, delete_login_log.

The rows are :class:`~users.models.UserLogin`: every sign-in to this server (written by
:mod:`users.logins`: password, Plex, OIDC) and those the Tautulli import brought (logins to
Tautulli's web interface, with the JWT token and expiry Tautulli issued). This server's web
sessions are Django sessions: these commands neither list nor end them.
"""

import datetime as dt

from django.db import transaction
from django.db.models import F

from core import clock
from core.tautulli_api import api_command
from core.tautulli_api.datatables import queryset_table

from .logins import os_and_browser
from .models import User, UserLogin

ORDER = {
    "timestamp": F("timestamp"),
    "date": F("timestamp"),
    "time": F("timestamp"),
    "ip_address": F("ip_address"),
    "host": F("host"),
    # Tautulli derives os/browser from the user agent; sorting by them sorts by the agent.
    "os": F("user_agent"),
    "browser": F("user_agent"),
}
SEARCH_FIELDS = ("ip_address", "host", "user_agent")


def _expiry(login: UserLogin) -> str | None:
    """The token's expiry as "YYYY-MM-DD HH:MM:SS" while it is live, else None (Tautulli)."""
    if not (login.jwt_token and login.expiry):
        return None
    try:
        expiry = dt.datetime.fromisoformat(login.expiry)
    except ValueError:
        return None
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=dt.UTC)
    if expiry <= clock.now():
        return None
    return expiry.strftime("%Y-%m-%d %H:%M:%S")


@api_command()
def get_user_logins(request, params):
    """Get the data on Tautulli user login table.

    ```
    Required parameters:
        user_id (str):                  The id of the Plex user

    Optional parameters:
        order_column (str):             "date", "time", "ip_address", "host", "os", "browser"
        order_dir (str):                "desc" or "asc"
        start (int):                    Row to start from, 0
        length (int):                   Number of items to return, 25
        search (str):                   A string to search for, "xxx.xxx.xxx.xxx"

    Returns:
        json:
            {"draw": 1,
             "recordsTotal": 2344,
             "recordsFiltered": 10,
             "data":
                [{"browser": "",
                  "current": false,
                  "expiry": "2021-06-30 18:48:03",
                  "friendly_name": "Jon Snow",
                  "host": "http://plexpy.castleblack.com",
                  "ip_address": "xxx.xxx.xxx.xxx",
                  "os": "",
                  "row_id": 1,
                  "success": 1,
                  "timestamp": 1462591869,
                  "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_3) ...",
                  "user_group": "guest",
                  "user_id": 133788
                  },
                 {...}
                 ]
             }
    ```
    Without ``user_id`` every user's logins are listed (as Tautulli for an admin). ``timestamp``
    is epoch seconds; ``expiry`` is given only while the login's token is live. Deviations:
    ``os`` and ``browser`` are read from the user agent with ua-parser (Tautulli uses
    httpagentparser: names can differ slightly, e.g. "Mac OS X 10" vs "Macintosh"), ``current`` is
    always false (no login here is the caller's: the API key is), and the JWT token is never
    returned.
    """
    user_id = params.int("user_id")
    logins = UserLogin.objects.all()
    if user_id is not None:
        logins = logins.filter(user_id=user_id)
    names = {}

    def row(login: UserLogin) -> dict:
        if login.user_id not in names:
            user = User.objects.filter(user_id=login.user_id).first()
            names[login.user_id] = user.display_name if user else None
        os_name, browser = os_and_browser(login.user_agent)
        return {
            "row_id": login.pk,
            "timestamp": int(login.timestamp.timestamp()) if login.timestamp else None,
            "user_id": login.user_id,
            "user_group": login.user_group,
            "ip_address": login.ip_address,
            "host": login.host,
            "user_agent": login.user_agent,
            "os": os_name,
            "browser": browser,
            "success": int(login.success),
            "expiry": _expiry(login),
            "current": False,
            "friendly_name": names[login.user_id] or login.user,
        }

    return queryset_table(
        params,
        logins,
        order=ORDER,
        search_fields=SEARCH_FIELDS,
        default_column="timestamp",
        row=row,
    )


@api_command()
def logout_user_session(request, params):
    """Logout Tautulli user sessions.

    ```
    Required parameters:
        row_ids (str):          Comma separated row ids to sign out, e.g. "2,3,8"

    Optional parameters:
        None

    Returns:
        None
    ```
    As Tautulli: the JWT token of each login row is cleared, so the login no longer shows an
    ``expiry``. These are Tautulli's sessions (imported); they sign nobody out of this server,
    whose web sessions are its admin accounts' Django sessions. Unknown row ids change nothing
    and are not an error (as Tautulli).
    """
    row_ids = params.int_list("row_ids")
    if not row_ids:
        return {"result": "error", "message": "Unable to logout user session."}
    with transaction.atomic():
        UserLogin.objects.filter(pk__in=row_ids).update(jwt_token=None)
    return {"result": "success", "message": "Users session logged out."}


@api_command()
def delete_login_log(request, params):
    """Delete the Tautulli login logs.

    ```
    Required parameters:
        None

    Optional parameters:
        None

    Returns:
        None
    ```
    Removes every :class:`~users.models.UserLogin` row (the imported web login log).
    """
    with transaction.atomic():
        UserLogin.objects.all().delete()
    return {"result": "success", "message": "Cleared login logs."}
