"""How long the site search takes in-process on the benchmark database: ``python -m bench.search_timing``.

The search page's engine (``chairmanship.search.search``: every content type, ranked, highlighted) run
over a fixed set of queries, from a common word to one that matches nothing, without HTTP or other
requests competing for the CPU. Prints one JSON line: p50 and p95 in milliseconds over every run.
"""

import json
import sys
import time

import django

# Words of the synthetic dataset's vocabulary (generate_demo_data), one, two and three at a time; a
# prefix as typed ("corr"); a word no record holds.
QUERIES = (
    "energy",
    "water",
    "energy corridor",
    "digital innovation",
    "disaster relief",
    "health education",
    "security cooperation transport",
    "tourism culture youth",
    "corr",
    "bank",
    "statistics standards banking",
    "nowhere",
)


def main() -> int:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    django.setup()
    from chairmanship.search import search

    for query in QUERIES:  # connections and caches warm, as in a running worker
        search(query)
    timings = []
    for _ in range(repeats):
        for query in QUERIES:
            started = time.perf_counter()
            search(query)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()

    def percentile(share: float) -> float:
        return timings[min(len(timings) - 1, int(share * len(timings)))]

    print(
        json.dumps({"p50": percentile(0.50), "p95": percentile(0.95), "samples": len(timings), "queries": len(QUERIES)})
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
