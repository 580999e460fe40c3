"""langsmith_trace: first trace in, read back out; idempotent through a stable run id.

The langsmith SDK is not a dependency of the test environment, and no LangSmith runs here, so the
SDK's ``Client`` is replaced by a small in-memory fake with the same three methods the module uses
(``read_run``, ``create_run``, and the constructor's keyword arguments). What this proves is the
module's own logic: the stable id, create-only-when-missing, the read-back wait and its timeout,
check mode, error reporting and that the API key never reaches the result.
"""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import ClassVar

import pytest
import requests
from ansible.module_utils.testing import patch_module_args

from ansible_collections.langchain.langsmith_aws.plugins.modules import langsmith_trace

API = "https://langsmith.example.com/api/v1"
KEY = "lsv2_sk_this-is-the-secret-api-key"


class LangSmithNotFoundError(Exception):
    pass


class FakeClient:
    """The SDK Client surface the module uses; a run becomes readable on the ``lag``-th read after its creation."""

    instances: ClassVar[list[FakeClient]] = []

    def __init__(self, *, api_url=None, api_key=None, auto_batch_tracing=True, session=None, lag=0, fail=None):
        self.kwargs = {"api_url": api_url, "api_key": api_key, "auto_batch_tracing": auto_batch_tracing}
        self.session = session
        self.runs: dict[str, dict] = {}
        self.created: list[dict] = []
        self.lag = lag
        self.reads = 0
        self.fail = fail
        FakeClient.instances.append(self)

    def read_run(self, run_id):
        if self.fail:
            raise self.fail
        self.reads += 1
        run = self.runs.get(str(run_id))
        if run is None or run["visible_after"] > self.reads:
            raise LangSmithNotFoundError(f"Resource not found for /runs/{run_id}. HTTPError('404 Client Error')")
        return run

    def create_run(self, **kwargs):
        self.created.append(kwargs)
        self.runs[str(kwargs["id"])] = dict(kwargs, visible_after=self.reads + self.lag)


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def params(**changes):
    return {"api_url": API, "api_key": KEY, "project": "p1", "timeout": 30, "validate_certs": True} | changes


def test_the_run_id_is_stable_per_installation_and_project():
    first = langsmith_trace.first_trace_id(API, "p1")

    assert first == langsmith_trace.first_trace_id(API + "/", "p1")
    assert first != langsmith_trace.first_trace_id(API, "p2")
    assert first != langsmith_trace.first_trace_id("https://other.example.com/api/v1", "p1")


def test_creates_the_run_then_waits_until_it_reads_back():
    client, clock = FakeClient(lag=3), Clock()

    changed, result = langsmith_trace.first_trace(client, params(), clock=clock, sleep=clock.sleep)

    assert changed is True
    assert result["created"] is True
    assert result["run_id"] == langsmith_trace.first_trace_id(API, "p1")
    assert len(client.created) == 1
    run = client.created[0]
    assert run["id"] == result["run_id"]
    assert run["project_name"] == "p1"
    assert run["run_type"] == "chain"
    assert run["end_time"] is not None
    # Read 1 and 2 after the creation miss (one poll delay each), read 3 finds it.
    assert result["seconds_to_read_back"] == pytest.approx(2 * langsmith_trace.POLL_DELAY)


def test_an_existing_run_is_only_read_back():
    client = FakeClient()
    langsmith_trace.first_trace(client, params(), clock=Clock(), sleep=lambda _: None)

    changed, result = langsmith_trace.first_trace(client, params(), clock=Clock(), sleep=lambda _: None)

    assert changed is False
    assert result["created"] is False
    assert len(client.created) == 1


def test_check_mode_creates_nothing():
    client = FakeClient()

    changed, result = langsmith_trace.first_trace(client, params(), check_mode=True)

    assert changed is True
    assert client.created == []
    assert result["created"] is False


def test_a_run_that_never_comes_back_fails_with_the_write_path_named():
    client, clock = FakeClient(lag=10_000), Clock()

    with pytest.raises(langsmith_trace.TraceNotReadBack, match="backend -> Redis -> queue -> ClickHouse"):
        langsmith_trace.first_trace(client, params(timeout=10), clock=clock, sleep=clock.sleep)
    assert clock.now >= 10


def test_other_read_errors_are_not_taken_for_not_found():
    client = FakeClient(fail=PermissionError("401 Unauthorized: invalid API key"))

    with pytest.raises(PermissionError):
        langsmith_trace.first_trace(client, params())


# ------------------------------------------------------------------ main(): SDK wiring and results
@pytest.fixture
def fake_sdk(monkeypatch):
    FakeClient.instances.clear()
    module = types.ModuleType("langsmith")
    module.Client = FakeClient
    monkeypatch.setattr(langsmith_trace, "langsmith", module)
    monkeypatch.setattr(langsmith_trace, "requests", requests)  # a dependency of the real SDK
    monkeypatch.setattr(langsmith_trace, "POLL_DELAY", 0)
    return module


def run_main(args, capsys, check_mode=False):
    full = dict(args)
    if check_mode:
        full["_ansible_check_mode"] = True
    with patch_module_args(full), pytest.raises(SystemExit):
        langsmith_trace.main()
    return json.loads(capsys.readouterr().out)


def test_main_uses_a_synchronous_client_and_never_returns_the_key(fake_sdk, capsys):
    result = run_main(params(), capsys)

    assert result["changed"] is True
    assert result["created"] is True
    client = FakeClient.instances[-1]
    assert client.kwargs == {"api_url": API, "api_key": KEY, "auto_batch_tracing": False}
    assert client.session is None
    assert KEY not in json.dumps(result)


def test_main_without_certificate_validation_passes_an_unverified_session(fake_sdk, capsys):
    run_main(params(validate_certs=False), capsys)

    assert FakeClient.instances[-1].session.verify is False


def test_main_reports_sdk_errors_without_the_key(fake_sdk, capsys, monkeypatch):
    monkeypatch.setattr(
        fake_sdk, "Client", lambda **kw: FakeClient(**kw, fail=RuntimeError(f"401 for key {kw['api_key']}"))
    )

    result = run_main(params(), capsys)

    assert result["failed"] is True
    assert "rejected or failed the first trace" in result["msg"]
    assert KEY not in json.dumps(result)


def test_main_without_the_sdk_names_the_missing_library(monkeypatch, capsys):
    monkeypatch.setattr(langsmith_trace, "langsmith", None)

    result = run_main(params(), capsys)

    assert result["failed"] is True
    assert "langsmith" in result["msg"]


def test_the_fake_stays_honest_about_the_sdk_surface():
    """Guard against the fake drifting: the module only calls these Client members."""
    text = Path(sys.modules[langsmith_trace.__name__].__file__).read_text()
    members = ("read_run", "create_run", "update_run", "flush", "create_project")
    calls = {name for name in members if f".{name}(" in text}
    assert calls == {"read_run", "create_run"}
