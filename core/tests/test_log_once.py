"""A condition is logged once per change of state (core.log_once)."""

import logging

from core import log_once

logger = logging.getLogger("core.tests.log_once")


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger.name]


def test_a_condition_is_logged_once_until_cleared(caplog):
    for _ in range(50):
        log_once.warn_once(logger, ("pms", 1, "get_activity"), "down: %s", "refused")
    assert _lines(caplog) == ["down: refused"]

    assert log_once.clear(("pms", 1)) is True  # a prefix clears the server's conditions
    assert log_once.clear(("pms", 1)) is False
    log_once.warn_once(logger, ("pms", 1, "get_activity"), "down: %s", "refused")
    assert _lines(caplog) == ["down: refused"] * 2


def test_a_new_message_or_another_subject_is_logged(caplog):
    log_once.warn_once(logger, ("pms", 1, "x"), "down: %s", "refused")
    log_once.warn_once(logger, ("pms", 1, "x"), "down: %s", "timeout")
    log_once.warn_once(logger, ("pms", 2, "x"), "down: %s", "timeout")
    log_once.clear(("pms", 2))
    log_once.warn_once(logger, ("pms", 1, "x"), "down: %s", "timeout")
    assert _lines(caplog) == ["down: refused", "down: timeout", "down: timeout"]


def test_the_state_is_bounded(monkeypatch, caplog):
    monkeypatch.setattr(log_once, "MAX_CONDITIONS", 3)
    for key in range(5):
        log_once.warn_once(logger, ("item", key), "bad %s", key)
    assert len(log_once._reported) == 3
    log_once.warn_once(logger, ("item", 4), "bad %s", 4)  # still remembered
    assert len(_lines(caplog)) == 5
