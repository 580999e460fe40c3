"""Ansible callback for ``make bench``: per-task timing and status, written as JSON.

Not part of the collection (tools/ is in galaxy.yml's build_ignore). ``tools/bench.py`` enables it
for its own runs only::

    ANSIBLE_CALLBACK_PLUGINS=tools/bench_callback ANSIBLE_CALLBACKS_ENABLED=bench_results \
    BENCH_RESULTS_FILE=/path/results.json ansible-playbook ...

The file, written when the recap is (also after a failed task), holds::

    {"playbook": ..., "duration": s, "recap": {host: {ok, changed, unreachable, failures,
     skipped, rescued, ignored}}, "tasks": [{"name", "role", "action", "play", "start",
     "duration", "status", "hosts", "items", "retries", "include"}, ...]}

One entry per task (a loop counts once; its items are counted by status in ``items``); ``start``
is seconds since the playbook started, ``duration`` runs from the task's start to its last
result. ``status`` is the worst over hosts and items: failed > changed > ok > skipped (a failure
under ``ignore_errors`` is ``failed`` with ``ignored: true``); a task that never reported (the run
stopped) is ``unfinished``. ``retries`` counts ``until`` retries; ``include`` marks
include_tasks / include_role tasks (executed, but not in the recap's ``ok``).
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: bench_results
type: aggregate
short_description: per-task timing and status as JSON, for tools/bench.py
description:
  - Records every task's name, role, action, start, duration and status (loop items counted
    separately) and the recap, and writes them to a JSON file at the end of the playbook.
options:
  output:
    description: The JSON file to write.
    env:
      - name: BENCH_RESULTS_FILE
    required: true
"""

RANK = {"unfinished": -1, "skipped": 0, "ok": 1, "changed": 2, "failed": 3}


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._origin = time.monotonic()
        self._playbook = ""
        self._play = ""
        self._tasks: list[dict] = []
        self._open: dict[str, dict] = {}  # task uuid -> its entry while it runs

    # ------------------------------------------------------------------ helpers
    def _now(self) -> float:
        return time.monotonic() - self._origin

    def _entry(self, task) -> dict:
        entry = self._open.get(task._uuid)
        if entry is None:  # a result without a task start (should not happen): record it anyway
            entry = self._start(task)
        return entry

    def _start(self, task) -> dict:
        role = task._role.get_name(include_role_fqcn=False) if task._role else ""
        name = task.get_name(include_role_fqcn=False)
        entry = {
            "name": name.removeprefix(f"{role} : ") if role else name,
            "role": role,
            "action": task.resolved_action or task.action,
            "play": self._play,
            "start": round(self._now(), 3),
            "duration": 0.0,
            "status": "unfinished",
            "hosts": 0,
            "items": {},
            "retries": 0,
            "include": task.action
            in (
                "include_tasks",
                "include_role",
                "ansible.builtin.include_tasks",
                "ansible.builtin.include_role",
            ),
        }
        self._tasks.append(entry)
        self._open[task._uuid] = entry
        return entry

    def _finish(self, result, status: str, **extra) -> None:
        entry = self._entry(result.task)
        entry["hosts"] += 1
        entry["duration"] = round(self._now() - entry["start"], 3)
        if RANK[status] > RANK[entry["status"]]:
            entry["status"] = status
        entry.update(extra)

    def _item(self, result, status: str) -> None:
        items = self._entry(result.task)["items"]
        items[status] = items.get(status, 0) + 1

    # ------------------------------------------------------------------ playbook events
    def v2_playbook_on_start(self, playbook):
        self._origin = time.monotonic()
        self._playbook = getattr(playbook, "_file_name", "")

    def v2_playbook_on_play_start(self, play):
        self._play = play.get_name()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    # ------------------------------------------------------------------ results
    def v2_runner_on_ok(self, result):
        self._finish(result, "changed" if result.is_changed() else "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._finish(result, "failed", **({"ignored": True} if ignore_errors else {}))

    def v2_runner_on_skipped(self, result):
        self._finish(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._finish(result, "failed", unreachable=True)

    def v2_runner_item_on_ok(self, result):
        self._item(result, "changed" if result.is_changed() else "ok")

    def v2_runner_item_on_failed(self, result):
        self._item(result, "failed")

    def v2_runner_item_on_skipped(self, result):
        self._item(result, "skipped")

    def v2_runner_retry(self, result):
        self._entry(result.task)["retries"] += 1

    # ------------------------------------------------------------------ the end
    def v2_playbook_on_stats(self, stats):
        recap = {host: stats.summarize(host) for host in sorted(stats.processed)}
        data = {
            "playbook": self._playbook,
            "duration": round(self._now(), 3),
            "recap": recap,
            "tasks": self._tasks,
        }
        path = self.get_option("output") or os.environ.get("BENCH_RESULTS_FILE")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1)
