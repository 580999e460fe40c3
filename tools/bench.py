"""``make bench``: what a deploy costs on the emulator (see docs/PERFORMANCE.md).

From a clean emulator, through ``tools/awsproxy.py``:

- run A, ``first``: the first converge of ``playbooks/site.yml -i inventories/local``;
- run B, ``noop``: the same again (nothing should change);
- run C, ``latency``: a fresh emulator (``MOTO_ACM_VALIDATION_WAIT=0``), a first converge through
  the latency model (AWS provisioning times / ``BENCH_LATENCY_FACTOR``), against the longest
  dependency chain of the modelled delays that occurred (``DEPENDENCIES``).

For each run: wall and CPU seconds of the Ansible processes (``os.wait4`` on a small reaper that
runs ``ansible-playbook`` as a child subreaper, so every descendant is included, also the async
job that daemonizes; the emulator and the proxy run in other processes and are reported apart),
tasks run / skipped, changed (recap), AWS requests all / mutating by service and the slowest
tasks, from a callback of ours (``tools/bench_callback``). Results go to
``artifacts/bench/<timestamp>.json`` and ``artifacts/bench/latest.json``; playbook output to
``.cache/bench/logs/``. The benchmark never asserts times: it exits non-zero only when a
playbook fails (printing its tail).

Environment: ``BENCH_RUNS`` (default 1: the whole A/B/C set this many times, medians printed),
``BENCH_LATENCY_FACTOR`` (default 10), ``BENCH_SKIP_LATENCY=1`` (no run C).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import awsproxy
import emulator

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench"
RESULTS = ROOT / "artifacts" / "bench"
CALLBACK_DIR = Path(__file__).resolve().parent / "bench_callback"
PLAYBOOK = "playbooks/site.yml"
INVENTORY = "inventories/local"
TAIL_LINES = 60
SLOWEST = 10

# Which modelled waits can overlap: a resource starts only after the ones it depends on are ready.
DEPENDENCIES: dict[str, tuple[str, ...]] = {
    "nat_gateway": (),
    "eks_cluster": (),
    "eks_nodegroup": ("eks_cluster", "nat_gateway"),  # nodes join through the NAT gateways
    "eks_addon": ("eks_nodegroup",),
    "rds_instance": (),
    "elasticache_replication_group": (),
    "acm_certificate": (),
}

# Runs as the direct child of this process: it becomes a child subreaper (Linux), runs
# ansible-playbook and waits for every descendant that ends while the playbook runs, or up to
# GRACE seconds after it (the async job of `async:`/`poll: 0` tasks daemonizes and would
# otherwise be reaped by init, its CPU lost). Its own CPU (a Python start-up) is counted too.
REAPER = r"""
import ctypes, os, sys, time
GRACE = 30.0
try:
    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
except Exception:
    pass
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[1], sys.argv[1:])
    except OSError as exc:
        print(f"bench: cannot run {sys.argv[1]}: {exc}", file=sys.stderr)
    os._exit(127)
rc, deadline = 1, None
while True:
    try:
        done, status = os.waitpid(-1, 0 if deadline is None else os.WNOHANG)
    except ChildProcessError:
        break
    if done == pid:
        rc, deadline = os.waitstatus_to_exitcode(status), time.monotonic() + GRACE
    elif done == 0:
        if time.monotonic() > deadline:
            print(f"bench: descendants still running {GRACE:.0f}s after the playbook; not counted", file=sys.stderr)
            break
        time.sleep(0.1)
