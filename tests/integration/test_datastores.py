"""The datastores and secrets stages against the emulator: converge, properties, idempotence,
secrets that keep their values, no leaks, check mode, bad input.

Every assertion comes from our own boto3 queries of the emulator, never from the roles' word. The
cluster stage is represented by what these stages need from it: an EKS cluster and its registered
OIDC provider (created here with boto3, named the way the eks role names them).
"""

from __future__ import annotations

import json
import re
import secrets
import zipfile
from urllib.parse import unquote, urlsplit

import pytest
from conftest import ROOT, run_playbook

ENV = "demo"  # inventories/local
PREFIX = f"{ENV}-langsmith"
ACCOUNT = "123456789012"  # the emulator's account
BUCKET = f"{PREFIX}-{ACCOUNT}-us-east-1"
ENTRY_NAMES = {
    "app_license": f"{PREFIX}/app/license",
    "app_generated": f"{PREFIX}/app/generated",
    "postgres_master": f"{PREFIX}/postgres/master",
    "postgres_connection": f"{PREFIX}/postgres/connection",
    "redis_auth": f"{PREFIX}/redis/auth",
    "redis_connection": f"{PREFIX}/redis/connection",
    "clickhouse": f"{PREFIX}/clickhouse",
}
# What the External Secrets Operator may read: what becomes a Kubernetes Secret, nothing else.
ESO_READABLE = ["app_license", "app_generated", "postgres_connection", "redis_connection", "clickhouse"]
S3_SERVICE_ACCOUNTS = [
    f"system:serviceaccount:langsmith:langsmith-{c}" for c in ("backend", "ingest-queue", "platform-backend", "queue")
]


# --------------------------------------------------------------------------- helpers
def _tags(items, key="Key", value="Value"):
    return {t[key]: t[value] for t in items or []}


def _key_arn(aws, alias):
    return aws.client("kms").describe_key(KeyId=f"alias/{alias}")["KeyMetadata"]["Arn"]


def _secret_json(aws, name):
    return json.loads(aws.client("secretsmanager").get_secret_value(SecretId=name)["SecretString"])


def _versions(aws):
    sm = aws.client("secretsmanager")
    return {name: sm.describe_secret(SecretId=name)["VersionIdsToStages"] for name in ENTRY_NAMES.values()}


def _generated_values(aws):
    """Every secret value the stages generated or composed (what must never be printed)."""
    values = [
        _secret_json(aws, ENTRY_NAMES["postgres_master"])["password"],
        _secret_json(aws, ENTRY_NAMES["redis_auth"])["auth_token"],
        *_secret_json(aws, ENTRY_NAMES["app_generated"]).values(),
        _secret_json(aws, ENTRY_NAMES["clickhouse"])["clickhouse_password"],
        _secret_json(aws, ENTRY_NAMES["postgres_connection"])["connection_url"],
        _secret_json(aws, ENTRY_NAMES["redis_connection"])["connection_url"],
    ]
    assert all(len(v) >= 32 for v in values), "generated values are long random strings"
    return values


def _make_cluster(aws):
    """What the cluster stage leaves for these stages: the cluster and its IRSA provider."""
    cluster = aws.client("eks").create_cluster(
        name=PREFIX,
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-cluster",
        resourcesVpcConfig={"subnetIds": []},
    )["cluster"]
    issuer = cluster["identity"]["oidc"]["issuer"]
    provider = aws.client("iam").create_open_id_connect_provider(
        Url=issuer, ClientIDList=["sts.amazonaws.com"], ThumbprintList=["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"]
    )["OpenIDConnectProviderArn"]
    return issuer.removeprefix("https://"), provider


def _nothing_exists(aws):
    """No resource of these stages exists (the emulator was reset before the run)."""
    assert [
        a for a in aws.client("kms").list_aliases()["Aliases"] if a["AliasName"].startswith(f"alias/{PREFIX}")
    ] == []
    assert aws.client("secretsmanager").list_secrets()["SecretList"] == []
    assert aws.client("rds").describe_db_instances()["DBInstances"] == []
    assert aws.client("rds").describe_db_subnet_groups()["DBSubnetGroups"] == []
    assert aws.client("elasticache").describe_replication_groups()["ReplicationGroups"] == []
    assert aws.client("s3").list_buckets()["Buckets"] == []
    assert [r for r in aws.client("iam").list_roles()["Roles"] if r["RoleName"].startswith(PREFIX)] == []


