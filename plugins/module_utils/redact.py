# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secret redaction for evidence the collection collects (diagnostics bundles, reports).

Two entry points:

* ``Redactor.text(str)``: line-oriented scrubbing of free text, YAML, JSON, env files, logs and
  ``kubectl describe`` output.
* ``Redactor.obj(value)``: recursive scrubbing of decoded JSON (dicts, lists, strings), aware of
  the ``{name, value}`` pairs of Kubernetes env lists and the ``{Key, Value}`` pairs of AWS tags.

What is removed: values of keys that name a secret (password, token, secret, api key, access
key, private key, credential, license key, salt, JWT, connection URL/string, DSN, auth token,
client secret, encryption key), passwords in URIs (``scheme://user:pw@host``) and in the
scheme-less ``user:pw@host:5432/db`` form the LangSmith chart uses for PostgreSQL, Bearer/Basic
credentials and Authorization headers, PEM private keys, and well-known token formats
(LangSmith ``lsv2_*`` keys, JWTs, AWS access key ids, OpenAI/Anthropic, GitHub, GitLab, Slack,
Google API keys). Keys that only *name* a secret (``secretName``, ``existingSecretName``,
``connectionUrlSecretKey``, ``secretKeyRef``, ``*Arn``, ``*Enabled``, ...) keep their values,
so the evidence still says which secret is involved.

This is best effort by construction (a regex cannot find a secret nobody labelled): review a
bundle before sharing it. Every replacement is counted (``Redactor.count``).
"""

from __future__ import annotations

import re

REDACTED = "***REDACTED***"

# A key names a secret when it contains one of these words ...
_SENSITIVE_WORDS = (
    r"password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|credential|license[_-]?key|salt|jwt|connection[_-]?(?:url|uri|string)|conn[_-]?str"
    r"|database[_-]?url|redis[_-]?url|dsn|auth[_-]?token|client[_-]?secret|encryption[_-]?key|session[_-]?key"
    r"|signing[_-]?key|cookie"
)
_SENSITIVE_RE = re.compile(r"(?i)(" + _SENSITIVE_WORDS + r")")
# ... unless it only names, points to or describes one.
_EXEMPT_SUFFIX_RE = re.compile(
    r"(?i)(name|names|ref|refs|keyref|arn|arns|id|ids|path|file|files|enabled|type|kind|ttl|seconds|"
    r"version|date|time|timestamp|createdat|updatedat|issuedat|status|secretkey|secretkeys|key_name|policy|length|count|mount|"
    r"mountpath|store|storeref|template|provider|expiry|expiration|expiresat|lastmodifieddate|"
    r"rotation|rotationenabled|validation|url_secret_key|source|sources|selector|class|classname|"
    r"refreshinterval|tokens|limit|limits|annotations|labels|key_name|header|headers)$"
)
_NON_SECRET_VALUE_RE = re.compile(
    r"(?i)^(|true|false|yes|no|on|off|null|none|~|-?[0-9]+(\.[0-9]+)?|\*+redacted[^*]*\*+|<set to the key .*>"
    r"|<none>|\[\]|\{\})$"
)

_PEM_RE = re.compile(
    r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(-----END \1PRIVATE KEY-----|\Z)",
    re.S,
)
# scheme://user:password@  (user may be empty: rediss://:token@host)
_URI_CRED_RE = re.compile(r"(?P<pre>\b[A-Za-z][A-Za-z0-9+.-]*://[^:/?#@\s\"']*):(?P<pw>[^@\s\"'/]+)@")
# user:password@host[:port]/db  (the chart's PostgreSQL connection_url has no scheme)
_BARE_CRED_RE = re.compile(
    r"(?P<pre>(?<![\w/:.@%+-])[A-Za-z0-9._%+-]+):(?P<pw>[^@\s\"'/:]+)@(?P<host>(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]+|localhost)"
)
# the credential must contain a digit or base64 punctuation, so prose ("basic authentication") stays
_BEARER_RE = re.compile(r"(?i)\b(bearer|basic)(\s+)(?!\*\*\*)(?=[A-Za-z0-9._~+/=-]*[0-9+/=_.~-])[A-Za-z0-9._~+/=-]{6,}")
_AUTH_HEADER_RE = re.compile(
    r"(?i)(\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?"
    r"(?:(?:bearer|basic|token|digest|negotiate)\s+|(?!(?:bearer|basic|token|digest|negotiate)\s)))"
    r"(?!\*\*\*)([^\s\"',;]+)"
)
_TOKEN_FORMATS = (
    (re.compile(r"\blsv2_(?:pt|sk)_[A-Za-z0-9_]{16,}"), "***REDACTED-LANGSMITH-KEY***"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_.+/=-]*"), "***REDACTED-JWT***"),
    (re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"), "***REDACTED-AWS-KEY-ID***"),
    (re.compile(r"\bsk-ant-[A-Za-z0-9_-]{20,}"), "***REDACTED-ANTHROPIC-KEY***"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"), "***REDACTED-OPENAI-KEY***"),
    (re.compile(r"\b(?:ghp|gho|ghs|ghu|ghr)_[A-Za-z0-9]{30,}"), "***REDACTED-GITHUB-TOKEN***"),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), "***REDACTED-GITLAB-TOKEN***"),
    (re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"), "***REDACTED-SLACK-TOKEN***"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), "***REDACTED-GOOGLE-KEY***"),
)

# key: value (YAML, describe output), optionally quoted key, optional list dash
_YAML_KV_RE = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?)(?P<q>[\"']?)(?P<key>[A-Za-z0-9_.\-/ ]+?)(?P=q)(?P<sep>\s*:\s+)(?P<val>.*)$"
)
# key: |  (YAML block scalar)
_YAML_BLOCK_KEY_RE = re.compile(r"^\s*(?:-\s+)?[\"']?(?P<key>[A-Za-z0-9_.\-/]+)[\"']?\s*:\s*[|>][-+0-9]*\s*$")
# name: X / "name": "X",  then  value: Y / "value": "Y"  (Kubernetes env lists, pretty-printed)
_NAME_LINE_RE = re.compile(r"^\s*(?:-\s+)?[\"']?name[\"']?\s*:\s*[\"']?(?P<name>[^\"'\s,]+)[\"']?\s*,?\s*$")
_VALUE_LINE_RE = re.compile(r"^(?P<lead>\s*(?:-\s+)?[\"']?value[\"']?\s*:\s*)(?P<val>.+?)(?P<tail>,?)\s*$")
# {"name": "X", "value": "Y"} on one line
_INLINE_PAIR_RE = re.compile(
    r"(?P<pre>\"name\"\s*:\s*\"(?P<name>[^\"]+)\"\s*,\s*\"value\"\s*:\s*\")(?P<val>(?:\\.|[^\"\\])*)\""
)
# "key": "value" anywhere on a line (JSON, JSON logs)
_JSON_KV_RE = re.compile(r"(?P<pre>\"(?P<key>[^\"\\]{1,80})\"\s*:\s*\")(?P<val>(?:\\.|[^\"\\])*)\"")
# \"key\": \"value\"  (JSON embedded in a JSON string, e.g. last-applied-configuration)
_JSON_ESC_KV_RE = re.compile(r"(?P<pre>\\\"(?P<key>[^\"\\]{1,80})\\\"\s*:\s*\\\")(?P<val>(?:[^\"\\]|\\\\[^\"])*)\\\"")
# KEY=value / --key=value / key = value (env files, INI, command lines, query strings)
_ASSIGN_RE = re.compile(
    r"(?P<pre>(?<![\w.-])(?P<key>-{0,2}[A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*)(?P<val>\"[^\"]*\"|'[^']*'|[^\s\"',;&]+)"
)
# --password value (space-separated command-line flag)
_FLAG_RE = re.compile(r"(?P<pre>(?<![\w-])--(?P<key>[A-Za-z0-9_-]+)\s+)(?P<val>(?!-)[^\s\"']+)")


def is_sensitive_key(key) -> bool:
    """True when ``key`` names a secret value (not merely a secret's name or reference)."""
    if not isinstance(key, str):
        return False
    compact = key.strip().strip("\"'").split("/")[-1].split(".")[-1]
    if not _SENSITIVE_RE.search(compact):
        return False
    return not _EXEMPT_SUFFIX_RE.search(compact.replace("-", "_"))


def _secret_value(value: str) -> bool:
    """True when a value in a sensitive slot should be replaced as a whole.

    Booleans, numbers and references stay. A connection URL with embedded credentials stays too:
    the URI rules replace only its password, so the host, port and database remain readable.
    """
    stripped = value.strip().strip("\"'").strip()
    if _URI_CRED_RE.search(stripped) or _BARE_CRED_RE.search(stripped):
        return False
    return not _NON_SECRET_VALUE_RE.match(stripped)


class Redactor:
    """Scrubs secrets from text and decoded JSON; ``count`` is the number of replacements made."""

    def __init__(self):
        self.count = 0

    # ------------------------------------------------------------------ helpers
    def _sub(self, pattern, repl, text):
        new, n = pattern.subn(repl, text)
        self.count += n
        return new

    def _patterns(self, text: str) -> str:
        """Rules that do not depend on keys: URIs, bearer/basic, auth headers, known token formats."""
        text = self._sub(_URI_CRED_RE, lambda m: m.group("pre") + ":" + REDACTED + "@", text)
        text = self._sub(
            _BARE_CRED_RE,
            lambda m: (
                m.group(0) if m.group("pw") == REDACTED else m.group("pre") + ":" + REDACTED + "@" + m.group("host")
            ),
            text,
        )
        text = self._sub(_AUTH_HEADER_RE, lambda m: m.group(1) + REDACTED, text)
        text = self._sub(_BEARER_RE, lambda m: m.group(1) + m.group(2) + REDACTED, text)
        for pattern, replacement in _TOKEN_FORMATS:
            text = self._sub(pattern, replacement, text)
        return text

    def _keyed(self, line: str) -> str:
        """Key-aware rules on one line: JSON pairs (plain and escaped), env pairs, assignments, flags."""

        def pair(m):
            if is_sensitive_key(m.group("key").lstrip("-")) and _secret_value(m.group("val")):
                self.count += 1
                return m.group("pre") + REDACTED + m.group(0)[len(m.group("pre")) + len(m.group("val")) :]
            return m.group(0)

        def inline(m):
            if is_sensitive_key(m.group("name")) and _secret_value(m.group("val")):
                self.count += 1
                return m.group("pre") + REDACTED + '"'
            return m.group(0)

        line = _INLINE_PAIR_RE.sub(inline, line)
        line = _JSON_KV_RE.sub(pair, line)
        line = _JSON_ESC_KV_RE.sub(pair, line)
        line = _ASSIGN_RE.sub(pair, line)
        return _FLAG_RE.sub(pair, line)

    def _yaml_pair(self, line: str) -> str:
        pair = _YAML_KV_RE.match(line)
        if not pair or not is_sensitive_key(pair.group("key")) or not _secret_value(pair.group("val")):
            return line
        value = pair.group("val").strip()
        if value[:1] in ("{", "[") or (value[:1] == '"' and value.endswith(",")):
            return line  # flow mappings and JSON lines are handled by the key-aware rules
        self.count += 1
        return pair.group("lead") + pair.group("q") + pair.group("key") + pair.group("q") + pair.group("sep") + REDACTED

    # ------------------------------------------------------------------ text
    def text(self, text: str) -> str:
        """Scrub free text (logs, YAML, JSON, describe output, env files)."""
        if not text:
            return text
        text = self._sub(_PEM_RE, "***REDACTED-PRIVATE-KEY***", text)
        state = {"block": None, "env_name": None, "env_indent": -1}
        return "\n".join(self._line(raw, state) for raw in text.split("\n"))

    def _line(self, raw: str, state: dict) -> str:
        """One line of ``text``; ``state`` carries YAML block scalars and env ``name:`` lines."""
        indent = len(raw) - len(raw.lstrip())
        if state["block"] is not None:
            if not raw.strip():
                return raw
            if indent > state["block"]:
                self.count += 1
                return " " * indent + REDACTED
            state["block"] = None
        block = _YAML_BLOCK_KEY_RE.match(raw)
        if block and is_sensitive_key(block.group("key")):
            state["block"] = indent
            return raw
        line = raw
        name = _NAME_LINE_RE.match(raw)
        value = None if name else _VALUE_LINE_RE.match(raw)
        if name:
            state["env_name"], state["env_indent"] = name.group("name"), indent
        elif value and state["env_name"] is not None and indent >= state["env_indent"]:
            if is_sensitive_key(state["env_name"]) and _secret_value(value.group("val").rstrip(",")):
                self.count += 1
                line = value.group("lead") + '"' + REDACTED + '"' + value.group("tail")
            state["env_name"] = None
        elif raw.strip() and indent < state["env_indent"]:
            state["env_name"] = None
        return self._patterns(self._keyed(self._yaml_pair(line)))

    # ------------------------------------------------------------------ decoded JSON
    def obj(self, value):
        """Scrub decoded JSON: sensitive keys, env/tag name-value pairs, and every string."""
        if isinstance(value, dict):
            pair_key = None
            for name_key in ("name", "Name", "key", "Key", "ParameterName"):
                if isinstance(value.get(name_key), str):
                    pair_key = value[name_key]
                    break
            out = {}
            for key, item in value.items():
                named = key in ("value", "Value", "ParameterValue") and is_sensitive_key(pair_key)
                if isinstance(item, str) and (is_sensitive_key(key) or named) and _secret_value(item):
                    self.count += 1
                    out[key] = REDACTED
                else:
                    out[key] = self.obj(item)
            return out
        if isinstance(value, (list, tuple)):
            return [self.obj(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value


def redact_text(text: str) -> str:
    """Scrub ``text`` (see ``Redactor.text``)."""
    return Redactor().text(text)


def redact_obj(value):
    """Scrub decoded JSON (see ``Redactor.obj``)."""
    return Redactor().obj(value)
