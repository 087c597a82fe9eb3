# Benchmark helper, not part of the collection: records each task's role, name, duration and result as
# JSON lines in $BENCH_PHASES_FILE, so bench/deploy.py can split a run's time into phases.
from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_phases
type: aggregate
short_description: task timings as JSON lines for bench/deploy.py
description: Writes one JSON line per finished task to the file named by BENCH_PHASES_FILE.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_phases"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._path = os.environ.get("BENCH_PHASES_FILE")
        self._task = None
        self._started = 0.0

    def _finish(self, status, result=None):
        if not self._path or self._task is None:
            return
        role = self._task._role.get_name() if self._task._role else ""
        record = {
            "role": role,
            "task": self._task.get_name(),
            "action": self._task.action,
            "seconds": time.monotonic() - self._started,
            "status": status,
            "changed": bool(result and result._result.get("changed")),
        }
        with open(self._path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")
        self._task = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._finish("unfinished")
        self._task, self._started = task, time.monotonic()

    def v2_runner_on_ok(self, result):
        self._finish("ok", result)

    def v2_runner_on_skipped(self, result):
        self._finish("skipped", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._finish("failed", result)

    def v2_playbook_on_stats(self, stats):
        self._finish("unfinished")
