"""Local AWS emulator harness: start, reset, stop a moto server on 127.0.0.1.

One small tool used by ``make demo``, the pytest fixtures and the molecule
scenarios. It only ever binds and talks to loopback, keeps its state (pid, port)
in a state directory, and stops only the process it started itself.

Commands::

    emulator.py start  [--state-dir DIR]     # prints the endpoint URL
    emulator.py env    [--state-dir DIR]     # prints shell exports for the endpoint
    emulator.py reset  [--state-dir DIR]     # clears every resource (POST /moto-api/reset)
    emulator.py stop   [--state-dir DIR]
    emulator.py status [--state-dir DIR]
    emulator.py run    [--state-dir DIR] -- CMD ...

``run`` starts an emulator, runs CMD with the endpoint in its environment and
stops the emulator again, whatever CMD returns. If ``AWS_ENDPOINT_URL`` is already
set it starts and stops nothing and runs CMD against that endpoint (which must be
a loopback address), so the resulting state can be inspected afterwards.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"
DEFAULT_STATE_DIR = Path(__file__).resolve().parent.parent / ".emulator"
READY_TIMEOUT = 60.0
BUSY_TIMEOUT = 30.0  # a running emulator of ours may be slow to answer (large state, busy machine)
SERVE_COMMAND = "_serve"  # internal: the process start() launches

# Dummy credentials: the emulator accepts anything, and using obviously fake
# keys means a misdirected request could never authenticate against real AWS.
EMULATOR_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
}


class EmulatorError(RuntimeError):
    """A harness failure with a message meant for the operator."""


@dataclass
class EmulatorState:
    pid: int
    port: int
    endpoint: str
    log: str


def is_loopback_url(url: str) -> bool:
    """True when ``url`` points at a loopback address (and nothing else)."""
    host = urllib.parse.urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_loopback(url: str) -> str:
    if not is_loopback_url(url):
        raise EmulatorError(
            f"refusing to use emulator endpoint {url!r}: only loopback addresses "
            "(127.0.0.1, ::1, localhost) are allowed"
        )
    return url


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def _state_file(state_dir: Path) -> Path:
    return state_dir / "emulator.json"


def load_state(state_dir: Path) -> EmulatorState | None:
    path = _state_file(state_dir)
    if not path.exists():
        return None
    return EmulatorState(**json.loads(path.read_text()))


def _process_is_ours(state: EmulatorState) -> bool:
    """The pid still runs *our* moto server (guards against pid reuse)."""
    cmdline = Path(f"/proc/{state.pid}/cmdline")
    try:
        args = cmdline.read_bytes().split(b"\0")
    except OSError:
        try:
            os.kill(state.pid, 0)
        except OSError:
            return False
        # No /proc (e.g. macOS): trust the pid only while the port answers.
        return _ping(state.endpoint)
    return SERVE_COMMAND.encode() in args and str(state.port).encode() in args


READY_PATH = "/_harness/ready"  # answered by serve() itself: constant cost, whatever the state size


def _ping(endpoint: str, timeout: float = 2.0) -> bool:
    """The emulator answers its readiness probe (not moto's state dump, whose cost grows with the state)."""
    try:
        with urllib.request.urlopen(f"{endpoint}{READY_PATH}", timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def wait_ready(endpoint: str, proc: subprocess.Popen | None = None, timeout: float = READY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise EmulatorError(f"moto server exited with code {proc.returncode} before it was ready")
        if _ping(endpoint, timeout=1.0):
            return
        time.sleep(0.2)
    raise EmulatorError(f"moto server at {endpoint} was not ready after {timeout:.0f}s")


def start(state_dir: Path = DEFAULT_STATE_DIR, watch_pid: int | None = None) -> EmulatorState:
    """Start a moto server on a free loopback port, or return the running one.

    With ``watch_pid`` the server also exits on its own once that process is gone, so a test
    run that is killed cannot leave an emulator behind.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    existing = load_state(state_dir)
    if existing is not None:
        if _process_is_ours(existing):
            # Ours and alive: use it, however busy it is; never start a second one behind the user's back.
            try:
                wait_ready(existing.endpoint, timeout=BUSY_TIMEOUT)
            except EmulatorError:
                raise EmulatorError(
                    f"the emulator of {state_dir} (pid {existing.pid}, {existing.endpoint}) is running but did not "
                    f"answer {READY_PATH} within {BUSY_TIMEOUT:.0f}s; it keeps its state. Stop it with "
                    f"`python tools/emulator.py stop --state-dir {state_dir}`"
                    " (its resources are lost), then start again."
                ) from None
            return existing
        _state_file(state_dir).unlink(missing_ok=True)  # its process is gone: the state went with it

    port = free_port()
    endpoint = f"http://{LOOPBACK}:{port}"
    log_path = state_dir / "moto.log"
    env = dict(os.environ)
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    env.pop("AWS_ENDPOINT_URL", None)
    argv = [sys.executable, str(Path(__file__).resolve()), SERVE_COMMAND, "--port", str(port)]
    if watch_pid:
        argv += ["--watch-pid", str(watch_pid)]
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    try:
        wait_ready(endpoint, proc)
    except EmulatorError:
        proc.kill()
        proc.wait()
        raise
    state = EmulatorState(pid=proc.pid, port=port, endpoint=endpoint, log=str(log_path))
    _state_file(state_dir).write_text(json.dumps(asdict(state)))
    return state


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def serve(port: int, watch_pid: int | None = None) -> int:
    """Run moto's server on 127.0.0.1:``port`` in this process (what ``start`` launches)."""
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    import threading  # noqa: PLC0415

    from moto.moto_server.werkzeug_app import (  # noqa: PLC0415 - after the env is set
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server  # noqa: PLC0415

    moto_app = DomainDispatcherApplication(create_backend_app)

    def app(environ, start_response):
        if environ.get("PATH_INFO") == READY_PATH:
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
            return [b"ready"]
        return moto_app(environ, start_response)

    # What moto's ThreadedMotoServer does, plus the readiness probe in front of the moto app.
    server = make_server(LOOPBACK, port, app, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        while watch_pid is None or _alive(watch_pid):
            time.sleep(1)
    finally:
        server.shutdown()
        thread.join()
    return 0


def reset(state_dir: Path = DEFAULT_STATE_DIR, endpoint: str | None = None) -> None:
    """Clear every resource in the emulator."""
    if endpoint is None:
        state = load_state(state_dir)
        if state is None:
            raise EmulatorError(f"no emulator recorded in {state_dir}")
        endpoint = state.endpoint
    require_loopback(endpoint)
    req = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=30) as resp:
        if resp.status != 200:
            raise EmulatorError(f"reset of {endpoint} answered HTTP {resp.status}")


def stop(state_dir: Path = DEFAULT_STATE_DIR) -> bool:
    """Stop the emulator this harness started in ``state_dir``. True if one was stopped."""
    state = load_state(state_dir)
    if state is None:
        return False
    stopped = False
    if _process_is_ours(state):
        os.killpg(state.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _process_is_ours(state):
            time.sleep(0.1)
        if _process_is_ours(state):
            os.killpg(state.pid, signal.SIGKILL)
        stopped = True
    _state_file(state_dir).unlink(missing_ok=True)
    return stopped


def environment(endpoint: str, region: str | None = None) -> dict[str, str]:
    """Variables that point AWS SDKs at the emulator with dummy credentials."""
    env = {"AWS_ENDPOINT_URL": require_loopback(endpoint), **EMULATOR_ENV}
    if region:
        env["AWS_DEFAULT_REGION"] = region
        env["AWS_REGION"] = region
    return env


def _child_env(endpoint: str) -> dict[str, str]:
    # A profile would win over the dummy keys (and amazon.aws refuses both at once).
    env = {k: v for k, v in os.environ.items() if k not in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE")}
    env.update(environment(endpoint))
    return env


def run(cmd: list[str], state_dir: Path = DEFAULT_STATE_DIR) -> int:
    """Run ``cmd`` against an emulator (started here unless AWS_ENDPOINT_URL is set)."""
    given = os.environ.get("AWS_ENDPOINT_URL")
    if given:
        require_loopback(given)
        print(f"emulator: using AWS_ENDPOINT_URL={given} (not started here, left running)", file=sys.stderr)
        return subprocess.call(cmd, env=_child_env(given))
    state = start(state_dir, watch_pid=os.getpid())
    print(f"emulator: started moto server at {state.endpoint} (pid {state.pid})", file=sys.stderr)
    try:
        return subprocess.call(cmd, env=_child_env(state.endpoint))
    finally:
        stop(state_dir)
        print("emulator: stopped", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["start", "stop", "reset", "status", "env", "run"])
    parser.add_argument("--state-dir", type=Path, default=Path(os.environ.get("EMULATOR_STATE_DIR", DEFAULT_STATE_DIR)))
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == [SERVE_COMMAND]:
        serve_parser = argparse.ArgumentParser(prog=f"emulator.py {SERVE_COMMAND}")
        serve_parser.add_argument("--port", type=int, required=True)
        serve_parser.add_argument("--watch-pid", type=int)
        serve_args = serve_parser.parse_args(argv[1:])
        return serve(serve_args.port, serve_args.watch_pid)
    cmd = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    try:
        if args.command == "start":
            print(start(args.state_dir).endpoint)
        elif args.command == "stop":
            print("stopped" if stop(args.state_dir) else "not running")
        elif args.command == "reset":
            reset(args.state_dir)
        elif args.command == "status":
            state = load_state(args.state_dir)
            if state is None or not _process_is_ours(state):
                print("not running")
                return 1
            print(f"running at {state.endpoint} (pid {state.pid})")
        elif args.command == "env":
            state = load_state(args.state_dir)
            if state is None:
                raise EmulatorError(f"no emulator recorded in {args.state_dir}; run 'start' first")
            for key, value in environment(state.endpoint).items():
                print(f"export {key}={value}")
        elif args.command == "run":
            if not cmd:
                parser.error("run needs a command after --")
            return run(cmd, args.state_dir)
    except EmulatorError as exc:
        print(f"emulator: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
