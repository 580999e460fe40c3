"""acm_certificate_request: against the emulator where it has the API, Stubber for what it cannot
produce (records filled in late, a wait that ends ISSUED / FAILED / timed out, EC key names, errors)."""

from __future__ import annotations

import datetime

import aws_module_runner as runner
import pytest
from botocore.stub import ANY

from ansible_collections.langchain.langsmith_aws.plugins.modules import acm_certificate_request as module

# pytest fixtures shared by the edge module tests
run_module = runner.run_module
stubbed = runner.stubbed
emulator_env = runner.emulator_env
ModuleFail = runner.ModuleFail

HOST = "langsmith.demo.example.com"
NAME = "demo-langsmith-cert"
ARN = "arn:aws:acm:us-east-1:123456789012:certificate/0f4d5d4e-1b8a-4a5e-9c1e-0123456789ab"
ARGS = {"domain_name": HOST, "name_tag": NAME, "tags": {"langsmith:env": "demo"}}
RECORD = {"Name": f"_abc.{HOST}.", "Type": "CNAME", "Value": "_def.acm-validations.aws."}
LIST_PARAMS = {"CertificateStatuses": module.USABLE_STATUSES + module.FINAL_FAILURES, "Includes": {"keyTypes": ANY}}


@pytest.fixture(autouse=True)
def no_poll_delay(monkeypatch):
    monkeypatch.setattr(module, "POLL_DELAY", 0)


def _tags(acm, arn):
    return {t["Key"]: t["Value"] for t in acm.list_tags_for_certificate(CertificateArn=arn)["Tags"]}


# --------------------------------------------------------------------------- emulator
def test_check_mode_then_request_then_no_op(run_module, emulator_env):
    acm = emulator_env.client("acm")

    planned = run_module(module.main, ARGS, check_mode=True, diff=True)
    assert planned["changed"] is True
    assert planned["requested"] is True
    assert planned["certificate"] == {}
    assert planned["diff"]["after"]["tags"] == {"langsmith:env": "demo", "Name": NAME}
    assert acm.list_certificates()["CertificateSummaryList"] == []

    created = run_module(module.main, ARGS)
    assert created["changed"] is True
    assert created["requested"] is True
    arn = created["certificate"]["certificate_arn"]
    described = acm.describe_certificate(CertificateArn=arn)["Certificate"]
    assert described["DomainName"] == HOST
    assert described["Status"] == "PENDING_VALIDATION"
    assert _tags(acm, arn) == {"Name": NAME, "langsmith:env": "demo"}
    wanted = described["DomainValidationOptions"][0]["ResourceRecord"]
    assert created["validation_records"] == [
        {"name": wanted["Name"].rstrip("."), "type": "CNAME", "value": wanted["Value"].rstrip(".")}
    ]

    again = run_module(module.main, ARGS)
    assert again["changed"] is False
    assert again["requested"] is False
    assert again["certificate"]["certificate_arn"] == arn
    assert again["validation_records"] == created["validation_records"]
    assert len(acm.list_certificates()["CertificateSummaryList"]) == 1


def test_tags_are_corrected_and_the_name_is_kept(run_module, emulator_env):
    acm = emulator_env.client("acm")
    arn = run_module(module.main, ARGS)["certificate"]["certificate_arn"]
    acm.add_tags_to_certificate(CertificateArn=arn, Tags=[{"Key": "stale", "Value": "1"}])

    planned = run_module(module.main, {**ARGS, "tags": {"langsmith:env": "prod"}}, check_mode=True)
    assert planned["changed"] is True
    assert planned["certificate"]["tags"] == {"langsmith:env": "prod", "Name": NAME}
    assert _tags(acm, arn) == {"Name": NAME, "langsmith:env": "demo", "stale": "1"}

    result = run_module(module.main, {**ARGS, "tags": {"langsmith:env": "prod"}}, diff=True)
    assert result["changed"] is True
    assert result["updates"] == ["tags: set langsmith:env", "tags: remove stale"]
    assert result["diff"]["before"]["tags"]["stale"] == "1"
    assert _tags(acm, arn) == {"Name": NAME, "langsmith:env": "prod"}

    kept = run_module(module.main, {**ARGS, "tags": {}, "purge_tags": False})
    assert kept["changed"] is False


