#!/usr/bin/python
# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: langsmith_trace
short_description: Send a first trace to a LangSmith installation with the langsmith SDK and read it back
version_added: 0.1.0
description:
  - Proves the whole LangSmith path end to end after an install, the way a user's first trace does.
    The run goes in through the API (backend, Redis, the queue workers, ClickHouse) and is read back
    through the API (backend, ClickHouse).
  - The run id is derived from O(api_url) and O(project), so the first call creates the run
    (C(changed) true) and later calls only read it back (C(changed) false).
  - Uses the C(langsmith) Python SDK on the controller. The API key is never returned or logged.
author:
  - LangSmith AWS collection maintainers (@langchain-ai)
options:
  api_url:
    description: The LangSmith API endpoint, C(https://<hostname>/api/v1) for a self-hosted installation.
    type: str
    required: true
  api_key:
    description: A LangSmith API key (personal access token or service key) of the installation.
    type: str
    required: true
  project:
    description: Project (tracing session) the run is written to; created on first use.
    type: str
    default: langsmith-aws-first-trace
  timeout:
    description: Seconds to wait until the run can be read back.
    type: int
    default: 300
  validate_certs:
    description: Validate the installation's TLS certificate.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: In check mode the run is only looked up; C(changed) says whether it would be created.
  diff_mode:
    support: none
    description: Nothing to diff.
requirements:
  - langsmith (the Python SDK)
"""

EXAMPLES = r"""
- name: Send a first trace and read it back
  langchain.langsmith_aws.langsmith_trace:
    api_url: https://langsmith.example.com/api/v1
    api_key: "{{ vault_langsmith_api_key }}"
    project: langsmith-aws-first-trace
  register: first_trace
"""

RETURN = r"""
run_id:
  description: Id of the first-trace run (stable for an O(api_url) and O(project)).
  returned: success
  type: str
  sample: 8c0a2c1e-7b8f-5b0e-9d55-3f2f4d6c1a77
project:
  description: Project of the run.
  returned: success
  type: str
  sample: langsmith-aws-first-trace
created:
  description: Whether this call created the run (false when it existed already, or in check mode).
  returned: success
  type: bool
  sample: true
seconds_to_read_back:
  description: Seconds from sending the run until it could be read back (0 when it existed).
  returned: success
  type: float
  sample: 4.2
"""

import time
import traceback
import uuid
from datetime import datetime, timezone

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

LANGSMITH_IMPORT_ERROR = None
try:
    import langsmith
    import requests  # a dependency of langsmith
except ImportError:
    langsmith = requests = None
    LANGSMITH_IMPORT_ERROR = traceback.format_exc()

POLL_DELAY = 2.0
RUN_NAME = "langsmith-aws first trace"


def first_trace_id(api_url, project):
    """Stable run id for an installation and project (a UUID5 of both)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{api_url.rstrip('/')}#{project}#first-trace"))


def _is_not_found(error):
    return type(error).__name__ in ("LangSmithNotFoundError", "NotFoundError") or "404" in str(error)


def read_run(client, run_id):
    """The run, or None when the installation does not have it (yet)."""
    try:
        return client.read_run(run_id)
    except Exception as error:  # the SDK raises its own error classes
        if _is_not_found(error):
            return None
        raise


def make_client(params):
    kwargs = {"api_url": params["api_url"], "api_key": params["api_key"], "auto_batch_tracing": False}
    if not params["validate_certs"]:
        session = requests.Session()
        session.verify = False
        kwargs["session"] = session
    return langsmith.Client(**kwargs)


class TraceNotReadBack(Exception):
    """The run was accepted but did not come back within the timeout."""


def first_trace(client, params, check_mode=False, clock=time.monotonic, sleep=time.sleep):
    """Create the first-trace run unless it exists, then read it back: ``(changed, result)``."""
    run_id = first_trace_id(params["api_url"], params["project"])
    result = {"run_id": run_id, "project": params["project"], "created": False, "seconds_to_read_back": 0.0}
    if read_run(client, run_id) is not None:
        return False, result
    if check_mode:
        return True, result

    now = datetime.now(timezone.utc)
    client.create_run(
        name=RUN_NAME,
        run_type="chain",
        id=run_id,
        project_name=params["project"],
        inputs={"question": "Is this LangSmith installation answering?"},
        outputs={"answer": "yes"},
        start_time=now,
        end_time=now,
        extra={"metadata": {"source": "langchain.langsmith_aws"}},
    )
    started = clock()
    while read_run(client, run_id) is None:
        if clock() - started >= params["timeout"]:
            raise TraceNotReadBack(
                f"The first trace {run_id} was accepted but could not be read back within {params['timeout']} s: "
                "the write path (backend -> Redis -> queue -> ClickHouse) is stalled. Check the queue and "
                "ClickHouse pods and TROUBLESHOOTING.md."
            )
        sleep(POLL_DELAY)
    result.update(created=True, seconds_to_read_back=round(clock() - started, 1))
    return True, result


def main():
    module = AnsibleModule(
        argument_spec=dict(
            api_url=dict(type="str", required=True),
            api_key=dict(type="str", required=True, no_log=True),
            project=dict(type="str", default="langsmith-aws-first-trace"),
            timeout=dict(type="int", default=300),
            validate_certs=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    if langsmith is None:
        module.fail_json(msg=missing_required_lib("langsmith"), exception=LANGSMITH_IMPORT_ERROR)
    try:
        changed, result = first_trace(make_client(module.params), module.params, check_mode=module.check_mode)
    except TraceNotReadBack as error:
        module.fail_json(msg=str(error), run_id=first_trace_id(module.params["api_url"], module.params["project"]))
    except Exception as error:  # the SDK raises its own error classes (auth, HTTP, connection)
        module.fail_json(
            msg=f"LangSmith at {module.params['api_url']} rejected or failed the first trace: {error}",
            exception=traceback.format_exc(),
        )
    module.exit_json(changed=changed, **result)


if __name__ == "__main__":
    main()
