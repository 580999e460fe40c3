# Copyright: (c) 2026, LangSmith AWS collection maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running the official LangSmith debugging script (``get_k8s_debugging_info.sh``).

The collection ships no copy of the script: it is fetched at run time from the langchain-ai/helm
repository at a pinned chart tag (or read from a local path on air-gapped sites), checked
against an expected sha256 when one is given, and run with bash. Its interface:

* flags ``--namespace <ns>`` (required), ``--redact``, ``--exclude-logs``, ``--exclude-describe``,
  ``--pod-selector <selector>`` (newer revisions also ``--redact-strict``); unknown flags exit 1;
* it writes into ``mktemp -d -t langsmith-debugging.XXXXXX`` (so under ``$TMPDIR``), zips that
  directory (tar.gz without ``zip``) and prints ``Bundle written to <path>``;
* it needs bash 4+, kubectl and jq; helm and zip are optional.

The script runs with ``TMPDIR`` pointing into the module's private work directory, so its raw,
unredacted output never lingers in ``/tmp``; its bundle is unpacked into the evidence bundle
and, with redaction on, scrubbed again (``--redact`` leaves YAML ``key: value`` secrets in
``helm get values`` output).
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import re
import stat
import tarfile
import zipfile
from urllib.parse import urlsplit

SCRIPT_URL = (
    "https://raw.githubusercontent.com/langchain-ai/helm/{ref}/charts/langsmith/scripts/get_k8s_debugging_info.sh"
)
BUNDLE_LINE = re.compile(r"^Bundle written to (?P<path>\S.*?)\s*$", re.M)
SHA256_RE = re.compile(r"^[0-9a-fA-F]{64}$")
NAMESPACE_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
REQUIRED_TOOLS = ("bash", "kubectl", "jq")
OPTIONAL_TOOLS = ("helm", "zip")
TOOL_HINTS = {
    "bash": "install bash 4 or later (macOS: brew install bash)",
    "kubectl": "install kubectl (https://kubernetes.io/docs/tasks/tools/)",
    "jq": "install jq (apt-get install jq, brew install jq)",
}
MAX_SCRIPT_BYTES = 2 * 1024 * 1024
MAX_BUNDLE_FILES = 20000


class ScriptError(Exception):
    """The official script could not be fetched, verified, run or read."""


