#!/usr/bin/env python
"""Benchmark of newsletter rendering (issue 15): a newsletter of 500 items, target ≤ 2 s and
≤ 100 MB.

Not a test: it prints figures. The content is hand-built in the content contract's shape
(``newsletters.tests.content.big_content``: 40 % movies, 30 % shows with seasons, 20 % artists
with albums, 10 % other videos, over two servers), so neither PMS nor a database is involved:
what is measured is :func:`newsletters.render.render_newsletter` itself — parameters and texts,
500+ signed image URLs, the Django templates (HTML and text) and css-inline.

Reports the first (cold) render's wall time and the growth of the process's peak RSS (resource;
css-inline's Rust allocations included), then per warm run the wall time (untraced) and the peak
of memory allocated by Python during a render (tracemalloc, in a separate traced render).

Usage::

    .venv/bin/python bench/bench_newsletter.py [--items 500] [--repeat 5]
"""

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tautulli_project.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from newsletters.models import Newsletter
    from newsletters.render import render_newsletter
    from newsletters.tests.content import big_content

    first = args.items * 4 // 5
    contents = [
        big_content(1, first, name="Winterfell"),
        big_content(2, args.items - first, name="Kings Landing", mid="kl0000"),
    ]
    letter = Newsletter(pk=1, id_name="weekly", config={"time_frame": 7})
    print(f"newsletter of {args.items} items, {len(contents)} servers")

    def rss_mb() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KB

    before = rss_mb()
    started = time.perf_counter()
    rendered = render_newsletter(letter, contents, uuid="benchcold")
    cold = time.perf_counter() - started
    print(
        f"cold run (templates parsed, untraced): {cold:.3f} s; process peak RSS {before:.0f} MB "
        f"before (Django and the apps loaded), {rss_mb():.0f} MB after "
        f"(+{rss_mb() - before:.0f} MB); HTML {len(rendered.html) / 2**20:.2f} MB, "
        f"text {len(rendered.text) / 1024:.0f} KB"
    )
    times, peaks = [], []
    for run in range(1, args.repeat + 1):
        started = time.perf_counter()
        render_newsletter(letter, contents, uuid=f"bench{run:03d}")
        times.append(time.perf_counter() - started)
        tracemalloc.start()
        render_newsletter(letter, contents, uuid=f"trace{run:03d}")
        peaks.append(tracemalloc.get_traced_memory()[1] / 2**20)
        tracemalloc.stop()
        print(f"run {run}: {times[-1]:.3f} s, peak Python allocations {peaks[-1]:.1f} MB")
    print(
        f"warm: best {min(times):.3f} s, worst {max(times):.3f} s; peak allocations "
        f"{max(peaks):.1f} MB; process peak RSS growth over all runs {rss_mb() - before:.0f} MB "
        f"(targets: ≤ 2 s, ≤ 100 MB)"
    )


if __name__ == "__main__":
    main()
