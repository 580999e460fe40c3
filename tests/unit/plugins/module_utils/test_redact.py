"""Secret redaction: planted secrets must not survive, names and references must stay readable."""

from __future__ import annotations

import json

import pytest

from ansible_collections.langchain.langsmith_aws.plugins.module_utils.redact import (
    REDACTED,
    Redactor,
    is_sensitive_key,
    redact_obj,
    redact_text,
)


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "POSTGRES_PASSWORD",
        "initialOrgAdminPassword",
        "jwt_secret",
        "jwtSecret",
        "api_key_salt",
        "apiKeySalt",
        "langsmith_license_key",
        "LANGSMITH_LICENSE_KEY",
        "oauth_client_secret",
        "clientSecret",
        "connection_url",
        "connectionUrl",
        "AUTH_TOKEN",
        "AuthToken",
        "aws_secret_access_key",
        "x-api-key",
        "insights_encryption_key",
        "config.basicAuth.jwtSecret",
    ],
)
def test_sensitive_keys(key):
    assert is_sensitive_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "existingSecretName",
        "secretName",
        "connectionUrlSecretKey",
        "secretKeyRef",
        "secretStoreRef",
        "AuthTokenEnabled",
        "AuthTokenLastModifiedDate",
        "kmsKeyArn",
        "max_tokens",
        "token_ttl",
        "name",
        "value",
        "authType",
        "secretKey",
    ],
)
def test_keys_that_only_name_a_secret(key):
    assert not is_sensitive_key(key)


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        ("password: hunter2-x", "hunter2-x", "password: "),
        ('  jwtSecret: "s3cr3t-jwt"', "s3cr3t-jwt", "jwtSecret"),
        ("POSTGRES_PASSWORD=envpw123 LOG=info", "envpw123", "LOG=info"),
        ("--password clipw123 --user admin", "clipw123", "--user admin"),
        ("GET /x?token=qtok123&page=2", "qtok123", "page=2"),
        ('{"password": "jsonpw1", "user": "admin"}', "jsonpw1", '"user": "admin"'),
        ('"{\\"password\\":\\"escaped1\\"}"', "escaped1", "password"),
        ('{"name": "API_KEY", "value": "inlinekey1"}', "inlinekey1", "API_KEY"),
        ("postgresql://ls:UriPw1@db.example.com:5432/ls", "UriPw1", "db.example.com:5432/ls"),
        ("rediss://:RedisTok1@master.x.cache.amazonaws.com:6379", "RedisTok1", "master.x.cache.amazonaws.com:6379"),
        ("ls:BarePw9@db.example.internal:5432/langsmith?sslmode=require", "BarePw9", "db.example.internal:5432"),
        ("Authorization: Bearer abc.def123", "abc.def123", "Authorization"),
        ('-H "Authorization: Basic dXNlcjpwYXNz"', "dXNlcjpwYXNz", "Basic"),
        ("key lsv2_pt_0123456789abcdef0123456789ab_x", "lsv2_pt_0123456789abcdef", "key "),
        ("t eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", "eyJhbGciOiJIUzI1NiJ9", "t "),
        ("id AKIAABCDEFGHIJKLMNOP used", "AKIAABCDEFGHIJKLMNOP", " used"),
        ("      LANGSMITH_LICENSE_KEY:  describe-lic-1", "describe-lic-1", "LANGSMITH_LICENSE_KEY"),
    ],
)
def test_text_rules(text, secret, kept):
    out = redact_text(text)
    assert secret not in out
    assert kept in out


def test_yaml_env_lists_block_scalars_and_private_keys():
    text = "\n".join(
        [
            "env:",
            "  - name: LANGSMITH_LICENSE_KEY",
            "    value: envlicense123",
            "  - name: LOG_LEVEL",
            "    value: info",
            "tls.key: |",
            "  -----BEGIN RSA PRIVATE KEY-----",
            "  MIIsecretbody",
            "  -----END RSA PRIVATE KEY-----",
            "client_secret: |",
            "  multi-line-secret",
            "after: ok",
        ]
    )
    out = redact_text(text)
    for secret in ("envlicense123", "MIIsecretbody", "multi-line-secret"):
        assert secret not in out
    assert "value: info" in out
    assert "after: ok" in out
    assert "name: LANGSMITH_LICENSE_KEY" in out


def test_pretty_printed_json_env_pairs():
    pod = {"env": [{"name": "REDIS_AUTH_TOKEN", "value": "prettytok1"}, {"name": "PORT", "value": "8080"}]}
    out = redact_text(json.dumps(pod, indent=2))
    assert "prettytok1" not in out
    assert '"8080"' in out


def test_references_and_non_secrets_stay():
    text = "\n".join(
        [
            "existingSecretName: langsmith-config",
            "connectionUrlSecretKey: connection_url",
            "      DATABASE_URI:  <set to the key 'connection_url' in secret 'langsmith-postgres'>",
            "basicAuth:",
            "  enabled: true",
            "max_tokens: 512",
            "basic authentication is enabled",
            "sha256 " + "a" * 64,
        ]
    )
    assert redact_text(text) == text


def test_obj_redacts_sensitive_keys_env_pairs_and_tags():
    counter = Redactor()
    out = counter.obj(
        {
            "env": [{"name": "X_TOKEN", "value": "t0k3n-1"}, {"name": "LEVEL", "value": "debug"}],
            "TagList": [{"Key": "db-password", "Value": "tagpw-1"}, {"Key": "team", "Value": "ml"}],
            "password": "objpw-1",
            "AuthTokenEnabled": True,
            "url": "postgres://u:p4ss-1@h.example.com:5432/d",
            "nested": {"list": ["Bearer nestedtok1"]},
        }
    )
    blob = json.dumps(out)
    for secret in ("t0k3n-1", "tagpw-1", "objpw-1", "p4ss-1", "nestedtok1"):
        assert secret not in blob
    assert out["env"][1]["value"] == "debug"
    assert out["TagList"][1]["Value"] == "ml"
    assert out["AuthTokenEnabled"] is True
    assert out["url"] == f"postgres://u:{REDACTED}@h.example.com:5432/d"
    assert counter.count == 5


def test_connection_url_value_keeps_its_host():
    out = redact_obj({"connectionUrl": "ls:pw-abc1@db.example.com:5432/ls"})
    assert out["connectionUrl"] == f"ls:{REDACTED}@db.example.com:5432/ls"


def test_redaction_is_idempotent():
    once = redact_text("password: x1y2z3\nAuthorization: Bearer abc.def123\npostgres://u:pw1@h.example.com/d")
    assert redact_text(once) == once
