"""Shared set-up for the benchmarks: a separate database filled by `synth`, then Django."""

import gc
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def setup(programs: int, lines: int) -> None:
    """Point Django at bench/out/bench-<programs>-<lines>.sqlite3 (unless DATABASE_URL is set),
    fill it once with the synthetic portfolio, and set Django up in this process."""
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / f'bench-{programs}-{lines}.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], check=True)
    import django

    django.setup()
    from portfolio.models import BudgetLine

    if BudgetLine.objects.filter(program__code__startswith="SYN-").count() != lines:
        subprocess.run([*manage, "load_gwangju"], check=True, stdout=subprocess.DEVNULL)
        subprocess.run([*manage, "synth", f"--programs={programs}", f"--lines={lines}"], check=True)
    # As config/wsgi.py does once a server process has started: what start-up loaded lives as
    # long as the process, so the garbage collector need not scan it during requests.
    gc.freeze()


def timed(function, repeat: int = 7) -> tuple[float, object]:
    """Median wall time in ms over `repeat` runs (after one warm-up), and the last result."""
    result = function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), result
