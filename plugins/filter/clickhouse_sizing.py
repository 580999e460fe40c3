# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ClickHouse sizing gate without a module run, when the instance data is already read."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.langchain.langsmith_aws.plugins.module_utils import clickhouse_sizing as rules


def clickhouse_sizing_plan(options, instance_data):
    """What ``langchain.langsmith_aws.clickhouse_sizing`` returns in plan mode for ``options``, given
    ``instance_data`` (DescribeInstanceTypes entries by name, e.g. langsmith_preflight_info's
    ``sizing_instance_data``). The same rules (module_utils/clickhouse_sizing.py), without a process."""
    try:
        return {
            "changed": False,
            **rules.plan({k: v for k, v in (options or {}).items() if v is not None}, instance_data or {}),
        }
    except rules.SizingInputError as e:
        raise AnsibleFilterError(f"clickhouse_sizing: {e}") from e


class FilterModule:
    def filters(self):
        return {"clickhouse_sizing_plan": clickhouse_sizing_plan}
