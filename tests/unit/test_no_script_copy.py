"""Policy: the repository holds no copy of the official LangSmith debugging script.

The script (`get_k8s_debugging_info.sh` in langchain-ai/helm) is downloaded at run time from a
pinned tag; the reference architecture dropped its local `scripts/capture-diagnostics.sh` for
the same reason. This test fails when a file with either name is tracked (or about to be:
untracked files that are not ignored count too), or when any such file carries a distinctive
fragment of the official script. The fragments below are short phrases from the official
script's revisions (old and current), kept as fingerprints only; this file is the one place
allowed to contain them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_NAMES = {"get_k8s_debugging_info.sh", "capture-diagnostics.sh", "get_k8s_debugging_info.ps1"}
FINGERPRINTS = (
    "Starting to pull debugging info. Creating directory",
    "Pulling summary of resources...",
    "Pulling details of all resources...",
    "Pulling resource usage for",
    "DIR=/tmp/langchain-debugging-",
    '"$DIR/pod-resource-usage.txt"',
    "grabbing previous logs",
    "Unable to use zip, falling back to tar.gz",
    "KEEP_KEYS='ts|timestamp|time|level",
    "PAYLOAD_KEYS='messages|role|chat_history",
    'redact_env_yaml "$DIR/resources_details.yaml"',
    "AWK_MARK=$(cat <<'AWKEOF'",
    "WARNING: bundle is collected RAW",
    "--redact-strict is ENABLED",
)
SKIP_DIRS = {".git", ".venv", ".collections", ".cache", ".emulator", "artifacts", "__pycache__", ".pytest_cache"}


def repository_files(root: Path) -> list:
    """Tracked files plus untracked files git does not ignore; a plain walk outside git."""
    git = shutil.which("git")
    try:
        if not git:
            raise OSError("git is not installed")
        out = subprocess.run(
            [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout
        return sorted({root / name for name in out.decode().split("\0") if name})
    except (OSError, subprocess.CalledProcessError):
        files = []
        for folder, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d not in SKIP_DIRS]
            files += [Path(folder) / name for name in names]
        return sorted(files)


def violations(files, allowed=()) -> list:
    """(path, reason) for every file named like the script or carrying one of its fragments."""
    found = []
    for path in files:
        if path.name in FORBIDDEN_NAMES:
            found.append((path, "file name of the official script"))
        if path in allowed or not path.is_file() or path.is_symlink():
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="ignore")
        except OSError:
            continue
        found += [(path, f"contains {fp!r}") for fp in FINGERPRINTS if fp in text]
    return found


def test_the_repository_holds_no_copy_of_the_official_script():
    files = repository_files(ROOT)
    assert len(files) > 20, "the file listing looks wrong"
    found = violations(files, allowed={Path(__file__).resolve()})
    assert not found, "download the script at run time instead of keeping a copy:\n" + "\n".join(
        f"  {path.relative_to(ROOT)}: {reason}" for path, reason in found
    )


def test_the_stand_in_used_by_the_tests_is_clearly_ours():
    stand_in = ROOT / "tests" / "fixtures" / "bin" / "fake-k8s-debug-script"
    text = stand_in.read_text()
    assert "NOT a copy" in text
    assert not violations([stand_in])


@pytest.mark.parametrize("fingerprint", FINGERPRINTS)
def test_the_detector_catches_each_fingerprint(tmp_path, fingerprint):
    sample = tmp_path / "notes.md"
    sample.write_text(f"some text\n  {fingerprint}\nmore\n")
    assert violations([sample]) == [(sample, f"contains {fingerprint!r}")]


@pytest.mark.parametrize("name", sorted(FORBIDDEN_NAMES))
def test_the_detector_catches_the_file_names(tmp_path, name):
    renamed = tmp_path / "scripts" / name
    renamed.parent.mkdir()
    renamed.write_text("#!/bin/bash\necho renamed\n")
    assert violations([renamed]) == [(renamed, "file name of the official script")]


def test_the_pinned_chart_version_has_a_pinned_debugging_script_sha256():
    """Bumping langsmith_chart_version needs the new tag's script hash, or diagnostics stops running it."""
    import tarfile

    import yaml

    version = yaml.safe_load((ROOT / "roles/langsmith/defaults/main/inputs.yml").read_text())["langsmith_chart_version"]
    pinned = yaml.safe_load((ROOT / "roles/diagnostics/vars/main.yml").read_text())["_diagnostics_script_sha256_by_ref"]
    assert f"langsmith-{version}" in pinned, f"add the sha256 of get_k8s_debugging_info.sh at langsmith-{version}"
    chart = ROOT.parent / "shared" / "charts" / f"langsmith-{version}.tgz"  # offline copy, where present
    if not chart.exists():
        pytest.skip(f"{chart} is not here to compare with")
    with tarfile.open(chart) as tar:
        script = tar.extractfile("langsmith/scripts/get_k8s_debugging_info.sh").read()
    assert hashlib.sha256(script).hexdigest() == pinned[f"langsmith-{version}"]
