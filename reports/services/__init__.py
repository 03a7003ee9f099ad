"""Report runs: ask for a report, build it (in a worker or in-process), mail it to a schedule's
recipients, sweep up dead builds, expire old files.

`request_report` is the one way to ask: it creates the ReportRun row, then sends the build task
once the row is committed (`asking`). `build_run` is what the task calls: it claims the run,
builds the file into a temporary folder while a heartbeat thread writes progress, and moves the
file into storage under the run's one name, so however often a run is delivered it ends with one
file (`building`); a run with recipients is then mailed (`mailing`). The sweep, the clean-up after
killed builds and the file expiry are in `housekeeping`. Claim, heartbeat, dispatch and sweep are
the job mechanism that imports share (`jobs.services`); these modules add what is particular to
reports.
"""

from reports.services.asking import dispatch, request_report
from reports.services.building import (
    TRANSIENT_ERRORS,
    Abandoned,
    Heartbeat,
    TransientBuildError,
    build_folder_prefix,
    build_run,
    claim_run,
    describe,
    fail_run,
    finish_run,
    give_up,
    note_transient,
    owner_is_gone,
    sha256,
    worker_name,
)
from reports.services.housekeeping import (
    QUEUED_RESEND_SECONDS,
    expire_old_files,
    remove_stale_build_folders,
    sweep_stale_runs,
)

__all__ = [
    "QUEUED_RESEND_SECONDS",
    "TRANSIENT_ERRORS",
    "Abandoned",
    "Heartbeat",
    "TransientBuildError",
    "build_folder_prefix",
    "build_run",
    "claim_run",
    "describe",
    "dispatch",
    "expire_old_files",
    "fail_run",
    "finish_run",
    "give_up",
    "note_transient",
    "owner_is_gone",
    "remove_stale_build_folders",
    "request_report",
    "sha256",
    "sweep_stale_runs",
    "worker_name",
]
