"""Helpers shared by the preflight modules: error classification, instance families, tags."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.parsers import ResponseParserError

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import preflight


def client_error(code, status=400, message="nope"):
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}}, "Op"
    )


@pytest.mark.parametrize(
    ("exc", "denied"),
    [
        (client_error("AccessDenied", 403), True),
        (client_error("AccessDeniedException"), True),
        (client_error("UnauthorizedOperation"), True),
        (client_error("", 403), True),  # JSON services behind some endpoints lose the code
        (client_error("Throttling"), False),
        (client_error("NoSuchResourceException"), False),
    ],
)
def test_is_access_denied(exc, denied):
    assert preflight.is_access_denied(exc) is denied


def test_error_summary_is_one_short_line():
    text = preflight.error_summary(client_error("AccessDenied", message="User x\n  is not  authorized " + "y" * 400))
    assert text.startswith("AccessDenied: User x is not authorized")
    assert len(text) == 300
    assert "\n" not in text


def test_error_summary_of_an_xml_error_in_a_json_protocol():
    body = (
        '<?xml version="1.0" encoding="utf-8"?><ErrorResponse><Errors><Error><Code>AccessDeniedException</Code>'
        "<Message>User: u is not authorized to perform: eks:ListClusters</Message></Error></Errors></ErrorResponse>"
    )
    text = preflight.error_summary(client_error("", 403, message=body))
    assert text == "AccessDeniedException: User: u is not authorized to perform: eks:ListClusters"


def test_error_summary_of_a_non_aws_answer():
    exc = ResponseParserError("Unable to parse response: b'<html><title>500 Internal Server Error</title>'")
    assert preflight.error_summary(exc) == "unparseable response from the endpoint (500 Internal Server Error)"


@pytest.mark.parametrize(
    ("instance_type", "standard"),
    [
        ("m6i.2xlarge", True),
        ("r6i.xlarge", True),
        ("t3.medium", True),
        ("c7g.large", True),
        ("im4gn.large", True),
        ("inf2.xlarge", False),
        ("dl1.24xlarge", False),
        ("hpc7g.4xlarge", False),
        ("trn1.2xlarge", False),
        ("mac2.metal", False),
        ("u-6tb1.metal", False),
        ("g5.xlarge", False),
        ("p4d.24xlarge", False),
        ("x2idn.large", False),
    ],
)
def test_is_standard_family(instance_type, standard):
    assert preflight.is_standard_family(instance_type) is standard


def test_tags_match():
    assert preflight.tags_match(
        [{"Key": "langsmith:env", "Value": "prod"}, {"Key": "x", "Value": "1"}], {"langsmith:env": "prod"}
    )
    assert not preflight.tags_match([{"Key": "langsmith:env", "Value": "dev"}], {"langsmith:env": "prod"})
    assert not preflight.tags_match({"langsmith:env": "prod"}, {})


@pytest.mark.parametrize(
    ("operation", "ok"),
    [
        ("DescribeVpcs", True),
        ("ListClusters", True),
        ("CreateVpc", False),
        ("GetSecretValue", False),
        ("", False),
        ("describe_vpcs", False),
    ],
)
def test_read_only_operations(operation, ok):
    assert preflight.is_read_only_operation(operation) is ok


def test_method_for_operation():
    client = boto3.client("wafv2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    assert preflight.method_for_operation(client, "ListWebACLs") == "list_web_acls"
    assert preflight.method_for_operation(client, "ListNothing") is None
