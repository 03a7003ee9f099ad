"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Everything loaded so far lives as long as the process: move it out of the garbage
# collector's sight, so collections during requests scan only what requests create
# (measured: about 60 ms less per dashboard page on 1,000 programs).
gc.freeze()
