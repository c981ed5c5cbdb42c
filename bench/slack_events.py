"""Benchmark: signed Slack message events over loopback to `coachbot run slack` vs a no-op Bolt app.

Both servers run as separate processes on this machine in the same run, against the local
Slack Web API stand-in (tests/e2e/slack/fake_slack.py, also its own process):

1. throughput: N signed message events, closed loop with C concurrent requests; acks per second;
2. time-to-ack at a fixed rate (default 500 events/s, open loop, latency measured from each
   event's scheduled send time so a stalled server cannot hide its queue);
3. for Coachbot: every event is fully processed (engine + policy + store + chat.postEphemeral);
   each event comes from its own user, 1 in 10 is hostile and some are redelivered with
   X-Slack-Retry-Num, so the nudges received must be exactly one per hostile event.

Writes the `slack` section of BENCHMARKS.md (unless --no-write). Runs in about 1-2 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from slack_sdk.signature import SignatureVerifier

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-signing-secret"
TEAM = "T0BENCH"
HOSTILE = "you are an idiot, did you even read it?"
NEUTRAL = (
    "Could you take a look at the deploy script when you get a chance?",
    "Thanks, that fixed it!",
    "The build on main is green again after the cache change.",
    "I moved the planning notes to the shared folder.",
)
RETRY_EVERY = 20  # one in 20 events is also redelivered with X-Slack-Retry-Num
HOSTILE_EVERY = 10


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Event:
    """One pre-signed request body and whether it is hostile / a redelivery."""

    body: bytes
    headers: dict[str, str]
    user: str
    hostile: bool
    retry: bool = False


def make_events(prefix: str, count: int) -> list[Event]:
    """Signed message events, each from its own user; some hostile, some redelivered."""
    verifier = SignatureVerifier(SECRET)
    events: list[Event] = []
    now = time.time()
    for i in range(count):
        user = f"U{prefix}{i:06d}"
        hostile = i % HOSTILE_EVERY == 0
        ts = f"{now + i / 1000:.6f}"
        payload = {
            "team_id": TEAM,
            "api_app_id": "A0BENCH",
            "type": "event_callback",
            "event_id": f"Ev{prefix}{i:07d}",
            "event_time": int(now),
            "event": {
                "type": "message",
                "channel": f"C{i % 16:04d}",
                "user": user,
                "text": HOSTILE if hostile else NEUTRAL[i % len(NEUTRAL)],
                "ts": ts,
                "event_ts": ts,
                "channel_type": "channel",
                "team": TEAM,
            },
        }
        body = json.dumps(payload)
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": verifier.generate_signature(timestamp=stamp, body=body),
        }
        events.append(Event(body.encode(), headers, user, hostile))
        if i % RETRY_EVERY == RETRY_EVERY - 1:
            retry_headers = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "timeout"}
            events.append(Event(body.encode(), retry_headers, user, hostile, retry=True))
    return events


# -- servers ---------------------------------------------------------------------------------
def serve_noop(port: int, api_url: str) -> None:
    """The baseline: a minimal async Bolt app on aiohttp with a no-op message listener."""
    from aiohttp import web
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    app = AsyncApp(
        signing_secret=SECRET,
        client=AsyncWebClient(token="xoxb-bench", base_url=api_url),
    )

    @app.event("message")
    async def noop() -> None:
        return None

    web.run_app(app.web_app(), host="127.0.0.1", port=port, print=None, access_log=None)


async def start_process(args: list[str], env: dict[str, str] | None = None,
                        ) -> asyncio.subprocess.Process:
    """Start a child process with its output discarded (or piped for the stand-in)."""
    return await asyncio.create_subprocess_exec(
        *args, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )


async def wait_ready(session: aiohttp.ClientSession, url: str,
                     proc: asyncio.subprocess.Process) -> None:
    """Poll until the server answers a signed url_verification (60 s deadline)."""
    body = json.dumps({"type": "url_verification", "challenge": "ready"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            raise RuntimeError("server exited during startup")
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(
                timestamp=stamp, body=body),
        }
        try:
            async with session.post(f"{url}/slack/events", data=body, headers=headers) as r:
                if r.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("server never became ready")


async def stop(proc: asyncio.subprocess.Process) -> None:
    """SIGTERM and wait."""
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), 30)
        except TimeoutError:
            proc.kill()
            await proc.wait()


# -- load ------------------------------------------------------------------------------------
@dataclass
class LoadResult:
    """What one load phase measured."""

    sent: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rate(self) -> float:
        """Acknowledged requests per second."""
        return (self.sent - self.errors) / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Latency percentile in ms."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def post(session: aiohttp.ClientSession, url: str, event: Event) -> bool:
    """Send one event; True when acknowledged with a 2xx."""
    try:
        async with session.post(url, data=event.body, headers=event.headers) as response:
            await response.read()
            return 200 <= response.status < 300
    except aiohttp.ClientError:
        return False


async def closed_loop(url: str, events: list[Event], concurrency: int) -> LoadResult:
    """Send all events with `concurrency` requests in flight; measure acks per second."""
    queue = list(reversed(events))
    result = LoadResult(sent=len(events), seconds=0.0)
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while queue:
                event = queue.pop()
                started = time.perf_counter()
                ok = await post(session, url, event)
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
                if not ok:
                    result.errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
    return result


async def open_loop(url: str, events: list[Event], rate: float) -> LoadResult:
    """Send events at a fixed rate; latency counts from each event's scheduled time."""
    result = LoadResult(sent=len(events), seconds=0.0)
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.05

        async def one(i: int, event: Event) -> None:
            scheduled = start + i / rate
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            ok = await post(session, url, event)
            result.latencies_ms.append((loop.time() - scheduled) * 1000)
            if not ok:
                result.errors += 1

        await asyncio.gather(*(one(i, e) for i, e in enumerate(events)))
        result.seconds = loop.time() - start
    return result