def test_certificates_of_others_are_never_reused(run_module, emulator_env):
    acm = emulator_env.client("acm")
    # same domain, another Name tag; same domain and Name, but an extra name on it
    acm.request_certificate(DomainName=HOST, ValidationMethod="DNS", Tags=[{"Key": "Name", "Value": "someone-else"}])
    acm.request_certificate(
        DomainName=HOST,
        ValidationMethod="DNS",
        SubjectAlternativeNames=[HOST, f"www.{HOST}"],
        Tags=[{"Key": "Name", "Value": NAME}],
    )

    result = run_module(module.main, ARGS)

    assert result["requested"] is True
    assert len(acm.list_certificates()["CertificateSummaryList"]) == 3
    assert _tags(acm, result["certificate"]["certificate_arn"])["Name"] == NAME


# --------------------------------------------------------------------------- Stubber
def cert(status="PENDING_VALIDATION", records=True, key="RSA-2048", arn=ARN, **extra):
    option = {"DomainName": HOST, "ValidationStatus": status, "ValidationMethod": "DNS"}
    if records:
        option["ResourceRecord"] = RECORD
    return {
        "Certificate": {
            "CertificateArn": arn,
            "DomainName": HOST,
            "SubjectAlternativeNames": [HOST],
            "Status": status,
            "Type": "AMAZON_ISSUED",
            "KeyAlgorithm": key,
            "DomainValidationOptions": [option],
            "CreatedAt": datetime.datetime(2026, 11, 27, tzinfo=datetime.timezone.utc),
            "NotAfter": datetime.datetime(2027, 12, 27, tzinfo=datetime.timezone.utc),
            **extra,
        }
    }


def summary(status="PENDING_VALIDATION", arn=ARN, domain=HOST):
    return {"CertificateArn": arn, "DomainName": domain, "Status": status}


def found(stub, status="PENDING_VALIDATION", records=True, key="RSA-2048"):
    """list -> describe -> tags: the module finds our certificate."""
    stub.add_response("list_certificates", {"CertificateSummaryList": [summary(status)]}, LIST_PARAMS)
    stub.add_response("describe_certificate", cert(status, records, key), {"CertificateArn": ARN})
    stub.add_response(
        "list_tags_for_certificate",
        {"Tags": [{"Key": "Name", "Value": NAME}, {"Key": "langsmith:env", "Value": "demo"}]},
        {"CertificateArn": ARN},
    )


def test_request_waits_for_acm_to_fill_in_the_records(run_module, stubbed):
    acm, stub = stubbed("acm")
    stub.add_response("list_certificates", {"CertificateSummaryList": []}, LIST_PARAMS)
    stub.add_response(
        "request_certificate",
        {"CertificateArn": ARN},
        {
            "DomainName": HOST,
            "ValidationMethod": "DNS",
            "KeyAlgorithm": "RSA_2048",
            "IdempotencyToken": module.idempotency_token(NAME, HOST, "RSA_2048"),
            "Tags": ANY,
        },
    )
    stub.add_response("describe_certificate", cert(records=False), {"CertificateArn": ARN})
    stub.add_response("describe_certificate", cert(records=True), {"CertificateArn": ARN})

    result = run_module(module.main, ARGS, clients={"acm": acm})

    assert result["changed"] is True
    assert result["validation_records"] == [
        {"name": f"_abc.{HOST}", "type": "CNAME", "value": "_def.acm-validations.aws"}
    ]
    assert result["certificate"]["key_algorithm"] == "RSA-2048"


def test_a_failed_certificate_changes_the_idempotency_token(run_module, stubbed):
    acm, stub = stubbed("acm")
    failed = "arn:aws:acm:us-east-1:123456789012:certificate/failed"
    stub.add_response("list_certificates", {"CertificateSummaryList": [summary("FAILED", arn=failed)]}, LIST_PARAMS)
    token = module.idempotency_token(NAME, HOST, "RSA_2048", [failed])
    assert token != module.idempotency_token(NAME, HOST, "RSA_2048")
    stub.add_response(
        "request_certificate",
        {"CertificateArn": ARN},
        {
            "DomainName": HOST,
            "ValidationMethod": "DNS",
            "KeyAlgorithm": "RSA_2048",
            "IdempotencyToken": token,
            "Tags": ANY,
        },
    )
    stub.add_response("describe_certificate", cert(), {"CertificateArn": ARN})

    assert run_module(module.main, ARGS, clients={"acm": acm})["requested"] is True