# --------------------------------------------------------------------------- dev tier (inventories/local)
@pytest.fixture(scope="module")
def stack(emulator_server, tmp_path_factory):
    """Network, cluster stand-in, then datastores and secrets at -vvv (first converge)."""
    aws = emulator_server
    aws.reset()
    license_key = f"test-license-{secrets.token_hex(16)}"
    env = {"LANGSMITH_LICENSE_KEY": license_key}
    tmp = tmp_path_factory.mktemp("stack")
    run_playbook("network.yml", endpoint=aws.endpoint, tmp_path=tmp).assert_ok()
    issuer, provider = _make_cluster(aws)
    datastores = run_playbook("datastores.yml", endpoint=aws.endpoint, verbosity=3, env=env, tmp_path=tmp).assert_ok()
    secrets_run = run_playbook("secrets.yml", endpoint=aws.endpoint, verbosity=3, env=env, tmp_path=tmp).assert_ok()
    ec2 = aws.client("ec2")
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-vpc"]}])["Vpcs"][0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"]
    return {
        "aws": aws,
        "env": env,
        "tmp": tmp,
        "license": license_key,
        "runs": [datastores, secrets_run],
        "issuer": issuer,
        "provider": provider,
        "private_subnets": sorted(
            s["SubnetId"] for s in subnets if _tags(s.get("Tags"))["langsmith:subnet"] == "private"
        ),
        "data_sg": next(g["GroupId"] for g in groups if g["GroupName"] == f"{PREFIX}-data"),
        "data_key": _key_arn(aws, f"{PREFIX}-data"),
        "secrets_key": _key_arn(aws, f"{PREFIX}-secrets"),
        "s3_endpoint": ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"][0][
            "VpcEndpointId"
        ],
    }


def test_postgres_is_encrypted_private_tls_only_backed_up_and_protected(stack):
    aws = stack["aws"]
    rds = aws.client("rds")
    (db,) = rds.describe_db_instances(DBInstanceIdentifier=f"{PREFIX}-postgres")["DBInstances"]
    assert db["Engine"] == "postgres"
    assert db["EngineVersion"].split(".")[0] == "16"
    assert db["StorageEncrypted"] is True
    assert db["KmsKeyId"] == stack["data_key"]
    assert db["StorageType"] == "gp3"
    assert db["PubliclyAccessible"] is False
    assert db["DeletionProtection"] is True
    assert db["BackupRetentionPeriod"] == 7
    assert db["MultiAZ"] is False  # dev tier
    assert db["CopyTagsToSnapshot"] is True
    assert db["DBInstanceClass"] == "db.t4g.large"
    assert sorted(db["EnabledCloudwatchLogsExports"]) == ["postgresql", "upgrade"]
    assert [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]] == [stack["data_sg"]]
    assert sorted(s["SubnetIdentifier"] for s in db["DBSubnetGroup"]["Subnets"]) == stack["private_subnets"]
    assert db["MasterUsername"] == _secret_json(aws, ENTRY_NAMES["postgres_master"])["username"] == "langsmith"
    assert "MasterUserSecret" not in db  # our generated secret, not an RDS-rotated one the URL would miss
    assert _tags(db["TagList"])["langsmith:env"] == ENV
    assert _tags(db["TagList"])["Name"] == f"{PREFIX}-postgres"
    (group,) = db["DBParameterGroups"]
    assert group["DBParameterGroupName"] == f"{PREFIX}-postgres16"
    params = {
        p["ParameterName"]: p.get("ParameterValue")
        for p in rds.describe_db_parameters(DBParameterGroupName=f"{PREFIX}-postgres16")["Parameters"]
    }
    assert params["rds.force_ssl"] == "1"


