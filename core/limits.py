"""The bounds of values that reach the database or date arithmetic, for every API's input checks.

Both APIs (/api/v2's :class:`~core.tautulli_api.Params`, the REST schemas) check a client's number
or date against these before it reaches a query, so a value that cannot be stored or computed
answers HTTP 400 naming the parameter instead of failing in the database driver or in Python's
date arithmetic (HTTP 500).

* Ids and keys (``user_id``, ``section_id``, ``rating_key``, history ``id``/``reference_id``...):
  the database's signed 64-bit ``BIGINT`` (:data:`INT64_MIN` .. :data:`INT64_MAX`); SQLite's
  INTEGER and PostgreSQL's ``bigint`` both hold exactly this range.
* Offsets and counts (``start``, ``length``, ``count``...): 0 .. :data:`MAX_OFFSET`, so that
  ``start + length`` still fits a 64-bit ``LIMIT``/``OFFSET``.
* Day counts (``time_range``, ``query_days``): beyond :data:`MAX_DAYS` they mean "all of it".
* Lists (``user_id=1,2,3``, ``row_ids``...): at most :data:`MAX_LIST_ITEMS` items, so that the
  query's parameters stay far below SQLite's limit of 32,766 per statement.
* Local dates (``after``, ``before``, ``start_date``): :data:`FIRST_DATE` .. :data:`LAST_DATE`,
  the dates whose local day bounds are valid epochs in every time zone (a day is turned into the
  instants of its midnight and of the next midnight, ±14 h from UTC). A date outside that range is
  not an error but the range's end (:func:`clamp_date`): ``before=9999-12-31`` means "no upper
  bound" and ``after=0001-01-01`` "from the beginning", as a user typing them means.
"""

import datetime as dt

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MAX = 2**31 - 1

MAX_OFFSET = 2**53  # rows to skip or return: far above any table, and start + length fits BIGINT
MAX_DAYS = 36_600  # a hundred years: a longer window or look-back is a typo
MAX_LIST_ITEMS = 1_000

FIRST_DATE, LAST_DATE = dt.date(1970, 1, 2), dt.date(9998, 12, 30)


def clamp_date(day: dt.date) -> dt.date:
    """``day`` moved into :data:`FIRST_DATE` .. :data:`LAST_DATE` (the usable local dates): an
    earlier date is the first, a later one the last (see the module docstring)."""
    return min(max(day, FIRST_DATE), LAST_DATE)
