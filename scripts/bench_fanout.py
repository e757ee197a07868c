#!/usr/bin/env python3
"""Fan-out benchmark (issue 12 §1): one artifact from a local HTTP server to 1 and 5 Play stores,
through `slipway serve` (webhook to "done"), next to curl doing the same transfers — one download,
then N concurrent uploads (one request each, or Google's resumable protocol in chunks) — to the
same fake, in the same run. The fake and the file host run in a process of their own
(`slipway bench-fakes`), so the server's peak RSS (VmHWM) is the server's alone.

Prints figures, asserts nothing. Used by scripts/bench; run alone:

    scripts/bench_fanout.py [--sizes 1024,2048] [--stores 5] [--chunk-mib 8]

Needs a release build of slipway and curl.
"""
import argparse, base64, hashlib, hmac, json, os, shutil, signal, subprocess, sys, tempfile, threading, time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_intake import RELEASE, cpu_seconds, free_port, rss_kib, wait_healthy  # noqa: E402

GENERIC_SECRET = "whsec_" + base64.b64encode(b"bench-generic-secret-0123456789ab").decode()
API_TOKEN = "b" * 32
ARTIFACT = "bench-release.apk"


def write_artifact(path, mebibytes):
    block = bytearray(os.urandom(1 << 20))
    with open(path, "wb") as out:
        for i in range(mebibytes):
            block[0:8] = i.to_bytes(8, "little")  # no two blocks alike
            out.write(block)


