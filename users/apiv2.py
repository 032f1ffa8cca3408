"""/api/v2 commands of the users app (reference 1.2 "Users"), as Tautulli v2.17.2 answers them.

Deliberate differences from Tautulli (bugs fixed, reference section 9):

* A missing or malformed ``user_id`` answers HTTP 400 with a message naming the parameter
  (Tautulli answered 400 with a null message, or 500 for junk).
* ``edit_user`` changes only the settings it is given. Tautulli reset every omitted setting
  (``keep_history``, ``allow_guest`` and ``do_notify`` to 0, the friendly name and custom
  avatar to blank), so a client that sent only ``friendly_name`` silently stopped history.
  An unknown ``user_id`` is an error (Tautulli claimed success and changed nothing).
* ``delete_user`` with an unknown ``user_id`` is an error (Tautulli claimed success).
* ``get_users`` never includes ``server_token`` (older Tautulli leaked it).
"""

from django.db import transaction
from django.db.models import Max

from core.tautulli_api import ApiError, api_command
from core.timeutils import to_epoch

from .models import DEFAULT_USER_THUMB, User
from .signals import users_deleted


def _flag(value) -> int | None:
    """A boolean column as Tautulli's 0/1 int (NULL stays null)."""
    return None if value is None else int(value)


# The flags get_users and get_user show in this order, right after ``email``.
_SETTING_FLAGS = (
    "is_active",
    "is_admin",
    "is_home_user",
    "is_allow_sync",
    "is_restricted",
    "do_notify",
    "keep_history",
)


def _account_fields(user: User) -> dict:
    """``row_id``, ``user_id``, ``username``, ``friendly_name`` (the username when blank): the
    first keys of a get_users / get_user row."""
    return {
        "row_id": user.pk,
        "user_id": user.user_id,
        "username": user.username,
        "friendly_name": user.friendly_name or user.username,
    }


def _setting_flags(user: User) -> dict:
    """The :data:`_SETTING_FLAGS` of ``user`` as 0/1 ints, in that order."""
    return {name: _flag(getattr(user, name)) for name in _SETTING_FLAGS}


# --- reading ------------------------------------------------------------------------------


@api_command()
def get_users(request, params):
    """Get a list of all users that have access to your server.

    ```
    Required parameters:
        None

    Optional parameters:
        None

    Returns:
        json:
            [{"row_id": 1,
              "user_id": 133788,
              "username": "Jon Snow",
              "friendly_name": "Jon Snow",
              "thumb": "https://plex.tv/users/k10w42309cynaopq/avatar",
              "email": "Jon.Snow.1337@CastleBlack.com",
              "is_active": 1,
              "is_admin": 0,
              "is_home_user": 1,
              "is_allow_sync": 1,
              "is_restricted": 0,
              "do_notify": 1,
              "keep_history": 1,
              "allow_guest": 1,
              "shared_libraries": ["1", "2", "3"],
              "filter_all": "",
              "filter_movies": "",
              "filter_tv": "",
              "filter_music": "",
              "filter_photos": ""
              },
             {...}
             ]
    ```
    Deleted users are left out. ``thumb`` is the custom avatar if one is set.
    """
    return [
        {
            **_account_fields(user),
            "thumb": user.custom_avatar_url or user.thumb,
            "email": user.email,
            **_setting_flags(user),
            "allow_guest": _flag(user.allow_guest),
            "shared_libraries": user.shared_library_ids,
            "filter_all": user.filter_all,
            "filter_movies": user.filter_movies,
            "filter_tv": user.filter_tv,
            "filter_music": user.filter_music,
            "filter_photos": user.filter_photos,
        }
        for user in User.objects.active().order_by("pk")
    ]


# Tautulli's answer for a user it does not know: the "Local" placeholder.
_LOCAL_USER = {
    "row_id": 0,
    "user_id": 0,
    "username": "Local",
    "friendly_name": "Local",
    "user_thumb": DEFAULT_USER_THUMB,
    "email": "",
    "is_active": 1,
    "is_admin": "",
    "is_home_user": 0,
    "is_allow_sync": 0,
    "is_restricted": 0,
    "do_notify": 0,
    "keep_history": 1,
    "allow_guest": 0,
    "deleted_user": 0,
    "shared_libraries": [],
    "last_seen": None,
}


@api_command()
def get_user(request, params):
    """Get a user's details.

    ```
    Required parameters:
        user_id (str):              The id of the Plex user

    Optional parameters:
        include_last_seen (bool):   True to include the last_seen value for the user.

    Returns:
        json:
            {"row_id": 1,
             "user_id": 133788,
             "username": "LordCommanderSnow",
             "friendly_name": "Jon Snow",
             "user_thumb": "https://plex.tv/users/k10w42309cynaopq/avatar",
             "email": "Jon.Snow.1337@CastleBlack.com",
             "is_active": 1,
             "is_admin": 0,
             "is_home_user": 1,
             "is_allow_sync": 1,
             "is_restricted": 0,
             "do_notify": 1,
             "keep_history": 1,
             "deleted_user": 0,
             "allow_guest": 1,
             "shared_libraries": ["10", "1", "4", "5", "15", "20", "2"],
             "last_seen": 1462591869
             }
    ```
    Deleted users are found too. ``last_seen`` (epoch seconds of the latest play start) is null
    unless ``include_last_seen`` is true. An unknown user_id answers Tautulli's "Local"
    placeholder user.
    """
    user_id = params.int("user_id", required=True)
    include_last_seen = params.bool("include_last_seen", default=False)
    users = User.objects.filter(user_id=user_id)
    if include_last_seen:
        users = users.annotate(last_seen=Max("history__started"))
    user = users.first()
    if user is None:
        return dict(_LOCAL_USER)
    return {
        **_account_fields(user),
        "user_thumb": user.user_thumb,
        "email": user.email,
        **_setting_flags(user),
        "deleted_user": _flag(user.deleted_user),
        "allow_guest": _flag(user.allow_guest),
        "shared_libraries": user.shared_library_ids,
        "last_seen": to_epoch(user.last_seen) if include_last_seen else None,
    }


