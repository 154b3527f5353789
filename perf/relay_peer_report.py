#!/usr/bin/env python3
"""The table of perf/relay_peer_bench.sh, from its result lines.

  relay_peer_report.py RESULTS FIXED_RATE

RESULTS has one line per load:
  NAME fixed|step RATE ROUND sent delivered send_s window_s relay_cpu_s
and one per ladder:
  NAME ladder DELIVERED_AT_LAST_CLEAN_STEP relay|sender LAST_CLEAN_STEP ROUND
Each figure printed is the median over the rounds; a ratio is the ratio of the two
medians. Exits 1 when a relay has no
fixed-rate result or delivered less than 90% of the fixed rate.
"""
import statistics
import sys

RELAYS = ("mediagate", "rtpengine")


def load_rows(path):
    """Raises ValueError naming the line that is not a result line."""
    loads, ladders = [], []
    with open(path) as src:
        for n, line in enumerate(src, 1):
            f = line.split()
            try:
                if len(f) == 9 and f[1] in ("fixed", "step"):
                    loads.append(dict(relay=f[0], kind=f[1], rate=int(f[2]), round=int(f[3]),
                                      sent=int(f[4]), delivered=int(f[5]), send_s=float(f[6]),
                                      window_s=float(f[7]), cpu_s=float(f[8])))
                elif len(f) == 6 and f[1] == "ladder":
                    ladders.append(dict(relay=f[0], best=int(f[2]), end=f[3], step=int(f[4]),
                                        round=int(f[5])))
                elif f:
                    raise ValueError("unknown form")
            except ValueError as e:
                raise ValueError(f"{path}:{n}: not a result line ({e}): {line.strip()[:80]}")
    return loads, ladders


def figures(row):
    d = max(1, row["delivered"])
    return dict(pps=row["delivered"] / max(row["send_s"], 1e-9),
                loss=100.0 * max(0, row["sent"] - row["delivered"]) / max(1, row["sent"]),
                cpu_us=1e6 * row["cpu_s"] / d,
                core=100.0 * row["cpu_s"] / max(row["window_s"], 1e-9))


def median_figures(rows):
    per = [figures(r) for r in rows]
    return {k: statistics.median(p[k] for p in per) for k in per[0]} if per else None


def ends_of(relay, ladders):
    """How most of the relay's ladders ended: "relay" or "sender"."""
    ends = [l["end"] for l in ladders if l["relay"] == relay]
    return max(sorted(set(ends)), key=ends.count) if ends else None


def ratio(a, b):
    return f"{a / b:.2f}x" if b > 0 else "-"


def main(argv):
    if len(argv) != 3 or not argv[2].isdigit():
        print(__doc__, file=sys.stderr)
        return 64
    try:
        loads, ladders = load_rows(argv[1])
    except (OSError, ValueError) as e:
        print(f"relay_peer_report.py: {e}", file=sys.stderr)
        return 1
    fixed_rate = int(argv[2])
    if not loads:
        print("relay_peer_bench: no load ran to the end; nothing to report", file=sys.stderr)
        return 1
    print()
    print(f"fixed offered rate {fixed_rate}/s")
    print(f"{'relay':<11}{'delivered/s':>12}{'loss %':>8}{'CPU us/pkt':>12}{'CPU % of a core':>17}")
    fixed = {}
    for relay in RELAYS:
        f = median_figures([r for r in loads if r["relay"] == relay and r["kind"] == "fixed"])
        fixed[relay] = f
        if f:
            print(f"{relay:<11}{f['pps']:>12.0f}{f['loss']:>8.2f}{f['cpu_us']:>12.2f}{f['core']:>17.1f}")
    m, r = fixed["mediagate"], fixed["rtpengine"]
    if m and r:
        print(f"{'ratio':<11}{'':>12}{'':>8}{ratio(m['cpu_us'], r['cpu_us']):>12}"
              f"{ratio(m['core'], r['core']):>17}")

    print()
    print("rate ladder (offered from 40000/s, x1.25 per step): packets/s delivered in the"
          " last step with loss < 0.1%")
    print(f"{'relay':<11}{'delivered/s':>14}{'ended by':>10}{'CPU us/pkt':>12}"
          f"{'CPU % of a core':>17}  per round")
    best = {}
    for relay in RELAYS:
        lads = [l for l in ladders if l["relay"] == relay]
        if not lads:
            continue
        best[relay] = statistics.median(l["best"] for l in lads)
        end = ends_of(relay, ladders)
        # The CPU at each round's own last clean step.
        at = median_figures([s for s in loads for l in lads if s["relay"] == relay
                             and s["kind"] == "step" and s["round"] == l["round"]
                             and s["rate"] == l["step"]])
        cpu = f"{at['cpu_us']:>12.2f}{at['core']:>17.1f}" if at else f"{'-':>12}{'-':>17}"
        mark = ">=" if end == "sender" else ""
        print(f"{relay:<11}{mark + str(int(best[relay])):>14}{end:>10}{cpu}  "
              + " ".join(f"{l['best']}({l['end']})" for l in lads))
    if "mediagate" in best and "rtpengine" in best:
        lower = ">=" if ends_of("mediagate", ladders) == "sender" else ""
        print(f"{'ratio':<11}{lower + ratio(best['mediagate'], best['rtpengine']):>14}")
    print("(medians over the rounds; ratio = mediagate's median / rtpengine's. CPU: the\n"
          " relay process's CPU time (schedstat, all threads, softirq work on them included)\n"
          " per delivered packet, and as a share of one core, from the first send to 20 ms\n"
          " after the last. ended by sender: the sender could not offer the next step (it\n"
          " shares CPU 0 with the sink), so the relay's limit is higher: >=.)")
    status = 0
    for relay in sorted({r["relay"] for r in loads} | {l["relay"] for l in ladders}):
        f = fixed.get(relay)
        if not f or f["pps"] < 0.9 * fixed_rate:
            print(f"relay_peer_bench: {relay} delivered less than 90% of the fixed rate",
                  file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
