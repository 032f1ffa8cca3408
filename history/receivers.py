"""What the history app does when other apps' data changes (connected in ``HistoryConfig.ready``)."""

from django.dispatch import receiver

from users.signals import users_deleted

from .models import History


@receiver(users_deleted)
def erase_history_of_deleted_users(sender, user_ids, **kwargs):
    """delete_user erases the users' history, as Tautulli does (inside its transaction)."""
    History.objects.filter(user_id__in=user_ids).purge()
