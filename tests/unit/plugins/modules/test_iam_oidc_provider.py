"""iam_oidc_provider and iam_oidc_provider_info: against the emulator where it has the API, Stubber
for the audience (client id) changes it lacks."""

from __future__ import annotations

import pytest
from aws_module_runner import emulator_env, module_fail, no_poll_delay, run_module, stubbed  # noqa: F401  pylint: disable=unused-import

from ansible_collections.langchain.langsmith_aws.plugins.modules import iam_oidc_provider, iam_oidc_provider_info

ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF"
HOST = ISSUER.removeprefix("https://")
ARN = f"arn:aws:iam::123456789012:oidc-provider/{HOST}"


def test_create_then_no_op_then_found_by_url(run_module, emulator_env):
    iam = emulator_env.client("iam")
    args = {"url": ISSUER, "tags": {"langsmith:env": "demo"}}

    planned = run_module(iam_oidc_provider.main, args, check_mode=True)
    assert planned["changed"] is True
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []

    created = run_module(iam_oidc_provider.main, args)
    assert created["changed"] is True
    assert created["arn"] == ARN
    stored = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=ARN)
    assert stored["ClientIDList"] == ["sts.amazonaws.com"]
    assert {t["Key"]: t["Value"] for t in stored["Tags"]} == {"langsmith:env": "demo"}

    again = run_module(iam_oidc_provider.main, {**args, "url": HOST + "/"})  # scheme and slash do not matter
    assert again["changed"] is False

    found = run_module(iam_oidc_provider_info.main, {"url": ISSUER})
    assert [p["arn"] for p in found["oidc_providers"]] == [ARN]
    assert found["oidc_providers"][0]["url"] == HOST


def test_info_finds_nothing_for_another_issuer(run_module, emulator_env):
    emulator_env.client("iam").create_open_id_connect_provider(Url=ISSUER, ClientIDList=["sts.amazonaws.com"])

    found = run_module(iam_oidc_provider_info.main, {"url": ISSUER.replace("0123", "9999")})

    assert found["oidc_providers"] == []
    assert len(run_module(iam_oidc_provider_info.main, {})["oidc_providers"]) == 1


def test_tags_and_thumbprints_are_corrected(run_module, emulator_env):
    iam = emulator_env.client("iam")
    iam.create_open_id_connect_provider(
        Url=ISSUER, ClientIDList=["sts.amazonaws.com"], Tags=[{"Key": "stale", "Value": "1"}]
    )
    thumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

    result = run_module(
        iam_oidc_provider.main,
        {"url": ISSUER, "tags": {"langsmith:env": "demo"}, "thumbprints": [thumbprint]},
        diff=True,
    )

    assert result["changed"] is True
    assert result["diff"]["before"]["tags"] == {"stale": "1"}
    stored = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=ARN)
    assert {t["Key"]: t["Value"] for t in stored["Tags"]} == {"langsmith:env": "demo"}
    assert stored["ThumbprintList"] == [thumbprint]


def test_delete(run_module, emulator_env):
    iam = emulator_env.client("iam")
    iam.create_open_id_connect_provider(Url=ISSUER, ClientIDList=["sts.amazonaws.com"])

    assert run_module(iam_oidc_provider.main, {"url": ISSUER, "state": "absent"})["changed"] is True
    assert iam.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    assert run_module(iam_oidc_provider.main, {"url": ISSUER, "state": "absent"})["changed"] is False


def provider_lookup(stub, client_ids):
    stub.add_response("list_open_id_connect_providers", {"OpenIDConnectProviderList": [{"Arn": ARN}]})
    stub.add_response(
        "get_open_id_connect_provider",
        {"Url": HOST, "ClientIDList": client_ids, "ThumbprintList": [], "Tags": []},
        {"OpenIDConnectProviderArn": ARN},
    )


def test_audiences_are_added_and_removed(run_module, stubbed):
    iam, stub = stubbed("iam")
    provider_lookup(stub, ["other-audience"])
    stub.add_response(
        "add_client_id_to_open_id_connect_provider",
        {},
        {"OpenIDConnectProviderArn": ARN, "ClientID": "sts.amazonaws.com"},
    )
    stub.add_response(
        "remove_client_id_from_open_id_connect_provider",
        {},
        {"OpenIDConnectProviderArn": ARN, "ClientID": "other-audience"},
    )
    stub.add_response(
        "get_open_id_connect_provider",
        {"Url": HOST, "ClientIDList": ["sts.amazonaws.com"], "ThumbprintList": [], "Tags": []},
        {"OpenIDConnectProviderArn": ARN},
    )

    result = run_module(iam_oidc_provider.main, {"url": ISSUER}, {"iam": iam})

    assert result["updates"] == ["client ids: +sts.amazonaws.com", "client ids: -other-audience"]
    assert result["oidc_provider"]["client_id_list"] == ["sts.amazonaws.com"]


def test_audience_change_in_check_mode_is_only_reported(run_module, stubbed):
    iam, stub = stubbed("iam")
    provider_lookup(stub, ["other-audience"])

    result = run_module(iam_oidc_provider.main, {"url": ISSUER}, {"iam": iam}, check_mode=True, diff=True)

    assert result["changed"] is True
    assert result["diff"]["after"]["client_id_list"] == ["sts.amazonaws.com"]


def test_empty_url_fails(run_module, stubbed, module_fail):
    iam = stubbed("iam")[0]

    with pytest.raises(module_fail) as failed:
        run_module(iam_oidc_provider.main, {"url": "https://"}, {"iam": iam})

    assert "url is empty" in failed.value.result["msg"]
