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
    "aws_retry_mode": "standard",
    "aws_max_attempts": 8,
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
        ({"aws_retry_mode": "fast"}, "langsmith_aws_retry_mode=fast is not a botocore retry mode"),
        ({"aws_max_attempts": 0}, "langsmith_aws_max_attempts=0 must be a whole number from 1 to 20"),
        ({"aws_max_attempts": "many"}, "langsmith_aws_max_attempts=many"),
    ],
)
def test_each_mistake_names_the_variable(change, message):
    problems = langsmith_input_problems({**GOOD, **change})
    assert any(message in p for p in problems), problems


def test_every_mistake_is_reported_at_once():
    assert len(langsmith_input_problems({**GOOD, "env": "X", "region": "nowhere", "tier": "huge"})) == 3


# --------------------------------------------------------------------------- unknown and mistyped variables
from ansible_collections.langchain.langsmith_aws.plugins.filter.langsmith import (  # noqa: E402
    langsmith_spec_options,
    langsmith_variable_problems,
)

SPECS = [
    {"argument_specs": {"main": {"options": {"langsmith_tier": {"type": "str"}, "langsmith_tags": {"type": "dict"}}}}},
    {
        "argument_specs": {
            "main": {"options": {"network_vpc_cidr": {"type": "str"}, "network_az_count": {"type": "int"}}},
            "start": {"options": {"network_verify": {"type": "bool"}}},
        }
    },
    {"argument_specs": {"main": {"options": {"eks_general_instance_types": {"type": "list"}}}}},
]
OPTIONS = langsmith_spec_options(SPECS)


def test_every_entry_point_of_every_role_counts():
    assert set(OPTIONS) == {
        "langsmith_tier",
        "langsmith_tags",
        "network_vpc_cidr",
        "network_az_count",
        "network_verify",
        "eks_general_instance_types",
    }


def test_a_typo_in_our_prefix_names_the_closest_variables():
    [problem] = langsmith_variable_problems({"langsmith_teir": "production"}, OPTIONS)
    assert problem.startswith("langsmith_teir is not a variable of this collection")
    assert "Did you mean langsmith_tier" in problem


def test_a_typo_in_the_prefix_itself_is_caught_as_a_near_miss():
    [problem] = langsmith_variable_problems({}, OPTIONS, other_names=["netwrok_vpc_cidr", "inventory_dir", "groups"])
    assert "netwrok_vpc_cidr looks like a misspelt network_vpc_cidr" in problem


def test_published_facts_extra_variables_and_ansible_names_pass():
    values = {"network_outputs": {}, "eks_summary": [], "secrets_credentials": {}, "network_mine": 1}
    assert langsmith_variable_problems(values, OPTIONS, allowed=["network_mine"], other_names=["ansible_netwrk"]) == []


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("eks_general_instance_types", "a,b", "must be a list"),
        ("langsmith_tags", ["a"], "must be a mapping"),
        ("network_az_count", "three", "must be an integer"),
        ("network_az_count", True, "must be an integer"),
        ("network_verify", "sometimes", "must be a boolean"),
    ],
)
def test_wrong_types_name_the_variable_and_the_expected_type(name, value, message):
    [problem] = langsmith_variable_problems({name: value}, OPTIONS)
    assert problem.startswith(f"{name} {message}")


@pytest.mark.parametrize(
    ("name", "value"),
    [("network_az_count", "3"), ("network_az_count", 3), ("network_verify", "yes"), ("network_verify", False)],
)
def test_values_ansible_converts_pass(name, value):
    assert langsmith_variable_problems({name: value}, OPTIONS) == []
