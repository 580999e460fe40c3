"""The LangSmith chart values (plugins/filter/release.py) against the chart's contract.

Every key path the values set must exist in the pinned key list of the chart
(roles/release/files/langsmith-<version>.keys), for every tier, ClickHouse mode and auth mode;
the architecture's keys must be there with the right values; and no secret ever.
"""

from __future__ import annotations

import copy
import itertools

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from conftest import ROOT

from ansible_collections.langchain.langsmith_aws.plugins.filter import release

TIERS = yaml.safe_load((ROOT / "roles/langsmith/defaults/main/tiers.yml").read_text())["langsmith_tier_presets"]
CHART_VERSION = yaml.safe_load((ROOT / "roles/langsmith/defaults/main/inputs.yml").read_text())[
    "langsmith_chart_version"
]
KEYS_FILE = ROOT / "roles/release/files" / f"langsmith-{CHART_VERSION}.keys"
KEYS_TEXT = KEYS_FILE.read_text()
KEYS = release.parse_chart_keys(KEYS_TEXT)
ROLE_ARN = "arn:aws:iam::123456789012:role/demo-langsmith-s3"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
ACL = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/demo-langsmith/123"
KMS = "arn:aws:kms:us-east-1:123456789012:key/k-1"
TOLERATION = {"key": "langsmith/pool", "operator": "Equal", "value": "clickhouse", "effect": "NoSchedule"}


def spec(tier="dev", ch_mode="in_cluster", auth="basic", **changes):
    preset = TIERS[tier]
    base = {
        "hostname": "langsmith.example.com",
        "region": "us-east-1",
        "auth": auth,
        "initial_admin_email": "admin@example.com",
        "secrets": {
            "app": "langsmith-config",
            "postgres": "langsmith-postgres",
            "redis": "langsmith-redis",
            "clickhouse": "langsmith-clickhouse",
        },
        "alb": {
            "scheme": "internet-facing",
            "certificate_arn": CERT,
            "web_acl_arn": ACL,
            "group_name": "demo-langsmith",
            "healthcheck_path": "/health",
            "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "idle_timeout": 300,
            "inbound_cidrs": [],
            "tags": {"langsmith:env": "demo", "Name": "demo-langsmith-alb"},
        },
        "frontend_keepalive_timeout": 310,
        "components": copy.deepcopy(preset["release"]["components"]),
        "irsa_role_arn": ROLE_ARN,
        "blob": {"bucket": "demo-langsmith-123456789012-us-east-1", "kms_key_arn": KMS},
        "ttl": {"short_days": 14, "long_days": 400},
        "clickhouse": {
            "mode": ch_mode,
            "requests": preset["clickhouse"]["requests"],
            "limits": preset["clickhouse"]["limits"],
            "storage_size": preset["clickhouse"]["storage"]["size"],
            "storage_class": "gp3",
            "node_selector": {"langsmith/pool": "clickhouse"},
            "tolerations": [TOLERATION],
            "external_cluster": "",
        },
        "insights": False,
        "polly": False,
        "extra": {},
    }
    base.update(changes)
    return base


COMBINATIONS = list(itertools.product(sorted(TIERS), release.CLICKHOUSE_MODES, release.AUTH_MODES))


# ------------------------------------------------------------------ the pinned key list
def test_the_key_list_is_pinned_to_the_default_chart_version():
    assert KEYS_FILE.exists(), f"no key list for the default chart version {CHART_VERSION}"
    assert "commit 9cd620369fdcf87a767d31df211bcbc0df8f5034" in KEYS_TEXT
    # The keys the chart's validate.yaml and this architecture rely on.
    for path in (
        "clickhouse.enabled",
        "backend.autoscaling.hpa.enabled",
        "ingestQueue.autoscaling.hpa.maxReplicas",
        "insights.enabled",
        "polly.enabled",
        "config.existingSecretName",
        "config.blobStorage.kmsKeyArn",
        "clickhouse.statefulSet.persistence.storageClassName",
        "postgres.external.connectionUrlSecretKey",
    ):
        assert KEYS.get(path) == "", path
    assert KEYS["ingress.annotations"] == "{}"
    assert KEYS["commonEnv"] == "[]"
    # The old autoscaling form is gone from the chart (its validate.yaml fails rendering on it).
    assert "backend.autoscaling.enabled" not in KEYS
    assert "config.insights.enabled" not in KEYS


