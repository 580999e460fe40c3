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


# --------------------------------------------------------------------------- pods after DaemonSets
def test_pod_capacity_and_fits_subtract_the_daemonsets():
    node = sizing.node_allocatable(_instance("m6i.2xlarge", 8, 32768, 4, 15), vm_memory_overhead_percent=0)
    room = sizing.pod_capacity(node, daemonset_cpu=0.5, daemonset_memory_mib=512)
    assert room["cpu"] == pytest.approx(7.41)
    assert room["memory_mib"] == pytest.approx(31775 - 512)
    assert sizing.fits(node, 7.41, 31263, 0.5, 512) == {
        "cpu": True,
        "memory": True,
        "available_cpu": pytest.approx(7.41),
        "available_memory_mib": pytest.approx(31263),
    }
    # The reference example: 8 vCPU requested on an 8-vCPU node never fits.
    assert sizing.fits(node, 8, 16384)["cpu"] is False
    assert sizing.fits(node, 1, 31264, 0.5, 512)["memory"] is False


def test_max_pods_override_changes_the_memory_reservation():
    entry = _instance("r6i.4xlarge", 16, 131072, 8, 30)
    eni = sizing.node_allocatable(entry, vm_memory_overhead_percent=0)
    capped = sizing.node_allocatable(entry, vm_memory_overhead_percent=0, pods=110)
    assert eni["max_pods"] == 234
    assert capped["max_pods"] == 110
    assert capped["allocatable_memory_mib"] - eni["allocatable_memory_mib"] == pytest.approx(11 * (234 - 110))


# --------------------------------------------------------------------------- EBS volumes
@pytest.mark.parametrize(
    ("vtype", "size", "iops", "throughput", "problem"),
    [
        ("gp3", 500, 7000, 1000, None),
        ("gp3", 14, 7000, 1000, None),  # 7000 IOPS needs >= 14 GiB
        ("gp3", 13, 7000, 1000, "at most 500 IOPS per GiB: 7000 IOPS needs at least 14 GiB"),
        ("gp3", 1, None, None, None),  # 3000 baseline IOPS come with any size
        ("gp3", 100, 3000, 1000, "0.25 MiB/s per provisioned IOPS: 1000 MiB/s needs at least 4000 IOPS"),
        ("gp3", 100, 4000, 1000, None),
        ("gp3", 100, 17000, 1000, "IOPS must be 3000-16000"),
        ("gp3", 100, 3000, 1001, "throughput must be 125-1000 MiB/s"),
        ("gp3", 20000, 3000, 125, "gp3 volumes are 1-16384 GiB"),
        ("io2", 100, 64000, None, None),
        ("io2", 100, 100001, None, "at most 1000 IOPS per GiB"),
        ("io2", 100, None, None, "io2 needs provisioned IOPS"),
        ("io1", 100, 5001, None, "at most 50 IOPS per GiB"),
    ],
)
def test_volume_limits(vtype, size, iops, throughput, problem):
    perf = sizing.volume_performance(vtype, size, iops, throughput)
    if problem is None:
        assert perf["problems"] == []
    else:
        assert any(problem in p for p in perf["problems"]), perf["problems"]


@pytest.mark.parametrize(
    ("vtype", "size", "iops", "throughput", "expected"),
    [
        ("gp3", 100, None, None, (3000, 125, 3000, 125)),
        ("gp3", 500, 7000, 1000, (7000, 1000, 7000, 1000)),
        ("io2", 100, 16000, None, (16000, 4000, 16000, 4000)),  # 0.25 MiB/s per IOPS, capped at 4000
        ("io2", 100, 2000, None, (2000, 500, 2000, 500)),
        ("gp2", 100, None, None, (300, 128, 3000, 128)),  # 3 IOPS/GiB, bursts to 3000 below 1 TiB
        ("gp2", 250, None, None, (750, 128, 3000, 250)),  # 170-334 GiB: 250 MiB/s only with burst credits
        ("gp2", 2000, None, None, (6000, 250, 6000, 250)),
        ("st1", 2048, None, None, (500, 80, 500, 500)),
    ],
)
def test_volume_performance(vtype, size, iops, throughput, expected):
    perf = sizing.volume_performance(vtype, size, iops, throughput)
    assert (perf["iops"], perf["throughput_mibps"], perf["iops_burst"], perf["throughput_burst_mibps"]) == expected
    assert perf["ssd"] is (vtype not in ("st1", "sc1", "standard"))


