# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which artifacts (files and directories on the controller) differ from what a role would write."""

from __future__ import annotations

import hashlib

from ansible.module_utils.common.text.converters import to_bytes


def _mode(value):
    return f"{int(str(value), 8):04o}"


def files_to_write(files, states):
    """The ``files`` (``[{dest, content, mode}]``) whose content or mode differs from ``states``
    (``file_state`` lookup results, in any order): what ansible.builtin.copy would change."""
    by_path = {s["path"]: s for s in states or []}
    todo = []
    for item in files or []:
        state = by_path.get(item["dest"]) or {}
        sha1 = hashlib.sha1(to_bytes(item["content"])).hexdigest()  # noqa: S324 - copy's checksum
        if (
            not state.get("exists")
            or state.get("directory")
            or state.get("sha1") != sha1
            or state.get("mode") != _mode(item["mode"])
        ):
            todo.append(item)
    return todo


def dirs_to_make(dirs, states):
    """The ``dirs`` (``[{path, mode}]``) missing or with another mode (what ansible.builtin.file
    ``state: directory`` would change)."""
    by_path = {s["path"]: s for s in states or []}
    return [
        d
        for d in dirs or []
        if not (by_path.get(d["path"]) or {}).get("directory") or by_path[d["path"]].get("mode") != _mode(d["mode"])
    ]


class FilterModule:
    def filters(self):
        return {"files_to_write": files_to_write, "dirs_to_make": dirs_to_make}
