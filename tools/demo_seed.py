"""Create the demo's operator prerequisites in the local AWS emulator (never on AWS).

On a real account the operator owns a domain and its Route 53 hosted zone before deploying;
preflight fails without it. ``make demo`` runs this against the emulator first, so the demo
deploy starts from the same footing: the public hosted zone that holds the local inventory's
``langsmith_hostname``. Idempotent; loopback endpoints only.

    python tools/demo_seed.py [--endpoint URL] [--inventory inventories/local]
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path

import boto3
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import emulator

ROOT = Path(__file__).resolve().parent.parent


def demo_zone(inventory: Path) -> str:
    """The zone holding the inventory's langsmith_hostname (its parent domain)."""
    data = yaml.safe_load((inventory / "group_vars" / "all.yml").read_text())
    zone = data.get("edge_route53_zone") or data["langsmith_hostname"].split(".", 1)[1]
    return zone.rstrip(".")


def ensure_zone(endpoint: str, zone: str) -> str:
    """Create the public hosted zone ``zone`` unless it exists; return its id."""
    env = emulator.environment(endpoint)
    client = boto3.client(
        "route53",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=env["AWS_SESSION_TOKEN"],
        region_name="us-east-1",
    )
    for found in client.list_hosted_zones_by_name(DNSName=zone)["HostedZones"]:
        if found["Name"] == zone + "." and not found["Config"].get("PrivateZone"):
            return found["Id"]
    created = client.create_hosted_zone(
        Name=zone,
        CallerReference=f"demo-seed-{uuid.uuid4()}",
        HostedZoneConfig={"Comment": "demo prerequisite (tools/demo_seed.py)", "PrivateZone": False},
    )
    return created["HostedZone"]["Id"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL", ""))
    parser.add_argument("--inventory", type=Path, default=ROOT / "inventories" / "local")
    args = parser.parse_args(argv)
    if not args.endpoint:
        print("demo_seed: no emulator endpoint (set AWS_ENDPOINT_URL or --endpoint)", file=sys.stderr)
        return 2
    try:
        emulator.require_loopback(args.endpoint)
    except emulator.EmulatorError as exc:
        print(f"demo_seed: {exc}", file=sys.stderr)
        return 2
    zone = demo_zone(args.inventory)
    print(f"demo_seed: public hosted zone {zone} ({ensure_zone(args.endpoint, zone)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
