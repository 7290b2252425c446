"""loghaul_pipeline — the real pipeline on this machine for scripts/test-valgrind
and scripts/soak: devsim, collectors, analyzers and the alert stage on ipc://
in a private directory, each process started (optionally under a wrapper such
as valgrind) and stopped by pid, RSS read from /proc, and the alerts compared
with devsim's ground-truth journal the way tests/support/pipeline.c does
(pipeline_expected): per (device, interface), one firing per change to down
or admin_down, one resolved per change back to up.
"""
import collections
import datetime
import json
import os
import signal
import socket
import subprocess
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
PLATFORMS = "cisco_ios,cisco_xe,cisco_nxos,arista_eos,juniper_junos,cisco_xr"


def log(msg):
    print(time.strftime("%H:%M:%S ") + msg, flush=True)


class Proc:
    """One child process with its own log file, stopped by pid."""

    def __init__(self, name, argv, cwd, logpath):
        self.name, self.argv, self.logpath = name, argv, logpath
        self.logf = open(logpath, "ab")
        # Own process group: a ^C on the terminal reaches only us, and we
        # stop the children in order.
        self.p = subprocess.Popen(argv, cwd=cwd, stdout=self.logf,
                                  stderr=subprocess.STDOUT,
                                  start_new_session=True)
        self.pid = self.p.pid
        self.status = None

    def alive(self):
        return self.p.poll() is None

    def stop(self, wait_s):
        """SIGTERM, wait up to wait_s, then SIGKILL. Returns the exit status
        (negative: killed by that signal) and whether it stopped in time."""
        in_time = True
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                in_time = False
                self.p.kill()
                self.p.wait()
        self.status = self.p.returncode
        self.logf.close()
        return self.status, in_time

    def rss_kib(self):
        return rss_kib(self.pid)


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for ln in f:
                if ln.startswith("VmRSS:"):
                    return int(ln.split()[1])
    except OSError:
        pass
    return None


def devsim_ctl(d, cmd, timeout=30):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(os.path.join(d, "control"))
    s.sendall((cmd + "\n").encode())
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    s.close()
    return buf.decode(errors="replace").strip()


class Pipeline:
    def __init__(self, bindir, devices, rate, flap_every, seed=7, prefill=5,
                 collectors=1, analyzers=1, interval="1s", ack_timeout="5s",
                 max_sessions=32, buffer_size=None, wrap=None, keep=False):
        self.bin = bindir
        self.dir = tempfile.mkdtemp(prefix="loghaul-", dir="/tmp")
        self.devices, self.rate, self.flap_every = devices, rate, flap_every
        self.seed, self.prefill, self.buffer_size = seed, prefill, buffer_size
        self.ncoll, self.nana = collectors, analyzers
        self.interval, self.ack_timeout = interval, ack_timeout
        self.max_sessions = max_sessions
        self.wrap = wrap or (lambda role, i: [])
        self.keep = keep
        self.devsim = None
        self.procs = {"collector": [], "analyzer": [], "alerts": []}
        self.config = os.path.join(self.dir, "loghaul.yaml")
        self.alerts_path = os.path.join(self.dir, "alerts.jsonl")
        self.journal_path = os.path.join(self.dir, "journal.jsonl")

    # -- start ---------------------------------------------------------
    def start_devsim(self, timeout=60):
        argv = [os.path.join(self.bin, "devsim"), "--out", self.dir,
                "--devices", str(self.devices), "--rate", str(self.rate),
                "--seed", str(self.seed), "--prefill", str(self.prefill),
                "--flap-every", str(self.flap_every), "--platforms", PLATFORMS]
        if self.buffer_size:
            argv += ["--buffer-size", str(self.buffer_size)]
        self.devsim = Proc("devsim", argv, self.dir,
                           os.path.join(self.dir, "devsim.log"))
        deadline = time.time() + timeout
        while not os.path.exists(os.path.join(self.dir, "ready")):
            if not self.devsim.alive() or time.time() > deadline:
                raise RuntimeError("devsim did not start; see %s/devsim.log"
                                   % self.dir)
            time.sleep(0.1)

    def write_config(self):
        d = self.dir
        eps = ", ".join("ipc://%s/push%s" % (d, ".%d" % i if i else "")
                        for i in range(self.ncoll))
        with open(self.config, "w") as f:
            f.write(
                "inventory: {hosts: hosts.yaml, groups: groups.yaml, "
                "defaults: defaults.yaml}\n"
                "ssh:\n  known_hosts: known_hosts\n"
                "  timeouts: {connect: 20s, command: 30s}\n"
                "collector:\n  interval: %s\n  max_sessions: %d\n"
                "  processes: %d\n  state_dir: state\n  push: ipc://%s/push\n"
                "  ack_timeout: %s\n  backoff: {min: 200ms, max: 2s}\n"
                "analyzer:\n  collectors: [%s]\n  alerts: ipc://%s/alerts\n"
                "  rules: [%s/analyzer/rules/*.yaml]\n  workers: 1\n"
                "alerts:\n  listen: ipc://%s/alerts\n  state_dir: alert-state\n"
                "  flap: {changes: 64, window: 60s, stable: 120s}\n"
                "  outputs:\n    - {type: jsonl, path: alerts.jsonl}\n"
                % (self.interval, self.max_sessions, self.ncoll, d,
                   self.ack_timeout, eps, d, ROOT, d))

    def _start(self, role, i, argv):
        wrap = self.wrap(role, i)
        p = Proc("%s-%d" % (role, i), wrap + argv, self.dir,
                 os.path.join(self.dir, "%s-%d.log" % (role, i)))
        self.procs[role].append(p)
        return p

    def start_daemons(self):
        self.write_config()
        self._start("alerts", 0, [os.path.join(self.bin, "loghaul-alerts"),
                                  "--config", self.config])
        for i in range(self.nana):
            self._start("analyzer", i,
                        [os.path.join(self.bin, "loghaul-analyzer"),
                         "--config", self.config, "--workers", "1"])
        # One process per shard, as the systemd template runs them: each
        # is its own pid to watch, with no supervisor between.
        for i in range(self.ncoll):
            argv = [os.path.join(self.bin, "loghaul-collector"),
                    "--config", self.config]
            if self.ncoll > 1:
                argv += ["--shard", "%d/%d" % (i, self.ncoll)]
            self._start("collector", i, argv)

    def daemons(self):
        return [p for r in ("collector", "analyzer", "alerts")
                for p in self.procs[r]]

    def dead(self):
        return [p for p in self.daemons() + [self.devsim] if not p.alive()]

    # -- stop ----------------------------------------------------------
    def pause_devsim(self):
        return devsim_ctl(self.dir, "pause")

    def wait_alerts(self, want, settle_s, timeout_s):
        """Until the alerts file holds >= want lines and stopped growing for
        settle_s, or timeout_s. Returns the count."""
        deadline = time.time() + timeout_s
        last, changed = -1, time.time()
        while True:
            n = count_lines(self.alerts_path)
            if n != last:
                last, changed = n, time.time()
            if n >= want and time.time() - changed >= settle_s:
                return n
            if time.time() > deadline:
                return n
            time.sleep(0.5)

    def stop_daemons(self, wait_s):
        """Collectors first (they drain into the analyzers), then the
        analyzers, then the alert stage. Returns [(proc, status, in_time)]."""
        out = []
        for role in ("collector", "analyzer", "alerts"):
            for p in self.procs[role]:
                st, ok = p.stop(wait_s)
                out.append((p, st, ok))
        return out

    def stop_all(self, wait_s=10):
        for p in self.daemons():
            if p.status is None:
                p.stop(wait_s)
        if self.devsim and self.devsim.status is None:
            self.devsim.stop(15)


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


