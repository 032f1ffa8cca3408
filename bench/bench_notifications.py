#!/usr/bin/env python
"""Benchmark of the notification pipeline (issue 12 part 5): 50 streams starting at once with
10 notifiers on for ``on_play``.

Targets: the monitor's poll time with the notifiers on within 5 % of the time without; p95
from event to delivery at a loopback receiver at most 2 s with the django-q2 cluster running.

Not a test: it prints figures. Everything on loopback: the fake PMS (``plex.testing``), a
:class:`notifications.testing.HttpReceiver` standing in for the notification service, and 10
Apprise URL notifiers (``json://127.0.0.1:<port>/n<i>``) switched on for ``on_play``.

1. **Poll time** (in-process, no cluster; the scheduled tasks are removed: this process is the
   monitor): 50 viewers start playing, then one reconciling poll
   (``plex.activity.reconcile.reconcile``) sees them all: 50 starts written, 50 ``on_play``
   events emitted. Timed with every notifier trigger off (the pipeline's receiver does one
   EXISTS and returns) and with the 10 on (it also enqueues one ``notify_event`` task per
   event in the database broker), interleaved, ``--repeat`` times each after a warm-up;
   reported as medians. Between runs the viewers stop (one more poll) and the queued tasks are
   dropped. The poll's own time varies by more than the notifiers add, so the pipeline's
   signal receiver (``queue_event``, what the notifiers add to the monitor's thread) is also
   timed alone: mean ms per ``on_play`` over 200 calls, notifiers off and on.
2. **Event to delivery**: a real ``manage.py qcluster`` subprocess (``--workers`` workers) on
   the same database, its scheduled tasks removed (this process is the monitor); after a warm-up round (which also waits for the cluster to be up), 50
   viewers start and one poll starts them. Each delivery names its stream (the notifiers'
   body is ``{user_id}``), and its latency is its arrival at the receiver minus the moment the
   monitor emitted that stream's on_play; the latency from just before the poll (the poll
   included) is reported too. Reported: p50 / p95 / max over the 500 deliveries (50 streams x
   10 notifiers) and the time until the last one.

The database is a fresh SQLite file in ``bench/out/notify_data`` or, with ``DATABASE_URL``, a
PostgreSQL database of that name plus ``_bench_notify`` (dropped and created again).

Usage::

    .venv/bin/python bench/bench_notifications.py                      # SQLite in bench/out
    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app .venv/bin/python bench/bench_notifications.py
    .venv/bin/python bench/bench_notifications.py --repeat 9 --workers 2
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import OUT, ROOT, setup_fresh_django  # noqa: E402

DATA = OUT / "notify_data"
T0 = 1_795_000_000
STREAMS = 50
NOTIFIERS = 10
APPRISE_AGENT = 100

VARIANTS = [
    {"media_type": "movie", "decision": "directplay", "location": "lan"},
    {"media_type": "episode", "decision": "transcode", "location": "wan"},
    {"media_type": "track", "decision": "copy", "location": "lan"},
    {"media_type": "movie", "decision": "transcode", "location": "wan"},
    {"media_type": "episode", "decision": "directplay", "location": "lan"},
]


def setup_django(database_url: str | None) -> dict:
    """A fresh database, migrated (:func:`bench_foundation.setup_fresh_django`)."""
    return setup_fresh_django(DATA, database_url, "bench_notify")


def add_notifiers(receiver) -> None:
    """``NOTIFIERS`` Apprise JSON notifiers posting to ``receiver`` (path ``/n<i>``), on for
    ``on_play``."""
    from notifications.notifiers import add_notifier, set_notifier_config

    for index in range(NOTIFIERS):
        form = {
            "apprise_urls": f"json://{receiver.host}:{receiver.port}/n{index}",
            "on_play": "1",
            # The delivery names its event: latency is measured from that event's emission.
            "on_play_body": "{user_id}",
        }
        set_notifier_config(add_notifier(APPRISE_AGENT), form)


def switch_notifiers(on: bool) -> None:
    from notifications.models import NotifierTrigger

    NotifierTrigger.objects.filter(action="on_play").update(enabled=on)


class Streams:
    """50 viewers of the fake PMS started together and seen by one poll; user ids and
    addresses are the same each round (known users, known devices)."""

    def __init__(self, pms, server):
        from plex.activity.handler import ActivityHandler

        self.pms = pms
        self.server = server
        self.handler = ActivityHandler(server, clock=lambda: pms.clock.now_ms / 1000)
        self.viewers = []

    def start(self, count: int = STREAMS) -> float:
        """Start ``count`` viewers and run the poll that sees them; returns the event stamp
        (``time.time()`` just before the poll) and checks every start was recorded."""
        from plex.activity.reconcile import reconcile

        self.pms.clock.advance(60)
        self.viewers = [
            self.pms.viewer(
                user_id=1000 + index,
                address=f"10.0.0.{index + 1}",
                **VARIANTS[index % len(VARIANTS)],
            ).play()
            for index in range(count)
        ]
        stamp = time.time()
        result = reconcile(self.server, handler=self.handler)
        assert result.started == count and result.ok, result
        return stamp

    def stop(self) -> None:
        from plex.activity.reconcile import reconcile

        self.pms.clock.advance(600)
        for viewer in self.viewers:
            viewer.stop()
        result = reconcile(self.server, handler=self.handler)
        assert result.stopped == len(self.viewers), result
        self.viewers = []


def drop_queued_tasks() -> int:
    from django_q.models import OrmQ

    return OrmQ.objects.all().delete()[0]


def bench_poll(streams: Streams, repeat: int) -> dict:
    """Median poll time (ms) for 50 starting streams with the notifiers off and on."""
    times = {False: [], True: []}
    tick = time.perf_counter()
    for round_ in range(repeat + 1):  # round 0 warms up both modes
        for on in (False, True) if round_ % 2 else (True, False):
            switch_notifiers(on)
            started = time.perf_counter()
            streams.start()
            elapsed = (time.perf_counter() - started) * 1000
            streams.stop()
            queued = drop_queued_tasks()
            assert queued == (STREAMS if on else 0), queued
            if round_:
                times[on].append(elapsed)
    print(f"poll phase: {time.perf_counter() - tick:.0f} s")
    return {
        "off": statistics.median(times[False]),
        "on": statistics.median(times[True]),
        "off_all": times[False],
        "on_all": times[True],
    }


def bench_receiver(server, count: int = 200) -> dict:
    """The monitor thread's share directly: the pipeline's signal receiver
    (:func:`notifications.pipeline.queue_event`) called ``count`` times for an ``on_play``,
    notifiers off and on; mean ms per event."""
    from notifications.pipeline import queue_event
    from servers.models import Server

    session = {"session_key": 1, "user_id": 1000, "media_type": "movie", "rating_key": 1}
    result = {}
    for on in (False, True):
        switch_notifiers(on)
        started = time.perf_counter()
        for _ in range(count):
            queue_event(Server, server=server, action="on_play", session=session)
        result[on] = (time.perf_counter() - started) * 1000 / count
        drop_queued_tasks()
    return {"off": result[False], "on": result[True]}


def start_cluster(env: dict, workers: int) -> subprocess.Popen:
    env = {**env, "Q_WORKERS": str(workers)}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop_cluster(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class QueueTracer:
    """Prints, every half second until stopped, the broker's queue: tasks waiting, tasks taken
    by the cluster (locked), and deliveries arrived (``--trace``)."""

    def __init__(self, receiver, expected: int):
        import threading

        self.receiver = receiver
        self.expected = expected
        self.done = threading.Event()
        self.started = time.monotonic()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        from django.db import connection
        from django.utils import timezone
        from django_q.models import OrmQ

        try:
            while not self.done.wait(0.5):
                now = timezone.now()
                waiting = OrmQ.objects.filter(lock__lt=now).count()
                taken = OrmQ.objects.filter(lock__gte=now).count()
                print(
                    f"  {time.monotonic() - self.started:5.1f} s: {waiting} waiting, "
                    f"{taken} taken, {len(self.receiver.requests)}/{self.expected} delivered"
                )
        finally:
            connection.close()

    def stop(self):
        self.done.set()
        self.thread.join()


def bench_delivery(
    streams: Streams, receiver, env: dict, workers: int, trace: bool = False
) -> dict:
    """Latencies (s) from the poll's stamp to each of the 500 deliveries' arrival."""
    from django_q.models import Schedule

    # This process is the monitor: the cluster must not poll the fake PMS too.
    Schedule.objects.all().delete()
    switch_notifiers(True)
    cluster = start_cluster(env, workers)
    try:
        # Warm-up: the cluster starts, every worker imports Apprise and the agents.
        warm = 2 * workers
        streams.start(warm)
        receiver.wait_for(warm * NOTIFIERS, timeout=120)
        streams.stop()
        time.sleep(1)
        receiver.requests.clear()
        expected = STREAMS * NOTIFIERS
        tracer = QueueTracer(receiver, expected) if trace else None
        emitted = EmitTimes()
        stamp = streams.start()
        emitted.stop()
        try:
            arrived = receiver.wait_for(expected, timeout=120)
        except TimeoutError as e:
            raise SystemExit(f"deliveries missing after 120 s: {e}") from e
        finally:
            if tracer:
                tracer.stop()
        streams.stop()
    finally:
        stop_cluster(cluster)
        errors = cluster.stderr.read() if cluster.stderr else ""
    if "Traceback" in errors:
        print(errors[-2000:], file=sys.stderr)
    from_poll = sorted(request.received_at - stamp for request in arrived[:expected])
    from_event = sorted(
        request.received_at - emitted.times[request.json()["message"]]
        for request in arrived[:expected]
    )
    per_path = {request.path for request in arrived}
    assert len(per_path) == NOTIFIERS, per_path
    return {
        "count": len(from_event),
        "p50": statistics.median(from_event),
        "p95": percentile(from_event, 95),
        "max": from_event[-1],
        "first": from_event[0],
        "poll_p95": percentile(from_poll, 95),
        "rate": len(from_poll) / max(from_poll[-1] - from_poll[0], 1e-9),
    }


def percentile(values: list[float], percent: int) -> float:
    """The nearest-rank percentile of sorted ``values``."""
    return values[max(0, -(-len(values) * percent // 100) - 1)]


class EmitTimes:
    """When the monitor (this process) emitted each stream's on_play: ``times[user_id]``."""

    def __init__(self):
        from plex.activity.events import plex_event

        self.times: dict[str, float] = {}
        self.signal = plex_event
        plex_event.connect(self.record, weak=False)

    def record(self, sender, action, session=None, **kwargs):
        if action == "on_play" and session:
            self.times[str(session.get("user_id"))] = time.time()

    def stop(self):
        self.signal.disconnect(self.record)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="poll runs per mode (median)")
    parser.add_argument("--workers", type=int, default=4, help="django-q2 workers")
    parser.add_argument("--trace", action="store_true", help="print the queue every 0.5 s")
    args = parser.parse_args()
    env = setup_django(os.environ.get("DATABASE_URL"))
    from django.db import connection

    from notifications.testing import HttpReceiver
    from plex.testing import FakePlexServer
    from servers.models import Server

    print(f"database: {connection.vendor}; cpus: {os.cpu_count()}; load: {os.getloadavg()}")
    with (
        FakePlexServer(token="bench-token", machine_identifier="notify" + "0" * 34) as pms,
        HttpReceiver() as receiver,
    ):
        pms.clock.now_ms = T0 * 1000
        server = Server.objects.create(
            name="Bench", url=pms.url, token=pms.token, machine_identifier=pms.machine_identifier
        )
        add_notifiers(receiver)
        streams = Streams(pms, server)
        poll = bench_poll(streams, args.repeat)
        print(
            "poll runs (ms): off "
            + ", ".join(f"{t:.0f}" for t in poll["off_all"])
            + "; on "
            + ", ".join(f"{t:.0f}" for t in poll["on_all"])
        )
        receiver_cost = bench_receiver(server)
        delivery = bench_delivery(streams, receiver, env, args.workers, args.trace)
    overhead = (poll["on"] - poll["off"]) / poll["off"] * 100
    print()
    print(f"| {STREAMS} streams start at once, {NOTIFIERS} notifiers | result | target |")
    print("|---|---|---|")
    print(f"| poll, no notifier on (median of {args.repeat}) | {poll['off']:.0f} ms | |")
    print(
        f"| poll, {NOTIFIERS} notifiers on for on_play (median of {args.repeat}) | "
        f"{poll['on']:.0f} ms ({overhead:+.1f} %) | within 5 % |"
    )
    print(
        f"| the pipeline's receiver per event (monitor thread), off / on | "
        f"{receiver_cost['off']:.2f} ms / {receiver_cost['on']:.2f} ms | |"
    )
    print(
        f"| event to delivery, {delivery['count']} deliveries, {args.workers} workers: p50 | "
        f"{delivery['p50']:.2f} s | |"
    )
    print(f"| event to delivery: p95 | {delivery['p95']:.2f} s | at most 2 s |")
    print(f"| from before the poll (the poll included): p95 | {delivery['poll_p95']:.2f} s | |")
    print(
        f"| event to delivery: first / max | {delivery['first']:.2f} s / "
        f"{delivery['max']:.2f} s | |"
    )
    print(f"| cluster throughput | {delivery['rate']:.0f} deliveries/s | |")


if __name__ == "__main__":
    main()
