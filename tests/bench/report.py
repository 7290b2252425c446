#!/usr/bin/python3
"""Result rows of `make bench` and the table made of them.

    report.py row --rows FILE --bench B --name N --loghaul V --unit U
                  [--peer P --peer-value V] [--better higher|lower]
                  [--min-ratio R | --lt V | --le V] [--target TEXT]
                  [--note TEXT]
    report.py table --rows FILE [--md OUT] [--json OUT --raw RAWFILE]

A row compares one loghaul figure with one peer figure measured in the same
run. The ratio is always loghaul's advantage: loghaul / peer when higher is
better (throughput), peer / loghaul when lower is better (time, CPU,
memory). A target is either a minimum ratio (--min-ratio 20: "20x better
than the peer") or an absolute bound on loghaul's figure (--lt 25: "under
25"). A row without a target is information; "met?" is then empty.
"""
import argparse
import json
import os
import platform
import sys
import time

UNITS = {
    # unit: (scale, suffix, digits)
    "lines/s": (1e6, " M lines/s", 2),
    "s": (1, " s", 2),
    "cpu_s": (1, " CPU s", 2),
    "MB": (1, " MB", 0),
    "%core": (1, " % core", 1),
    "ms": (1, " ms", 0),
    "cpu_ms": (1, " CPU ms", 3),
    "B": (1, " B", 0),
    "x": (1, "x", 2),
}


def fmt(v, unit):
    if v is None:
        return "-"
    if unit == "lines/s" and abs(v) < 1e5:
        return "%.0f lines/s" % v
    scale, suffix, digits = UNITS.get(unit, (1, " " + unit, 2))
    x = v / scale
    if digits == 0 or abs(x) >= 1000:
        return "%.0f%s" % (x, suffix)
    return "%.*f%s" % (digits, x, suffix)


def num(s):
    if s is None or s in ("", "None", "null"):
        return None
    return float(s)


def cmd_row(a):
    lh, pv = num(a.loghaul), num(a.peer_value)
    ratio = None
    if lh is not None and pv is not None and lh > 0 and pv > 0:
        ratio = lh / pv if a.better == "higher" else pv / lh
    met, target = None, a.target
    if a.min_ratio is not None:
        target = target or ">= %gx %s" % (a.min_ratio, a.peer)
        met = ratio is not None and ratio >= a.min_ratio
    elif a.lt is not None:
        target = target or "< %s" % fmt(a.lt, a.unit)
        met = lh is not None and lh < a.lt
    elif a.le is not None:
        target = target or "<= %s" % fmt(a.le, a.unit)
        met = lh is not None and lh <= a.le
    if a.invalid:
        # The run did not measure what the row names: never "met".
        met = False if met is not None else None
    row = {
        "bench": a.bench, "name": a.name, "loghaul": lh, "unit": a.unit,
        "peer": a.peer, "peer_value": pv, "better": a.better, "ratio": ratio,
        "target": target or "", "met": met, "note": a.note or "",
        "invalid": a.invalid or "",
    }
    with open(a.rows, "a") as f:
        f.write(json.dumps(row, sort_keys=True) + "\n")
    print(" ".join(render(row)), file=sys.stderr)
    return 0


def render(r):
    met = "" if r["met"] is None else ("yes" if r["met"] else "**NO**")
    if r.get("invalid"):
        met = "**INVALID RUN**: " + r["invalid"]
    ratio = "-" if r["ratio"] is None else "%.2fx" % r["ratio"]
    name = r["bench"] + ": " + r["name"]
    return [name, fmt(r["loghaul"], r["unit"]), r["peer"] or "-",
            fmt(r["peer_value"], r["unit"]), ratio, r["target"] or "-", met]


HEAD = ["benchmark", "loghaul", "peer", "peer figure", "ratio", "target", "met?"]


def load(path):
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            rows = [json.loads(ln) for ln in f if ln.strip()]
    return rows


def markdown(rows):
    out = ["| " + " | ".join(HEAD) + " |",
           "|" + "|".join(["---", "---:", "---", "---:", "---:", "---", "---"]) + "|"]
    for r in rows:
        out.append("| " + " | ".join(c.replace("|", "\\|") for c in render(r)) + " |")
    notes = [(i + 1, r["note"]) for i, r in enumerate(rows) if r.get("note")]
    if notes:
        out.append("")
        for i, n in notes:
            out.append("- row %d (%s): %s" % (i, rows[i - 1]["bench"] + ": " +
                                               rows[i - 1]["name"], n))
    return "\n".join(out) + "\n"


def text(rows):
    cells = [HEAD] + [render(r) for r in rows]
    w = [max(len(c[i]) for c in cells) for i in range(len(HEAD))]
    lines = []
    for k, c in enumerate(cells):
        lines.append("  ".join(c[i].ljust(w[i]) if i in (0, 2, 5, 6)
                               else c[i].rjust(w[i]) for i in range(len(c))))
        if k == 0:
            lines.append("  ".join("-" * x for x in w))
    return "\n".join(lines) + "\n"


def host():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    cpu = ln.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "python": platform.python_version()}


def cmd_table(a):
    rows = load(a.rows)
    sys.stdout.write(text(rows))
    if a.md:
        met = [r for r in rows if r["met"] is not None]
        head = ("# loghaul benchmarks (`make bench`)\n\n"
                "%s, %d CPUs (%s), kernel %s. Every peer ran in the same run, "
                "on the same input, on this machine; ratios are loghaul's "
                "advantage (higher is better for loghaul).\n"
                "Targets met: %d of %d.\n\n" % (
                    time.strftime("%Y-%m-%d %H:%M"), host()["cpus"],
                    host()["cpu"], host()["kernel"],
                    sum(1 for r in met if r["met"]), len(met)))
        with open(a.md, "w") as f:
            f.write(head + markdown(rows))
    if a.json:
        raw = load(a.raw) if a.raw else []
        with open(a.json, "w") as f:
            json.dump({"generated": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                       "host": host(), "rows": rows, "raw": raw}, f, indent=1,
                      sort_keys=True)
            f.write("\n")
    return 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("row")
    r.add_argument("--rows", required=True)
    r.add_argument("--bench", required=True)
    r.add_argument("--name", required=True)
    r.add_argument("--loghaul")
    r.add_argument("--unit", required=True)
    r.add_argument("--peer", default="")
    r.add_argument("--peer-value")
    r.add_argument("--better", choices=["higher", "lower"], default="higher")
    g = r.add_mutually_exclusive_group()
    g.add_argument("--min-ratio", type=float)
    g.add_argument("--lt", type=float)
    g.add_argument("--le", type=float)
    r.add_argument("--target")
    r.add_argument("--note")
    r.add_argument("--invalid", default="",
                   help="why the run was not valid (the row is never met)")
    t = sub.add_parser("table")
    t.add_argument("--rows", required=True)
    t.add_argument("--md")
    t.add_argument("--json")
    t.add_argument("--raw")
    a = ap.parse_args()
    return cmd_row(a) if a.cmd == "row" else cmd_table(a)


if __name__ == "__main__":
    sys.exit(main())