def script_url(ref: str) -> str:
    return SCRIPT_URL.format(ref=ref)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> None:
    """Only https, or http to a loopback address (a local mirror or a test server)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return
    if parts.scheme == "http" and _loopback(parts.hostname or ""):
        return
    raise ScriptError(f"script_url must be an https:// URL (http:// only on loopback), got {url!r}")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(url: str, open_url, timeout: int = 30) -> bytes:
    """Download ``url`` with ``open_url`` (ansible.module_utils.urls), certificate checks on."""
    check_url(url)
    try:
        response = open_url(url, timeout=timeout, validate_certs=True, follow_redirects="safe")
        data = response.read(MAX_SCRIPT_BYTES + 1)
    except Exception as exc:
        raise ScriptError(f"could not download the debugging script from {url}: {exc}") from exc
    if len(data) > MAX_SCRIPT_BYTES:
        raise ScriptError(f"{url} is larger than {MAX_SCRIPT_BYTES} bytes: not the debugging script")
    return data


def verify(data: bytes, expected: str, source: str, allow_unverified: bool = False) -> dict:
    """Checksum record; raises on a mismatch, and without ``expected`` unless ``allow_unverified`` (caller warns)."""
    actual = sha256_hex(data)
    if not data.startswith(b"#!"):
        raise ScriptError(f"{source} does not start with a #! line: not a shell script (sha256 {actual})")
    if not expected and not allow_unverified:
        raise ScriptError(
            f"no sha256 to verify {source} against (its sha256 is {actual}). The script was not run. Pin it with "
            f"diagnostics_script_sha256: {actual} after checking it, or run it unverified by name with "
            "diagnostics_run_unverified_script: true."
        )
    if expected:
        if actual != expected.lower():
            raise ScriptError(
                f"sha256 mismatch for {source}: expected {expected.lower()}, got {actual}. The script was not run. "
                "If the pinned ref changed on purpose, update diagnostics_script_sha256."
            )
        return {"sha256": actual, "verified": True}
    return {"sha256": actual, "verified": False}


def find_tools(get_bin_path) -> dict:
    """Paths of the tools the script uses; raises naming every missing required tool."""
    tools = {name: get_bin_path(name) for name in REQUIRED_TOOLS + OPTIONAL_TOOLS}
    missing = [name for name in REQUIRED_TOOLS if not tools[name]]
    if missing:
        raise ScriptError(
            "the debugging script needs "
            + ", ".join(missing)
            + " on PATH: "
            + "; ".join(TOOL_HINTS[m] for m in missing)
        )
    return tools


def check_bash(run_command, bash: str) -> int:
    rc, out, _err = run_command([bash, "-c", "echo ${BASH_VERSINFO[0]}"], check_rc=False)
    try:
        major = int(out.strip())
    except ValueError:
        major = 0
    if rc != 0 or major < 4:
        raise ScriptError(f"{bash} is bash {major or '?'}; the debugging script needs bash 4+ ({TOOL_HINTS['bash']})")
    return major


def flags(params: dict) -> list:
    """The script's command-line flags from the module options."""
    args = ["--namespace", params["namespace"]]
    if params.get("redact"):
        args.append("--redact")
    if params.get("redact_strict"):
        args.append("--redact-strict")
    if params.get("exclude_logs"):
        args.append("--exclude-logs")
    if params.get("exclude_describe"):
        args.append("--exclude-describe")
    if params.get("pod_selector"):
        args += ["--pod-selector", params["pod_selector"]]
    return args


def install(data: bytes, workdir: str) -> str:
    """Write the script into the private work directory, executable by the owner only."""
    path = os.path.join(workdir, "script", "k8s-debugging-script.sh")
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)
    os.chmod(path, stat.S_IRWXU)
    return path


def bundle_path(output: str) -> str:
    """The path from the script's last ``Bundle written to <path>`` line."""
    matches = BUNDLE_LINE.findall(output or "")
    if not matches:
        raise ScriptError("the script printed no 'Bundle written to <path>' line")
    return matches[-1].strip()


def _strip_common_prefix(names: list) -> dict:
    """Archive member -> relative path with the archive's own top directories removed."""
    parts = [n.strip("/").split("/") for n in names if n.strip("/")]
    dirs = [p[:-1] for p in parts]
    common = []
    if dirs:
        for segment in zip(*dirs):
            if len(set(segment)) != 1:
                break
            common.append(segment[0])
    out = {}
    for name, split in zip([n for n in names if n.strip("/")], parts):
        rel = split[len(common) :]
        if not rel or any(seg in ("", ".", "..") for seg in rel):
            raise ScriptError(f"unsafe path in the script bundle: {name!r}")
        out[name] = "/".join(rel)
    return out


def extract(path: str, dest: str) -> list:
    """Unpack the script's zip or tar.gz into ``dest`` safely; returns the relative file paths."""
    os.makedirs(dest, mode=0o700, exist_ok=True)
    written = []
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > MAX_BUNDLE_FILES:
                raise ScriptError(f"the script bundle has more than {MAX_BUNDLE_FILES} files")
            mapping = _strip_common_prefix([m.filename for m in members])
            for member in members:
                if stat.S_ISLNK(member.external_attr >> 16):
                    continue
                target = os.path.join(dest, mapping[member.filename])
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with archive.open(member) as src, open(target, "wb") as out:
                    out.write(src.read())
                written.append(mapping[member.filename])
    elif tarfile.is_tarfile(path):
        with tarfile.open(path) as archive:
            members = [m for m in archive.getmembers() if m.isfile()]
            if len(members) > MAX_BUNDLE_FILES:
                raise ScriptError(f"the script bundle has more than {MAX_BUNDLE_FILES} files")
            mapping = _strip_common_prefix([m.name for m in members])
            for member in members:
                target = os.path.join(dest, mapping[member.name])
                os.makedirs(os.path.dirname(target), exist_ok=True)
                src = archive.extractfile(member)
                with open(target, "wb") as out:
                    out.write(src.read() if src else b"")
                written.append(mapping[member.name])
    else:
        raise ScriptError(f"{os.path.basename(path)} is neither a zip nor a tar archive")
    return sorted(written)


