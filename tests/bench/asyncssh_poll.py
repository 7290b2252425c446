#!/usr/bin/python3
"""The asyncssh way: asyncio.gather over every device, an asyncio.Semaphore
bounding the sessions, conn.run("show logging") on an exec channel. The
second peer of `loghaul-collector --once` in scripts/bench-collector.

    asyncssh_poll.py DIR [--workers N] [--out FILE]

Host keys are checked against devsim's known_hosts. Entries are counted as
in netmiko_poll.py. Prints one JSON line; exit 1 when a device failed.
"""
import argparse
import asyncio
import json
import logging
import re
import sys
import time
import warnings

warnings.filterwarnings("ignore")  # cryptography deprecations on import
import asyncssh  # noqa: E402
import yaml  # noqa: E402

ENTRY = re.compile(r"^(\d+: |\*?\.?[A-Z][a-z]{2} [ \d]\d \d\d:)")


def count_entries(out):
    i = out.find("Log Buffer")
    if i < 0:
        return -1
    return sum(1 for ln in out[i:].splitlines()[1:] if ENTRY.match(ln))


async def read_device(sem, h, known_hosts):
    async with sem:
        async with asyncssh.connect(h["hostname"], port=h["port"],
                                    username=h["username"],
                                    password=h["password"],
                                    known_hosts=known_hosts) as conn:
            r = await conn.run("show logging", check=False)
            return r.stdout


async def run(hosts, workers, known_hosts):
    sem = asyncio.Semaphore(workers)
    names = list(hosts)
    res = await asyncio.gather(
        *(read_device(sem, hosts[n], known_hosts) for n in names),
        return_exceptions=True)
    return dict(zip(names, res))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--workers", type=int, default=64)
    ap.add_argument("--out")
    a = ap.parse_args()
    logging.getLogger("asyncssh").setLevel(logging.WARNING)
    with open(a.dir + "/hosts.yaml") as f:
        hosts = yaml.safe_load(f)
    t0 = time.monotonic()
    res = asyncio.run(run(hosts, a.workers, a.dir + "/known_hosts"))
    secs = time.monotonic() - t0
    counts, errors = {}, {}
    for n, r in res.items():
        if isinstance(r, BaseException):
            errors[n] = "%s: %s" % (type(r).__name__, str(r)[:200])
            continue
        c = count_entries(r)
        if c < 0:
            errors[n] = "no 'Log Buffer' header in the output"
        else:
            counts[n] = c
    if a.out:
        with open(a.out, "w") as f:
            for n in sorted(counts):
                f.write("%s %d\n" % (n, counts[n]))
    print(json.dumps({
        "peer": "asyncssh", "devices": len(hosts), "ok": len(counts),
        "failed": len(errors), "entries": sum(counts.values()),
        "seconds": round(secs, 3), "workers": a.workers,
        "errors": dict(sorted(errors.items())[:5]),
    }, sort_keys=True))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
