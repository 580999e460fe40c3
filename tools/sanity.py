"""Run ``ansible-test sanity`` on this checkout, offline-safe.

ansible-test needs the collection under ``ansible_collections/<ns>/<name>/`` inside a git
repository, and bootstraps pip in its test venvs from a script it downloads from a host this
network cannot reach. This tool:

1. copies the files git knows about (tracked and untracked-but-not-ignored) into
   ``<dest>`` (default ``.cache/sanity/ansible_collections/langchain/langsmith_aws``) and makes
   that copy a git repository;
2. writes a stand-in for the pip bootstrap script into ansible-test's cache: it runs
   ``ensurepip`` and then ``pip install`` with the CA bundle, which is what the real script does;
3. runs ``ansible-test sanity --local --python <this python>`` there, passing extra arguments on.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DEST = ROOT / ".cache" / "sanity" / "ansible_collections" / "langchain" / "langsmith_aws"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"

GET_PIP_STANDIN = '''\
"""Stand-in for ansible-test's get-pip bootstrap (written by tools/sanity.py; offline-safe)."""
import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
cmd = [sys.executable, "-m", "pip", "install"]
if os.path.exists({ca!r}):
    cmd += ["--cert", {ca!r}]
sys.exit(subprocess.call(cmd + args))
'''


def pip_version() -> str:
    """The pip version ansible-test bootstraps (``default_packages`` in python_requirements.py)."""
    import ansible_test  # noqa: PLC0415

    source = Path(ansible_test.__file__).parent / "_internal" / "python_requirements.py"
    match = re.search(r"pip='([0-9.]+)'", source.read_text())
    return match.group(1) if match else "25.2"


def write_pip_standin(version: str) -> Path:
    cache = Path.home() / ".ansible" / "test" / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"get_pip_{version.replace('.', '_')}.py"
    path.write_text(GET_PIP_STANDIN.format(ca=CA_BUNDLE))
    return path


def copy_tree(dest: Path) -> None:
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for raw in files:
        if not raw:
            continue
        rel = Path(raw.decode())
        src = ROOT / rel
        if not src.exists() or src.is_dir():
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, target)
    git = ["git", "-c", "user.email=sanity@localhost", "-c", "user.name=sanity"]
    subprocess.run([*git, "init", "-q"], cwd=dest, check=True)
    subprocess.run([*git, "add", "-A"], cwd=dest, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "sanity snapshot"], cwd=dest, check=True)


def link_dependencies(dest: Path) -> None:
    """Put the collections galaxy.yml depends on (amazon.aws, ...) next to the copy.

    ansible-test only searches the ``ansible_collections`` directory the collection sits in, so a
    module importing ``ansible_collections.amazon.aws`` fails the import, ansible-doc and
    validate-modules tests unless the dependencies are there too. They are linked from the
    installed ansible package (the pinned versions), not copied.
    """
    import yaml  # noqa: PLC0415

    wanted = {
        name.split(".")[0] for name in yaml.safe_load((ROOT / "galaxy.yml").read_text()).get("dependencies") or {}
    }
    root = dest.parent.parent
    for namespace in sorted(wanted):
        link = root / namespace
        if link.exists() or link.is_symlink():
            continue
        for entry in sys.path:
            source = Path(entry) / "ansible_collections" / namespace
            if source.is_dir():
                link.symlink_to(source)
                break


def main(argv: list[str]) -> int:
    dest = Path(argv[0]).resolve() if argv and not argv[0].startswith("-") else DEFAULT_DEST
    extra = argv[1:] if argv and not argv[0].startswith("-") else argv
    copy_tree(dest)
    link_dependencies(dest)
    write_pip_standin(pip_version())
    bin_dir = Path(sys.executable).parent
    env = dict(os.environ)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    cmd = [str(bin_dir / "ansible-test"), "sanity", "--local", "--python", python, "--color", "no", *extra]
    print(f"sanity: {' '.join(cmd)} (in {dest})", flush=True)
    return subprocess.call(cmd, cwd=dest, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
