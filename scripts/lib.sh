# Shared by the scripts in this folder: `source scripts/lib.sh` from the
# workspace root.

# Builds fake-ec2's release binaries and sets $fake and $bench to them,
# wherever CARGO_TARGET_DIR puts them (cargo names what it built).
build_fake_bins() {
  local bins
  bins=$(cargo build --release --quiet -p fake-ec2 -p fake-ec2-bench --bins --message-format=json-render-diagnostics |
    python3 -c 'import json, sys
for m in map(json.loads, sys.stdin):
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["executable"])')
  fake=$(grep '/fake-ec2$' <<<"$bins")
  bench=$(grep '/fake-ec2-bench$' <<<"$bins")
}

# A free loopback port.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until something listens on 127.0.0.1:PORT; fails with the server's
# log when the process exits first or 20 s pass.
wait_port() { # port, pid, log, name
  for _ in $(seq 1 200); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), timeout=1).close()" 2>/dev/null; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || break
    sleep 0.1
  done
  cat "$3" >&2
  echo "FAIL: $4 did not listen on 127.0.0.1:$1" >&2
  exit 1
}

# The machine and the code, for the head of a benchmark's output.
print_machine() {
  echo "machine: $(nproc) CPUs, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