@api_command()
def get_user_names(request, params):
    """Get a list of all user and user ids.

    ```
    Required parameters:
        None

    Optional parameters:
        None

    Returns:
        json:
            [{"user_id": 133788, "friendly_name": "Jon Snow"},
             {"user_id": 8008135, "friendly_name": "DanyKhaleesi69"},
             {...}
             ]
    ```
    Deleted users are left out; a blank friendly name falls back to the username.
    """
    rows = (
        User.objects.active()
        .order_by("pk")
        .with_display_name()
        .values("user_id", "display_friendly_name")
    )
    return [
        {"user_id": row["user_id"], "friendly_name": row["display_friendly_name"]} for row in rows
    ]


# --- changing -----------------------------------------------------------------------------


@api_command()
def edit_user(request, params):
    """Update a user on Tautulli.

    ```
    Required parameters:
        user_id (str):              The id of the Plex user

    Optional parameters:
        friendly_name (str):        The friendly name of the user (blank: use the username)
        custom_thumb (str):         The URL for the custom user thumbnail (blank: none)
        keep_history (int):         0 or 1
        allow_guest (int):          0 or 1
        do_notify (int):            0 or 1

    Returns:
        "Successfully updated user."
    ```
    Only the settings given are changed (Tautulli reset the omitted ones). A name or URL with
    control characters is refused (HTTP 400): the XML output could not carry it.
    """
    user_id = params.int("user_id", required=True)
    user = User.objects.filter(user_id=user_id).first()
    if user is None:
        raise ApiError(f"Unknown user: no user with user_id {user_id}")
    changes = {}
    if "friendly_name" in params:
        friendly_name = params.text("friendly_name") or ""
        changes["friendly_name"] = (
            friendly_name if friendly_name and friendly_name != user.username else None
        )
    if "custom_thumb" in params:
        changes["custom_avatar_url"] = params.text("custom_thumb") or None
    for flag in ("keep_history", "allow_guest", "do_notify"):
        if flag in params:
            changes[flag] = bool(params.bool(flag, default=False))
    if changes:
        User.objects.filter(pk=user.pk).update(**changes)
    return "Successfully updated user."


@api_command()
def delete_user(request, params):
    """Delete a user from Tautulli. Also erases all history for the user.

    ```
    Required parameters:
        user_id (str):          The id of the Plex user

    Optional parameters:
        row_ids (str):          Comma separated row ids to delete, e.g. "2,3,8"

    Returns:
        None
    ```
    The user is kept, flagged deleted (``deleted_user=1``, ``keep_history=0``,
    ``do_notify=0``), and every history row of the user is removed. ``row_ids`` are users'
    ``row_id`` values (several users at once) and win over ``user_id``.
    """
    row_ids = params.int_list("row_ids")
    user_id = params.int("user_id")
    if row_ids:
        users = list(User.objects.filter(pk__in=row_ids))
    elif user_id is not None:
        users = list(User.objects.filter(user_id=user_id))
    else:
        return {"result": "error", "message": "No user id or row ids received."}
    if not users:
        return {"result": "error", "message": "Failed to delete user(s)."}
    with transaction.atomic():
        User.objects.filter(pk__in=[user.pk for user in users]).update(
            deleted_user=True, keep_history=False, do_notify=False
        )
        users_deleted.send(User, user_ids=[user.user_id for user in users])
    return {"result": "success", "message": "Deleted user."}


@api_command()
def undelete_user(request, params):
    """Restore a deleted user to Tautulli.

    ```
    Required parameters:
        user_id (str):          The id of the Plex user
        username (str):         The username of the Plex user (used when user_id is absent)

    Optional parameters:
        None

    Returns:
        None
    ```
    Sets ``deleted_user=0``, ``keep_history=1`` and ``do_notify=1``. The history removed by
    delete_user does not come back.
    """
    user_id = params.int("user_id")
    username = params.str("username")
    restored = {"deleted_user": False, "keep_history": True, "do_notify": True}
    if user_id is not None:
        if User.objects.filter(user_id=user_id).update(**restored):
            return {"result": "success", "message": f"Re-added user with user_id {user_id}."}
    elif username:
        if User.objects.filter(username=username).update(**restored):
            return {"result": "success", "message": f"Re-added user with username {username}."}
    return {"result": "error", "message": "Unable to re-add user. Invalid user_id or username."}


from . import apiv2_logins  # noqa: E402, F401 - registers the login log commands