sys.exit(rc)
"""


# --------------------------------------------------------------------------- pure helpers
def critical_path(delays: dict[str, float], dependencies: dict[str, tuple[str, ...]] | None = None):
    """Longest chain of ``delays`` (kind -> seconds) through ``dependencies``: (seconds, [kinds]).

    A kind without a delay (nothing of it was created) weighs 0 but still links its dependencies.
    """
    dependencies = DEPENDENCIES if dependencies is None else dependencies
    memo: dict[str, tuple[float, list[str]]] = {}

    def longest(kind: str, seen: tuple[str, ...] = ()) -> tuple[float, list[str]]:
        if kind in seen:
            raise ValueError(f"dependency cycle through {kind}")
        if kind not in memo:
            best: tuple[float, list[str]] = (0.0, [])
            for dep in dependencies.get(kind, ()):
                found = longest(dep, (*seen, kind))
                if found[0] > best[0]:
                    best = found
            own = delays.get(kind, 0.0)
            memo[kind] = (best[0] + own, [*best[1], kind] if own > 0 else best[1])
        return memo[kind]

    kinds = set(dependencies) | set(delays)
    if not kinds:
        return 0.0, []
    return max((longest(k) for k in sorted(kinds)), key=lambda found: found[0])


def created_delays(windows: list[dict[str, Any]]) -> dict[str, float]:
    """kind -> the longest modelled create delay of that kind in this run (instances run in parallel)."""
    delays: dict[str, float] = {}
    for window in windows:
        if window["event"] == "create":
            delays[window["kind"]] = max(delays.get(window["kind"], 0.0), window["delay"])
    return delays


def summarise_tasks(results: dict[str, Any]) -> dict[str, Any]:
    """Counts and the slowest tasks from the callback's JSON (tools/bench_callback)."""
    tasks = results.get("tasks", [])
    recap = results.get("recap", {})
    items: dict[str, int] = {}
    for task in tasks:
        for status, count in task.get("items", {}).items():
            items[status] = items.get(status, 0) + count
    slowest = sorted(tasks, key=lambda t: t["duration"], reverse=True)[:SLOWEST]
    return {
        "tasks": len(tasks),
        "run": sum(1 for t in tasks if t["status"] not in ("skipped", "unfinished")),
        "skipped": sum(1 for t in tasks if t["status"] == "skipped"),
        "changed_tasks": [
            f"{t['role']} : {t['name']}" if t["role"] else t["name"] for t in tasks if t["status"] == "changed"
        ],
        "failed_tasks": [t["name"] for t in tasks if t["status"] == "failed" and not t.get("ignored")],
        "items": items,
        "retries": sum(t.get("retries", 0) for t in tasks),
        "changed": sum(host.get("changed", 0) for host in recap.values()),
        "recap": recap,
        "slowest": [{k: t[k] for k in ("name", "role", "action", "start", "duration", "status")} for t in slowest],
    }


def median_of(runs: list[dict[str, Any]], *path: str) -> float | None:
    values = []
    for run in runs:
        value: Any = run
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, (int, float)):
            values.append(value)
    return statistics.median(values) if values else None


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


