#!/usr/bin/env python3
"""Turns the raw rows run.sh writes (one TSV line per timed command) into the markdown tables of
docs/benchmarks-sync.md.

Every ratio is taken inside one round, where all tools ran back to back under the same background load, and the
median over rounds is reported: on a 2-core machine shared with other builds, absolute seconds drift from round to
round but ratios taken side by side hold. Ratios read "times better than aws s3 sync": aws time / tool time, so
above 1 is faster (or cheaper in CPU).
Usage: report.py RAW.tsv FILES BYTES
"""
import collections
import statistics
import sys

raw, files, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
BASE = "aws s3 sync"
rows = []
with open(raw) as f:
    for line in f:
        server, rnd, tool, phase, wall, user, sys_, rss, server_cpu, *note = line.rstrip("\n").split("\t")
        rows.append(dict(server=server, round=int(rnd), tool=tool, phase=phase, wall=float(wall), cpu=float(user) + float(sys_),
                         rss=int(rss), server_cpu=float(server_cpu) if server_cpu else None, note=note[0] if note else ""))

# A failed command's times measure nothing: it is left out of every median and listed instead.
failed = [r for r in rows if "FAILED" in r["note"]]
rows = [r for r in rows if "FAILED" not in r["note"]]
by = collections.defaultdict(list)
for r in rows:
    by[(r["server"], r["tool"], r["phase"])].append(r)


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(server, tool, phase, metric):
    """Median over rounds of aws/tool for one metric, both taken in the same round."""
    base = {r["round"]: r[metric] for r in by[(server, BASE, phase)]}
    return med([base[r["round"]] / r[metric] for r in by[(server, tool, phase)] if r["round"] in base and r[metric] > 0])


def fmt(v, digits=2):
    return "" if v is None else f"{v:.{digits}f}"


def x(v):
    return "" if v is None else f"{v:.2f}x"


