"""Does a flood of wrong sign-ins starve other requests?

Starts ``relocard serve`` (gunicorn, 2 workers x 4 threads, SQLite, the default shared
database cache, Argon2) on a loopback port with a fresh state folder, and measures the latency
of the home page (a request of someone else) three times in the same run:

* ``baseline``: no flood;
* ``flood, throttled``: 50 concurrent clients send wrong passwords for one account from one
  address, with the default limits (the account locks after 10, the address after 30; every
  later attempt is refused before any password is hashed);
* ``flood, unthrottled``: the same flood with the limits raised out of reach (every attempt
  costs an Argon2 hash), i.e. the platform as it was before the throttle.

Each phase is bounded in requests and time and talks only to 127.0.0.1. Results: median and
p95 of the home page as ratios to the baseline, and the flood's rate.

    uv run python bench/signin_flood.py [--seconds 15] [--clients 50]
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

EMAIL = "target@bench.invalid"
PASSWORD = "a-long-bench-password-42"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(var: Path, unthrottled: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "RELOCARD_REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="relocard.settings.base",
        RELOCARD_VAR_DIR=str(var),
        RELOCARD_SECRET_KEY="bench-signin-flood",
        RELOCARD_LOG_LEVEL="WARNING",
    )
    if unthrottled:
        env.update(
            RELOCARD_SIGNIN_FAILURES_PER_ACCOUNT="1000000/900",
            RELOCARD_SIGNIN_FAILURES_PER_IP="1000000/900",
        )
    return env


def _prepare(var: Path) -> None:
    env = _env(var, False)
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], env=env, check=True)
    code = (
        "import django; django.setup()\n"
        "from relocard.accounts.models import User\n"
        f"User.objects.create_user({EMAIL!r}, {PASSWORD!r})\n"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def _serve(var: Path, port: int, unthrottled: bool) -> subprocess.Popen:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "relocard.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
        ],
        env=_env(var, unthrottled),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:
            time.sleep(0.3)
    proc.terminate()
    raise SystemExit("the server did not start")


def _home_latencies(base: str, seconds: float, limit: int = 400) -> list[float]:
    out = []
    end = time.time() + seconds
    while time.time() < end and len(out) < limit:
        t = time.perf_counter()
        requests.get(base + "/", timeout=30)
        out.append(time.perf_counter() - t)
        time.sleep(0.05)
    return out


def _flooder(base: str, stop: threading.Event, counts: dict, lock: threading.Lock) -> None:
    session = requests.Session()
    page = session.get(base + "/accounts/login/", timeout=30).text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    n = 0
    while not stop.is_set() and n < 2000:
        n += 1
        r = session.post(
            base + "/accounts/login/",
            data={"csrfmiddlewaretoken": token, "username": EMAIL, "password": f"wrong-{n}"},
            headers={"Referer": base + "/accounts/login/"},
            timeout=60,
        )
        with lock:
            counts[r.status_code] = counts.get(r.status_code, 0) + 1


def _phase(base: str, seconds: float, clients: int) -> tuple[list[float], dict, float]:
    stop, lock, counts = threading.Event(), threading.Lock(), {}
    threads = [
        threading.Thread(target=_flooder, args=(base, stop, counts, lock)) for _ in range(clients)
    ]
    start = time.time()
    for t in threads:
        t.start()
    time.sleep(1)
    lat = _home_latencies(base, seconds)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    return lat, counts, time.time() - start


def _summary(lat: list[float]) -> tuple[float, float]:
    lat = sorted(lat)
    return statistics.median(lat), lat[max(0, int(len(lat) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="relocard-flood-") as tmp:
        var = Path(tmp)
        _prepare(var)
        rows = []
        for name, unthrottled in (("flood, throttled", False), ("flood, unthrottled", True)):
            # A fresh cache table for each server: the second phase starts unlocked.
            subprocess.run(
                [
                    sys.executable,
                    "-c",
                    "import django; django.setup();"
                    "from django.core.cache import cache; cache.clear()",
                ],
                env=_env(var, False),
                check=True,
            )
            port = _free_port()
            proc = _serve(var, port, unthrottled)
            base = f"http://127.0.0.1:{port}"
            try:
                base_lat = _home_latencies(base, min(args.seconds, 8))
                lat, counts, took = _phase(base, args.seconds, args.clients)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            b_med, b_p95 = _summary(base_lat)
            med, p95 = _summary(lat)
            rows.append((name, b_med, b_p95, med, p95, counts, sum(counts.values()) / took))
        print(
            "| phase | home median (baseline) | home p95 (baseline) | median ratio | p95 ratio "
            "| sign-in attempts/s | answers |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for name, b_med, b_p95, med, p95, counts, rate in rows:
            print(
                f"| {name} | {med * 1000:.0f} ms ({b_med * 1000:.0f} ms) | {p95 * 1000:.0f} ms "
                f"({b_p95 * 1000:.0f} ms) | {med / b_med:.1f}x | {p95 / b_p95:.1f}x | {rate:.0f} "
                f"| {dict(sorted(counts.items()))} |"
            )


if __name__ == "__main__":
    main()