# --------------------------------------------------------------------------- measuring
def _proc_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) of a running process, from /proc (None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_measured(argv: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Run ``argv`` under the reaper; wall and CPU seconds of it and all its descendants."""
    with open(log, "wb") as out:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-c", REAPER, *argv],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        status, usage = os.wait4(proc.pid, 0)[1:]
        wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "rc": proc.returncode,
        "started": started,
        "wall": round(wall, 3),
        "cpu": round(usage.ru_utime + usage.ru_stime, 3),
        "cpu_user": round(usage.ru_utime, 3),
        "cpu_system": round(usage.ru_stime, 3),
        "max_rss_mib": round(usage.ru_maxrss / 1024, 1),
    }


def playbook_env(endpoint: str, results_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(emulator.environment(endpoint))
    enabled = [c for c in env.get("ANSIBLE_CALLBACKS_ENABLED", "").split(",") if c.strip()]
    plugin_dirs = [p for p in env.get("ANSIBLE_CALLBACK_PLUGINS", "").split(os.pathsep) if p]
    env.update(
        {
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_CALLBACK_PLUGINS": os.pathsep.join([str(CALLBACK_DIR), *plugin_dirs]),
            "ANSIBLE_CALLBACKS_ENABLED": ",".join([*enabled, "bench_results"]),
            "BENCH_RESULTS_FILE": str(results_file),
        }
    )
    return env


def seed_prerequisites(endpoint: str) -> list[str]:
    """What ``make demo`` creates before site.yml (tools/demo_seed.py), for as long as it does.

    Talks to the emulator directly, so it is not counted. Nothing when the Makefile's demo no
    longer seeds (the playbooks then create their prerequisites themselves).
    """
    if "tools/demo_seed.py" not in (ROOT / "Makefile").read_text() or not (ROOT / "tools" / "demo_seed.py").exists():
        return []
    import demo_seed  # noqa: PLC0415 - only while the demo needs it

    zone = demo_seed.demo_zone(ROOT / INVENTORY)
    demo_seed.ensure_zone(endpoint, zone)
    return [f"route53 public hosted zone {zone}"]


class Emulator:
    """The bench's own emulator in .cache/bench/emulator (never the one `make demo` uses)."""

    def __init__(self, state_dir: Path):
        self.state_dir = state_dir
        self.state: emulator.EmulatorState | None = None

    def start(self, env: dict[str, str | None]) -> str:
        self.stop()
        saved = {k: os.environ.get(k) for k in env}
        for key, value in env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        try:
            self.state = emulator.start(self.state_dir, watch_pid=os.getpid())
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        return self.state.endpoint

    def cpu(self) -> float | None:
        return _proc_cpu(self.state.pid) if self.state else None

    def stop(self) -> None:
        emulator.stop(self.state_dir)
        self.state = None


class PlaybookFailed(Exception):
    def __init__(self, run: dict[str, Any]):
        super().__init__(f"{run['name']}: ansible-playbook exited {run['rc']}")
        self.run = run


def converge(name: str, emu: Emulator, hooks: list[awsproxy.Hook], stamp: str, extra_vars: dict) -> dict[str, Any]:
    """One site.yml run through a fresh proxy with ``hooks``; its measurements."""
    logs = CACHE / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    results_file = CACHE / f"{name}-results.json"
    results_file.unlink(missing_ok=True)
    log = logs / f"{stamp}-{name}.log"
    counter = awsproxy.RequestCounter()
    argv = [str(Path(sys.executable).parent / "ansible-playbook"), PLAYBOOK, "-i", INVENTORY]
    argv += ["-e", json.dumps(extra_vars)]
    with awsproxy.Proxy(emu.state.endpoint, [*hooks, counter]) as proxy:
        emu_cpu, proxy_cpu = emu.cpu(), _self_cpu()
        print(f"bench: {name}: ansible-playbook {PLAYBOOK} -i {INVENTORY} (log {log.relative_to(ROOT)})", flush=True)
        measured = run_measured(argv, playbook_env(proxy.endpoint, results_file), log)
        emu_after = emu.cpu()
        run = {
            "name": name,
            **measured,
            "log": str(log.relative_to(ROOT)),
            "emulator_cpu": round(emu_after - emu_cpu, 3) if emu_cpu is not None and emu_after is not None else None,
            "proxy_cpu": round(_self_cpu() - proxy_cpu, 3),
            "requests": counter.summary(),
            "timeline": [{**e, "t": round(e["t"] - measured["started"], 3)} for e in proxy.timeline()],
        }
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    run.update(summarise_tasks(results))
    for hook in hooks:
        if isinstance(hook, awsproxy.LatencyModel):
            run["latency"] = latency_report(hook, measured)
    if run["rc"] != 0:
        raise PlaybookFailed(run)
    return run


def latency_report(model: awsproxy.LatencyModel, measured: dict[str, Any]) -> dict[str, Any]:
    windows = model.windows(origin=measured["started"])
    delays = created_delays(windows)
    chain, path = critical_path(delays)
    return {
        "factor": model.factor,
        "chain": round(chain, 3),
        "chain_path": path,
        "delays": delays,
        "ratio": ratio(measured["wall"], chain),
        "windows": windows,
    }


# --------------------------------------------------------------------------- printing
def _fmt(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:.1f}{unit}"


def print_run(label: str, run: dict[str, Any]) -> None:
    req = run["requests"]
    print(f"\n{label}")
    print(
        f"  wall {_fmt(run['wall'], ' s')}   CPU {_fmt(run['cpu'], ' s')} (user {run['cpu_user']:.1f}, "
        f"system {run['cpu_system']:.1f})   not counted: emulator {_fmt(run['emulator_cpu'], ' s')}, "
        f"proxy+bench {_fmt(run['proxy_cpu'], ' s')}"
    )
    items = ", ".join(f"{k} {v}" for k, v in sorted(run["items"].items())) or "none"
    print(
        f"  tasks run {run['run']}, skipped {run['skipped']} (loop items: {items}; until retries {run['retries']})"
        f"   changed {run['changed']}"
    )
    print(f"  AWS requests {req['all']}, mutating {req['mutating']}")
    for service, counts in sorted(req["by_service"].items(), key=lambda kv: -kv[1]["all"]):
        print(f"    {service:<22} {counts['all']:>5}  mutating {counts['mutating']:>4}")
    if run["name"] == "noop" and run["changed_tasks"]:
        print("  changed tasks: " + "; ".join(run["changed_tasks"][:SLOWEST]))
    print("  slowest tasks:")
    for task in run["slowest"]:
        role = f"{task['role']} : " if task["role"] else ""
        print(f"    {task['duration']:>7.1f} s  {role}{task['name']}  ({task['action']}, {task['status']})")


def print_latency(run: dict[str, Any]) -> None:
    lat = run["latency"]
    path = " -> ".join(f"{k} {lat['delays'][k]:.0f} s" for k in lat["chain_path"]) or "nothing modelled"
    print(
        f"  latency model (factor {lat['factor']:g}): wall {_fmt(run['wall'], ' s')}, longest chain "
        f"{_fmt(lat['chain'], ' s')} ({path}), wall/chain {_fmt(lat['ratio'])}"
    )
    print(f"    {'resource':<52} {'created':>8} {'ready':>8} {'noticed':>8} {'late':>6} {'polls':>5}")
    for w in lat["windows"]:
        what = f"{w['kind']} {w['id'].rsplit(':', 1)[-1]}" + (" (update)" if w["event"] == "update" else "")
        late = w["noticed_after_ready"]
        print(
            f"    {what[:52]:<52} {w['created']:>8.1f} {w['ready']:>8.1f} "
            f"{_fmt(w['noticed']):>8} {_fmt(late):>6} {w['polls']:>5}"
        )


def print_targets(first: dict, noop: dict, latency: dict | None) -> None:
    print("\n  targets (docs/PERFORMANCE.md; reported, never asserted):")
    if latency:
        print(f"    P1 latency wall/chain {_fmt(latency['latency']['ratio'])} (target <= 1.2)")
    print(
        f"    P2 no-op changed={noop['changed']} (target 0), wall {_fmt(ratio(noop['wall'], first['wall']))} "
        f"CPU {_fmt(ratio(noop['cpu'], first['cpu']))} of first (target <= 0.25)"
    )
    print(
        f"    P3 first wall {_fmt(first['wall'], ' s')} (<= 120), CPU {_fmt(first['cpu'], ' s')} (<= 100), "
        f"requests {first['requests']['all']} (<= 300); no-op requests {noop['requests']['all']} (<= 200), "
        f"mutating {noop['requests']['mutating']} (0)"
    )


def print_failure(run: dict[str, Any]) -> None:
    lines = (ROOT / run["log"]).read_text(errors="replace").splitlines()
    print(f"\nbench: the {run['name']} run failed (ansible-playbook exited {run['rc']}); last {TAIL_LINES} lines:")
    print("\n".join(lines[-TAIL_LINES:]))
    print(f"bench: full output in {run['log']}")


# --------------------------------------------------------------------------- main
def machine() -> dict[str, Any]:
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    try:
        import ansible.release  # noqa: PLC0415

        ansible_version = ansible.release.__version__
    except ImportError:
        ansible_version = None
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "ansible_core": ansible_version,
        "platform": platform.platform(),
    }


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        proc = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return proc.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(git("status", "--porcelain")),
    }


