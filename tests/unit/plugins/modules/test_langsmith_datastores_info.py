"""langsmith_datastores_info: one read of the data stores, in the shapes of the library _info modules."""

from __future__ import annotations

import json

from aws_module_runner import emulator_env, run_module  # noqa: F401  # pylint: disable=unused-import

from ansible_collections.langchain.langsmith_aws.plugins.modules import langsmith_datastores_info as info

ARGS = {
    "kms_alias": "unit-data",
    "postgres_id": "unit-postgres",
    "redis_id": "unit-redis",
    "bucket": "unit-bucket-123456789012",
}
TAGS = [{"Key": "langsmith:env", "Value": "unit"}]


def test_an_empty_account_reads_as_empty_lists(run_module, emulator_env):
    result = run_module(info.main, ARGS)
    assert result["changed"] is False
    for key in ("kms_keys", "instances", "db_subnet_groups", "replication_groups", "cache_subnet_groups", "buckets"):
        assert result[key] == [], key


def test_reads_every_store_with_the_fields_the_role_uses(run_module, emulator_env):
    aws = emulator_env
    kms = aws.client("kms")
    key = kms.create_key(Description="unit data", Tags=[{"TagKey": "langsmith:env", "TagValue": "unit"}])["KeyMetadata"]
    kms.create_alias(AliasName="alias/unit-data", TargetKeyId=key["KeyId"])
    kms.enable_key_rotation(KeyId=key["KeyId"])
    ec2 = aws.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = sorted(
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"us-east-1{az}")["Subnet"][
            "SubnetId"
        ]
        for i, az in ((1, "a"), (2, "b"))
    )
    rds = aws.client("rds")
    rds.create_db_subnet_group(
        DBSubnetGroupName="unit-postgres", DBSubnetGroupDescription="unit pg", SubnetIds=subnets, Tags=TAGS
    )
    rds.create_db_instance(
        DBInstanceIdentifier="unit-postgres",
        Engine="postgres",
        DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20,
        MasterUsername="u",
        MasterUserPassword="p" * 16,
        DBSubnetGroupName="unit-postgres",
        Tags=TAGS,
    )
    ec = aws.client("elasticache")
    ec.create_cache_subnet_group(
        CacheSubnetGroupName="unit-redis", CacheSubnetGroupDescription="unit redis", SubnetIds=subnets
    )
    ec.create_replication_group(
        ReplicationGroupId="unit-redis",
        ReplicationGroupDescription="unit",
        CacheNodeType="cache.t4g.micro",
        TransitEncryptionEnabled=True,
        AuthToken="A" * 32,
        Tags=TAGS,
    )
    s3 = aws.client("s3")
    s3.create_bucket(Bucket=ARGS["bucket"])
    s3.put_bucket_versioning(Bucket=ARGS["bucket"], VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket=ARGS["bucket"], Tagging={"TagSet": TAGS})
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Deny",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": f"arn:aws:s3:::{ARGS['bucket']}",
            }
        ],
    }
    s3.put_bucket_policy(Bucket=ARGS["bucket"], Policy=json.dumps(policy))

    result = run_module(info.main, ARGS)
    (found_key,) = result["kms_keys"]
    assert found_key["key_arn"] == key["Arn"]
    assert found_key["enable_key_rotation"] is True
    assert found_key["description"] == "unit data"
    assert found_key["tags"] == {"langsmith:env": "unit"}
    (db,) = result["instances"]
    assert db["db_instance_identifier"] == "unit-postgres"
    assert db["tags"] == {"langsmith:env": "unit"}
    assert "db_instance_status" in db
    (db_group,) = result["db_subnet_groups"]
    assert db_group["subnet_ids"] == subnets
    assert db_group["db_subnet_group_description"] == "unit pg"
    assert db_group["tags"] == {"langsmith:env": "unit"}
    (rg,) = result["replication_groups"]
    assert rg["replication_group_id"] == "unit-redis"
    assert rg["transit_encryption_enabled"] is True
    assert rg["tags"] == {"langsmith:env": "unit"}
    (cache_group,) = result["cache_subnet_groups"]
    assert cache_group["subnet_ids"] == subnets
    assert cache_group["cache_subnet_group_description"] == "unit redis"
    (bucket,) = result["buckets"]
    assert bucket["name"] == ARGS["bucket"]
    assert bucket["bucket_versioning"]["Status"] == "Enabled"
    assert bucket["bucket_tagging"] == {"langsmith:env": "unit"}
    assert bucket["bucket_policy"] == policy
    assert bucket["bucket_lifecycle_configuration"] == {}  # not configured reads as {}, like s3_bucket_info

    waited = run_module(info.main, {**ARGS, "parts": ["postgres", "redis"]})
    assert set(waited) - {"changed", "invocation"} == {
        "instances",
        "db_subnet_groups",
        "replication_groups",
        "cache_subnet_groups",
    }
