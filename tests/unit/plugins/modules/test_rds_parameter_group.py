"""rds_parameter_group: parameters really set (or the task fails), honest check mode, idempotence.

AWS lists every engine parameter with its metadata (ApplyType, IsModifiable); the emulator lists only
what was set, without metadata, and returns an empty list instead of DBParameterGroupNotFound. The
AWS shapes are tested with Stubber, the emulator's with the emulator.
"""

from __future__ import annotations

import pytest
from aws_module_runner import ModuleFail, emulator_env, run_module, stubbed  # noqa: F401  # pylint: disable=unused-import

from ansible_collections.langchain.langsmith_aws.plugins.modules import rds_parameter_group as mod

NAME = "prod-langsmith-postgres16"
ARN = f"arn:aws:rds:us-east-1:123456789012:pg:{NAME}"
TAGS = {"langsmith:env": "prod"}


def described(family="postgres16"):
    return {
        "DBParameterGroups": [
            {
                "DBParameterGroupName": NAME,
                "DBParameterGroupFamily": family,
                "Description": "LangSmith",
                "DBParameterGroupArn": ARN,
            }
        ]
    }


def parameter(name, value=None, apply_type="dynamic", modifiable=True):
    entry = {"ParameterName": name, "ApplyType": apply_type, "IsModifiable": modifiable, "DataType": "string"}
    if value is not None:
        entry["ParameterValue"] = value
    return entry


ENGINE_PARAMETERS = [
    parameter("rds.force_ssl", "0"),
    parameter("shared_preload_libraries", "pg_stat_statements", apply_type="static"),
    parameter("rds.extensions", "x", modifiable=False),
]


def expect_parameters(stubber, parameters):
    stubber.add_response("describe_db_parameters", {"Parameters": parameters}, {"DBParameterGroupName": NAME})


def expect_tags(stubber, tags=None):
    stubber.add_response(
        "list_tags_for_resource",
        {"TagList": [{"Key": k, "Value": v} for k, v in (TAGS if tags is None else tags).items()]},
        {"ResourceName": ARN},
    )


def args(**overrides):
    base = {"name": NAME, "family": "postgres16", "parameters": {"rds.force_ssl": 1}, "tags": TAGS}
    base.update(overrides)
    return base


def test_check_mode_on_a_missing_group_reports_the_creation_and_its_parameters(run_module, stubbed):
    client, stubber = stubbed("rds")
    stubber.add_client_error(
        "describe_db_parameter_groups", service_error_code="DBParameterGroupNotFound", http_status_code=404
    )
    result = run_module(mod.main, args(), clients={"rds": client}, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["parameter_group"]["parameters"] == {"rds.force_ssl": "1"}
    assert result["diff"]["after"]["parameters"] == {"rds.force_ssl": "1"}


def test_create_then_set_the_dynamic_parameter_immediately(run_module, stubbed):
    client, stubber = stubbed("rds")
    stubber.add_client_error(
        "describe_db_parameter_groups", service_error_code="DBParameterGroupNotFound", http_status_code=404
    )
    stubber.add_response(
        "create_db_parameter_group",
        {"DBParameterGroup": described()["DBParameterGroups"][0]},
        {
            "DBParameterGroupName": NAME,
            "DBParameterGroupFamily": "postgres16",
            "Description": NAME,
            "Tags": [{"Key": "langsmith:env", "Value": "prod"}],
        },
    )
    stubber.add_response("describe_db_parameter_groups", described(), {"DBParameterGroupName": NAME})
    expect_parameters(stubber, ENGINE_PARAMETERS)
    stubber.add_response(
        "modify_db_parameter_group",
        {"DBParameterGroupName": NAME},
        {
            "DBParameterGroupName": NAME,
            "Parameters": [{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}],
        },
    )
    expect_tags(stubber)
    expect_parameters(stubber, [parameter("rds.force_ssl", "1"), *ENGINE_PARAMETERS[1:]])
    expect_tags(stubber)
    result = run_module(mod.main, args(), clients={"rds": client})
    assert result["changed"] is True
    assert result["parameter_group"]["parameters"] == {"rds.force_ssl": "1"}


def test_static_parameters_wait_for_a_reboot(run_module, stubbed):
    client, stubber = stubbed("rds")
    stubber.add_response("describe_db_parameter_groups", described(), None)
    expect_parameters(stubber, ENGINE_PARAMETERS)
    stubber.add_response(
        "modify_db_parameter_group",
        {"DBParameterGroupName": NAME},
        {
            "DBParameterGroupName": NAME,
            "Parameters": [
                {"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"},
                {
                    "ParameterName": "shared_preload_libraries",
                    "ParameterValue": "pg_stat_statements,auto_explain",
                    "ApplyMethod": "pending-reboot",
                },
            ],
        },
    )
    expect_tags(stubber)
    expect_parameters(stubber, ENGINE_PARAMETERS)
    expect_tags(stubber)
    wanted = {"rds.force_ssl": True, "shared_preload_libraries": "pg_stat_statements,auto_explain"}
    assert run_module(mod.main, args(parameters=wanted), clients={"rds": client})["changed"] is True


def test_set_values_change_nothing(run_module, stubbed):
    client, stubber = stubbed("rds")
    stubber.add_response("describe_db_parameter_groups", described(), None)
    expect_parameters(stubber, [parameter("rds.force_ssl", "1"), *ENGINE_PARAMETERS[1:]])
    expect_tags(stubber)
    expect_tags(stubber)
    result = run_module(mod.main, args(parameters={"rds.force_ssl": "true"}), clients={"rds": client})
    assert result["changed"] is False
    assert result["parameter_group"]["parameters"] == {"rds.force_ssl": "1"}


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ({"rds.force_sll": 1}, "rds.force_sll is not a parameter of this family"),
        ({"rds.extensions": "y"}, "rds.extensions cannot be modified"),
    ],
)
def test_unknown_or_fixed_parameters_fail_instead_of_warning(run_module, stubbed, wanted, message):
    client, stubber = stubbed("rds")
    stubber.add_response("describe_db_parameter_groups", described(), None)
    expect_parameters(stubber, ENGINE_PARAMETERS)
    with pytest.raises(ModuleFail) as failed:
        run_module(mod.main, args(parameters=wanted), clients={"rds": client})
    assert message in failed.value.result["msg"]


