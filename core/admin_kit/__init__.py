"""The admin kit: what every app's admin shares. Import from the module that owns a piece.

* :mod:`.site` — the admin site (unfold's, installed as the default site by
  :mod:`.apps` ``AdminConfig``) and its extension point for extra pages (``register_page``);
* :mod:`.pagination` — :class:`~.pagination.EstimatedCountPaginator`: no ``COUNT(*)`` over a big
  table;
* :mod:`.changelist` — :class:`~.changelist.BigTableChangeList`: the paginator's rows reused and a
  ``date_hierarchy`` of index seeks;
* :mod:`.mixins` — :class:`~.mixins.BigTableAdminMixin` (the two above for a ModelAdmin) and
  :class:`~.mixins.ReadOnlyAdminMixin`;
* :mod:`.filters` — :class:`~.filters.LocalDateRangeFilter`: dates by whole local days;
* :mod:`.secrets` — masked JSON configs and write-only secrets, never rendered;
* :mod:`.display` — :func:`~.display.humanize_seconds`: the one duration format of the admin.

Big tables (history has millions of rows) must never be counted or scanned whole to render one
page of 25-100 rows; secrets (notifier and newsletter configs, server tokens) are never rendered.
"""
