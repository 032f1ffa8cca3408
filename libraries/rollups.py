"""Sizes rolled up the inventory's hierarchy (:class:`~libraries.models.LibraryMedia`).

``total_file_size`` is Σ ``file_size`` of the present movies, episodes and tracks under an item
(its own for one of those; null when none of them has a size) and ``leaf_count`` how many there
are (1 for a present playable item, 0 for a removed one). A season or album sums its children
(``parent_rating_key``), a show or artist its grandchildren (``grandparent_rating_key``), so a
season PMS lists without its show still sums right.
"""

from django.db import connection

from .models import PLAYABLE_TYPES, LibraryMedia

PARENT_TYPES = ("season", "album")
GRANDPARENT_TYPES = ("show", "artist")
CHUNK = 500  # rating keys per statement


def roll_up_sizes(server_id: int, rating_keys=None) -> None:
    """Recompute ``total_file_size`` and ``leaf_count`` of the items ``rating_keys`` (an
    iterable of ints) of server ``server_id``, or of all its items when None (three set-based
    UPDATEs per chunk). Pass an item's own key with its parent's and grandparent's when it
    changed. Runs in the caller's transaction if there is one."""
    if rating_keys is None:
        _roll_up(server_id, None)
        return
    ordered = sorted({key for key in rating_keys if key is not None})
    for start in range(0, len(ordered), CHUNK):
        _roll_up(server_id, ordered[start : start + CHUNK])


def _roll_up(server_id: int, keys: list[int] | None) -> None:
    table = connection.ops.quote_name(LibraryMedia._meta.db_table)
    playable = ", ".join(f"'{name}'" for name in PLAYABLE_TYPES)
    leaves = f"leaf.server_id = %s AND leaf.removed_at IS NULL AND leaf.media_type IN ({playable})"
    only = "" if keys is None else f" AND rating_key IN ({', '.join(['%s'] * len(keys))})"
    keys = keys or []
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET total_file_size = CASE WHEN removed_at IS NULL "
            f"THEN file_size END, leaf_count = CASE WHEN removed_at IS NULL THEN 1 ELSE 0 END "
            f"WHERE server_id = %s AND media_type IN ({playable}){only}",
            [server_id, *keys],
        )
        for column, types in (
            ("parent_rating_key", PARENT_TYPES),
            ("grandparent_rating_key", GRANDPARENT_TYPES),
        ):
            match = f"FROM {table} leaf WHERE {leaves} AND leaf.{column} = {table}.rating_key"
            cursor.execute(
                f"UPDATE {table} SET total_file_size = (SELECT SUM(leaf.file_size) {match}), "
                f"leaf_count = (SELECT COUNT(*) {match}) "
                f"WHERE server_id = %s AND media_type IN ({', '.join(['%s'] * len(types))}){only}",
                [server_id, server_id, server_id, *types, *keys],
            )