def start_fakes(folder, stores):
    proc = subprocess.Popen([os.path.join(RELEASE, "slipway"), "bench-fakes", "--folder", folder, "--packages", str(stores)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url_file = os.path.join(folder, "url")
    for _ in range(300):
        if os.path.exists(url_file) and os.path.getsize(url_file) > 0:
            return proc, open(url_file).read().strip(), open(os.path.join(folder, "token")).read().strip()
        if proc.poll() is not None:
            raise SystemExit("slipway bench-fakes exited early")
        time.sleep(0.05)
    raise SystemExit("slipway bench-fakes did not start")


def upload_url(base, package, protocol):
    return f"{base}/upload/androidpublisher/v3/applications/internalappsharing/{package}/artifacts/apk?uploadType={protocol}"


def curl(*args, stdin=None):
    out = subprocess.run(["curl", "-sS", "--fail-with-body", *args], stdin=stdin, capture_output=True, check=True)
    return out.stdout


def curl_resumable(base, token, package, path, size, chunk):
    auth = ["-H", f"Authorization: Bearer {token}"]
    headers = subprocess.run(
        ["curl", "-sS", "--fail-with-body", "-o", "/dev/null", "-D", "-", "-X", "POST", *auth,
         "-H", f"X-Upload-Content-Length: {size}", "-H", "X-Upload-Content-Type: application/vnd.android.package-archive",
         "-H", "Content-Length: 0", upload_url(base, package, "resumable")], capture_output=True, check=True, text=True).stdout
    location = next(line.split(":", 1)[1].strip() for line in headers.splitlines() if line.lower().startswith("location:"))
    answer = b""
    with open(path, "rb") as source:
        for start in range(0, size, chunk):
            end = min(start + chunk, size)
            # dd streams the chunk into curl, as a shell script would; curl sends it with its length.
            dd = subprocess.Popen(["dd", f"if={path}", "bs=1M", f"skip={start >> 20}", f"count={(end - start + (1 << 20) - 1) >> 20}",
                                   "status=none"], stdout=subprocess.PIPE)
            result = subprocess.run(
                ["curl", "-sS", "-X", "PUT", "-T", "-", *auth, "-H", f"Content-Length: {end - start}",
                 "-H", f"Content-Range: bytes {start}-{end - 1}/{size}", location], stdin=dd.stdout, capture_output=True)
            dd.stdout.close()
            dd.wait()
            answer = result.stdout
    if b"downloadUrl" not in answer:
        raise SystemExit(f"curl resumable upload did not finish: {answer[:200]!r}")


def reference(base, token, folder, stores, mode, chunk):
    """curl: download once, then the uploads at once. Seconds, wall clock."""
    path = os.path.join(folder, "curl-" + ARTIFACT)
    packages = [f"com.slipway.bench{i + 1}" for i in range(stores)]
    start = time.monotonic()
    curl("-o", path, f"{base}/files/{ARTIFACT}")
    size = os.path.getsize(path)
    if mode == "media":
        uploads = [subprocess.Popen(
            ["curl", "-sS", "--fail-with-body", "-X", "POST", "-T", path, "-H", f"Authorization: Bearer {token}",
             "-H", "Content-Type: application/vnd.android.package-archive", upload_url(base, package, "media")],
            stdout=subprocess.PIPE) for package in packages]
        for upload in uploads:
            out, _ = upload.communicate()
            if upload.returncode != 0 or b"downloadUrl" not in out:
                raise SystemExit(f"curl upload failed: {out[:200]!r}")
    else:
        threads = [threading.Thread(target=curl_resumable, args=(base, token, package, path, size, chunk)) for package in packages]
        for thread in threads: thread.start()
        for thread in threads: thread.join()
    elapsed = time.monotonic() - start
    os.remove(path)
    return elapsed


def slipway_config(folder, base, stores, mode, chunk):
    threshold = 8 << 30 if mode == "media" else 0
    store_lines = "".join(f"""  play{i + 1}:
    type: google-play
    package_name: com.slipway.bench{i + 1}
    service_account: file:{folder}/play.json
    api_url: {base}
    resumable_threshold_bytes: {threshold}
    chunk_bytes: {chunk}
""" for i in range(stores))
    text = f"""version: 1
server:
  database: sqlite:{folder}/slipway-{mode}-{stores}.db
  data_dir: {folder}/data
  public_url: http://127.0.0.1
  reconcile:
    interval_seconds: 0
  access:
    api_tokens: ["${{BENCH_API_TOKEN}}"]
  outbound:
    allow_private_networks: [127.0.0.0/8]
sources:
  generic:
    secret: ${{BENCH_GENERIC_SECRET}}
stores:
{store_lines}rules:
  - name: everything
    repo: acme/app
    branches: [main]
    artifact: "**/*.apk"
    stores: [{", ".join(f"play{i + 1}" for i in range(stores))}]
"""
    path = os.path.join(folder, f"slipway-{mode}-{stores}.yml")
    open(path, "w").write(text)
    return path


def signed_hook(server, artifact_url, run):
    body = json.dumps({"type": "build.finished", "data": {"repository": "acme/app", "branch": "main", "sha": "a" * 40,
                                                          "run_id": run, "artifact_url": artifact_url}}).encode()
    hook_id, ts = f"bench-{run}", str(int(time.time()))
    key = base64.b64decode(GENERIC_SECRET[len("whsec_"):])
    sig = base64.b64encode(hmac.new(key, f"{hook_id}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
    request = urllib.request.Request(f"{server}/webhooks/generic", data=body, method="POST", headers={
        "content-type": "application/json", "webhook-id": hook_id, "webhook-timestamp": ts, "webhook-signature": f"v1,{sig}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)["delivery_id"]


def wait_done(server, delivery):
    request = urllib.request.Request(f"{server}/api/deliveries/{delivery}", headers={"authorization": f"Bearer {API_TOKEN}"})
    while True:
        with urllib.request.urlopen(request, timeout=30) as answer:
            state = json.load(answer)
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.02)


def slipway(base, folder, stores, mode, chunk, size_mib):
    """`slipway serve`: webhook to done. Seconds, the server's peak RSS (KiB) and CPU seconds."""
    path = slipway_config(folder, base, stores, mode, chunk)
    port = free_port()
    # As the systemd unit and the image run it (MALLOC_ARENA_MAX=2: fewer glibc arenas, less idle heap).
    env = dict(os.environ, BENCH_API_TOKEN=API_TOKEN, BENCH_GENERIC_SECRET=GENERIC_SECRET, MALLOC_ARENA_MAX="2")
    server = subprocess.Popen([os.path.join(RELEASE, "slipway"), "serve", "--config", path, "--port", str(port),
                               "--log-level", "error"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_healthy(port, server)
        url = f"http://127.0.0.1:{port}"
        before = cpu_seconds(server.pid)
        start = time.monotonic()
        delivery = signed_hook(url, f"{base}/files/{ARTIFACT}", f"{mode}-{stores}-{size_mib}")
        state = wait_done(url, delivery)
        elapsed = time.monotonic() - start
        if state["state"] != "done":
            raise SystemExit(f"delivery {state['state']}: {state.get('last_error')}")
        return elapsed, rss_kib(server.pid, "VmHWM"), cpu_seconds(server.pid) - before
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1024,2048", help="artifact sizes in MiB, comma-separated")
    parser.add_argument("--stores", type=int, default=5)
    parser.add_argument("--chunk-mib", type=int, default=8)
    args = parser.parse_args()
    chunk = args.chunk_mib << 20
    folder = tempfile.mkdtemp(prefix="slipway-fanout-")
    os.makedirs(os.path.join(folder, "files"))
    fakes, base, token = start_fakes(folder, args.stores)
    rows = []
    try:
        for size_mib in [int(s) for s in args.sizes.split(",")]:
            write_artifact(os.path.join(folder, "files", ARTIFACT), size_mib)
            cases = [(1, "media", 1.10), (args.stores, "media", 1.05), (args.stores, "resumable", 1.10)]
            for stores, mode, target in cases:
                ref = reference(base, token, folder, stores, mode, chunk)
                took, peak, cpu = slipway(base, folder, stores, mode, chunk, size_mib)
                shutil.rmtree(os.path.join(folder, "data"), ignore_errors=True)
                rows.append((size_mib, stores, mode, took, ref, peak, cpu, target))
                print(f"  {size_mib} MiB → {stores} store(s), {mode}: slipway {took:.2f} s, curl {ref:.2f} s, "
                      f"peak RSS {peak / 1024:.0f} MiB", flush=True)
    finally:
        fakes.kill()  # it serves until killed
        fakes.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)

    print()
    print(f"| artifact → stores | slipway (webhook to done) | curl (download, then uploads) | ratio | target | server peak RSS | server CPU |")
    print("|---|---|---|---|---|---|---|")
    for size_mib, stores, mode, took, ref, peak, cpu, target in rows:
        protocol = "one request each" if mode == "media" else f"resumable, {args.chunk_mib} MiB chunks"
        rss_target = " (≤ 64)" if stores > 1 else ""
        print(f"| {size_mib / 1024:g} GiB → {stores} Play, {protocol} | {took:.2f} s | {ref:.2f} s | {took / ref:.2f}× "
              f"| ≤ {target:.2f}× | {peak / 1024:.0f} MiB{rss_target} | {cpu:.2f} s |")


if __name__ == "__main__":
    main()
