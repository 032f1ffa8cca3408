"""Every command of Tautulli's /api/v2 catalogue (shared reference section 1.2) is answered and
documented: none is "Unknown command"."""

import re
from pathlib import Path

import pytest

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared/reference/tautulli-compat.md"


def catalogue() -> set[str]:
    """The command names of the reference's catalogue tables (their first column)."""
    text = REFERENCE.read_text()
    section = text[text.index("### 1.2 Command catalogue") :]
    section = section[: section.index("\n## ", 10)]
    names = set()
    for line in section.splitlines():
        if line.startswith("| ") and not line.startswith(("| cmd", "|---")):
            names |= set(re.findall(r"`([a-z_0-9]+)`", line.split("|")[1]))
    return names


@pytest.mark.skipif(not REFERENCE.exists(), reason="the shared reference is not beside the project")
@pytest.mark.django_db
def test_docs_lists_the_whole_catalogue(call_api):
    names = catalogue()
    assert len(names) > 120
    status, body = call_api("docs")
    documented = set(body["response"]["data"])
    assert status == 200 and not (names - documented), sorted(names - documented)
