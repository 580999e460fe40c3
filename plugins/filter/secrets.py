# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the secrets role: connection URLs in the chart's formats and the name/ARN map published
in secrets_outputs (pure Python, no AWS calls)."""

from __future__ import annotations

from urllib.parse import quote

from ansible.errors import AnsibleFilterError


def _userinfo(value):
    """Percent-encode everything but unreserved characters (RFC 3986 userinfo is safe then)."""
    return quote(str(value), safe="")


def postgres_connection_url(username, password, host, port, database, *, sslmode="require"):
    """``user:password@host:port/db?sslmode=require``: the chart's format (no scheme)."""
    for name, value in (("username", username), ("password", password), ("host", host), ("database", database)):
        if not str(value or ""):
            raise AnsibleFilterError(f"postgres_connection_url: {name} is empty")
    credentials = f"{_userinfo(username)}:{_userinfo(password)}"
    return f"{credentials}@{host}:{int(port)}/{quote(str(database), safe='')}?sslmode={sslmode}"


def redis_connection_url(auth_token, host, port, tls=True):
    """``rediss://:token@host:port`` (TLS) or ``redis://...`` without TLS."""
    if not str(auth_token or "") or not str(host or ""):
        raise AnsibleFilterError("redis_connection_url: auth_token and host are required")
    scheme = "rediss" if tls else "redis"
    return f"{scheme}://:{_userinfo(auth_token)}@{host}:{int(port)}"


def secret_refs(names, found):
    """``{key: {name, arn}}`` for every name in ``names`` (key -> name); arn '' when missing.

    ``found`` is the ``secrets`` list of secretsmanager_secret_info.
    """
    arns = {s["name"]: s["arn"] for s in found or []}
    return {key: {"name": name, "arn": arns.get(name, "")} for key, name in (names or {}).items()}


def kubernetes_secret_sources(kubernetes, refs):
    """The Kubernetes Secrets to create with ExternalSecrets, each with its Secrets Manager sources."""
    out = []
    for secret in kubernetes or []:
        missing = [e for e in secret["entries"] if e not in refs]
        if missing:
            raise AnsibleFilterError(f"kubernetes_secret_sources: unknown entries {missing} for {secret['name']}")
        out.append(
            {
                "name": secret["name"],
                "chart_value": secret.get("chart_value", ""),
                "sources": [refs[e] for e in secret["entries"]],
            }
        )
    return out


class FilterModule:
    def filters(self):
        return {
            "postgres_connection_url": postgres_connection_url,
            "redis_connection_url": redis_connection_url,
            "secret_refs": secret_refs,
            "kubernetes_secret_sources": kubernetes_secret_sources,
        }
