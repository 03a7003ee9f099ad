"""Run a command again whenever it exits, until told to stop.

Under `make run`, honcho stops every process when one exits: a Celery worker that died (its
broker vanished, the kernel killed it) would take the web server and beat down with it. Started
as `python -m config.keep_running celery -A config worker ...`, the worker is started again
instead, after a pause that grows while it keeps failing at once. SIGTERM or SIGINT (honcho's
stop, Ctrl-C) is passed on to the command and ends the loop.
"""

import signal
import subprocess
import sys
import time

FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 30.0
# A run this long counts as healthy: the next restart waits the first pause again.
HEALTHY_RUN_SECONDS = 60.0


def keep_running(command: list[str]) -> int:
    """Run `command` until a stop signal; returns its last exit code."""
    state = {"stopping": False, "child": None}

    def stop(signum: int, frame) -> None:
        state["stopping"] = True
        child = state["child"]
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pause, code = FIRST_PAUSE_SECONDS, 0
    while not state["stopping"]:
        started = time.monotonic()
        state["child"] = subprocess.Popen(command)
        code = state["child"].wait()
        if state["stopping"]:
            break
        if time.monotonic() - started > HEALTHY_RUN_SECONDS:
            pause = FIRST_PAUSE_SECONDS
        print(
            f"keep_running: {command[0]} exited with code {code}; starting it again in {pause:.0f} s",
            file=sys.stderr,
            flush=True,
        )
        time.sleep(pause)  # a stop signal during the pause ends the loop
        pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
    return code


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m config.keep_running COMMAND [ARG ...]")
    sys.exit(keep_running(sys.argv[1:]))