async def metric(session: aiohttp.ClientSession, url: str, name: str) -> float:
    """One Prometheus counter value from the app's /metrics."""
    async with session.get(f"{url}/metrics") as response:
        text = await response.text()
    match = re.search(rf"^{re.escape(name)} ([0-9.e+]+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


async def wait_processed(url: str, expected: int, timeout: float) -> float:
    """Seconds until the app reports `expected` processed message events."""
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        while time.perf_counter() - started < timeout:
            done = await metric(session, url, "coachbot_slack_messages_processed_total")
            if done >= expected:
                return time.perf_counter() - started
            await asyncio.sleep(0.2)
    raise RuntimeError(f"only part of {expected} events processed within {timeout:.0f} s")


async def nudges_by_user(fake_url: str) -> dict[str, int]:
    """How many chat.postEphemeral calls each user got, from the stand-in."""
    async with aiohttp.ClientSession() as session, session.get(
        fake_url.replace("/api/", "/_calls"), params={"method": "chat.postEphemeral"}
    ) as response:
        calls = await response.json()
    counts: dict[str, int] = {}
    for call in calls:
        user = call["params"].get("user", "")
        counts[user] = counts.get(user, 0) + 1
    return counts


# -- CPU accounting (Linux /proc): less sensitive to a busy machine than wall-clock rates ----
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, user+system CPU seconds) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds used by a process and, separately, by all its descendants."""
    own = _stat(pid)
    if own is None:
        return 0.0, 0.0
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            info = _stat(int(entry.name))
            if info is not None:
                parents.setdefault(info[0], []).append(int(entry.name))
    children, todo = 0.0, list(parents.get(pid, []))
    while todo:
        child = todo.pop()
        info = _stat(child)
        if info is not None:
            children += info[1]
        todo.extend(parents.get(child, []))
    return own[1], children


# -- the run -----------------------------------------------------------------------------------
@dataclass
class Server:
    """A running server under test."""

    name: str
    url: str
    proc: asyncio.subprocess.Process
    full: bool
    sent_messages: int = 0
    events: list[Event] = field(default_factory=list)

    @property
    def events_url(self) -> str:
        """Where events are posted."""
        return f"{self.url}/slack/events"

    async def drain(self, timeout: float) -> float:
        """Seconds until every message event sent so far is fully processed (0 for no-op)."""
        if not self.full:
            return 0.0
        return await wait_processed(self.url, self.sent_messages, timeout)

    def sent(self, events: list[Event]) -> None:
        """Remember events as sent."""
        self.events.extend(events)
        self.sent_messages += len(events)


async def start_server(name: str, cmd: list[str], env: dict[str, str], port: int,
                       full: bool) -> Server:
    """Start a server process and wait until it answers."""
    url = f"http://127.0.0.1:{port}"
    proc = await start_process(cmd, env)
    async with aiohttp.ClientSession() as session:
        await wait_ready(session, url, proc)
    return Server(name, url, proc, full)


@dataclass
class Results:
    """Everything measured in one run."""

    base_rates: list[float] = field(default_factory=list)
    coach_rates: list[float] = field(default_factory=list)
    processed_rates: list[float] = field(default_factory=list)
    base_paced: LoadResult | None = None
    coach_paced: LoadResult | None = None
    errors: dict[str, int] = field(default_factory=lambda: {"base": 0, "coach": 0})
    # CPU milliseconds per event: (serving process, worker processes), least-loaded round.
    cpu_ms: dict[str, tuple[float, float]] = field(default_factory=dict)
    paced_p99: dict[str, list[float]] = field(default_factory=lambda: {"base": [], "coach": []})
    load_average: str = ""
    expected_nudges: int = 0
    lost: int = 0
    duplicated: int = 0


async def run_load(args: argparse.Namespace, base: Server, coach: Server) -> Results:
    """Warm up, then alternate closed-loop rounds, then the fixed-rate phase, then check."""
    results = Results()
    for server in (base, coach):
        warm = make_events(f"{server.name[0]}W", args.warmup)
        await closed_loop(server.events_url, warm, args.concurrency)
        server.sent(warm)
    await coach.drain(args.drain_timeout)
    for round_no in range(args.rounds):
        for server, rates in ((base, results.base_rates), (coach, results.coach_rates)):
            events = make_events(f"{server.name[0]}{round_no}", args.events)
            assert server.proc.pid is not None
            cpu_before = cpu_seconds(server.proc.pid)
            load = await closed_loop(server.events_url, events, args.concurrency)
            server.sent(events)
            rates.append(load.rate)
            results.errors[server.name] += load.errors
            if server.full:
                drained = await server.drain(args.drain_timeout)
                results.processed_rates.append(len(events) / (load.seconds + drained))
            cpu_after = cpu_seconds(server.proc.pid)
            per_event = tuple(
                (after - before) * 1000 / len(events)
                for before, after in zip(cpu_before, cpu_after, strict=True)
            )
            best = results.cpu_ms.get(server.name)
            if best is None or sum(per_event) < sum(best):
                results.cpu_ms[server.name] = (per_event[0], per_event[1])
        print(f"  round {round_no + 1}: no-op {results.base_rates[-1]:,.0f} acks/s, "
              f"coachbot {results.coach_rates[-1]:,.0f} acks/s, "
              f"fully processed {results.processed_rates[-1]:,.0f}/s", flush=True)
    for paced_round in range(args.paced_rounds):
        for server in (base, coach):
            events = make_events(f"{server.name[0]}R{paced_round}",
                                 int(args.rate * args.duration))
            paced = await open_loop(server.events_url, events, args.rate)
            server.sent(events)
            results.errors[server.name] += paced.errors
            await server.drain(args.drain_timeout)
            print(f"  {server.name} at {args.rate:.0f}/s: p50 {paced.percentile(50):.1f} ms, "
                  f"p95 {paced.percentile(95):.1f} ms, p99 {paced.percentile(99):.1f} ms, "
                  f"max {max(paced.latencies_ms):.1f} ms", flush=True)
            results.paced_p99[server.name].append(paced.percentile(99))
            kept = results.coach_paced if server.full else results.base_paced
            if kept is None or paced.percentile(99) < kept.percentile(99):
                if server.full:
                    results.coach_paced = paced
                else:
                    results.base_paced = paced
    with contextlib.suppress(OSError):
        results.load_average = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    counts = await nudges_by_user(args.fake_url)
    hostile_users = {e.user for e in coach.events if e.hostile and not e.retry}
    results.expected_nudges = len(hostile_users)
    results.lost = sum(1 for u in hostile_users if counts.get(u, 0) == 0)
    results.duplicated = sum(n - 1 for n in counts.values() if n > 1)
    return results


def render(results: Results, args: argparse.Namespace, database: str) -> str:
    """The BENCHMARKS.md section body."""
    base_mid = statistics.median(results.base_rates)
    coach_mid = statistics.median(results.coach_rates)
    ratios = [c / b for b, c in zip(results.base_rates, results.coach_rates, strict=True) if b]
    processed = statistics.median(results.processed_rates)
    assert results.base_paced is not None and results.coach_paced is not None
    ok = "yes" if results.lost == 0 and results.duplicated == 0 else "NO"
    base_cpu = results.cpu_ms.get("base", (float("nan"), 0.0))
    coach_cpu = results.cpu_ms.get("coach", (float("nan"), float("nan")))
    base_p99 = statistics.median(results.paced_p99["base"])
    p99 = statistics.median(results.paced_p99["coach"])
    return "\n".join([
        "## Slack: signed message events over loopback (`bench/slack_events.py`)",
        "",
        "Baseline: a minimal async Bolt app (aiohttp) with a no-op message listener. Coachbot:",
        f"`coachbot run slack` with the full default engine and policy, {database}, nudges",
        "sent to the local Web API stand-in. Both run as their own processes in the same run,",
        "measured in alternating rounds (medians shown), loaded by one Python aiohttp client",
        f"on the same 2-core machine (load average {results.load_average or 'n/a'} at the end: the",
        "machine was shared, so absolute numbers are noisy; compare within a row).",
        "",
        "| measure | no-op Bolt | Coachbot | ratio |",
        "|---|---|---|---|",
        f"| acks/s, {args.events} events × {args.rounds} rounds, {args.concurrency} in flight "
        f"| {base_mid:,.0f} | {coach_mid:,.0f} | **{coach_mid / base_mid:.2f}×** "
        f"(rounds: {', '.join(f'{r:.2f}' for r in ratios)}) |",
        f"| p50 time-to-ack at {args.rate:.0f} events/s (round with the lowest p99) | "
        f"{results.base_paced.percentile(50):.1f} ms | {results.coach_paced.percentile(50):.1f} ms"
        " | |",
        f"| p99 time-to-ack at {args.rate:.0f} events/s, {args.duration:.0f} s × "
        f"{args.paced_rounds} rounds | {base_p99:.1f} ms | "
        f"**{p99:.1f} ms** | rounds: no-op "
        + ", ".join(f"{v:.0f}" for v in results.paced_p99["base"]) + " ms; Coachbot "
        + ", ".join(f"{v:.0f}" for v in results.paced_p99["coach"]) + " ms |",
        f"| failed requests | {results.errors['base']} | {results.errors['coach']} | |",
        f"| CPU per event, serving process (least-loaded round) | {base_cpu[0]:.2f} ms | {coach_cpu[0]:.2f} ms | "
        f"{coach_cpu[0] / base_cpu[0]:.2f}× |",
        f"| CPU per event, analysis worker (engine + policy + store) | – | "
        f"{coach_cpu[1]:.2f} ms | |",
        "| fully processed events/s (ack + analysis + chat.postEphemeral) | – | "
        f"{processed:,.0f} | {processed / base_mid:.2f}× |",
        "",
        f"Nudges: {results.expected_nudges} hostile events, each from its own user (1 in "
        f"{RETRY_EVERY} events also redelivered with `X-Slack-Retry-Num`): lost {results.lost}, "
        f"duplicated {results.duplicated}; exact: **{ok}**.",
        "",
        "Targets: ≥ 0.6× the no-op app's acks/s; p99 time-to-ack < 100 ms at 500 events/s; no",
        "lost or duplicated nudge. The app acknowledges before analysing; analysis runs in a",
        "separate lower-priority worker process, so a burst queues there instead of slowing",
        "acks. The fully-processed rate is bound by that one worker (engine, policy and the",
        "store's writes for every message), not by the adapter.",
    ])


def write_section(text: str) -> None:
    """Replace the slack section of BENCHMARKS.md."""
    path = ROOT / "BENCHMARKS.md"
    content = path.read_text()
    start, end = "<!-- section:slack -->", "<!-- /section:slack -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    replacement = f"{start}\n{text}\n{end}"
    if pattern.search(content):
        content = pattern.sub(lambda _m: replacement, content)
    else:
        content = content.rstrip() + f"\n\n{replacement}\n"
    path.write_text(content)


async def run(args: argparse.Namespace) -> int:
    """The whole benchmark."""
    fake = await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "tests/e2e/slack/fake_slack.py"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )
    servers: list[Server] = []
    tmp = Path(tempfile.mkdtemp(prefix="coachbot-bench-", dir=args.tmp_dir))
    try:
        assert fake.stdout is not None
        line = (await asyncio.wait_for(fake.stdout.readline(), 30)).decode()
        args.fake_url = line.split()[1]
        database = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
        base_port, coach_port = free_port(), free_port()
        coachbot = str(Path(sys.executable).parent / "coachbot")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "COACHBOT_"))}
        env.update({"SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": "xoxb-bench",
                    "SLACK_API_URL": args.fake_url, "COACHBOT_DATABASE_URL": database})
        base, coach = await asyncio.gather(
            start_server("base", [sys.executable, __file__, "--serve-noop", str(base_port),
                                  args.fake_url], env, base_port, full=False),
            start_server("coach", [coachbot, "run", "slack", "--port", str(coach_port)],
                         env, coach_port, full=True),
        )
        servers = [base, coach]
        results = await run_load(args, base, coach)
        backend = database.split(":", 1)[0].split("+", 1)[0]
        where = "a SQLite file on tmpfs" if str(tmp).startswith("/dev/shm") else "a SQLite file"
        text = render(results, args, where if backend == "sqlite" else f"{backend} database")
        print(text)
        if not args.no_write:
            write_section(text)
        return 0 if results.lost == 0 and results.duplicated == 0 else 1
    finally:
        for server in servers:
            await stop(server.proc)
        fake.terminate()
        await fake.wait()


def main() -> int:
    """Parse arguments and run (or, internally, serve the no-op baseline)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=800, help="closed-loop events per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rate", type=float, default=500.0, help="events/s for the p99 phase")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds at --rate")
    parser.add_argument("--paced-rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--drain-timeout", type=float, default=240.0)
    parser.add_argument("--tmp-dir", default="/dev/shm" if Path("/dev/shm").is_dir() else None,
                        help="where the temporary SQLite database goes (default: tmpfs)")
    parser.add_argument("--database-url", default=None,
                        help="database for Coachbot (default: a temporary SQLite file)")
    parser.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    parser.add_argument("--serve-noop", nargs=2, metavar=("PORT", "API_URL"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_noop:
        serve_noop(int(args.serve_noop[0]), args.serve_noop[1])
        return 0
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
