"""gunicorn's settings for the web process. The Dockerfile's command and bench/api_throughput.py
both use this file, so the bench measures the server production runs.

Workers: gunicorn's own rule of thumb, 2 × cores + 1 (WEB_CONCURRENCY overrides it). They are
sync workers, and a request spends part of its time waiting on Redis or PostgreSQL; with more
workers than cores another worker uses the core meanwhile. On the 2-core machine the cached
briefing went from 0.34× to 0.37× the trivial view with 5 workers instead of 2, and its p99 from
20.3 ms to 16.0 ms (README, Benchmarks).
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * len(os.sched_getaffinity(0)) + 1)
