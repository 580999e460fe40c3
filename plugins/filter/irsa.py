# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IRSA filters: thin wrappers around the one builder in module_utils/irsa.py."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import irsa


def irsa_trust_policy(provider_arn, issuer, subjects, audience=irsa.STS_AUDIENCE):
    """Trust policy for exactly ``subjects`` (``system:serviceaccount:<ns>:<name>``, no wildcards) and the audience."""
    try:
        return irsa.trust_policy(provider_arn, issuer, subjects, audience)
    except irsa.IrsaError as e:
        raise AnsibleFilterError(f"irsa_trust_policy: {e}") from e


def irsa_subjects(service_accounts, namespace):
    """``system:serviceaccount:<namespace>:<name>`` for each name."""
    return irsa.subjects(namespace, service_accounts)


def irsa_roles_to_converge(roles, found, provider_arn, issuer):
    """The IRSA role specs whose role is missing or differs from ``found`` (name -> ``read_role`` record).

    Each spec has ``name``, ``namespace``, ``service_accounts`` and optionally ``description``,
    ``managed_policies``, ``inline_policies``, ``max_session_duration``, ``permissions_boundary``,
    ``tags`` (the options of ``iam_irsa_role``); the result adds ``changes``.
    """
    todo = []
    for spec in roles or []:
        try:
            trust = irsa.trust_policy(provider_arn, issuer, irsa.subjects(spec["namespace"], spec["service_accounts"]))
        except irsa.IrsaError as e:
            raise AnsibleFilterError(f"IRSA role {spec.get('name')}: {e}") from e
        want = {**spec, "trust_policy": trust}
        changes = irsa.role_changes((found or {}).get(spec["name"]), want)
        if changes:
            todo.append({**spec, "changes": changes})
    return todo


def trust_conditions(document, key):
    """Sorted values of every ``<issuer>:<key>`` condition of a trust policy (a wildcard shows as is)."""
    return irsa.trust_conditions(document, key)


class FilterModule:
    def filters(self):
        return {
            "irsa_trust_policy": irsa_trust_policy,
            "irsa_subjects": irsa_subjects,
            "irsa_roles_to_converge": irsa_roles_to_converge,
            "trust_conditions": trust_conditions,
        }