servers = list(dict.fromkeys(r["server"] for r in rows if r["phase"] in ("first", "noop")))
tools = list(dict.fromkeys(r["tool"] for r in rows if r["phase"] in ("first", "noop")))
rounds = max((r["round"] for r in rows if r["phase"] in ("first", "noop")), default=0)
print(f"Tree: {files:,} files, {size / 1e6:.0f} MB. Median of {rounds} rounds; each round runs every tool back to back,")
print("in an order rotated per round. Ratios are aws s3 sync / tool, taken within a round (above 1 = better than aws).")
for server in servers:
    for phase, title in (("first", "First sync (empty bucket)"), ("noop", "No-op re-sync (nothing changed)")):
        print()
        print(f"**{server}: {title}**")
        print()
        print("| Tool | Wall (s) | Wall vs aws | Client CPU user+sys (s) | CPU vs aws | Client CPU per 1,000 objects (s) | Server CPU (s) | Peak RSS (MB) |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for tool in tools:
            rs = by[(server, tool, phase)]
            if not rs:
                continue
            cpu = med([r["cpu"] for r in rs])
            print(f"| {tool} | {fmt(med([r['wall'] for r in rs]))} | {x(ratio(server, tool, phase, 'wall'))} | {fmt(cpu)} | "
                  f"{x(ratio(server, tool, phase, 'cpu'))} | {fmt(cpu / files * 1000, 3)} | {fmt(med([r['server_cpu'] for r in rs]))} | "
                  f"{med([r['rss'] for r in rs]) / 1024:.0f} |")
    checks = sorted({(r["tool"], r["note"]) for r in rows + failed if r["server"] == server and r["phase"] == "first" and r["note"]})
    if checks:
        print()
        print(f"Checked after the first sync on {server} (verify.py):")
        for tool, note in checks:
            print(f"- {tool}: {note}")

if failed:
    print()
    print("Failed commands (left out of the medians):")
    for r in failed:
        print(f"- {r['server']} round {r['round']}, {r['tool']} ({r['phase']}): {r['note']}")

alts = {t[len("media-offload sync ("):-1]: t for t in tools if t.startswith("media-offload sync (") and "WebP" not in t}


def reference(tool):
    """The sync whose no-op a fixed-cost row is compared with: aws's, the alternative build's, or media-offload's."""
    if tool.startswith("aws"):
        return BASE
    return next((t for label, t in alts.items() if tool.endswith(f"{label})")), "media-offload sync")


startup = [r for r in rows if r["phase"] == "startup"]
if startup:
    print()
    print("**Fixed cost of a run** (median of 5; `--help` makes no request, an empty folder into an empty bucket makes one LIST)")
    print()
    print("| Command | Server | Wall (s) | Client CPU user+sys (s) | Share of the same tool's no-op re-sync wall |")
    print("|---|---|---:|---:|---|")
    for tool in dict.fromkeys(r["tool"] for r in startup):
        for server in dict.fromkeys(r["server"] for r in startup if r["tool"] == tool):
            rs = [r for r in startup if r["tool"] == tool and r["server"] == server]
            wall = med([r["wall"] for r in rs])
            ref_tool = reference(tool)
            on = servers if server == "-" else [server]
            share = ", ".join(f"{wall / v:.0%} on {s}" for s in on if (v := med([r["wall"] for r in by[(s, ref_tool, "noop")]])))
            print(f"| `{tool}` | {server if server != '-' else '(none)'} | {fmt(wall)} | {fmt(med([r['cpu'] for r in rs]))} | {share} (vs {ref_tool}) |")

fix = [r for r in rows if r["phase"] == "fix"]
if fix:
    print()
    print("**Fix Cache-Control on 1,000 existing objects** (median wall, s)")
    print()
    fix_servers = list(dict.fromkeys(r["server"] for r in fix))
    print("| Tool | " + " | ".join(fix_servers) + " |")
    print("|---|" + "---:|" * len(fix_servers))
    for tool in dict.fromkeys(r["tool"] for r in fix):
        cells = [fmt(med([r["wall"] for r in fix if r["tool"] == tool and r["server"] == s])) for s in fix_servers]
        print(f"| {tool} | " + " | ".join(cells) + " |")

plan = [r for r in rows if r["phase"] == "plan"]
if plan:
    print()
    print("**Planning** (synthetic, streamed; median wall incl. runtime start, largest peak RSS)")
    print()
    print("| Input | Wall (s) | Peak RSS (MB) | Output |")
    print("|---|---:|---:|---|")
    for tool in dict.fromkeys(r["tool"] for r in plan):
        rs = [r for r in plan if r["tool"] == tool]
        print(f"| {tool} | {fmt(med([r['wall'] for r in rs]))} | {max(r['rss'] for r in rs) / 1024:.0f} | {rs[-1]['note']} |")

print()
print("**Against the targets** (media-offload sync vs aws s3 sync)")
print()
print("| Target | " + " | ".join(servers) + " |")
print("|---|" + "---|" * len(servers))


def target(label, tool, phase, metric, goal):
    cells = []
    for s in servers:
        v = ratio(s, tool, phase, metric)
        cells.append("" if v is None else f"{v:.2f}x ({'met' if v >= goal else 'not met'})")
    print(f"| {label} | " + " | ".join(cells) + " |")


for tool in [t for t in tools if t.startswith("media-offload sync") and "WebP" not in t]:
    suffix = "" if tool == "media-offload sync" else f" ({tool})"
    target("No-op re-sync >= 5x faster" + suffix, tool, "noop", "wall", 5)
    target("First sync >= 3x faster" + suffix, tool, "first", "wall", 3)
    target("First sync >= 3x less client CPU" + suffix, tool, "first", "cpu", 3)
if plan:
    big = [r for r in plan if r["tool"].startswith("1,000,000")]
    if big:
        wall, rss = med([r["wall"] for r in big]), max(r["rss"] for r in big) / 1024
        verdict = "met" if wall < 3 and rss < 300 else "not met"
        print(f"| Planning 1,000,000 entries < 3 s, < 300 MB | {wall:.2f} s, {rss:.0f} MB ({verdict}) |" + " |" * (len(servers) - 1))