def run_set(
    result: dict[str, Any], index: int, emu: Emulator, stamp: str, *, factor: float, skip_latency: bool
) -> None:
    """A, B and (unless skipped) C, each from a clean emulator, into ``result`` (partial on failure)."""
    artifacts = CACHE / "artifacts"  # the render-mode output, the bench's own (not artifacts/demo)
    extra_vars = {"langsmith_artifacts_dir": str(artifacts)}
    shutil.rmtree(artifacts, ignore_errors=True)
    endpoint = emu.start({"MOTO_ACM_VALIDATION_WAIT": None})
    result["seeded"] = seed_prerequisites(endpoint)
    result["first"] = converge("first", emu, [], f"{stamp}-{index}", extra_vars)
    result["noop"] = converge("noop", emu, [], f"{stamp}-{index}", extra_vars)
    if not skip_latency:
        shutil.rmtree(artifacts, ignore_errors=True)
        endpoint = emu.start({"MOTO_ACM_VALIDATION_WAIT": "0"})
        seed_prerequisites(endpoint)
        model = awsproxy.LatencyModel(factor)
        result["latency"] = converge("latency", emu, [model], f"{stamp}-{index}", extra_vars)
    emu.stop()


def medians(sets: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("first", "noop", "latency"):
        runs = [s[name] for s in sets if name in s]
        if not runs:
            continue
        out[name] = {
            "wall": median_of(runs, "wall"),
            "cpu": median_of(runs, "cpu"),
            "tasks_run": median_of(runs, "run"),
            "tasks_skipped": median_of(runs, "skipped"),
            "changed": median_of(runs, "changed"),
            "requests": median_of(runs, "requests", "all"),
            "mutating": median_of(runs, "requests", "mutating"),
        }
        if name == "latency":
            out[name]["chain"] = median_of(runs, "latency", "chain")
            out[name]["ratio"] = median_of(runs, "latency", "ratio")
    if "first" in out and "noop" in out:
        out["noop_over_first"] = {
            "wall": ratio(out["noop"]["wall"], out["first"]["wall"]),
            "cpu": ratio(out["noop"]["cpu"], out["first"]["cpu"]),
        }
    return out


def write_results(data: dict[str, Any], stamp: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{stamp}.json"
    text = json.dumps(data, indent=1)
    path.write_text(text)
    (RESULTS / "latest.json").write_text(text)
    return path


def main() -> int:
    runs = int(os.environ.get("BENCH_RUNS") or 1)
    factor = float(os.environ.get("BENCH_LATENCY_FACTOR") or 10)
    skip_latency = (os.environ.get("BENCH_SKIP_LATENCY") or "0") not in ("0", "", "false", "no")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    data: dict[str, Any] = {
        "started": stamp,
        "machine": machine(),
        "git": git_state(),
        "settings": {"runs": runs, "latency_factor": factor, "skip_latency": skip_latency},
        "dependencies": {k: list(v) for k, v in DEPENDENCIES.items()},
        "sets": [],
    }
    m = data["machine"]
    print(
        f"bench: {runs} run(s), latency factor {factor:g}{' (skipped)' if skip_latency else ''}; "
        f"{m['cpus']} CPUs, {m['memory_gib']} GiB; commit {data['git']['commit'][:12]}"
        f"{' (dirty)' if data['git']['dirty'] else ''}",
        flush=True,
    )
    emu = Emulator(CACHE / "emulator")
    failed = None
    try:
        for index in range(runs):
            s: dict[str, Any] = {}
            data["sets"].append(s)
            try:
                run_set(s, index, emu, stamp, factor=factor, skip_latency=skip_latency)
            except PlaybookFailed as exc:
                failed = exc.run
                s["failed"] = exc.run
                break
            print(f"\n=== set {index + 1}/{runs} ===")
            print_run("A first converge", s["first"])
            print_run("B no-op re-converge", s["noop"])
            print(
                f"\n  no-op / first: wall {_fmt(ratio(s['noop']['wall'], s['first']['wall']))}, "
                f"CPU {_fmt(ratio(s['noop']['cpu'], s['first']['cpu']))}"
            )
            if "latency" in s:
                print_run("C first converge under the latency model", s["latency"])
                print_latency(s["latency"])
            print_targets(s["first"], s["noop"], s.get("latency"))
    except emulator.EmulatorError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    finally:
        emu.stop()
    data["medians"] = medians(data["sets"])
    if runs > 1 and data["sets"]:
        print(f"\n=== medians of {len(data['sets'])} sets ===")
        for name, values in data["medians"].items():
            print(f"  {name:<16} " + ", ".join(f"{k} {_fmt(v)}" for k, v in values.items()))
    path = write_results(data, stamp)
    print(f"\nbench: results in {path.relative_to(ROOT)} (and artifacts/bench/latest.json)")
    if failed is not None:
        print_failure(failed)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
