# Print the path of a Python >= 3.12 found on this machine (ansible-core 2.21 needs it).
# Order: $PYTHON, python3.12/3.13/3.14/python3 on PATH, then pyenv and common install
# locations. A pyenv shim that refuses to run simply fails the version check and is skipped.
set -u
candidates="${PYTHON:-} python3.12 python3.13 python3.14 python3"
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
for dir in "$pyenv_root"/versions/3.12* "$pyenv_root"/versions/3.13* "$pyenv_root"/versions/3.14*; do
  [ -x "$dir/bin/python3" ] && candidates="$candidates $dir/bin/python3"
done
candidates="$candidates /usr/local/bin/python3.12 /usr/bin/python3.12 /opt/homebrew/bin/python3.12 /usr/local/bin/python3.13 /usr/bin/python3.13"
for c in $candidates; do
  path=$(command -v "$c" 2>/dev/null) || continue
  if "$path" -c 'import sys, venv, ensurepip; sys.exit(0 if (3, 12) <= sys.version_info[:2] < (3, 15) else 1)' >/dev/null 2>&1; then
    echo "$path"
    exit 0
  fi
done
echo "find-python: no Python 3.12-3.14 with venv and ensurepip found." >&2
echo "  looked for: \$PYTHON, python3.12, python3.13, python3.14, python3 on PATH," >&2
echo "  $pyenv_root/versions/3.1[234]*/bin/python3, /usr/local/bin and /usr/bin python3.12/3.13." >&2
echo "  Install Python 3.12 (e.g. 'pyenv install 3.12' or your OS package) or set PYTHON=/path/to/python3.12." >&2
exit 1