def within(path: str, root: str) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real == base or real.startswith(base + os.sep)


def collect(ev, host, params: dict, workdir: str, bundle) -> None:
    """The ``kubernetes_script`` collector: fetch, verify, run, and ingest the official script.

    ``host`` provides ``run_command``, ``get_bin_path``, ``open_url`` and ``warn`` (the module).
    """
    source = params.get("script_path") or params.get("script_url")
    ev.data = {"source": source, "flags": flags(params)}
    if params.get("script_path"):
        path = params["script_path"]
        if not os.path.isfile(path):
            raise ScriptError(f"script_path {path} does not exist")
        with open(path, "rb") as handle:
            data = handle.read(MAX_SCRIPT_BYTES + 1)
    else:
        data = fetch(params["script_url"], host.open_url)
    ev.data.update(verify(data, params.get("script_sha256") or "", source, bool(params.get("allow_unverified_script"))))
    if not ev.data["verified"]:
        host.warn(
            f"The debugging script from {source} was run without checksum verification (its sha256 is "
            f"{ev.data['sha256']}). Pin it: diagnostics_script_sha256: {ev.data['sha256']}"
        )
    tools = find_tools(host.get_bin_path)
    ev.data["tools"] = {name: bool(path) for name, path in tools.items()}
    ev.data["bash_major_version"] = check_bash(host.run_command, tools["bash"])
    script = install(data, workdir)
    tmpdir = os.path.join(workdir, "tmp")
    os.makedirs(tmpdir, mode=0o700, exist_ok=True)
    environ = {"TMPDIR": tmpdir}
    if params.get("kubeconfig"):
        environ["KUBECONFIG"] = params["kubeconfig"]
    cmd = [tools["bash"], script, *ev.data["flags"]]
    timeout = host.get_bin_path("timeout")
    if timeout:
        cmd = [timeout, "--kill-after=10", str(int(params.get("script_timeout") or 900)), *cmd]
    rc, out, err = host.run_command(cmd, environ_update=environ, check_rc=False, cwd=workdir, data="")
    ev.data["exit_code"] = rc
    bundle.write_text(
        "k8s-script/script-output.log",
        f"$ {' '.join(['get_k8s_debugging_info.sh', *ev.data['flags']])}\n"
        f"exit code {rc}\n--- stdout\n{out}\n--- stderr\n{err}\n",
    )
    if timeout and rc in (124, 137):
        raise ScriptError(f"the script did not finish within {params.get('script_timeout')} s (script_timeout)")
    if rc != 0:
        last = (err or out or "").strip().splitlines()
        raise ScriptError(f"the script exited {rc}: {last[-1] if last else 'no output'}")
    raw = bundle_path(out)
    if not os.path.isabs(raw):
        raw = os.path.join(workdir, raw)
    if not os.path.isfile(raw):
        raise ScriptError(f"the script reported {raw}, which does not exist")
    ev.data["bundle_format"] = "zip" if raw.endswith(".zip") else "tar.gz"
    if not within(raw, workdir):
        ev.data["raw_bundle_left_at"] = raw
        host.warn(f"The script wrote its raw bundle outside the work directory ({raw}); delete it after use.")
    extracted = os.path.join(workdir, "extracted")
    files = extract(raw, extracted)
    for rel in files:
        bundle.add_file(os.path.join(extracted, rel), "k8s-script/" + rel, redact=bool(params.get("redact")))
    ev.data["files"] = files
    ev.data["rescrubbed"] = bool(params.get("redact"))
