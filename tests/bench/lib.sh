# lib.sh — sourced by scripts/bench-*: paths, a private work directory,
# processes started in the background and stopped by pid on exit (also on
# failure or ^C), daemons' ready files and the ports they bound, /proc
# readings, and result rows (tests/bench/report.py).
#
# Ports: a script never picks a free port and hands it to a daemon (another
# process could take it in between). Daemons bind port 0 and the script
# reads the port they got: loghaul's daemons from their --ready-file
# (bench_ready, bench_ready_port), other servers from /proc
# (bench_listen_port).
#
# Environment: BUILD (build dir, default build), LOGHAUL_BIN (binaries,
# default $BUILD/bin), BENCH_RESULTS (default results/), BENCH_KEEP=1 keeps
# the work directory for a post-mortem.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
BIN=${LOGHAUL_BIN:-$ROOT/$BUILD/bin}
RESULTS=${BENCH_RESULTS:-$ROOT/results}
mkdir -p "$RESULTS"
ROWS=$RESULTS/bench-rows.jsonl		# every row of every benchmark run
RAW=$RESULTS/bench-raw.jsonl		# raw figures, one object per line
PY=/usr/bin/python3
REPORT="$PY $ROOT/tests/bench/report.py"
WORK=$(mktemp -d /tmp/loghaul-bench-XXXXXX)
MYROWS=$WORK/rows.jsonl			# this script's rows, for its own table
HZ=$(getconf CLK_TCK)
PIDS=()
LASTPID=
declare -A BGLOG=()	# pid -> its log file (bench_bg), for error messages

