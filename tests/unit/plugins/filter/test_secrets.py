"""Filters of the secrets role: connection URLs, IRSA trust policies, secret references."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.langchain.langsmith_aws.plugins.filter.irsa import irsa_trust_policy, trust_conditions
from ansible_collections.langchain.langsmith_aws.plugins.filter.secrets import (
    kubernetes_secret_sources,
    postgres_connection_url,
    redis_connection_url,
    secret_refs,
)

PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/ABC"


def test_postgres_url_has_no_scheme_and_requires_tls():
    url = postgres_connection_url("langsmith", "pw", "db.example.com", 5432, "langsmith")
    assert url == "langsmith:pw@db.example.com:5432/langsmith?sslmode=require"


@pytest.mark.parametrize("password", ["p@ss:w/rd?#%", "with space", "ünïcode", "a&b=c"])
def test_postgres_url_encodes_the_password(password):
    url = postgres_connection_url("langsmith", password, "db.example.com", 5432, "langsmith")
    parts = urlsplit(f"postgresql://{url}")
    assert unquote(parts.password) == password
    assert parts.hostname == "db.example.com"
    assert parts.port == 5432
    assert parts.path == "/langsmith"


def test_postgres_url_refuses_an_empty_password():
    with pytest.raises(AnsibleFilterError, match="password is empty"):
        postgres_connection_url("langsmith", "", "db", 5432, "langsmith")


def test_redis_url_is_tls_with_the_token_as_password():
    url = redis_connection_url("tok/en@", "master.x.cache.amazonaws.com", 6379)
    assert url.startswith("rediss://:")
    parts = urlsplit(url)
    assert unquote(parts.password) == "tok/en@"
    assert parts.username == ""
    assert (parts.hostname, parts.port) == ("master.x.cache.amazonaws.com", 6379)


def test_redis_url_without_tls_only_when_asked():
    assert redis_connection_url("t", "h", 6379, tls=False).startswith("redis://:")


def test_trust_policy_names_one_service_account_exactly():
    policy = irsa_trust_policy(
        PROVIDER, "https://" + ISSUER, ["system:serviceaccount:external-secrets:external-secrets"]
    )
    (statement,) = policy["Statement"]
    assert statement["Principal"] == {"Federated": PROVIDER}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            f"{ISSUER}:sub": "system:serviceaccount:external-secrets:external-secrets",
            f"{ISSUER}:aud": "sts.amazonaws.com",
        }
    }


def test_trust_policy_lists_several_service_accounts_sorted():
    subjects = [f"system:serviceaccount:langsmith:langsmith-{c}" for c in ("queue", "backend")]
    policy = irsa_trust_policy(PROVIDER, ISSUER, subjects)
    assert trust_conditions(policy, "sub") == sorted(subjects)
    assert trust_conditions(policy, "aud") == ["sts.amazonaws.com"]
    assert "StringLike" not in policy["Statement"][0]["Condition"]


@pytest.mark.parametrize(
    "subjects",
    [[], ["system:serviceaccount:langsmith:*"], ["system:serviceaccount:langsmith"], ["langsmith-backend"]],
)
def test_trust_policy_refuses_wildcards_and_malformed_subjects(subjects):
    with pytest.raises(AnsibleFilterError):
        irsa_trust_policy(PROVIDER, ISSUER, subjects)


def test_trust_conditions_read_the_raw_json_and_show_wildcards():
    raw = (
        '{"Statement": {"Condition": {"StringLike": {"x:sub": "system:serviceaccount:ns:*"},'
        ' "StringEquals": {"x:aud": "sts.amazonaws.com"}}}}'
    )
    assert trust_conditions(raw, "sub") == ["system:serviceaccount:ns:*"]
    assert trust_conditions(raw, "aud") == ["sts.amazonaws.com"]


def test_secret_refs_and_kubernetes_sources():
    names = {"app_license": "p/app/license", "app_generated": "p/app/generated", "clickhouse": "p/clickhouse"}
    found = [{"name": "p/app/license", "arn": "arn:1"}, {"name": "p/app/generated", "arn": "arn:2"}]
    refs = secret_refs(names, found)
    assert refs["app_license"] == {"name": "p/app/license", "arn": "arn:1"}
    assert refs["clickhouse"] == {"name": "p/clickhouse", "arn": ""}
    kubernetes = [
        {
            "name": "langsmith-config",
            "chart_value": "config.existingSecretName",
            "entries": ["app_license", "app_generated"],
        }
    ]
    (config,) = kubernetes_secret_sources(kubernetes, refs)
    assert config["name"] == "langsmith-config"
    assert [s["arn"] for s in config["sources"]] == ["arn:1", "arn:2"]
    with pytest.raises(AnsibleFilterError):
        kubernetes_secret_sources([{"name": "x", "entries": ["nope"]}], refs)
