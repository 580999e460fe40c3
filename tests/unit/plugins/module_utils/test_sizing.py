"""Unit tests for the shared EKS allocatable math."""

from __future__ import annotations

import pytest

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import sizing


def _instance(name, vcpus, memory_mib, enis, ips_per_eni):
    return {
        "InstanceType": name,
        "VCpuInfo": {"DefaultVCpus": vcpus},
        "MemoryInfo": {"SizeInMiB": memory_mib},
        "NetworkInfo": {"MaximumNetworkInterfaces": enis, "Ipv4AddressesPerInterface": ips_per_eni},
        "EbsInfo": {"EbsOptimizedInfo": {"BaselineThroughputInMBps": 312.5, "MaximumThroughputInMBps": 1250.0}},
    }


@pytest.mark.parametrize(
    ("vcpus", "reserved_m"),
    [(1, 60), (2, 70), (4, 80), (8, 90), (16, 110), (48, 190), (96, 310)],
)
def test_cpu_reservation_formula(vcpus, reserved_m):
    assert sizing.kube_reserved_cpu_millicores(vcpus) == pytest.approx(reserved_m)


def test_m6i_2xlarge_allocatable_matches_the_reference_numbers():
    node = sizing.node_allocatable(_instance("m6i.2xlarge", 8, 32768, 4, 15), vm_memory_overhead_percent=0)
    assert node["max_pods"] == 58
    assert node["allocatable_cpu"] == pytest.approx(7.91)
    # 32768 - (255 + 11 * 58) - 100 = 31775 MiB
    assert node["allocatable_memory_mib"] == pytest.approx(31775)
    assert node["ebs_baseline_throughput_mbps"] == 312.5


def test_vm_overhead_reduces_memory_capacity():
    node = sizing.node_allocatable(_instance("m6i.2xlarge", 8, 32768, 4, 15))
    assert node["allocatable_memory_mib"] == pytest.approx(32768 * 0.925 - 893 - 100, abs=0.1)
    assert node["allocatable_memory_gib"] < 32


@pytest.mark.parametrize(
    ("quantity", "cores"),
    [("8", 8.0), ("7500m", 7.5), ("0.5", 0.5), (2, 2.0), ("250m", 0.25)],
)
def test_parse_cpu(quantity, cores):
    assert sizing.parse_cpu(quantity) == pytest.approx(cores)


@pytest.mark.parametrize(
    ("quantity", "mib"),
    [("32Gi", 32768), ("512Mi", 512), ("1G", 1e9 / 2**20), (2**30, 1024), ("1Ti", 1024 * 1024)],
)
def test_parse_memory(quantity, mib):
    assert sizing.parse_memory_mib(quantity) == pytest.approx(mib)


@pytest.mark.parametrize("bad", ["eight", "8 cores", "", "-1"])
def test_parse_cpu_rejects_garbage(bad):
    with pytest.raises(sizing.QuantityError):
        sizing.parse_cpu(bad)


@pytest.mark.parametrize("bad", ["32GB", "lots", ""])
def test_parse_memory_rejects_garbage(bad):
    with pytest.raises(sizing.QuantityError):
        sizing.parse_memory_mib(bad)


def test_describe_instance_types_against_the_emulator(aws):
    found = sizing.describe_instance_types(aws.client("ec2"), ["m6i.2xlarge", "r6i.2xlarge"])
    assert found["r6i.2xlarge"]["MemoryInfo"]["SizeInMiB"] == 65536
    node = sizing.node_allocatable(found["m6i.2xlarge"])
    assert node["vcpus"] == 8
    assert node["max_pods"] == 58


def test_snake_case_shape_from_ec2_instance_type_info_gives_the_same_answer():
    from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

    camel = _instance("m6i.2xlarge", 8, 32768, 4, 15)
    snake = camel_dict_to_snake_dict(camel)
    assert "size_in_mi_b" in snake["memory_info"]
    assert sizing.node_allocatable(snake) == sizing.node_allocatable(camel)
