"""gunicorn's settings for the web process. The Dockerfile's command and bench/api_throughput.py
both use this file, so the bench measures the server production runs.

Workers: gunicorn's own starting point, 2 × cores + 1 (WEB_CONCURRENCY overrides it). They are
sync workers, and a request that waits on PostgreSQL or Redis leaves its core to another worker.
For the cached feed alone, which waits on Redis once per answer, the count matters little: on the
2-core machine the cached briefing ran at 0.42× the trivial view with 2 workers and 0.41–0.43×
with 5 (README, Benchmarks; `bench/api_throughput.py --workers N` compares).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * len(os.sched_getaffinity(0)) + 1)
