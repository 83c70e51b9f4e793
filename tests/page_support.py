"""Reading what an archive page shows, as a reader sees it."""

import re


def facet_total(response, name: str) -> int:
    """The sum of the counts the filter form shows beside the options of filter ``name``."""
    html = response.content.decode()
    pattern = rf'name="{re.escape(name)}" value="[^"]*">\s*<label [^>]*>[^<]*<span class="count">\((\d+)\)</span>'
    return sum(int(count) for count in re.findall(pattern, html))