def test_unknown_volume_type_is_rejected():
    with pytest.raises(ValueError, match="unknown EBS volume type"):
        sizing.volume_performance("gp4", 100)


@pytest.mark.parametrize(("size", "gib"), [(500, 500.0), ("500Gi", 500.0), ("1Ti", 1024.0), ("512Mi", 0.5)])
def test_parse_size_gib(size, gib):
    assert sizing.parse_size_gib(size) == pytest.approx(gib)


# --------------------------------------------------------------------------- instance EBS vs volume
def test_instance_ebs_converts_mb_to_mib_and_spots_bursting(emulator_server):
    found = sizing.describe_instance_types(emulator_server.client("ec2"), ["r6i.2xlarge", "r6i.8xlarge"])
    burst = sizing.instance_ebs(sizing.node_allocatable(found["r6i.2xlarge"]))
    flat = sizing.instance_ebs(sizing.node_allocatable(found["r6i.8xlarge"]))
    # EC2: 312.5 MB/s baseline, 1250 MB/s maximum -> MiB/s (x 10^6 / 2^20)
    assert burst["baseline_throughput_mibps"] == pytest.approx(298.0, abs=0.1)
    assert burst["maximum_throughput_mibps"] == pytest.approx(1192.1, abs=0.1)
    assert burst["bursts"] is True
    assert flat["bursts"] is False
    assert flat["baseline_throughput_mibps"] == pytest.approx(1192.1, abs=0.1)


def test_effective_disk_is_the_lower_of_volume_and_instance(emulator_server):
    found = sizing.describe_instance_types(emulator_server.client("ec2"), ["r6i.2xlarge"])
    node = sizing.node_allocatable(found["r6i.2xlarge"])
    eff = sizing.effective_disk(sizing.volume_performance("gp3", 500, 7000, 1000), node)
    assert eff["throughput_sustained_mibps"] == pytest.approx(298.0, abs=0.1)
    assert eff["throughput_burst_mibps"] == 1000
    assert eff["iops_sustained"] == 7000  # baseline 12000 IOPS covers the volume
    small = sizing.effective_disk(sizing.volume_performance("gp3", 100, 3000, 125), node)
    assert small["throughput_sustained_mibps"] == 125


def test_effective_disk_without_instance_figures():
    node = sizing.node_allocatable(
        {
            "InstanceType": "x1.custom",
            "VCpuInfo": {"DefaultVCpus": 8},
            "MemoryInfo": {"SizeInMiB": 65536},
            "NetworkInfo": {"MaximumNetworkInterfaces": 4, "Ipv4AddressesPerInterface": 15},
        }
    )
    eff = sizing.effective_disk(sizing.volume_performance("gp3", 500, 7000, 1000), node)
    assert eff["instance_known"] is False
    assert eff["throughput_sustained_mibps"] == 1000


# --------------------------------------------------------------------------- findings
def test_findings_table_sorts_by_severity_and_puts_the_fix_below():
    findings = [
        sizing.finding("b.info", "info", "just so you know"),
        sizing.finding("a.error", "error", "broken", "fix it", node="m6i.2xlarge"),
    ]
    assert findings[1]["facts"] == {"node": "m6i.2xlarge"}
    lines = sizing.findings_table(findings)
    assert lines[0].split() == ["SEVERITY", "ID", "MESSAGE"]
    assert lines[1].startswith("error     a.error  broken")
    assert lines[2].strip() == "fix: fix it"
    assert lines[3].startswith("info      b.info   just so you know")
    assert sizing.findings_table([]) == ["no findings"]
    with pytest.raises(ValueError, match="severity"):
        sizing.finding("x", "fatal", "nope")
