#!/usr/bin/env python3
"""Intake benchmark: signed GitHub webhooks accepted and persisted by `slipway serve`, next to a bare
Hummingbird 2 server answering 202 (slipway-bench-reference), same wrk load, same run.

Prints figures, asserts nothing about speed. Used by scripts/bench; run alone:

    scripts/bench_intake.py [--connections 16] [--seconds 10] [--database sqlite|postgres]

Needs a release build of slipway and slipway-bench-reference, and wrk (Debian package). For
--database postgres it needs SLIPWAY_TEST_POSTGRES_URL (scripts/with-postgres.sh sets it).
"""
import argparse, hashlib, hmac, json, os, re, shutil, signal, socket, sqlite3, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, ".build", "release")
SECRET = "bench-webhook-secret"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port, proc, timeout=30):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return time.monotonic() - start
        except OSError:
            time.sleep(0.02)
    raise SystemExit("server did not become healthy")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def rss_kib(pid, key="VmRSS"):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def write_requests(folder, count, offset):
    """`count` distinct signed workflow_run webhooks (unique run ids), one per line: id, signature, body (tab-separated)."""
    path = os.path.join(folder, f"requests-{offset}.tsv")
    with open(path, "w") as out:
        for i in range(count):
            run = 10_000_000 + offset + i
            body = json.dumps({
                "action": "completed",
                "workflow_run": {"id": run, "run_attempt": 1, "event": "push", "status": "completed",
                                 "conclusion": "success", "head_branch": "main",
                                 "head_sha": hashlib.sha1(str(run).encode()).hexdigest(),
                                 "html_url": f"https://github.com/acme/app/actions/runs/{run}", "pull_requests": []},
                "repository": {"id": 77, "full_name": "acme/app"},
            }, separators=(",", ":"))
            sig = "sha256=" + hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).hexdigest()
            out.write(f"bench-{run}\t{sig}\t{body}\n")
    return path


LUA = r"""
local threads = {}
local counter = 0
function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  items = {}
  for line in io.lines(args[1]) do
    local a, b, c = line:match("([^\t]+)\t([^\t]+)\t(.+)")
    table.insert(items, {a, b, c})
  end
  step = tonumber(args[2])
  delay_ms = tonumber(args[3])
  i = index + 1
end
function request()
  local item = items[i]
  if item == nil then i = index + 1; item = items[i] end
  i = i + step
  return wrk.format("POST", "/webhooks/github", {
    ["Content-Type"] = "application/json", ["X-GitHub-Event"] = "workflow_run",
    ["X-GitHub-Delivery"] = item[1], ["X-Hub-Signature-256"] = item[2]}, item[3])
end
function delay()
  return delay_ms
end
"""


def run_wrk(port, lua, requests, connections, seconds, threads=2, delay_ms=0):
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua,
         f"http://127.0.0.1:{port}", "--", requests, str(threads), str(delay_ms)],
        capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    lat = {}
    for pct in ("50", "99"):
        m = re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)", out, re.M)
        value, unit = float(m.group(1)), m.group(2)
        lat[pct] = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    return {"rate": rate, "total": total, "non2xx": int(non2xx.group(1)) if non2xx else 0,
            "errors": errors.group(0) if errors else "", "p50": lat["50"], "p99": lat["99"]}


def config(folder, database):
    text = f"""version: 1
server:
  database: {database}
  data_dir: {folder}/data
  workers: 0
  reconcile:
    interval_seconds: 0
  access:
    api_tokens: ["${{BENCH_API_TOKEN}}"]
sources:
  github:
    webhook_secret: ${{BENCH_WEBHOOK_SECRET}}
    token: ${{BENCH_GITHUB_TOKEN}}
    api_url: http://127.0.0.1:9
stores:
  applivery:
    type: applivery
    app_token: ${{BENCH_APPLIVERY_TOKEN}}
    organization: bench
rules:
  - name: everything to Applivery
    repo: acme/app
    branches: ["*"]
    artifact: "**/*.apk"
    stores: [applivery]
"""
    path = os.path.join(folder, "slipway.yml")
    open(path, "w").write(text)
    return path