# -- the comparison -----------------------------------------------------
def expected_changes(journal_path):
    """{(dev, iface): [(t_ms_of_first_line, status, state)]} from the journal,
    as pipeline_expected derives it."""
    line_t = {}
    flaps = []
    with open(journal_path, encoding="utf-8", errors="replace") as f:
        for ln in f:
            try:
                e = json.loads(ln)
            except ValueError:
                continue
            k = e.get("kind")
            if k == "line":
                line_t[(e["dev"], e["n"])] = e["t"]
            elif k == "flap":
                flaps.append(e)
    state, out = {}, collections.defaultdict(list)
    for e in flaps:
        key = (e["dev"], e["iface"])
        if e["state"] == state.get(key, "up"):
            continue
        state[key] = e["state"]
        t = line_t.get((e["dev"], e.get("n")), e["t"])
        out[key].append((t, "resolved" if e["state"] == "up" else "firing",
                         e["state"]))
    return out


def iso_ms(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)


def actual_changes(alerts_path):
    out = collections.defaultdict(list)
    bad = 0
    try:
        with open(alerts_path, encoding="utf-8", errors="replace") as f:
            for ln in f:
                try:
                    a = json.loads(ln)
                    out[(a["device"], a["interface"])].append(
                        (iso_ms(a["raised_at"]), a["status"], a.get("state", "")))
                except (ValueError, KeyError):
                    bad += 1
    except OSError:
        pass
    return out, bad


def pct(v, p):
    if not v:
        return None
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def compare(journal_path, alerts_path):
    """Multiset comparison of "dev iface status state" (what the C tests
    compare), plus duplicates (an alert change repeated for one interface
    with nothing between) and latency per change paired in order."""
    exp = expected_changes(journal_path)
    act, bad = actual_changes(alerts_path)

    def lines(m):
        return collections.Counter("%s %s %s %s" % (k[0], k[1], s, st)
                                   for k, v in m.items() for _, s, st in v)
    le, la = lines(exp), lines(act)
    missing = sorted((le - la).elements())
    extra = sorted((la - le).elements())
    dups = []
    for k, v in act.items():
        for a, b in zip(v, v[1:]):
            if a[1] == b[1] and a[2] == b[2]:
                dups.append("%s %s %s %s" % (k[0], k[1], b[1], b[2]))
    lat = []
    for k, v in exp.items():
        a = act.get(k, [])
        for i, (t, s, st) in enumerate(v):
            if i < len(a) and a[i][1] == s:
                lat.append(a[i][0] - t)
    return {"expected": sum(le.values()), "actual": sum(la.values()),
            "missing": missing, "extra": extra, "duplicates": dups,
            "unparsed": bad, "latency_ms": lat,
            "ok": not missing and not extra and not dups and bad == 0}


def describe(c, limit=10):
    s = ("alert changes: %d written, %d implied by the journal; missing %d, "
         "extra %d, duplicates %d" % (c["actual"], c["expected"],
                                      len(c["missing"]), len(c["extra"]),
                                      len(c["duplicates"])))
    if c["unparsed"]:
        s += ", %d unparsable alert lines" % c["unparsed"]
    for name in ("missing", "extra", "duplicates"):
        for x in c[name][:limit]:
            s += "\n    %s: %s" % (name, x)
    return s
