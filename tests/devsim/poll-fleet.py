#!/usr/bin/python3
"""Hold one interactive session per devsim device open and poll them all,
the way the collector will: `terminal length 0` once, then `show logging`
on every device every INTERVAL seconds. Used to measure devsim's cost with
a whole fleet connected (asyncssh, so one Python thread can hold 1000).

    poll-fleet.py DIR [--interval 10] [--rounds 3] [--concurrency 200]

Prints one line per round: devices read, bytes, seconds.
"""
import argparse
import asyncio
import sys
import time

import asyncssh
import yaml


async def until_prompt(proc, prompt):
    data = ""
    while not data.endswith(prompt):
        chunk = await proc.stdout.read(65536)
        if not chunk:
            raise EOFError("session closed")
        data += chunk
    return data


class Device:
    def __init__(self, name, h):
        self.name, self.h = name, h
        self.prompt = name + "#"
        self.conn = self.proc = None

    async def open(self):
        self.conn = await asyncssh.connect(
            "127.0.0.1", port=self.h["port"], username=self.h["username"],
            password=self.h["password"], known_hosts=None)
        self.proc = await self.conn.create_process(term_type="vt100")
        await until_prompt(self.proc, self.prompt)
        self.proc.stdin.write("terminal length 0\n")
        await until_prompt(self.proc, self.prompt)

    async def poll(self):
        self.proc.stdin.write("show logging\n")
        return len(await until_prompt(self.proc, self.prompt))


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--interval", type=float, default=10)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--concurrency", type=int, default=200)
    a = ap.parse_args()
    with open(a.dir + "/hosts.yaml") as f:
        hosts = yaml.safe_load(f)
    devs = [Device(n, h) for n, h in sorted(hosts.items())
            if h["platform"] in ("cisco_ios", "cisco_xe")]
    sem = asyncio.Semaphore(a.concurrency)

    async def bounded(coro):
        async with sem:
            return await coro

    t0 = time.monotonic()
    await asyncio.gather(*(bounded(d.open()) for d in devs))
    print("opened %d sessions in %.1f s" % (len(devs), time.monotonic() - t0), flush=True)
    for r in range(a.rounds):
        start = time.monotonic()
        sizes = await asyncio.gather(*(bounded(d.poll()) for d in devs))
        took = time.monotonic() - start
        print("round %d: %d devices, %d bytes, %.2f s" % (r + 1, len(sizes), sum(sizes), took),
              flush=True)
        await asyncio.sleep(max(0.0, a.interval - took))
    for d in devs:
        d.conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