bench_log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Stop one process we started: SIGTERM, up to $2 seconds (default 10), then
# SIGKILL. Its children (analyzer workers) are stopped by pid as well.
bench_stop() {
	local pid=$1 wait_s=${2:-10} kids i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
	kids=$(cat /proc/"$pid"/task/*/children 2>/dev/null || true)
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < wait_s * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	for k in $kids; do kill -KILL "$k" 2>/dev/null || true; done
}

bench_cleanup() {
	local rc=$? i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		bench_stop "${PIDS[$i]}" 5
	done
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "work directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
	exit $rc
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM HUP

# bench_bg LOGFILE CMD...: start CMD in the background; its pid in LASTPID.
bench_bg() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 &
	LASTPID=$!
	PIDS+=("$LASTPID")
	BGLOG[$LASTPID]=$log
}

# Long waits run in the background so that a signal (the driver's timeout)
# is handled at once, not after them, and cleanup still runs.
bench_sleep() { sleep "$1" & wait $! || true; }
# bench_fg CMD...: run CMD in the foreground in that way; its exit status.
bench_fg() {
	"$@" &
	local p=$!
	PIDS+=("$p")
	wait "$p"
}

# bench_wait_file PATH SECONDS [PID]: wait for PATH (and PID still alive).
bench_wait_file() {
	bench_until "${3:-}" "$2" "waiting for $1" test -e "$1"
}

# CPU ticks (utime + stime) of a process, and its children's that it reaped.
bench_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Sum of the ticks of a process and its live children (analyzer workers).
bench_tree_ticks() {
	local t=0 p
	for p in "$1" $(cat /proc/"$1"/task/*/children 2>/dev/null || true); do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
bench_status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
bench_children() { cat /proc/"$1"/task/*/children 2>/dev/null || true; }

# Why PID is gone or stuck, on stderr: its exit status (when it exited, and
# this shell, not a subshell, can wait for it) and the tail of its log
# (when bench_bg started it).
bench_why() {
	local pid=$1 what=$2 rc=0
	if [ -z "$pid" ]; then
		echo "$what" >&2
		return 0
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		if [ "$BASHPID" = $$ ] && [[ " ${PIDS[*]} " == *" $pid "* ]]; then
			wait "$pid" 2>/dev/null || rc=$?
			what="$what: process $pid exited (status $rc)"
		else
			what="$what: process $pid exited"
		fi
	fi
	echo "$what" >&2
	if [ -n "${BGLOG[$pid]:-}" ] && [ -s "${BGLOG[$pid]}" ]; then
		echo "--- last lines of ${BGLOG[$pid]}:" >&2
		tail -15 "${BGLOG[$pid]}" >&2
	fi
}

# bench_until PID SECONDS WHAT CMD...: run CMD every 50 ms until it
# succeeds (what it prints is the caller's result), for at most SECONDS by
# the clock. Fails, saying WHAT and why on stderr, when PID (if given)
# exits first or time runs out.
bench_until() {
	local pid=$1 secs=$2 what=$3 end
	shift 3
	end=$(( $(date +%s%N) / 1000000 + secs * 1000 ))
	while :; do
		"$@" && return 0
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			"$@" && return 0
			bench_why "$pid" "$what"
			return 1
		fi
		if [ $(( $(date +%s%N) / 1000000 )) -ge "$end" ]; then
			bench_why "$pid" "$what: timed out after ${secs}s"
			return 1
		fi
		sleep 0.05
	done
}

# bench_ready FILE PID TIMEOUT: wait up to TIMEOUT seconds for the ready file
# of a daemon started (by PID, that process or its supervisor) with
# --ready-file FILE; a fresh FILE, which the daemon writes whole (rename)
# once it serves: pid=PID and one NAME=PORT line per port it bound (process
# I of --workers/--processes N writes FILE.I). Fails, saying why on stderr,
# when PID exits first or time runs out.
bench_ready() {
	bench_until "$2" "$3" "no ready file $1" test -s "$1"
}

# bench_ready_port FILE NAME: the port NAME=PORT in a ready file (metrics,
# push, acks, listen); fails, saying so, when the file has none.
bench_ready_port() {
	local v
	v=$(awk -F= -v k="$2" '$1 == k { v = $2 } END { print v }' "$1")
	if ! [[ "$v" =~ ^[1-9][0-9]*$ ]]; then
		echo "ready file $1 has no $2 port:" >&2
		cat "$1" >&2
		return 1
	fi
	echo "$v"
}

# The port of a TCP socket of PID in state LISTEN, if any, from /proc.
bench_listen_port_now() {
	local inodes port
	inodes=$(find /proc/"$1"/fd -maxdepth 1 -lname 'socket:*' -printf '%l\n' \
		2>/dev/null | tr -dc '0-9\n' || true)
	[ -n "$inodes" ] || return 1
	# /proc/net/tcp: local address HEX_IP:HEX_PORT, state 0A = LISTEN
	port=$(awk 'NR == FNR { own[$1] = 1; next }
	    FNR > 1 && $4 == "0A" && ($10 in own) {
		split($2, a, ":"); print a[2]; exit }' \
		<(echo "$inodes") /proc/"$1"/net/tcp 2>/dev/null || true)
	[ -n "$port" ] || return 1
	echo $((16#$port))
}

# bench_listen_port PID TIMEOUT: the port of the TCP socket on which PID (a
# server that writes no ready file, told to bind port 0) listens, read from
# /proc once it listens; waits up to TIMEOUT seconds. Fails, saying why,
# when PID exits first or time runs out.
bench_listen_port() {
	bench_until "$1" "$2" "process $1 not listening" bench_listen_port_now "$1"
}

# bench_metric PORT NAME [LABEL_TEXT]: sum of a Prometheus metric's series
# at http://127.0.0.1:PORT/metrics (those whose labels hold LABEL_TEXT).
bench_metric() {
	local body
	body=$(curl -s --max-time 10 "http://127.0.0.1:$1/metrics" || true)
	awk -v m="$2" -v l="${3:-}" '($1 == m || index($1, m "{") == 1) &&
	    (l == "" || index($1, l)) { s += $NF } END { printf "%.0f\n", s }' <<<"$body"
}

# A devsim control command; prints the reply.
bench_devsim_ctl() {
	$PY - "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
r = b""
while not r.endswith(b"\n"):
    c = s.recv(4096)
    if not c:
        break
    r += c
print(r.decode().strip())
EOF
}

# bench_row ARGS...: one result row (see report.py row --help); printed,
# kept for this script's table and appended to $ROWS.
bench_row() {
	$REPORT row --rows "$MYROWS" "$@"
}

# bench_raw NAME JSONFILE: append raw figures to $RAW.
bench_raw() {
	$PY - "$1" "$2" "$RAW" <<'EOF'
import json, sys, time
name, path, out = sys.argv[1:]
with open(path) as f:
    data = json.load(f)
with open(out, "a") as f:
    f.write(json.dumps({"bench": name, "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
                        "data": data}, sort_keys=True) + "\n")
EOF
}

# At the end of a script: print its rows as a table, add them to $ROWS.
bench_finish() {
	if [ -s "$MYROWS" ]; then
		$REPORT table --rows "$MYROWS"
		cat "$MYROWS" >>"$ROWS"
	fi
}
