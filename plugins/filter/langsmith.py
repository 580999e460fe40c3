# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules on the inputs every stage shares (the langsmith role), checked once per run."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

ENV_NAME = re.compile(r"^[a-z][a-z0-9-]{0,18}[a-z0-9]$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$")
HOSTNAME = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
RESERVED_TAG = re.compile(r"(?i)^(aws:|langsmith:env$|name$)")


def _loopback(url):
    host = urlsplit(url or "").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def langsmith_input_problems(settings):
    """Every mistake in the shared inputs and the AWS target, each naming the variable and the fix.

    ``settings``: env, region, tier, tiers (the preset names), hostname, tags, emulator,
    endpoint_url (langsmith_aws_endpoint_url) and env_endpoint_url (AWS_ENDPOINT_URL).
    """
    problems = []
    env = str(settings["env"])
    if not ENV_NAME.match(env):
        problems.append(
            f"langsmith_env={env} is not usable in AWS resource names: use 2-20 lowercase letters, digits and "
            "hyphens, starting with a letter (e.g. langsmith_env: prod)."
        )
    if not REGION.match(str(settings["region"])):
        problems.append(f"langsmith_region={settings['region']} is not an AWS region name: set it to e.g. us-east-1.")
    if settings["tier"] not in settings["tiers"]:
        problems.append(
            f"langsmith_tier={settings['tier']} has no entry in langsmith_tier_presets: use one of "
            f"{', '.join(settings['tiers'])}."
        )
    hostname = str(settings.get("hostname") or "")
    if hostname and not HOSTNAME.match(hostname):
        problems.append(
            f"langsmith_hostname={hostname} is not a DNS name: give the bare host name LangSmith answers on, "
            "without scheme or path (e.g. langsmith.example.com)."
        )
    tags = settings.get("tags") or {}
    if any(RESERVED_TAG.match(str(k)) for k in tags) or any(len(str(v)) > 256 for v in tags.values()):
        problems.append(
            "langsmith_tags may not set Name, langsmith:env or aws:* keys (the collection owns them) and values "
            "are at most 256 characters."
        )
    endpoint = str(settings.get("endpoint_url") or "")
    if settings["emulator"]:
        if not endpoint or not _loopback(endpoint):
            problems.append(
                f"langsmith_emulator is true but langsmith_aws_endpoint_url={endpoint} is not a loopback URL. Run "
                "`make demo` (it starts the emulator and sets AWS_ENDPOINT_URL), or `python tools/emulator.py start` "
                "and export the endpoint it prints."
            )
    elif endpoint or settings.get("env_endpoint_url"):
        problems.append(
            "This inventory targets real AWS (langsmith_emulator is false) but an endpoint override is set "
            "(langsmith_aws_endpoint_url or AWS_ENDPOINT_URL in your environment). Unset it, or use "
            "inventories/local for the emulator."
        )
    return problems


class FilterModule:
    def filters(self):
        return {"langsmith_input_problems": langsmith_input_problems}