def test_redis_has_tls_auth_encryption_at_rest_and_private_placement(stack):
    aws = stack["aws"]
    ec = aws.client("elasticache")
    (rg,) = ec.describe_replication_groups(ReplicationGroupId=f"{PREFIX}-redis")["ReplicationGroups"]
    assert rg["TransitEncryptionEnabled"] is True
    assert rg["AuthTokenEnabled"] is True
    assert rg["AtRestEncryptionEnabled"] is True
    assert rg["KmsKeyId"] == stack["data_key"]
    assert rg["CacheNodeType"] == "cache.t4g.medium"
    assert len(rg["MemberClusters"]) == 1  # dev tier: one node, no failover
    assert rg["AutomaticFailover"] == "disabled"
    assert rg["MultiAZ"] == "disabled"
    assert rg["SnapshotRetentionLimit"] == 0
    assert rg["ClusterEnabled"] is False
    (subnet_group,) = ec.describe_cache_subnet_groups(CacheSubnetGroupName=f"{PREFIX}-redis")["CacheSubnetGroups"]
    assert sorted(s["SubnetIdentifier"] for s in subnet_group["Subnets"]) == stack["private_subnets"]
    assert _tags(ec.list_tags_for_resource(ResourceName=rg["ARN"])["TagList"])["langsmith:env"] == ENV


