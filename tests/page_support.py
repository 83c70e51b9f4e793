"""Reading what an archive page shows, as a reader sees it."""

import contextlib
import re
import time
from unittest import mock


def facet_total(response, name: str) -> int:
    """The sum of the counts the filter form shows beside the options of filter ``name``."""
    html = response.content.decode()
    pattern = rf'name="{re.escape(name)}" value="[^"]*">\s*<label [^>]*>[^<]*<span class="count">\((\d+)\)</span>'
    return sum(int(count) for count in re.findall(pattern, html))


@contextlib.contextmanager
def clock_moved_on(seconds: float):
    """The wall clock (and so the cache's expiry and how late a summary is) ``seconds`` ahead."""
    real = time.time
    with mock.patch("time.time", lambda: real() + seconds):
        yield
