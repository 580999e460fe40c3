"""The shared inputs and the AWS target guard (checked once per run by the langsmith role)."""

from __future__ import annotations

import pytest

from ansible_collections.langchain.langsmith_aws.plugins.filter.langsmith import langsmith_input_problems

GOOD = {
    "env": "demo",
    "region": "us-east-1",
    "tier": "dev",
    "tiers": ["dev", "production", "production_large"],
    "hostname": "langsmith.demo.example.com",
    "tags": {"team": "platform"},
    "emulator": True,
    "endpoint_url": "http://127.0.0.1:5000",
    "env_endpoint_url": "http://127.0.0.1:5000",
}


def test_good_inputs_pass():
    assert langsmith_input_problems(GOOD) == []
    assert langsmith_input_problems({**GOOD, "hostname": ""}) == []
    real = {**GOOD, "emulator": False, "endpoint_url": "", "env_endpoint_url": ""}
    assert langsmith_input_problems(real) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"env": "Prod_1"}, "langsmith_env=Prod_1 is not usable"),
        ({"env": "a"}, "langsmith_env=a"),
        ({"region": "useast1"}, "langsmith_region=useast1 is not an AWS region name"),
        ({"tier": "huge"}, "langsmith_tier=huge has no entry"),
        ({"hostname": "https://x.example.com"}, "is not a DNS name"),
        ({"tags": {"Name": "x"}}, "langsmith_tags may not set Name"),
        ({"tags": {"aws:foo": "x"}}, "aws:* keys"),
        ({"tags": {"ok": "x" * 257}}, "at most 256 characters"),
        ({"endpoint_url": "https://ec2.us-east-1.amazonaws.com"}, "is not a loopback URL"),
        ({"endpoint_url": ""}, "is not a loopback URL"),
        ({"emulator": False, "endpoint_url": ""}, "endpoint override is set"),
    ],
)
def test_each_mistake_names_the_variable(change, message):
    problems = langsmith_input_problems({**GOOD, **change})
    assert any(message in p for p in problems), problems


def test_every_mistake_is_reported_at_once():
    assert len(langsmith_input_problems({**GOOD, "env": "X", "region": "nowhere", "tier": "huge"})) == 3
