"""Settings for bench/api_throughput.py only: production settings plus a URLconf that adds the
trivial JsonResponse view the feed is measured against. Never used by the site itself."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
# Keep database connections as production does on PostgreSQL (CONN_MAX_AGE, default 60 s): the
# bench's SQLite file would otherwise be opened again, with its PRAGMAs, on every request.
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