def measure(args, folder, lua, requests):
    results = {}
    env = dict(os.environ, BENCH_API_TOKEN="t" * 32, BENCH_WEBHOOK_SECRET=SECRET, BENCH_GITHUB_TOKEN="ghp_bench",
               BENCH_APPLIVERY_TOKEN="applivery-bench")
    # Reference: bare Hummingbird.
    port = free_port()
    ref = subprocess.Popen([os.path.join(RELEASE, "slipway-bench-reference"), str(port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        results["reference_start_s"] = wait_healthy(port, ref)
        time.sleep(0.5)
        results["reference_idle_rss_kib"] = rss_kib(ref.pid)
        run_wrk(port, lua, requests, args.connections, 2)  # warm-up
        before = cpu_seconds(ref.pid)
        results["reference"] = run_wrk(port, lua, requests, args.connections, args.seconds)
        results["reference_cpu_us"] = (cpu_seconds(ref.pid) - before) / max(results["reference"]["total"], 1) * 1e6
    finally:
        ref.send_signal(signal.SIGTERM)
        ref.wait(timeout=10)

    # Slipway: fresh database, real config, workers off (intake only).
    if args.database == "postgres":
        base = os.environ["SLIPWAY_TEST_POSTGRES_URL"]
        database = base + ("&" if "?" in base else "?") + f"schema=bench_{int(time.time())}"
    else:
        database = f"sqlite:{folder}/slipway.db"
    path = config(folder, database)
    port = free_port()
    server = subprocess.Popen([os.path.join(RELEASE, "slipway"), "serve", "--config", path, "--port", str(port),
                               "--log-level", "error"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        results["slipway_start_s"] = wait_healthy(port, server)
        time.sleep(0.5)
        results["slipway_idle_rss_kib"] = rss_kib(server.pid)
        run_wrk(port, lua, requests, args.connections, 2)
        before = cpu_seconds(server.pid)
        results["slipway"] = run_wrk(port, lua, requests, args.connections, args.seconds)
        results["slipway_cpu_us"] = (cpu_seconds(server.pid) - before) / max(results["slipway"]["total"], 1) * 1e6
        # 1,000/s spread over the connections: the latency a moderately busy server gives.
        # Each connection waits connections/1000 s between requests: about 1,000/s in all.
        results["slipway_paced"] = run_wrk(port, lua, requests, args.connections, 5, delay_ms=max(1, args.connections))
        results["slipway_peak_rss_kib"] = rss_kib(server.pid, "VmHWM")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    if args.database == "sqlite":
        with sqlite3.connect(f"{folder}/slipway.db") as db:
            results["persisted"] = db.execute("SELECT COUNT(*) FROM deliveries").fetchone()[0]
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=120_000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    folder = tempfile.mkdtemp(prefix="slipway-bench-")
    try:
        lua = os.path.join(folder, "load.lua")
        open(lua, "w").write(LUA)
        requests = write_requests(folder, args.requests, 0)
        results = measure(args, folder, lua, requests)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    s, r = results["slipway"], results["reference"]
    rows = [
        ("webhooks accepted+persisted/s", f"{s['rate']:,.0f}", f"{r['rate']:,.0f}", s["rate"] / r["rate"], "≥ 5,000/s and ≥ 0.25×"),
        ("p50 / p99 at full load (ms)", f"{s['p50']:.1f} / {s['p99']:.1f}", f"{r['p50']:.1f} / {r['p99']:.1f}", None, ""),
        ("p99 at ~1,000/s (ms)", f"{results['slipway_paced']['p99']:.1f} ({results['slipway_paced']['rate']:,.0f}/s)", "—", None, "≤ 25 ms"),
        ("server CPU per webhook (µs)", f"{results['slipway_cpu_us']:.0f}", f"{results['reference_cpu_us']:.0f}",
         results["slipway_cpu_us"] / results["reference_cpu_us"], "≤ 200 µs"),
        ("start to /healthz (s)", f"{results['slipway_start_s']:.2f}", f"{results['reference_start_s']:.2f}", None, ""),
        ("idle RSS after start (MiB)", f"{results['slipway_idle_rss_kib'] / 1024:.1f}", f"{results['reference_idle_rss_kib'] / 1024:.1f}",
         results["slipway_idle_rss_kib"] / results["reference_idle_rss_kib"], "≤ 40 MiB"),
        ("peak RSS under load (MiB)", f"{results['slipway_peak_rss_kib'] / 1024:.1f}", "—", None, ""),
    ]
    print(f"intake ({args.database}, wrk {args.connections} connections, {args.seconds} s, {os.cpu_count()} cores)")
    print(f"{'':34} {'slipway':>22} {'reference':>16} {'ratio':>7}  target")
    for name, mine, ref, ratio, target in rows:
        print(f"{name:34} {mine:>22} {ref:>16} {(f'{ratio:.2f}×' if ratio else ''):>7}  {target}")
    bad = s["non2xx"] + results["slipway_paced"]["non2xx"]
    if "persisted" in results:
        print(f"persisted deliveries: {results['persisted']:,} (every 202 is a committed row); non-2xx answers: {bad}")
    if s["errors"]:
        print("wrk:", s["errors"])


if __name__ == "__main__":
    main()
