"""Run our modules in-process: arguments in, exit_json/fail_json results out.

Fixtures for every module test; each test file imports them (a conftest.py here would shadow
tests/conftest.py as the ``conftest`` module that the integration tests import from).

AWS calls go either to botocore ``Stubber``-wrapped clients (for what the emulator lacks) or, with
``clients=None``, to the emulator of the ``aws`` fixture through the module's real client.
"""

from __future__ import annotations

import boto3
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import eks as eks_utils


class ModuleExit(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


class ModuleFail(Exception):
    def __init__(self, result):
        super().__init__(result.get("msg"))
        self.result = result


@pytest.fixture(autouse=True)
def no_poll_delay(monkeypatch):
    """Waits poll without sleeping."""
    monkeypatch.setattr(eks_utils, "POLL_DELAY", 0)


@pytest.fixture
def stubbed():
    """``stubbed('eks')`` -> (client, stubber); every stubber must be fully consumed at the end."""
    stubbers = []

    def _make(service):
        client = boto3.client(
            service,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            endpoint_url="https://stubbed.invalid",
        )
        stubber = Stubber(client)
        stubber.activate()
        stubbers.append(stubber)
        return client, stubber

    yield _make
    for stubber in stubbers:
        stubber.assert_no_pending_responses()


@pytest.fixture
def run_module(monkeypatch):
    """``run_module(main, args, clients={'eks': client}, check_mode=False, diff=False)`` -> result dict.

    Raises ModuleFail (with ``.result``) when the module fails.
    """

    def _exit(self, **kwargs):
        raise ModuleExit(kwargs)

    def _fail(self, **kwargs):
        raise ModuleFail(kwargs)

    monkeypatch.setattr(AnsibleAWSModule, "exit_json", _exit)
    monkeypatch.setattr(AnsibleAWSModule, "fail_json", _fail)

    def _run(main, args, clients=None, check_mode=False, diff=False):
        if clients is not None:

            def _client(self, service, retry_decorator=None, **kwargs):
                client = clients[service]
                return client if retry_decorator is None else RetryingBotoClientWrapper(client, retry_decorator)

            monkeypatch.setattr(AnsibleAWSModule, "client", _client)
        module_args = {**args, "_ansible_check_mode": check_mode, "_ansible_diff": diff}
        with patch_module_args(module_args):
            try:
                main()
            except ModuleExit as done:
                return done.result
        raise AssertionError("module returned without exit_json/fail_json")

    return _run


@pytest.fixture
def emulator_env(aws, monkeypatch):
    """Point the modules' real clients at the emulator (reset for this test)."""
    for key, value in aws.env().items():
        monkeypatch.setenv(key, value)
    return aws


@pytest.fixture
def module_fail():
    """The exception a failing module raises (``.result`` holds the fail_json arguments)."""
    return ModuleFail
