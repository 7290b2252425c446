#!/usr/bin/python3
"""Read every devsim device's buffer with Netmiko, concurrently, and check
each against the ground-truth journal.

    netmiko_fleet.py DIR [--workers N] [--skip DEV,DEV]

Each read happens while the generator may be running, so a device's output
must equal the buffer the journal implies at *some* point: the view made of
the device's entries 1..k for some k (its last printed entry). The check
also requires each device's journal counters to be contiguous from 1.

Prints one JSON summary line; exit status 0 when every device matched.
"""
import argparse
import concurrent.futures
import json
import re
import socket
import sys
import time

import yaml
from netmiko import ConnectHandler

HEADER = re.compile(r"Log Buffer \((\d+) bytes\):\n")


def read_device(name, h, delay=1):
    params = dict(device_type=h["platform"], host=h["hostname"], port=h["port"],
                  username=h["username"], password=h["password"], timeout=60,
                  global_delay_factor=delay, fast_cli=delay == 1)
    secret = (h.get("connection_options", {}).get("netmiko", {})
              .get("extras", {}).get("secret"))
    t0 = time.monotonic()
    conn = ConnectHandler(secret=secret or "", **params)
    try:
        if secret:
            conn.enable()
        out = conn.send_command("show logging")
    finally:
        conn.disconnect()
    return out, time.monotonic() - t0


def control(path, cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall((cmd + "\n").encode())
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
    s.close()
    return reply.decode().strip()


def load_journal(path):
    per_dev = {}  # device -> its journal objects, in order
    with open(path, encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            per_dev.setdefault(e["dev"], []).append(e)
    return per_dev


def check(out, entries):
    """'' when out matches a prefix view of entries, else the reason."""
    m = HEADER.search(out)
    if not m:
        return "no 'Log Buffer (N bytes):' header in %r" % out[:200]
    size = int(m.group(1))
    rest = out[m.end():]
    texts = []
    for e in entries:
        if e["kind"] in ("clear", "reload"):
            texts = []
        elif e["kind"] == "line":
            texts.append(e["text"])
    # send_command strips the line break before the prompt
    if rest == "":
        return ""  # the buffer was empty when read: the view of no entries
    for k in range(len(texts), 0, -1):
        if not rest.endswith(texts[k - 1]):
            continue
        view = "".join("\n" + t for t in texts[:k])[-size:]
        if view == rest:
            return ""
    return "output matches no journal prefix (%d entries, %d bytes read)" % (
        len(texts), len(rest))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--workers", type=int, default=50)
    ap.add_argument("--skip", default="")
    a = ap.parse_args()
    skip = set(x for x in a.skip.split(",") if x)

    with open(a.dir + "/hosts.yaml") as f:
        hosts = yaml.safe_load(f)
    names = [n for n in sorted(hosts) if n not in skip]
    outputs, errors, times = {}, {}, []
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.workers) as ex:
        futs = {ex.submit(read_device, n, hosts[n]): n for n in names}
        for fut in concurrent.futures.as_completed(futs):
            n = futs[fut]
            try:
                outputs[n], dt = fut.result()
                times.append(dt)
            except Exception as e:  # report every failure, not just the first
                errors[n] = "%s: %s" % (type(e).__name__, e)
    elapsed = time.monotonic() - t0

    # Netmiko's prompt detection is timing-based: on a starved machine a late
    # echo can end send_command early with no output at all. Such reads (no
    # output, or an exception) are retried once, slower, and counted; a read
    # whose content is wrong is never retried.
    retried = []
    for n in names:
        if n in outputs and HEADER.search(outputs[n]):
            continue
        retried.append(n)
        try:
            outputs[n], dt = read_device(n, hosts[n], delay=3)
            errors.pop(n, None)
        except Exception as e:
            errors[n] = "%s: %s" % (type(e).__name__, e)

    # everything the reads saw is in the journal once it is flushed
    control(a.dir + "/control", "flush")
    journal = load_journal(a.dir + "/journal.jsonl")
    gaps = []
    for n in names:
        counters = [e["n"] for e in journal.get(n, []) if e["kind"] == "line"]
        if counters != list(range(1, len(counters) + 1)):
            gaps.append(n)
    bad = dict(errors)
    for n, out in outputs.items():
        why = check(out, journal.get(n, []))
        if why:
            bad[n] = why
    summary = {
        "devices": len(names), "read": len(outputs), "matched": len(outputs) - len(
            [n for n in bad if n in outputs]),
        "bad": bad, "journal_gaps": gaps, "retried": retried, "seconds": round(elapsed, 2),
        "max_session_seconds": round(max(times), 2) if times else None,
        "journal_lines": sum(len(v) for v in journal.values()),
    }
    print(json.dumps(summary, sort_keys=True))
    return 0 if not bad and not gaps and len(outputs) == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())
