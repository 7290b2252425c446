#!/usr/bin/env bash
# Measure what devsim costs: CPU (from /proc/PID/stat utime+stime) and RSS
# over a window, for a given fleet.
#
#   tests/devsim/measure-cost.sh [-b BIN_DIR] [-s SECONDS] [-r] -- DEVSIM_ARGS...
#
#   -b  directory holding devsim (default build/bin)
#   -s  measuring window in seconds (default 30), after a 3 s settling time
#   -r  also read every device once with Netmiko during the window
#       (tests/integration/netmiko_fleet.py), to see the cost of a poll
#
# Example: tests/devsim/measure-cost.sh -s 30 -- --devices 200 --rate 2
set -euo pipefail

bin=build/bin
secs=30
read_all=0
while getopts "b:s:r" o; do
	case $o in
	b) bin=$OPTARG ;;
	s) secs=$OPTARG ;;
	r) read_all=1 ;;
	*) echo "usage: $0 [-b BIN_DIR] [-s SECONDS] [-r] -- DEVSIM_ARGS..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ "${1:-}" = "--" ] && shift

dir=$(mktemp -d /tmp/devsim-cost-XXXXXX)
"$bin/devsim" --out "$dir" "$@" >"$dir/devsim.log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

for _ in $(seq 1 400); do
	[ -e "$dir/ready" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$dir/devsim.log" >&2; exit 1; }
	sleep 0.05
done
[ -e "$dir/ready" ] || { echo "devsim not ready" >&2; exit 1; }
sleep 3

hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
threads() { awk '/^Threads/ {print $2}' "/proc/$pid/status"; }

t0=$(ticks); w0=$(date +%s.%N); peak=0
if [ "$read_all" = 1 ]; then
	/usr/bin/python3 "$(dirname "$0")/../integration/netmiko_fleet.py" "$dir" \
		--workers 40 >"$dir/fleet.json" 2>&1 &
	rpid=$!
fi
end=$(( $(date +%s) + secs ))
while [ "$(date +%s)" -lt "$end" ]; do
	r=$(rss_kb); [ "$r" -gt "$peak" ] && peak=$r
	th=$(threads); [ "${maxth:-0}" -lt "$th" ] && maxth=$th
	sleep 0.5
done
t1=$(ticks); w1=$(date +%s.%N)
[ "$read_all" = 1 ] && { wait "$rpid" || true; echo "reads: $(cat "$dir/fleet.json")"; }
lines=$(printf 'stats\n' | python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"stats\n"); print(s.recv(512).decode().strip())' "$dir/control")
awk -v t0="$t0" -v t1="$t1" -v w0="$w0" -v w1="$w1" -v hz="$hz" -v rss="$(rss_kb)" \
    -v peak="$peak" -v th="${maxth:-0}" -v args="$*" -v st="$lines" 'BEGIN {
	cpu = (t1 - t0) / hz; wall = w1 - w0
	printf "devsim %s\n  window %.1f s: CPU %.2f s = %.1f%% of one core; RSS %.1f MiB (peak %.1f MiB); threads max %d\n  %s\n",
	    args, wall, cpu, 100 * cpu / wall, rss / 1024, peak / 1024, th, st
}'