@pytest.mark.parametrize(("tier", "ch_mode", "auth"), COMBINATIONS)
def test_every_key_we_set_exists_in_the_chart(tier, ch_mode, auth):
    values = release.langsmith_values(spec(tier, ch_mode, auth))

    assert release.chart_unknown_keys(values, KEYS_TEXT) == []
    assert release.value_problems(values) == []


def test_unknown_keys_are_found_and_free_form_maps_allowed():
    values = {
        "ingress": {"annotations": {"alb.ingress.kubernetes.io/scheme": "internal"}},
        "clickhouse": {"statefulSet": {"nodeSelector": {"any/label": "x"}, "persistance": {"size": "1Gi"}}},
        "backend": {"autoscaling": {"enabled": True}},
    }

    assert release.chart_unknown_keys(values, KEYS_TEXT) == [
        "backend.autoscaling.enabled",
        "clickhouse.statefulSet.persistance.size",
    ]


# ------------------------------------------------------------------ the architecture's values
def test_hostname_auth_and_app_secret():
    config = release.langsmith_values(spec())["config"]

    assert config["hostname"] == "https://langsmith.example.com"
    assert config["existingSecretName"] == "langsmith-config"
    assert config["authType"] == "mixed"
    assert config["basicAuth"] == {"enabled": True}
    assert config["oauth"] == {"enabled": False}
    assert config["initialOrgAdminEmail"] == "admin@example.com"


def test_oidc_is_the_alternative_to_basic_auth():
    config = release.langsmith_values(spec(auth="oidc"))["config"]

    assert config["authType"] == "mixed"
    assert config["oauth"] == {"enabled": True}
    assert config["basicAuth"] == {"enabled": False}
    assert "initialOrgAdminEmail" not in config


def test_alb_ingress_annotations():
    ingress = release.langsmith_values(spec())["ingress"]
    annotations = ingress["annotations"]

    assert ingress["enabled"] is True
    assert ingress["ingressClassName"] == "alb"
    assert annotations == {
        "alb.ingress.kubernetes.io/scheme": "internet-facing",
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
        "alb.ingress.kubernetes.io/ssl-redirect": "443",
        "alb.ingress.kubernetes.io/certificate-arn": CERT,
        "alb.ingress.kubernetes.io/wafv2-acl-arn": ACL,
        "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "alb.ingress.kubernetes.io/group.name": "demo-langsmith",
        "alb.ingress.kubernetes.io/healthcheck-path": "/health",
        "alb.ingress.kubernetes.io/success-codes": "200",
        "alb.ingress.kubernetes.io/load-balancer-attributes": (
            "idle_timeout.timeout_seconds=300,routing.http.drop_invalid_header_fields.enabled=true"
        ),
        "alb.ingress.kubernetes.io/tags": "Name=demo-langsmith-alb,langsmith:env=demo",
    }


def test_internal_scheme_inbound_cidrs_and_no_waf():
    alb = dict(spec()["alb"], scheme="internal", web_acl_arn="", inbound_cidrs=["10.0.0.0/8", "192.168.0.0/16"])
    annotations = release.langsmith_values(spec(alb=alb))["ingress"]["annotations"]

    assert annotations["alb.ingress.kubernetes.io/scheme"] == "internal"
    assert annotations["alb.ingress.kubernetes.io/inbound-cidrs"] == "10.0.0.0/8,192.168.0.0/16"
    assert "alb.ingress.kubernetes.io/wafv2-acl-arn" not in annotations


def test_an_unknown_scheme_is_refused():
    with pytest.raises(AnsibleFilterError, match="scheme must be one of"):
        release.langsmith_values(spec(alb=dict(spec()["alb"], scheme="public")))


def test_frontend_is_cluster_ip_with_keepalive_above_the_alb_idle_timeout():
    frontend = release.langsmith_values(spec())["frontend"]

    assert frontend["service"] == {"type": "ClusterIP"}
    assert frontend["keepAliveTimeout"] == "310"