def test_bucket_is_kms_encrypted_versioned_private_and_owner_enforced(stack):
    s3 = stack["aws"].client("s3")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]
    (rule,) = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": stack["data_key"],
    }
    assert rule["BucketKeyEnabled"] is True
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    assert s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert s3.get_bucket_ownership_controls(Bucket=BUCKET)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}
    ]
    assert _tags(s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"])["langsmith:env"] == ENV


def test_bucket_policy_denies_plaintext_and_everyone_but_the_langsmith_role(stack):
    policy = json.loads(stack["aws"].client("s3").get_bucket_policy(Bucket=BUCKET)["Policy"])
    statements = {s["Sid"]: s for s in policy["Statement"]}
    role = f"arn:aws:iam::{ACCOUNT}:role/{PREFIX}-s3"
    tls = statements["DenyInsecureTransport"]
    assert (tls["Effect"], tls["Principal"], tls["Action"]) == ("Deny", "*", "s3:*")
    assert tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert sorted(tls["Resource"]) == [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"]
    others = statements["DenyObjectAccessToAnyoneButLangSmith"]
    assert others["Effect"] == "Deny"
    assert others["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": role}}
    assert {"s3:GetObject", "s3:PutObject", "s3:DeleteObject"} <= set(others["Action"])
    endpoint = statements["DenyLangSmithOutsideTheVpcEndpoint"]
    assert endpoint["Condition"]["StringNotEquals"] == {"aws:SourceVpce": stack["s3_endpoint"]}
    assert not [s for s in policy["Statement"] if s["Effect"] == "Allow"]


def test_lifecycle_matches_the_chart_ttls_and_cleans_old_versions(stack):
    rules = stack["aws"].client("s3").get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    by_prefix = {r["Filter"].get("Prefix"): r for r in rules}
    assert by_prefix["ttl_s/"]["Expiration"] == {"Days": 14}
    assert by_prefix["ttl_l/"]["Expiration"] == {"Days": 400}
    whole = by_prefix[""]
    assert whole["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert whole["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert whole["Expiration"] == {"ExpiredObjectDeleteMarker": True}
    assert {r["Status"] for r in rules} == {"Enabled"}


def test_every_secret_is_present_tagged_and_encrypted_with_our_key(stack):
    sm = stack["aws"].client("secretsmanager")
    listed = {s["Name"]: s for s in sm.list_secrets()["SecretList"]}
    assert set(listed) == set(ENTRY_NAMES.values())
    for name, secret in listed.items():
        assert secret["KmsKeyId"] == stack["secrets_key"], name
        tags = _tags(secret["Tags"])
        assert tags["langsmith:env"] == ENV, name
        assert tags["langsmith:managed-by"] == "ansible", name
    assert stack["secrets_key"] != stack["data_key"]
    assert stack["aws"].client("kms").get_key_rotation_status(KeyId=stack["secrets_key"])["KeyRotationEnabled"] is True


def test_app_secret_has_the_chart_keys_license_and_strong_generated_values(stack):
    aws = stack["aws"]
    assert _secret_json(aws, ENTRY_NAMES["app_license"]) == {"langsmith_license_key": stack["license"]}
    generated = _secret_json(aws, ENTRY_NAMES["app_generated"])
    assert set(generated) == {"api_key_salt", "jwt_secret", "initial_org_admin_password"}
    assert len(generated["api_key_salt"]) == 48
    assert len(generated["jwt_secret"]) == 48
    assert len(set(generated.values())) == 3
    admin = generated["initial_org_admin_password"]
    assert len(admin) >= 12
    assert re.search(r"[a-z]", admin)
    assert re.search(r"[A-Z]", admin)
    assert re.search(r"[^A-Za-z0-9]", admin)


def test_connection_secrets_use_the_chart_formats_and_the_generated_credentials(stack):
    aws = stack["aws"]
    master = _secret_json(aws, ENTRY_NAMES["postgres_master"])
    (db,) = aws.client("rds").describe_db_instances(DBInstanceIdentifier=f"{PREFIX}-postgres")["DBInstances"]
    postgres = _secret_json(aws, ENTRY_NAMES["postgres_connection"])["connection_url"]
    assert "://" not in postgres  # the chart's format has no scheme
    parts = urlsplit(f"postgresql://{postgres}")
    assert parts.username == master["username"]
    assert unquote(parts.password) == master["password"]
    assert (parts.hostname, parts.port, parts.path, parts.query) == (
        db["Endpoint"]["Address"],
        5432,
        "/langsmith",
        "sslmode=require",
    )
    token = _secret_json(aws, ENTRY_NAMES["redis_auth"])["auth_token"]
    (rg,) = aws.client("elasticache").describe_replication_groups(ReplicationGroupId=f"{PREFIX}-redis")[
        "ReplicationGroups"
    ]
    redis = urlsplit(_secret_json(aws, ENTRY_NAMES["redis_connection"])["connection_url"])
    assert redis.scheme == "rediss"
    assert unquote(redis.password) == token
    assert (redis.hostname, redis.port) == (rg["NodeGroups"][0]["PrimaryEndpoint"]["Address"], 6379)


def test_in_cluster_clickhouse_gets_a_generated_password_not_the_chart_default(stack):
    clickhouse = _secret_json(stack["aws"], ENTRY_NAMES["clickhouse"])
    assert set(clickhouse) == {
        "clickhouse_host",
        "clickhouse_port",
        "clickhouse_native_port",
        "clickhouse_user",
        "clickhouse_password",
        "clickhouse_db",
        "clickhouse_tls",
    }
    assert clickhouse["clickhouse_host"] == "langsmith-clickhouse"
    assert clickhouse["clickhouse_password"] != "password"
    assert len(clickhouse["clickhouse_password"]) == 48


def _role(aws, name):
    iam = aws.client("iam")
    role = iam.get_role(RoleName=name)["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    policies = {
        p: iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]
        for p in iam.list_role_policies(RoleName=name)["PolicyNames"]
    }
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    return role, trust, policies, attached


def test_eso_role_trusts_only_the_eso_service_account_and_reads_exactly_our_secrets(stack):
    aws = stack["aws"]
    role, trust, policies, attached = _role(aws, f"{PREFIX}-eso")
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {"Federated": stack["provider"]}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            f"{stack['issuer']}:sub": "system:serviceaccount:external-secrets:external-secrets",
            f"{stack['issuer']}:aud": "sts.amazonaws.com",
        }
    }
    assert attached == []
    (policy,) = policies.values()
    sm = aws.client("secretsmanager")
    readable = sorted(sm.describe_secret(SecretId=ENTRY_NAMES[k])["ARN"] for k in ESO_READABLE)
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    read = by_sid["ReadTheLangSmithSecrets"]
    assert sorted(read["Action"]) == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    assert sorted(read["Resource"]) == readable
    not_readable = [sm.describe_secret(SecretId=ENTRY_NAMES[k])["ARN"] for k in ("postgres_master", "redis_auth")]
    assert not set(not_readable) & set(read["Resource"])
    decrypt = by_sid["DecryptThemThroughSecretsManager"]
    assert (decrypt["Action"], decrypt["Resource"]) == ("kms:Decrypt", stack["secrets_key"])
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
    assert _tags(role["Tags"])["langsmith:env"] == ENV


