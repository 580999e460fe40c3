"""Artifacts are written only where the controller's copy differs (file_state lookup + filters)."""

from __future__ import annotations

import hashlib

from ansible_collections.langchain.langsmith_aws.plugins.filter.artifacts import dirs_to_make, files_to_write
from ansible_collections.langchain.langsmith_aws.plugins.lookup.file_state import file_state


def test_file_state_reads_mode_and_the_copy_checksum(tmp_path):
    path = tmp_path / "values.yaml"
    path.write_text("a: 1\n")
    path.chmod(0o640)
    state = file_state(str(path))
    assert state == {
        "path": str(path),
        "exists": True,
        "directory": False,
        "mode": "0640",
        "sha1": hashlib.sha1(b"a: 1\n").hexdigest(),  # noqa: S324
    }
    assert file_state(str(tmp_path))["directory"] is True
    assert file_state(str(tmp_path / "missing"))["exists"] is False


def test_only_files_that_differ_in_content_or_mode_are_written(tmp_path):
    same, other, mode, new = (tmp_path / n for n in ("same", "other", "mode", "new"))
    for path in (same, other, mode):
        path.write_text("x")
        path.chmod(0o600)
    mode.chmod(0o644)
    files = [
        {"dest": str(same), "content": "x", "mode": "0600"},
        {"dest": str(other), "content": "y", "mode": "0600"},
        {"dest": str(mode), "content": "x", "mode": "0600"},
        {"dest": str(new), "content": "x", "mode": "0600"},
    ]
    states = [file_state(f["dest"]) for f in files]
    assert [f["dest"] for f in files_to_write(files, states)] == [str(other), str(mode), str(new)]


def test_directories_are_made_when_missing_or_with_another_mode(tmp_path):
    ok, loose = tmp_path / "ok", tmp_path / "loose"
    ok.mkdir(mode=0o750)
    ok.chmod(0o750)
    loose.mkdir()
    loose.chmod(0o777)
    dirs = [{"path": str(p), "mode": "0750"} for p in (ok, loose, tmp_path / "new")]
    assert [d["path"] for d in dirs_to_make(dirs, [file_state(d["path"]) for d in dirs])] == [
        str(loose),
        str(tmp_path / "new"),
    ]
