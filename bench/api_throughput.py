"""The feed under load: gunicorn as production runs it (config/gunicorn.conf.py: 2 × cores + 1
sync workers), DEBUG off, loopback only, under wrk, on a
`synth --programs 1000` portfolio, beside a trivial JsonResponse view served the same way in
the same run. Prints requests per second, p50 and p99 and the ratios to the trivial view.

Run: `.venv/bin/python bench/api_throughput.py [--duration 15] [--connections 16] [--rounds 3]
[--port 18401]`. Needs wrk (Debian: `apt-get install wrk`) and Redis at REDIS_URL (default
redis://127.0.0.1:6379/0; the data version, cached answers and throttle counts live there). The
database is bench/out/bench-1000-10000.sqlite3 unless DATABASE_URL is set. The throttle is raised
for the run (API_THROTTLE_RATE=1000000000/s): the throttle still counts every request, it just
never says no.

Goals: the cached briefing at least 0.3× the trivial view's requests/s, with p99 at most twice
the trivial view's p99 plus 5 ms; a 100-row programs page at least 0.1×.
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import setup  # noqa: E402

PROGRAMS, LINES = 1000, 10_000


def free_port() -> int:
    """A loopback port nothing listens on (other benchmarks may share the machine)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


BASE = ""  # http://127.0.0.1:<port>, set by main()


def served_env() -> dict[str, str]:
    """The environment the feed is served with here: production settings plus the trivial view
    (bench.api_settings), DEBUG off, loopback only, the throttle never saying no."""
    return {
        "DJANGO_SETTINGS_MODULE": "bench.api_settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "API_THROTTLE_RATE": "1000000000/s",
        "LOG_LEVEL": "WARNING",
    }


def wrk(url: str, *, duration: int, connections: int, headers: dict[str, str]) -> dict:
    """One wrk run: requests/s, p50 and p99 in ms, and non-2xx/3xx answers."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)

    def percentile(p: str) -> float:
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    return {
        "rps": rps,
        "p50": percentile("50"),
        "p99": percentile("99"),
        "bad": int(bad.group(1)) if bad else 0,
    }


def fetch(url: str, headers: dict[str, str]) -> tuple[int, dict]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="round-robin rounds; the median is shown")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: config/gunicorn.conf.py's)")
    parser.add_argument("--port", type=int, default=0, help="loopback port to serve on (default: a free one)")
    args = parser.parse_args()
    global BASE
    port = args.port or free_port()
    BASE = f"http://127.0.0.1:{port}"
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed. On Debian: apt-get install wrk (then run this again).")

    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    setup(PROGRAMS, LINES)  # migrates and fills the bench database once
    manage = [sys.executable, str(ROOT / "manage.py")]
    token = subprocess.run(
        [*manage, "feed_token", "bench-feed"], capture_output=True, text=True, check=True
    ).stdout.strip()

    env = os.environ | served_env()
    if args.workers:
        env["WEB_CONCURRENCY"] = os.environ["WEB_CONCURRENCY"] = str(args.workers)
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--config",
            "config/gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        run(token, args, gunicorn)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)


def run(token: str, args, gunicorn: subprocess.Popen) -> None:
    auth = {"Authorization": f"Token {token}"}
    deadline = time.monotonic() + 30
    while not _up():
        if time.monotonic() > deadline or gunicorn.poll() is not None:
            sys.exit("gunicorn did not start")
        time.sleep(0.3)

    status, headers = fetch(f"{BASE}/api/v1/briefing/", auth)
    assert status == 200, status
    targets = [
        ("trivial JsonResponse (no auth)", "/bench/trivial/", {}),
        ("briefing/ (cached)", "/api/v1/briefing/", auth),
        ("briefing/ If-None-Match → 304", "/api/v1/briefing/", auth | {"If-None-Match": headers["ETag"]}),
        ("programs/?page_size=100", "/api/v1/programs/?page_size=100", auth),
        (
            "programs/?page_size=100&ordering=-budget",
            "/api/v1/programs/?page_size=100&ordering=-budget",
            auth,
        ),
    ]
    # Warm the workers: each builds or loads its cached tables and remembers the token.
    for _, path, headers_ in targets:
        wrk(BASE + path, duration=2, connections=4, headers=headers_)

    # The machine is shared: run the targets round-robin and keep each one's median round,
    # so a busy spell does not land on one target only.
    rounds: dict[str, list[dict]] = {name: [] for name, _, _ in targets}
    for _ in range(args.rounds):
        for name, path, headers_ in targets:
            rounds[name].append(
                wrk(BASE + path, duration=args.duration, connections=args.connections, headers=headers_)
            )
    results = {name: sorted(runs, key=lambda r: r["rps"])[len(runs) // 2] for name, runs in rounds.items()}

    workers = os.environ.get("WEB_CONCURRENCY") or 2 * len(os.sched_getaffinity(0)) + 1
    print(f"gunicorn {workers} sync workers, DEBUG off; wrk -t2 -c{args.connections} -d{args.duration}s, "
          f"median of {args.rounds} rounds; {PROGRAMS:,} synthetic programs + the Gwangju data")  # fmt: skip
    print(
        f"Redis round trip (PING, median of 2,000): {redis_round_trip_us():.0f} µs; a cached briefing "
        "makes one (the data version read, the throttle's counter incremented) and no SQL query"
    )
    print(f"{'endpoint':44} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'× trivial':>10}")
    for name, _, _ in targets:
        result = results[name]
        ratio = result["rps"] / results[targets[0][0]]["rps"]
        bad = sum(r["bad"] for r in rounds[name])
        note = f"  ({bad} non-2xx/3xx!)" if bad else ""
        print(f"{name:44} {result['rps']:9.0f} {result['p50']:8.2f} {result['p99']:8.2f} {ratio:10.2f}{note}")

    trivial = results[targets[0][0]]
    briefing = results[targets[1][0]]
    programs = results[targets[3][0]]
    print()
    ratio = briefing["rps"] / trivial["rps"]
    p99_bound = 2 * trivial["p99"] + 5
    met = "met" if ratio >= 0.3 and briefing["p99"] <= p99_bound else "NOT met"
    print(
        f"goal: cached briefing ≥ 0.30× trivial and p99 ≤ 2 × trivial p99 + 5 ms ({p99_bound:.1f} ms): "
        f"{ratio:.2f}×, p99 {briefing['p99']:.2f} ms → {met}"
    )
    ratio = programs["rps"] / trivial["rps"]
    print(
        f"goal: 100-row programs page ≥ 0.10× trivial: {ratio:.2f}× → {'met' if ratio >= 0.1 else 'NOT met'}"
    )


def redis_round_trip_us() -> float:
    import statistics

    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    times = []
    for _ in range(2000):
        started = time.perf_counter()
        client.ping()
        times.append((time.perf_counter() - started) * 1e6)
    return statistics.median(times)


def _up() -> bool:
    try:
        urllib.request.urlopen(f"{BASE}/bench/trivial/", timeout=1).read()
        return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
