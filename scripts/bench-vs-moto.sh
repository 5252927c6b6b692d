#!/usr/bin/env bash
# fake-ec2 and moto side by side: the same call mixes over HTTP to each
# server, with each server's own CPU time read from /proc/PID/stat around
# every mix (fake-ec2-bench --url ... --server-pid ...). Prints both sets of
# figures and the ratios. Measures, never asserts: it fails only when a
# server does not start or answers a request wrongly.
#
#   scripts/bench-vs-moto.sh              # BENCH_MILLIS=3000 per mix
#   BENCH_MILLIS=1000 scripts/bench-vs-moto.sh
#
# moto comes from PyPI into $XDG_CACHE_HOME/capa-ipv6-net/moto-venv (or
# ~/.cache/...). Without PyPI the fake's figures are still printed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

cache="${XDG_CACHE_HOME:-$HOME/.cache}/capa-ipv6-net"
venv="$cache/moto-venv"
export BENCH_MILLIS="${BENCH_MILLIS:-3000}"

have_moto=yes
if [ ! -x "$venv/bin/moto_server" ]; then
  echo "installing moto[server] from PyPI into $venv"
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet 'moto[server]'; }; then
    echo "moto could not be installed (no network to PyPI?): measuring fake-ec2 alone" >&2
    have_moto=no
  fi
fi

build_fake_bins

work=$(mktemp -d)
server= # the one server running, if any
stop() {
  if [ -n "$server" ]; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=
  fi
}
trap 'stop; rm -rf "$work"' EXIT

# A fresh server per run: the mixes count on the VPCs they make.
run_fake() { # label, extra bench flags...
  local label=$1
  shift
  local port
  port=$(free_port)
  "$fake" --port "$port" >"$work/$label.log" 2>&1 &
  server=$!
  wait_port "$port" "$server" "$work/$label.log" fake-ec2
  "$bench" --url "http://127.0.0.1:$port" --server-pid "$server" --label "$label" --tsv "$work/$label.tsv" "$@"
  stop
}

run_moto() {
  local port
  port=$(free_port)
  "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
  server=$!
  wait_port "$port" "$server" "$work/moto.log" moto_server
  "$bench" --url "http://127.0.0.1:$port" --server-pid "$server" --label moto --tsv "$work/moto.tsv"
  stop
}

print_machine
echo "fake-ec2: $fake ($(rustc --version))"
if [ "$have_moto" = yes ]; then
  echo "moto: $("$venv/bin/python" -c 'import importlib.metadata as m; print("moto", m.version("moto"), "werkzeug", m.version("werkzeug"), "flask", m.version("flask"))') on $("$venv/bin/python" --version)"
fi
echo

run_fake fake-ec2 --floor-path /_fake/health
echo
run_fake fake-ec2-close --close --floor-path /_fake/health
if [ "$have_moto" = yes ]; then
  echo
  run_moto
fi

echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work" "$have_moto" <<'EOF'
import csv, sys
work, have_moto = sys.argv[1], sys.argv[2] == "yes"
def load(label):
    with open(f"{work}/{label}.tsv") as f:
        return {r["mix"]: r for r in csv.DictReader(f, delimiter="\t")}
fake, close = load("fake-ec2"), load("fake-ec2-close")
if not have_moto:
    sys.exit(0)
moto = load("moto")
print("Ratios (moto / fake-ec2 for server CPU per request, fake-ec2 / moto for requests per second).")
print("fake-ec2: keep-alive connection; fake-ec2 close: a new connection per request, as moto (werkzeug) always does.")
head = f"{'mix':<44} {'moto CPU us/req':>15} {'fake us/req':>11} {'ratio':>7} {'close us/req':>12} {'ratio':>7} | {'moto req/s':>10} {'fake req/s':>10} {'ratio':>7} {'close req/s':>11} {'ratio':>7}"
print(head)
print("-" * len(head))
for mix, m in moto.items():
    f, c = fake[mix], close[mix]
    mc, fc, cc = (float(x["server_cpu_us_per_request"]) for x in (m, f, c))
    mr, fr, cr = (float(x["requests_per_s"]) for x in (m, f, c))
    print(f"{mix:<44} {mc:>15.1f} {fc:>11.1f} {mc / fc:>6.0f}x {cc:>12.1f} {mc / cc:>6.0f}x | {mr:>10.1f} {fr:>10.1f} {fr / mr:>6.0f}x {cr:>11.1f} {cr / mr:>6.0f}x")
EOF