def test_s3_role_trusts_exactly_the_chart_service_accounts_and_reaches_only_our_bucket(stack):
    _role_found, trust, policies, attached = _role(stack["aws"], f"{PREFIX}-s3")
    (statement,) = trust["Statement"]
    condition = statement["Condition"]
    assert set(condition) == {"StringEquals"}  # no StringLike: no wildcard subjects
    assert sorted(condition["StringEquals"][f"{stack['issuer']}:sub"]) == S3_SERVICE_ACCOUNTS
    assert condition["StringEquals"][f"{stack['issuer']}:aud"] == "sts.amazonaws.com"
    assert attached == []
    (policy,) = policies.values()
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    assert by_sid["TheBucket"]["Resource"] == f"arn:aws:s3:::{BUCKET}"
    assert by_sid["ItsObjects"]["Resource"] == f"arn:aws:s3:::{BUCKET}/*"
    assert "s3:*" not in json.dumps(policy)
    assert by_sid["ItsKmsKeyThroughS3"]["Resource"] == stack["data_key"]
    assert by_sid["ItsKmsKeyThroughS3"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"}
    }


def test_rds_and_redis_are_started_before_the_bucket_and_waited_for_after_it(stack):
    tasks = re.findall(r"^TASK \[[^\]]*? : (.+?)\]", stack["runs"][0].output, re.M)
    order = [
        next(i for i, t in enumerate(tasks) if t.startswith(prefix))
        for prefix in (
            "PostgreSQL instance",
            "Redis replication group",
            "Blob storage bucket",
            "Wait until PostgreSQL and Redis are available",
        )
    ]
    assert order == sorted(order)


def _artifact_texts(root):
    """(name, text) of every file under artifacts/, zip members (diagnostics bundles) included."""
    for path in sorted(root.rglob("*")) if root.exists() else []:
        if not path.is_file():
            continue
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as bundle:
                for member in bundle.namelist():
                    yield f"{path}:{member}", bundle.read(member).decode(errors="replace")
        else:
            yield str(path), path.read_text(errors="replace")


def test_no_generated_secret_appears_in_verbose_output_or_artifacts(stack):
    aws = stack["aws"]
    leaks = [*_generated_values(aws), stack["license"]]
    (db,) = aws.client("rds").describe_db_instances(DBInstanceIdentifier=f"{PREFIX}-postgres")["DBInstances"]
    for run in stack["runs"]:
        assert "ESTABLISH LOCAL CONNECTION" in run.output  # really -vvv
        for value in leaks:
            assert value not in run.output
    # Control: the search does find what is printed (the endpoint is in the summary).
    assert db["Endpoint"]["Address"] in stack["runs"][0].output
    # The diagnostics bundle describes these data stores; it must not carry their secrets either.
    run_playbook("diagnostics.yml", endpoint=aws.endpoint, env=stack["env"], tmp_path=stack["tmp"]).assert_ok()
    scanned = list(_artifact_texts(ROOT / "artifacts"))
    assert any(f"{PREFIX}-postgres" in text for _name, text in scanned)  # control: the bundle is searchable
    for name, text in scanned:
        for value in leaks:
            assert value not in text, f"{value[:4]}... found in {name}"


def test_second_converge_changes_nothing_and_keeps_every_secret(stack):
    aws = stack["aws"]
    versions, values = _versions(aws), _generated_values(aws)
    for name in ("datastores.yml", "secrets.yml"):
        run = run_playbook(name, endpoint=aws.endpoint, env=stack["env"], tmp_path=stack["tmp"]).assert_idempotent()
        for value in values:
            assert value not in run.output
    assert _versions(aws) == versions
    assert _generated_values(aws) == values


