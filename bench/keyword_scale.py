"""Keyword scale: one inbound cycle's Web21C side with 200 routed keywords and 1,000 waiting
texts, beside one getReceivedMessages("") that fetches the same texts.

    .venv/bin/python bench/keyword_scale.py [--keywords N] [--texts N] [--rounds N]

Web21C answers one keyword per call, so polling 200 routed keywords costs 200 calls a cycle.
The figure is the cycle's fetch step (InboundCycle.fetch: the calls, recording each text in
SQLite, acting on opt words, counting the unrouted), on a fresh database each time, in four
set-ups:

- per keyword, one after another (how the bridge fetched before);
- per keyword, in the bounded pool (the fallback for a Web21C that refuses the empty keyword);
- the bridge as it is: one getReceivedMessages("") a cycle, no catch-all route;
- the same with a catch-all route.

The baseline, in the same run and on the same waiting texts, is one getReceivedMessages("")
on the bridge's own Web21C client (nothing recorded). Posting to Slack is not part of the
figure (bench/inbound_throughput.py measures that). The sandbox runs in another process.
Goal: the bridge's cycle at most 2x the baseline. Exits 1 if a set-up recorded the wrong
number of texts or cleared any.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.support.bridge import add_routes, wired_bridge  # noqa: E402
from bench.support.standins import StandIns  # noqa: E402
from bot.services.inbound_cycle import FETCH_WORKERS, InboundCycle  # noqa: E402


def workload(keywords: int, texts: int) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    routes = {f"kw{k:03d}": f"CKW{k % 20:02d}" for k in range(keywords)}
    names = list(routes)
    out = []
    for i in range(texts):
        keyword = names[i % keywords]
        out.append((f"tel:+4477009{i % 500:05d}", keyword, f"{keyword} order {i} please"))
    return routes, out


def recorded(bridge) -> int:
    with bridge.services.db.transaction() as tx:
        return len(tx.messages.unposted_inbound(limit=1_000_000))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keywords", type=int, default=200)
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    routes, texts = workload(args.keywords, args.texts)
    setups = (
        "per keyword, one after another",
        "per keyword, bounded pool",
        "one empty-keyword call",
        "one empty-keyword call, catch-all",
    )
    times: dict[str, list[float]] = {name: [] for name in ("raw", *setups)}
    wrong = []
    with StandIns() as stand_ins, tempfile.TemporaryDirectory() as tmp:
        stand_ins("add_channels", [*sorted(set(routes.values())), "CCATCH"])
        stand_ins("inject", texts)
        for round_ in range(args.rounds):
            for n, name in enumerate(setups):
                with wired_bridge(stand_ins, Path(tmp) / f"{round_}-{n}.db") as bridge:
                    services = bridge.services
                    add_routes(bridge, routes)
                    if name.endswith("catch-all"):
                        add_routes(bridge, {"*": "CCATCH"})
                    cycle = services.inbound_cycle
                    if name.startswith("per keyword"):
                        cycle = InboundCycle(
                            services.db,
                            services.telephony,
                            services.inbound,
                            cycle._opting,
                            fetch_workers=1 if name.endswith("another") else FETCH_WORKERS,
                            per_keyword=True,
                        )
                    services.telephony.get_received_messages("")  # connections warm for both
                    started = time.perf_counter()
                    fetched = services.telephony.get_received_messages("")
                    times["raw"].append(time.perf_counter() - started)
                    started = time.perf_counter()
                    cycle.fetch()
                    times[name].append(time.perf_counter() - started)
                    got = recorded(bridge)
                    if len(fetched) != args.texts or got != args.texts:
                        wrong.append(f"{name}: fetched {len(fetched)}, recorded {got}")
                    if cycle is not services.inbound_cycle:
                        cycle.close()
        left = stand_ins("waiting")
    raw = statistics.median(times["raw"])
    print(
        f"{args.keywords} routed keywords, {args.texts} waiting texts; sandbox in another "
        f"process; median of {args.rounds} rounds, a fresh database each"
    )
    print(f"{'':47} {'seconds':>8} {'x raw':>6}")
    label = 'raw: one getReceivedMessages("")'
    print(f"{label:47} {raw:8.3f} {1:6.2f}")
    for name in setups:
        median = statistics.median(times[name])
        print(f"{'cycle fetch, ' + name:47} {median:8.3f} {median / raw:6.2f}")
    ratio = statistics.median(times["one empty-keyword call"]) / raw
    verdict = "met" if ratio <= 2 else "NOT met"
    print(f"goal: the bridge's cycle at most 2x raw: {verdict} ({ratio:.2f}x)")
    if left != args.texts:
        wrong.append(f"the sandbox holds {left} texts, not {args.texts}: something was cleared")
    for line in wrong:
        print("WRONG:", line)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
