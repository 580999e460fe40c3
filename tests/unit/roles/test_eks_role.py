"""The eks role's data: argument specs match defaults, every supported version pins every add-on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROLE = Path(__file__).resolve().parents[3] / "roles" / "eks"
DEFAULTS = yaml.safe_load((ROLE / "defaults/main.yml").read_text())
SPECS = yaml.safe_load((ROLE / "meta/argument_specs.yml").read_text())["argument_specs"]
VARS = yaml.safe_load((ROLE / "vars/main.yml").read_text())


@pytest.mark.parametrize("entry_point", sorted(SPECS))
def test_argument_specs_match_defaults(entry_point):
    options = SPECS[entry_point]["options"]
    assert sorted(options) == sorted(DEFAULTS)
    for name, spec in options.items():
        assert "required" not in spec, f"{name}: role variables have defaults"
        assert spec["default"] == DEFAULTS[name], name


def test_every_entry_point_has_a_tasks_file():
    for entry_point in SPECS:
        assert (ROLE / "tasks" / f"{entry_point}.yml").is_file()


def test_default_version_is_supported_and_every_version_pins_every_addon():
    versions = VARS["_eks_versions"]
    assert DEFAULTS["eks_kubernetes_version"] in versions
    names = {addon["name"] for addon in VARS["_eks_addons"]}
    assert names == {
        "vpc-cni",
        "kube-proxy",
        "coredns",
        "aws-ebs-csi-driver",
        "metrics-server",
        "amazon-cloudwatch-observability",
    }
    for version, pins in versions.items():
        assert set(pins) == names, version
        for name, pin in pins.items():
            assert re.fullmatch(r"v\d+\.\d+\.\d+-eksbuild\.\d+", pin), (version, name, pin)
        # kube-proxy follows the Kubernetes minor version.
        assert pins["kube-proxy"].startswith(f"v{version}."), version


def test_addons_calling_aws_have_their_own_irsa_role():
    irsa = {a["name"]: a["irsa"] for a in VARS["_eks_addons"] if "irsa" in a}
    assert sorted(irsa) == ["amazon-cloudwatch-observability", "aws-ebs-csi-driver", "vpc-cni"]
    assert irsa["aws-ebs-csi-driver"]["service_account"] == "ebs-csi-controller-sa"
    assert irsa["amazon-cloudwatch-observability"]["service_account"] == ["cloudwatch-agent", "fluent-bit"]
    assert [a["name"] for a in VARS["_eks_addons"] if a.get("before_nodes")] == ["vpc-cni", "kube-proxy"]