def test_a_new_license_key_replaces_only_the_license_entry(stack):
    aws = stack["aws"]
    versions, values = _versions(aws), _generated_values(aws)
    new_license = f"test-license-{secrets.token_hex(16)}"
    run = run_playbook(
        "secrets.yml", endpoint=aws.endpoint, env={"LANGSMITH_LICENSE_KEY": new_license}, tmp_path=stack["tmp"]
    ).assert_ok()
    assert run.changed == 1
    assert _secret_json(aws, ENTRY_NAMES["app_license"]) == {"langsmith_license_key": new_license}
    after = _versions(aws)
    assert after[ENTRY_NAMES["app_license"]] != versions[ENTRY_NAMES["app_license"]]
    assert {k: v for k, v in after.items() if k != ENTRY_NAMES["app_license"]} == {
        k: v for k, v in versions.items() if k != ENTRY_NAMES["app_license"]
    }
    assert _generated_values(aws) == values
    # Put the stack's license back for the tests that follow.
    run_playbook("secrets.yml", endpoint=aws.endpoint, env=stack["env"], tmp_path=stack["tmp"]).assert_ok()


def test_check_mode_with_diff_on_the_existing_stack_reports_no_change_and_no_secret(stack):
    values = [*_generated_values(stack["aws"]), stack["license"]]
    for name in ("datastores.yml", "secrets.yml"):
        run = run_playbook(
            name, endpoint=stack["aws"].endpoint, env=stack["env"], check=True, diff=True, tmp_path=stack["tmp"]
        )
        run.assert_idempotent()
        for value in values:
            assert value not in run.output


def _flat(text):
    """Output with line wrapping undone (the YAML callback wraps long summary lines)."""
    return " ".join(text.split())


def test_the_run_summary_lists_the_stores_and_the_emulator_skip(stack):
    datastores, secrets_run = (_flat(run.output) for run in stack["runs"])
    assert f"datastores: S3 {BUCKET} (SSE-KMS, versioned, private; ttl_s/ 14 d, ttl_l/ 400 d)" in datastores
    assert "emulator skip: RDS gp3" in datastores
    assert f"secrets: 7 entries under {PREFIX}/ encrypted with {stack['secrets_key']}" in secrets_run


# --------------------------------------------------------------------------- production tier
def test_production_tier_is_multi_az_with_redis_failover_and_longer_backups(emulator_server, tmp_path_factory):
    aws = emulator_server
    aws.reset()
    tmp = tmp_path_factory.mktemp("production")
    production = {"langsmith_tier": "production", "network_nat_gateways": "single"}
    run_playbook("network.yml", endpoint=aws.endpoint, extra_vars=production, tmp_path=tmp).assert_ok()
    run_playbook("datastores.yml", endpoint=aws.endpoint, extra_vars=production, tmp_path=tmp).assert_ok()
    (db,) = aws.client("rds").describe_db_instances(DBInstanceIdentifier=f"{PREFIX}-postgres")["DBInstances"]
    assert db["MultiAZ"] is True
    assert db["BackupRetentionPeriod"] == 14
    assert db["DBInstanceClass"] == "db.r6g.large"
    assert db["AllocatedStorage"] == 50
    (rg,) = aws.client("elasticache").describe_replication_groups(ReplicationGroupId=f"{PREFIX}-redis")[
        "ReplicationGroups"
    ]
    assert rg["AutomaticFailover"] == "enabled"
    assert rg["MultiAZ"] == "enabled"
    assert rg["SnapshotRetentionLimit"] == 7
    assert rg["CacheNodeType"] == "cache.r6g.large"
    again = run_playbook("datastores.yml", endpoint=aws.endpoint, extra_vars=production, tmp_path=tmp)
    again.assert_idempotent()
    assert "emulator skip: Redis replicas" in _flat(again.output)


# --------------------------------------------------------------------------- check mode on an empty account
def test_check_mode_on_an_empty_account_plans_and_creates_nothing(aws):
    runs = {name: run_playbook(name, endpoint=aws.endpoint, check=True) for name in ("datastores.yml", "secrets.yml")}
    for run in runs.values():
        run.assert_ok()
        assert run.changed > 0
    assert "Check mode: the network does not exist yet" in _flat(runs["datastores.yml"].output)
    _nothing_exists(aws)