def test_external_postgres_and_redis_through_existing_secrets():
    values = release.langsmith_values(spec())

    assert values["postgres"] == {
        "external": {
            "enabled": True,
            "existingSecretName": "langsmith-postgres",
            "connectionUrlSecretKey": "connection_url",
        }
    }
    assert values["redis"]["external"]["existingSecretName"] == "langsmith-redis"
    assert values["redis"]["external"]["enabled"] is True


def test_s3_blob_storage_through_irsa_without_keys():
    values = release.langsmith_values(spec())
    blob = values["config"]["blobStorage"]

    assert blob == {
        "enabled": True,
        "engine": "S3",
        "bucketName": "demo-langsmith-123456789012-us-east-1",
        "apiURL": "https://s3.us-east-1.amazonaws.com",
        "kmsEncryptionEnabled": True,
        "kmsKeyArn": KMS,
    }
    annotated = sorted(
        name
        for name in release.COMPONENTS
        if values[name].get("serviceAccount", {}).get("annotations", {}).get("eks.amazonaws.com/role-arn") == ROLE_ARN
    )
    assert annotated == sorted(["backend", "platformBackend", "queue", "ingestQueue"])
    assert values["commonEnv"] == [
        {"name": "AWS_REGION", "value": "us-east-1"},
        {"name": "AWS_DEFAULT_REGION", "value": "us-east-1"},
    ]


def test_ttls_match_the_bucket_lifecycle():
    ttl = release.langsmith_values(spec(ttl={"short_days": 7, "long_days": 90}))["config"]["ttl"]

    assert ttl == {"enabled": True, "ttl_period_seconds": {"longlived": "7776000", "shortlived": "604800"}}


def test_in_cluster_clickhouse_on_the_dedicated_node_group():
    clickhouse = release.langsmith_values(spec("production"))["clickhouse"]

    assert clickhouse["enabled"] is True
    assert clickhouse["external"] == {"enabled": False, "existingSecretName": "langsmith-clickhouse"}
    statefulset = clickhouse["statefulSet"]
    assert statefulset["resources"] == {
        "requests": {"cpu": str(TIERS["production"]["clickhouse"]["requests"]["cpu"]), "memory": "48Gi"},
        "limits": {"cpu": str(TIERS["production"]["clickhouse"]["limits"]["cpu"]), "memory": "48Gi"},
    }
    assert statefulset["persistence"] == {"enabled": True, "size": "500Gi", "storageClassName": "gp3"}
    assert statefulset["nodeSelector"] == {"langsmith/pool": "clickhouse"}
    assert statefulset["tolerations"] == [TOLERATION]


def test_external_clickhouse_keeps_clickhouse_enabled_and_drops_the_statefulset():
    base = spec(ch_mode="external")
    base["clickhouse"]["external_cluster"] = "c1"
    clickhouse = release.langsmith_values(base)["clickhouse"]

    assert clickhouse == {
        "enabled": True,
        "external": {"enabled": True, "existingSecretName": "langsmith-clickhouse", "cluster": "c1"},
    }


def test_agent_features_off_unless_asked_for():
    values = release.langsmith_values(spec())
    assert values["insights"] == {"enabled": False}
    assert values["polly"] == {"enabled": False}

    values = release.langsmith_values(spec(insights=True))
    assert values["insights"] == {"enabled": True}


