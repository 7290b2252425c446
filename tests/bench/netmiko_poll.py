#!/usr/bin/python3
"""The Netmiko way, as network engineers write it: a ThreadPoolExecutor,
ConnectHandler + send_command("show logging") per device, disconnect.
The peer of `loghaul-collector --once` in scripts/bench-collector.

    netmiko_poll.py DIR [--workers N] [--out FILE]

DIR is a devsim directory (hosts.yaml). Each device's log entries (lines
that begin with a sequence number or a timestamp, after the "Log Buffer"
header) are counted, so a read that came back short is seen. Prints one
JSON line: devices, ok, failed, entries, seconds, errors (first few); with
--out, also "device count" per line into FILE. Exit 1 when a device failed.
"""
import argparse
import concurrent.futures
import json
import re
import sys
import time

import yaml
from netmiko import ConnectHandler

ENTRY = re.compile(r"^(\d+: |\*?\.?[A-Z][a-z]{2} [ \d]\d \d\d:)")


def count_entries(out):
    i = out.find("Log Buffer")
    if i < 0:
        return -1
    return sum(1 for ln in out[i:].splitlines()[1:] if ENTRY.match(ln))


def read_device(h):
    conn = ConnectHandler(device_type=h.get("platform", "cisco_ios"),
                          host=h["hostname"], port=h["port"],
                          username=h["username"], password=h["password"])
    try:
        return conn.send_command("show logging")
    finally:
        conn.disconnect()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--workers", type=int, default=64)
    ap.add_argument("--out")
    a = ap.parse_args()
    with open(a.dir + "/hosts.yaml") as f:
        hosts = yaml.safe_load(f)
    counts, errors = {}, {}
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.workers) as ex:
        futs = {ex.submit(read_device, h): n for n, h in hosts.items()}
        for fut in concurrent.futures.as_completed(futs):
            n = futs[fut]
            try:
                c = count_entries(fut.result())
                if c < 0:
                    errors[n] = "no 'Log Buffer' header in the output"
                else:
                    counts[n] = c
            except Exception as e:  # every failure is reported, none hidden
                errors[n] = "%s: %s" % (type(e).__name__, str(e)[:200])
    secs = time.monotonic() - t0
    if a.out:
        with open(a.out, "w") as f:
            for n in sorted(counts):
                f.write("%s %d\n" % (n, counts[n]))
    print(json.dumps({
        "peer": "netmiko", "devices": len(hosts), "ok": len(counts),
        "failed": len(errors), "entries": sum(counts.values()),
        "seconds": round(secs, 3), "workers": a.workers,
        "errors": dict(sorted(errors.items())[:5]),
    }, sort_keys=True))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