def test_wait_returns_once_issued(run_module, stubbed):
    acm, stub = stubbed("acm")
    found(stub)
    stub.add_response("describe_certificate", cert("PENDING_VALIDATION"), {"CertificateArn": ARN})
    stub.add_response("describe_certificate", cert("ISSUED"), {"CertificateArn": ARN})

    result = run_module(module.main, {**ARGS, "wait": True}, clients={"acm": acm})

    assert result["changed"] is False
    assert result["certificate"]["status"] == "ISSUED"
    assert result["certificate"]["not_after"].startswith("2027-12-27")


def test_wait_times_out_with_the_records_to_create(run_module, stubbed):
    acm, stub = stubbed("acm")
    found(stub)
    stub.add_response("describe_certificate", cert("PENDING_VALIDATION"), {"CertificateArn": ARN})
    stub.add_response("list_tags_for_certificate", {"Tags": [{"Key": "Name", "Value": NAME}]}, {"CertificateArn": ARN})

    with pytest.raises(ModuleFail) as failure:
        run_module(module.main, {**ARGS, "wait": True, "wait_timeout": 0}, clients={"acm": acm})

    msg = failure.value.result["msg"]
    assert "still PENDING_VALIDATION after 0s" in msg
    assert f"_abc.{HOST} CNAME _def.acm-validations.aws" in msg
    assert "delegated from the registrar" in msg


def test_wait_stops_when_acm_gives_up(run_module, stubbed):
    acm, stub = stubbed("acm")
    found(stub)
    stub.add_response("describe_certificate", cert("FAILED", FailureReason="CAA_ERROR"), {"CertificateArn": ARN})
    stub.add_response("list_tags_for_certificate", {"Tags": [{"Key": "Name", "Value": NAME}]}, {"CertificateArn": ARN})

    with pytest.raises(ModuleFail) as failure:
        run_module(module.main, {**ARGS, "wait": True}, clients={"acm": acm})

    assert "is FAILED (CAA_ERROR); ACM will not issue it" in failure.value.result["msg"]


def test_check_mode_never_waits(run_module, stubbed):
    acm, stub = stubbed("acm")
    found(stub)

    result = run_module(module.main, {**ARGS, "wait": True}, clients={"acm": acm}, check_mode=True)

    assert result["changed"] is False
    assert result["certificate"]["status"] == "PENDING_VALIDATION"


def test_key_algorithm_is_part_of_the_identity(run_module, stubbed):
    acm, stub = stubbed("acm")
    stub.add_response("list_certificates", {"CertificateSummaryList": [summary()]}, LIST_PARAMS)
    stub.add_response("describe_certificate", cert(key="RSA-2048"), {"CertificateArn": ARN})

    result = run_module(module.main, {**ARGS, "key_algorithm": "EC_prime256v1"}, clients={"acm": acm}, check_mode=True)

    assert result["requested"] is True
    assert result["changed"] is True


def test_an_api_error_names_what_failed(run_module, stubbed):
    acm, stub = stubbed("acm")
    stub.add_client_error("list_certificates", "AccessDeniedException", "not allowed", expected_params=LIST_PARAMS)

    with pytest.raises(ModuleFail) as failure:
        run_module(module.main, ARGS, clients={"acm": acm})

    assert failure.value.result["msg"].startswith("Failed to list ACM certificates")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ([{"ResourceRecord": RECORD}, {"ResourceRecord": RECORD}], 1),  # a wildcard shares its record
        ([{"ResourceRecord": RECORD}, {}], 1),
        ([], 0),
    ],
)
def test_validation_records_are_distinct(options, expected):
    assert len(module.validation_records({"DomainValidationOptions": options})) == expected
