"""The item and media columns a live session shares with its history are one declaration."""

from history.models import HistoryMediaInfo, HistoryMetadata
from servers.columns import ItemColumns, LiveChannelColumns, MediaInfoColumns, item_keys
from servers.models import Session


def shape(model, name: str) -> tuple:
    """A column as the database and the forms see it: path, column, options."""
    _, path, args, options = model._meta.get_field(name).deconstruct()
    return path, model._meta.get_field(name).column, args, options


def test_the_session_and_its_history_tables_declare_the_shared_columns_alike():
    for mixin, history_model in (
        (ItemColumns, HistoryMetadata),
        (LiveChannelColumns, HistoryMetadata),
        (MediaInfoColumns, HistoryMediaInfo),
    ):
        names = [field.name for field in mixin._meta.fields]
        assert names
        for name in names:
            assert shape(Session, name) == shape(history_model, name), name


def test_the_item_keys_keep_each_tables_options():
    names = [field.name for field in item_keys()._meta.fields]
    assert names == [
        "rating_key",
        "parent_rating_key",
        "grandparent_rating_key",
        "media_index",
        "parent_media_index",
        "year",
    ]
    for name in names:
        session, metadata = Session._meta.get_field(name), HistoryMetadata._meta.get_field(name)
        assert (session.null, session.blank) == (True, True)
        assert (metadata.null, metadata.blank) == (True, False)


def test_the_media_info_groups_are_source_stream_transcode_and_versions():
    fields = {field.name for field in MediaInfoColumns._meta.fields}
    assert len(fields) == 63
    assert {"container", "video_decision", "stream_subtitle_language", "transcode_hw_encoding"} <= (
        fields
    )
    assert {"optimized_version_title", "synced_version_profile"} <= fields
    # Columns only the history keeps stay its own.
    assert "stream_subtitle_container" not in fields
    assert not hasattr(Session, "stream_subtitle_container")