# --------------------------------------------------------------------------- bad input: fail before any change
@pytest.mark.parametrize(
    ("playbook", "extra_vars", "message"),
    [
        (
            "datastores.yml",
            {"datastores_postgres_engine_version": "13"},
            "datastores_postgres_engine_version=13 is below the supported minimum 14",
        ),
        (
            "datastores.yml",
            {"datastores_redis_engine_version": "4.0.10"},
            "datastores_redis_engine_version=4.0.10 is below the supported minimum 5",
        ),
        ("datastores.yml", {"datastores_s3_bucket_name": "Invalid_Bucket"}, "is not a valid bucket name"),
        ("datastores.yml", {"secrets_license_key": ""}, "secrets_license_key is empty"),
        ("secrets.yml", {"secrets_license_key": ""}, "secrets_license_key is empty"),
        (
            "datastores.yml",
            {"langsmith_tier": "production", "datastores_postgres_backup_retention_days": 3},
            "datastores_postgres_backup_retention_days >= 7 (is 3)",
        ),
        (
            "secrets.yml",
            {"langsmith_clickhouse_mode": "external"},
            "langsmith_clickhouse_mode=external needs the connection to your ClickHouse",
        ),
    ],
    ids=[
        "postgres-13",
        "redis-4",
        "bad-bucket",
        "no-license-datastores",
        "no-license-secrets",
        "production-backups",
        "external-clickhouse-incomplete",
    ],
)
def test_bad_input_fails_before_any_change(aws, tmp_path, playbook, extra_vars, message):
    run = run_playbook(playbook, endpoint=aws.endpoint, extra_vars=extra_vars, tmp_path=tmp_path)
    assert run.rc != 0
    assert message in run.output
    assert run.changed == 0
    assert "Find the network" not in run.output  # stopped at validation
    assert "Find the data stores" not in run.output
    _nothing_exists(aws)


def test_the_license_key_is_never_echoed_by_a_failing_check(aws, tmp_path):
    bad = "has spaces " + secrets.token_hex(16)
    run = run_playbook("secrets.yml", endpoint=aws.endpoint, extra_vars={"secrets_license_key": bad}, tmp_path=tmp_path)
    assert run.rc != 0
    assert "secrets_license_key is empty or contains whitespace" in run.output
    assert bad not in run.output
    assert bad.split()[-1] not in run.output


# --------------------------------------------------------------------------- start, then the stage (site.yml)
START_PLAYBOOK = "../tests/integration/playbooks/datastores_start.yml"


def test_start_then_the_stage_converges_once_and_a_rerun_changes_nothing(emulator_server, tmp_path_factory):
    aws = emulator_server
    aws.reset()
    tmp = tmp_path_factory.mktemp("start")
    run_playbook("network.yml", endpoint=aws.endpoint, tmp_path=tmp).assert_ok()
    assert aws.client("eks").list_clusters()["clusters"] == []  # start needs the network only
    first = run_playbook(START_PLAYBOOK, endpoint=aws.endpoint, tmp_path=tmp).assert_ok()
    assert first.changed > 0
    tasks = re.findall(r"^TASK \[[^\]]*? : (.+?)\]", first.output, re.M)
    for started in (
        "PostgreSQL instance",
        "Redis replication group",
        "Blob storage bucket",
        "Generated Redis AUTH token",
    ):
        assert len([t for t in tasks if t.startswith(started)]) == 1, f"{started}: {tasks}"
    last_start = max(i for i, t in enumerate(tasks) if t.startswith("Blob storage bucket"))
    waits = [i for i, t in enumerate(tasks) if t.startswith("Wait until")]
    assert waits
    assert min(waits) > last_start  # the stage waits after the start, it does not start again
    assert "Publish datastores_outputs" in tasks[last_start:]
    (db,) = aws.client("rds").describe_db_instances(DBInstanceIdentifier=f"{PREFIX}-postgres")["DBInstances"]
    assert db["DBInstanceStatus"] == "available"
    assert db["KmsKeyId"] == _key_arn(aws, f"{PREFIX}-data")
    (rg,) = aws.client("elasticache").describe_replication_groups(ReplicationGroupId=f"{PREFIX}-redis")[
        "ReplicationGroups"
    ]
    assert rg["Status"] == "available"
    assert [b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]] == [BUCKET]
    assert f"datastores: S3 {BUCKET}" in _flat(first.output)  # the stage published and summarised
    run_playbook(START_PLAYBOOK, endpoint=aws.endpoint, tmp_path=tmp).assert_idempotent()
    run_playbook("datastores.yml", endpoint=aws.endpoint, tmp_path=tmp).assert_idempotent()
