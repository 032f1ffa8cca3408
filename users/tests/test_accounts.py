"""Sign-in accounts of plex.tv accounts (:mod:`users.accounts`): the owner is staff, a guest is
not, and guest access needs both switches."""

import pytest
from model_bakery import baker

from users.accounts import (
    GuestAccessDenied,
    PlexIdentity,
    guest_login_user,
    is_guest,
    linked_user,
    owner_login_user,
)
from users.models import AccountLink, User

pytestmark = pytest.mark.django_db

FRIEND = PlexIdentity(user_id=4242, username="friend", email="friend@example.com")


@pytest.fixture
def guests_allowed(settings):
    settings.ALLOW_GUEST_ACCESS = True


def test_the_owner_gets_one_staff_account_found_again_by_its_link():
    owner = owner_login_user(PlexIdentity(1, "owner", "owner@example.com"))
    assert owner.is_staff and owner.is_superuser and not owner.has_usable_password()
    owner.username = "renamed"
    owner.save()
    again = owner_login_user(PlexIdentity(1, "owner", "new@example.com"))
    assert again.pk == owner.pk and again.email == "new@example.com"
    assert not is_guest(again)


def test_a_guest_needs_the_global_switch_and_their_own(settings):
    user = baker.make(User, user_id=4242, username="friend", allow_guest=True)
    settings.ALLOW_GUEST_ACCESS = False
    with pytest.raises(GuestAccessDenied, match="not enabled on this server"):
        guest_login_user(FRIEND)
    settings.ALLOW_GUEST_ACCESS = True
    account = guest_login_user(FRIEND)
    assert not account.is_staff and is_guest(account)
    assert linked_user(account) == user
    User.objects.filter(pk=user.pk).update(allow_guest=False)
    with pytest.raises(GuestAccessDenied, match="not enabled for friend"):
        guest_login_user(FRIEND)
    account.refresh_from_db()
    assert not account.is_active  # refused now: the old account is off too
    assert not is_guest(account)


def test_unknown_or_deleted_accounts_are_refused(guests_allowed):
    with pytest.raises(GuestAccessDenied, match="not a user of this server"):
        guest_login_user(FRIEND)
    baker.make(User, user_id=4242, username="friend", allow_guest=True, deleted_user=True)
    with pytest.raises(GuestAccessDenied, match="not a user of this server"):
        guest_login_user(FRIEND)
    assert not AccountLink.objects.exists()
