"""Names of libraries in charts, where several servers may have a library of the same name."""

from collections import Counter
from collections.abc import Mapping

from servers.models import Server


def distinct_library_names(
    names: Mapping[tuple[int, int], str], server_names: Mapping[int, str] | None = None
) -> dict[tuple[int, int], str]:
    """``{(server_id, section_id): name}`` with ``" (<server name>)"`` added to every name that
    two keys share, so that each series of a chart is told apart.

    ``server_names`` (server pk → name) is read from the database, in one query and only when a
    name is shared, unless given; a server without a name keeps the bare name.
    """
    counts = Counter(names.values())
    shared = {key for key, name in names.items() if counts[name] > 1}
    if shared and server_names is None:
        server_names = dict(
            Server.objects.filter(pk__in={server for server, _ in shared}).values_list("pk", "name")
        )
    return {
        key: f"{name} ({server_names[key[0]]})"
        if key in shared and server_names.get(key[0])
        else name
        for key, name in names.items()
    }