# ------------------------------------------------------------------ sizing per tier: HPA and PDB
@pytest.mark.parametrize("tier", sorted(TIERS))
def test_each_component_is_sized_from_its_tier(tier):
    values = release.langsmith_values(spec(tier))
    for name in release.COMPONENTS:
        preset = TIERS[tier]["release"]["components"][name]
        got = values[name]
        assert got["deployment"]["resources"]["requests"] == {
            "cpu": str(preset["requests"]["cpu"]),
            "memory": preset["requests"]["memory"],
        }, name
        assert got["deployment"]["resources"]["limits"]["memory"] == preset["limits"]["memory"], name
        hpa = got["autoscaling"]["hpa"]
        assert set(got["autoscaling"]) == {"hpa"}, "only the new autoscaling.hpa form"
        if preset["hpa"]["enabled"]:
            assert hpa == {
                "enabled": True,
                "minReplicas": preset["hpa"]["min"],
                "maxReplicas": preset["hpa"]["max"],
                "targetCPUUtilizationPercentage": preset["hpa"]["cpu"],
                "targetMemoryUtilizationPercentage": preset["hpa"]["memory"],
            }, name
            assert got["deployment"]["replicas"] == preset["hpa"]["min"], name
        else:
            assert hpa == {"enabled": False}, name
            assert got["deployment"]["replicas"] == preset["replicas"], name


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_production_tiers_autoscale_and_get_pdbs(tier):
    values = release.langsmith_values(spec(tier))
    production = TIERS[tier]["production"]
    for name in release.COMPONENTS:
        assert values[name]["autoscaling"]["hpa"]["enabled"] is production, name
        floor = values[name]["deployment"]["replicas"]
        assert values[name]["pdb"] == ({"enabled": True, "minAvailable": 1} if floor >= 2 else {"enabled": False})
    if production:
        assert all(values[name]["pdb"]["enabled"] for name in release.COMPONENTS)
        # The request path runs at least 2 pods everywhere; the queues at least 3.
        assert values["backend"]["autoscaling"]["hpa"]["minReplicas"] >= 3
        assert values["queue"]["autoscaling"]["hpa"]["minReplicas"] >= 3
    else:
        assert not any(values[name]["pdb"]["enabled"] for name in release.COMPONENTS)


def test_a_pdb_never_blocks_drains_of_a_single_pod():
    components = copy.deepcopy(TIERS["dev"]["release"]["components"])
    components["backend"]["replicas"] = 2
    values = release.langsmith_values(spec(components=components))

    assert values["backend"]["pdb"] == {"enabled": True, "minAvailable": 1}
    assert values["frontend"]["pdb"] == {"enabled": False}


# ------------------------------------------------------------------ bad inputs
def test_the_tier_presets_are_valid():
    for tier, preset in TIERS.items():
        assert release.component_problems(preset["release"]["components"]) == [], tier


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"backend": None}, "release_components.backend is missing"),
        ({"worker": {}}, "unknown components ['worker']"),
        ({"queue": {"replicas": 0}}, "release_components.queue.replicas=0 must be an integer >= 1"),
        ({"frontend": {"requests": {"cpu": "lots"}}}, "release_components.frontend.requests.cpu='lots'"),
        ({"backend": {"hpa": {"enabled": True, "min": 5, "max": 3}}}, "need 1 <= min <= max"),
    ],
)
def test_component_problems_name_the_key(change, message):
    components = copy.deepcopy(TIERS["production"]["release"]["components"])
    for name, value in change.items():
        if value is None:
            components.pop(name)
        elif name in components:
            components[name] = release.deep_merge(components[name], value)
        else:
            components[name] = value

    problems = release.component_problems(components)

    assert any(message in p for p in problems), problems


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"config": {"langsmithLicenseKey": "lic"}}, "config.langsmithLicenseKey is set"),
        ({"config": {"basicAuth": {"initialOrgAdminPassword": "pw"}}}, "config.basicAuth.initialOrgAdminPassword"),
        ({"config": {"blobStorage": {"accessKeySecret": "s"}}}, "config.blobStorage.accessKeySecret"),
        ({"postgres": {"external": {"connectionUrl": "u:p@h/db"}}}, "postgres.external.connectionUrl"),
        ({"insights": {"encryptionKey": "k"}}, "insights.encryptionKey"),
        ({"queue": {"autoscaling": {"enabled": True}}}, "queue.autoscaling.enabled is the old form"),
        ({"clickhouse": {"enabled": "true"}}, "clickhouse.enabled must be a real boolean"),
    ],
)
def test_value_problems_catch_secrets_and_renamed_keys(extra, message):
    values = release.langsmith_values(spec(extra=extra))

    problems = release.value_problems(values)

    assert any(message in p for p in problems), problems


def test_extra_values_merge_deep_and_last():
    values = release.langsmith_values(spec(extra={"frontend": {"maxBodySize": "50M"}, "commonLabels": {"team": "x"}}))

    assert values["frontend"]["maxBodySize"] == "50M"
    assert values["frontend"]["service"] == {"type": "ClusterIP"}
    assert values["commonLabels"] == {"team": "x"}


def test_a_missing_input_is_named():
    broken = spec()
    del broken["blob"]

    with pytest.raises(AnsibleFilterError, match="missing input 'blob'"):
        release.langsmith_values(broken)
