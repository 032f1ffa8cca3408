"""REST API endpoints of the users app (mounted under /api/ by tautulli_project.api).

Users are addressed by their plex.tv ``user_id`` (as history rows and /api/v2 do), not the
table's pk. Tokens are never rendered (see users/schemas.py).
"""

from django.shortcuts import get_object_or_404
from ninja import Query, Router
from ninja.pagination import paginate

from core.filtering import apply_filterset
from core.pagination import BoundedLimitOffsetPagination
from core.rest_types import Int64, error_responses

from .filters import UserFilterSet
from .models import User
from .schemas import UserFilters, UserOut, UserPatch

router = Router(tags=["users"])


@router.get("", response={200: list[UserOut], **error_responses()}, summary="List users")
@paginate(BoundedLimitOffsetPagination)
def list_users(request, filters: Query[UserFilters]):
    """Users ordered by username, as `{"items": [...], "count": total}`."""
    return apply_filterset(UserFilterSet, filters, User.objects.order_by("username", "id"))


@router.get("/{user_id}", response={200: UserOut, **error_responses(404)}, summary="Get a user")
def get_user(request, user_id: Int64):
    """The user with this plex.tv id; 404 when unknown."""
    return get_object_or_404(User, user_id=user_id)


@router.patch("/{user_id}", response={200: UserOut, **error_responses(404)}, summary="Edit a user")
def update_user(request, user_id: Int64, payload: UserPatch):
    """Change friendly_name, keep_history, do_notify and/or allow_guest; answers the user.

    A field sent as null is left unchanged, except friendly_name, which null or blank clears.
    """
    user = get_object_or_404(User, user_id=user_id)
    changes = payload.dict(exclude_unset=True)
    if "friendly_name" in changes:
        changes["friendly_name"] = (changes["friendly_name"] or "").strip() or None
    changes = {
        name: value
        for name, value in changes.items()
        if value is not None or name == "friendly_name"
    }
    for name, value in changes.items():
        setattr(user, name, value)
    if changes:
        user.save(update_fields=list(changes))
    return user
