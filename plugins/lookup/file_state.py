# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: file_state
author: LangSmith AWS collection maintainers (@langchain-ai)
version_added: 0.1.0
short_description: What the controller holds at some paths (exists, directory, mode, SHA-1)
description:
  - For each path, whether it exists on the controller, whether it is a directory, its permission
    bits and, for a file, the SHA-1 of its content (the checksum ansible.builtin.copy compares).
  - The roles write their artifacts (kubeconfig, rendered manifests, Helm values) only where this
    differs from what they would write, so a converged run starts no module for them.
  - Lookups run on the controller; the artifacts of this collection live there too.
options:
  _terms:
    description: Paths on the controller.
    type: list
    elements: path
    required: true
"""

EXAMPLES = r"""
- name: Write the file only when its content or mode differs
  ansible.builtin.copy:
    content: "{{ wanted }}"
    dest: /srv/artifacts/values.yaml
    mode: "0640"
  when: >-
    (lookup('langchain.langsmith_aws.file_state', '/srv/artifacts/values.yaml')).sha1 != (wanted | hash('sha1'))
"""

RETURN = r"""
_list:
  description: One entry per path.
  type: list
  elements: dict
  contains:
    path:
      description: The path as given.
      type: str
    exists:
      description: Whether something exists at the path.
      type: bool
    directory:
      description: Whether it is a directory.
      type: bool
    mode:
      description: Permission bits as four octal digits (empty when it does not exist).
      type: str
      sample: "0640"
    sha1:
      description: SHA-1 of a file's content (empty for directories and missing paths).
      type: str
"""

import hashlib
import os
import stat

from ansible.plugins.lookup import LookupBase


def file_state(path):
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return {"path": path, "exists": False, "directory": False, "mode": "", "sha1": ""}
    directory = stat.S_ISDIR(info.st_mode)
    digest = ""
    if not directory:
        sha1 = hashlib.sha1()  # noqa: S324 - the checksum ansible.builtin.copy compares, not a security use
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(65536), b""):
                sha1.update(block)
        digest = sha1.hexdigest()
    return {
        "path": path,
        "exists": True,
        "directory": directory,
        "mode": f"{stat.S_IMODE(info.st_mode):04o}",
        "sha1": digest,
    }


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [file_state(os.path.expanduser(str(term))) for term in terms]
