# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules on the inputs every stage shares (the langsmith role), checked once per run."""

from __future__ import annotations

import difflib
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
    endpoint_url (langsmith_aws_endpoint_url), env_endpoint_url (AWS_ENDPOINT_URL), aws_retry_mode and
    aws_max_attempts.
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
    retry_mode = settings.get("aws_retry_mode", "standard")
    if retry_mode not in ("legacy", "standard", "adaptive"):
        problems.append(
            f"langsmith_aws_retry_mode={retry_mode} is not a botocore retry mode: use standard (or adaptive)."
        )
    attempts = settings.get("aws_max_attempts", 8)
    if isinstance(attempts, bool) or not str(attempts).isdigit() or not 1 <= int(attempts) <= 20:
        problems.append(
            f"langsmith_aws_max_attempts={attempts} must be a whole number from 1 to 20 (attempts per AWS call)."
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


# --------------------------------------------------------------------------- unknown and mistyped variables
# Facts the roles publish (not inputs): <role>_outputs, <role>_summary, <role>_emulator_skips, secrets_credentials.
PUBLISHED = re.compile(r"^[a-z][a-z0-9_]*_(outputs|summary|emulator_skips)$|^secrets_credentials$")
_TYPE_NAMES = {"list": "a list", "dict": "a mapping", "int": "an integer", "bool": "a boolean", "float": "a number"}


def langsmith_spec_options(spec_documents):
    """``{option: spec}`` over every entry point of every role's ``meta/argument_specs.yml`` (parsed)."""
    options = {}
    for document in spec_documents or []:
        for entry in ((document or {}).get("argument_specs") or {}).values():
            for name, spec in ((entry or {}).get("options") or {}).items():
                options.setdefault(name, spec or {})
    return options


def _wrong_type(value, kind):
    if kind == "list":
        return not isinstance(value, list)
    if kind == "dict":
        return not isinstance(value, dict)
    if kind in ("int", "float"):
        if isinstance(value, bool):
            return True
        if isinstance(value, (int, float)):
            return kind == "int" and isinstance(value, float) and not value.is_integer()
        try:
            (int if kind == "int" else float)(str(value).strip())
        except ValueError:
            return True
        return False
    if kind == "bool":
        return not isinstance(value, bool) and str(value).strip().lower() not in (
            "yes",
            "no",
            "true",
            "false",
            "on",
            "off",
            "1",
            "0",
            "y",
            "n",
            "t",
            "f",
        )
    return False


def _type_name(value):
    for kind, name in (
        (bool, "a boolean"),
        (str, "a string"),
        (int, "an integer"),
        (float, "a number"),
        (list, "a list"),
        (dict, "a mapping"),
    ):
        if isinstance(value, kind):
            return name
    return type(value).__name__


def langsmith_variable_problems(values, options, allowed=None, other_names=None):
    """Variables carrying one of our prefixes that no role knows (with the closest known names),
    names that look like a misspelt variable of ours (``netwrok_vpc_cidr``), and values of the wrong
    type for the option they set (a string where a list is expected, ...).

    ``values``: name -> value of every variable with one of our prefixes; ``options``:
    ``langsmith_spec_options``; ``allowed``: names to accept anyway (``langsmith_extra_variables``);
    ``other_names``: every other variable name in scope (checked for near misses only).
    """
    allowed = set(allowed or [])
    problems = []
    for name in sorted(set(other_names or []) - set(values or {}) - allowed):
        if name.startswith("_") or name.startswith("ansible_"):
            continue
        close = difflib.get_close_matches(name, list(options), n=3, cutoff=0.85)
        if close:
            problems.append(
                f"{name} looks like a misspelt {' or '.join(close)} (no role reads {name}, so its value would be "
                "ignored). Fix the name, or list it in langsmith_extra_variables if it is meant for something else."
            )
    for name in sorted(values or {}):
        if name in allowed or PUBLISHED.match(name):
            continue
        spec = options.get(name)
        if spec is None:
            close = difflib.get_close_matches(name, list(options), n=3, cutoff=0.75)
            hint = f" Did you mean {' or '.join(close)}?" if close else ""
            problems.append(
                f"{name} is not a variable of this collection (no role reads it, so its value would be ignored).{hint} "
                "Fix the name, or list it in langsmith_extra_variables if it is meant for something else."
            )
            continue
        kind = spec.get("type", "str")
        if kind in _TYPE_NAMES and values[name] is not None and _wrong_type(values[name], kind):
            example = {"list": " (YAML list, e.g. [a, b])", "dict": " (YAML mapping, e.g. {key: value})"}.get(kind, "")
            problems.append(
                f"{name} must be {_TYPE_NAMES[kind]}{example}, not {_type_name(values[name])} ({values[name]!r})."
            )
    return problems


class FilterModule:
    def filters(self):
        return {
            "langsmith_input_problems": langsmith_input_problems,
            "langsmith_spec_options": langsmith_spec_options,
            "langsmith_variable_problems": langsmith_variable_problems,
        }