def test_a_family_cannot_change(run_module, stubbed):
    client, stubber = stubbed("rds")
    stubber.add_response("describe_db_parameter_groups", described(family="postgres15"), None)
    with pytest.raises(ModuleFail) as failed:
        run_module(mod.main, args(), clients={"rds": client})
    assert "has family postgres15, not postgres16" in failed.value.result["msg"]


def test_check_mode_on_a_wrong_value_calls_no_modify(run_module, stubbed):
    client, stubber = stubbed("rds")
    stubber.add_response("describe_db_parameter_groups", described(), None)
    expect_parameters(stubber, ENGINE_PARAMETERS)
    expect_tags(stubber)
    expect_tags(stubber)
    result = run_module(mod.main, args(), clients={"rds": client}, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"] == {
        "before": {"parameters": {"rds.force_ssl": "0"}},
        "after": {"parameters": {"rds.force_ssl": "1"}},
    }
    assert result["parameter_group"]["parameters"] == {"rds.force_ssl": "1"}


def test_describe_errors_fail_with_the_action(run_module, stubbed):
    client, stubber = stubbed("rds")
    stubber.add_client_error("describe_db_parameter_groups", service_error_code="AccessDenied", http_status_code=403)
    with pytest.raises(ModuleFail) as failed:
        run_module(mod.main, args(), clients={"rds": client})
    assert f"Failed to describe DB parameter group {NAME}" in failed.value.result["msg"]


def test_delete(run_module, stubbed):
    client, stubber = stubbed("rds")
    stubber.add_response("describe_db_parameter_groups", described(), None)
    stubber.add_response("delete_db_parameter_group", {}, {"DBParameterGroupName": NAME})
    assert run_module(mod.main, {"name": NAME, "state": "absent"}, clients={"rds": client})["changed"] is True


@pytest.mark.parametrize(
    ("value", "expected"),
    [(True, "1"), (False, "0"), ("on", "1"), ("off", "0"), (1, "1"), (" 256 ", "256"), ("md5", "md5")],
)
def test_values_are_normalized_like_rds_stores_them(value, expected):
    assert mod.normalize(value) == expected


def test_create_set_and_no_change_against_the_emulator(run_module, emulator_env):
    first = run_module(mod.main, args(name="unit-postgres16"))
    second = run_module(mod.main, args(name="unit-postgres16"))
    assert first["changed"] is True
    assert second["changed"] is False
    rds = emulator_env.client("rds")
    values = {
        p["ParameterName"]: p.get("ParameterValue")
        for p in rds.describe_db_parameters(DBParameterGroupName="unit-postgres16")["Parameters"]
    }
    assert values["rds.force_ssl"] == "1"
