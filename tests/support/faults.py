"""Fault injection for the recovery drills (tests/integration/test_faults.py, docs/RELIABILITY.md).

Hooks for ``tools/awsproxy.py`` (the recording proxy in front of the emulator):

* ``Throttle(percent, seed)``: answers that share of AWS requests with the service's own throttling
  error (EC2 ``RequestLimitExceeded``, query ``Throttling``, JSON ``ThrottlingException``, S3
  ``SlowDown``) *before* forwarding, so the call did not happen; deterministic for a seed.
* ``LoseResponse(action, times)``: forwards the first ``times`` calls of ``action`` (they happen
  in the emulator) and replaces each answer with an HTTP 500, as when a response is lost on the
  way back; botocore then retries a call that already took effect.

``network_inventory(aws)`` lists the network resources that exist, by kind, tagged or not, in a form
two runs can be compared in: names, CIDRs and counts, never generated ids.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sys
import threading
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import awsproxy  # tools/awsproxy.py


class Throttle(awsproxy.Hook):
    name = "throttle"

    def __init__(self, percent: float, seed: int = 7):
        self.percent = percent
        self._random = random.Random(seed)  # noqa: S311 - a reproducible fault pattern, not a secret
        self._lock = threading.Lock()
        self.throttled: Counter[str] = Counter()
        self.seen = 0

    def on_request(self, call):
        with self._lock:
            self.seen += 1
            hit = self._random.random() * 100 < self.percent
            if hit:
                self.throttled[f"{call.service}:{call.action}"] += 1
        if hit:
            return awsproxy.error_reply(call, awsproxy.throttling_code(call.service), "Rate exceeded")
        return None


class LoseResponse(awsproxy.Hook):
    name = "lose-response"

    def __init__(self, action: str, times: int = 1):
        self.action = action
        self.times = times
        self.lost = 0
        self._lock = threading.Lock()

    def on_response(self, call, reply):
        if call.action != self.action or not 200 <= reply.status < 300:
            return None
        with self._lock:
            if self.lost >= self.times:
                return None
            self.lost += 1
        return awsproxy.error_reply(call, "InternalError", "response lost (injected)", status=500)


class KillAfter(awsproxy.Hook):
    """Lets the ``nth`` call of ``action`` happen, then SIGKILLs the attached run before it hears back.

    ``attach(proc)`` names the run (a ``subprocess.Popen`` started with ``start_new_session=True``,
    so its whole process group, forks included, is killed).
    """

    name = "kill"

    def __init__(self, action: str, nth: int = 1):
        self.action = action
        self.nth = nth
        self.seen = 0
        self.killed = False
        self.proc = None
        self._lock = threading.Lock()

    def attach(self, proc) -> KillAfter:
        self.proc = proc
        return self

    def on_response(self, call, reply):
        if call.action != self.action:
            return None
        with self._lock:
            self.seen += 1
            if self.seen != self.nth or self.killed or self.proc is None:
                return None
            self.killed = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        return awsproxy.DROP


def _tags(items, key="Tags"):
    return {t["Key"]: t["Value"] for t in items.get(key) or []}


def network_inventory(aws) -> dict[str, list]:
    """Every network resource in the emulator's region outside the default VPC, tagged or not.

    Untagged ones count too: a create whose response was lost and whose tags never followed is a
    leak the stage would not find again. Names (the ``Name`` tag, ``""`` when untagged) and CIDRs,
    never generated ids, so two runs compare equal when they made the same things.
    """
    ec2 = aws.client("ec2")
    default = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v.get("IsDefault")}
    vpcs = [v for v in ec2.describe_vpcs()["Vpcs"] if v["VpcId"] not in default]

    def outside_default(items, key="VpcId"):
        return [i for i in items if i.get(key) not in default]

    live_nat = [n for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] in ("pending", "available")]
    return {
        "vpcs": sorted((_tags(v).get("Name", ""), v["CidrBlock"]) for v in vpcs),
        "subnets": sorted(
            (_tags(s).get("Name", ""), s["CidrBlock"]) for s in outside_default(ec2.describe_subnets()["Subnets"])
        ),
        "internet_gateways": sorted(
            _tags(g).get("Name", "")
            for g in ec2.describe_internet_gateways()["InternetGateways"]
            if not {a["VpcId"] for a in g.get("Attachments", [])} & default
        ),
        "route_tables": sorted(
            _tags(t).get("Name", "(main)" if any(a.get("Main") for a in t.get("Associations", [])) else "")
            for t in outside_default(ec2.describe_route_tables()["RouteTables"])
        ),
        "nat_gateways": sorted(_tags(n).get("Name", "") for n in live_nat),
        "addresses": sorted(_tags(a).get("Name", "") for a in ec2.describe_addresses()["Addresses"]),
        "security_groups": sorted(
            g["GroupName"] for g in outside_default(ec2.describe_security_groups()["SecurityGroups"])
        ),
        "vpc_endpoints": sorted(
            e["ServiceName"]
            for e in outside_default(ec2.describe_vpc_endpoints()["VpcEndpoints"])
            if e["State"].lower() not in ("deleted", "deleting")  # the emulator keeps deleted ones listed
        ),
    }


def duplicates(inventory: dict[str, list]) -> dict[str, list]:
    """Names (or name/CIDR pairs) that occur more than once, by kind."""
    found = {}
    for kind, items in inventory.items():
        twice = sorted(item for item, n in Counter(map(str, items)).items() if n > 1)
        if twice:
            found[kind] = twice
    return found
