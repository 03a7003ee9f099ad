"""Settings for bench/api_throughput.py only: production settings plus a URLconf that adds the
trivial JsonResponse view the feed is measured against. Never used by the site itself."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
