"""Fixtures for the notifications tests: loopback receivers (see :mod:`notifications.testing`).

* ``http_receiver``: an :class:`~notifications.testing.HttpReceiver` (``.url``, ``.requests``,
  ``.status = 500``, ``.stop()``), stopped after the test.
* ``smtp_receiver``: an :class:`~notifications.testing.SmtpReceiver` (``.host``, ``.port``,
  ``.messages``).
* ``mqtt_subscriber``: an :class:`~notifications.testing.MqttSubscriber` already subscribed to
  a unique topic (``.topic``) on the machine's Mosquitto at 127.0.0.1:1883.
"""

import pytest

from notifications.testing import HttpReceiver, MqttSubscriber, SmtpReceiver


@pytest.fixture
def http_receiver():
    with HttpReceiver() as receiver:
        yield receiver


@pytest.fixture
def smtp_receiver():
    with SmtpReceiver() as receiver:
        yield receiver


@pytest.fixture
def mqtt_subscriber():
    with MqttSubscriber() as subscriber:
        yield subscriber
