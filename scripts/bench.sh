#!/usr/bin/env bash
# Every benchmark but the moto comparison (scripts/bench-vs-moto.sh), in one
# run: what a request costs fake-ec2 (in-process and over loopback), the
# fake at scale (1k -> 100k of each indexed family, memory), and a full dualstack cluster
# apply and destroy with the provisioner against the embedded fake and
# against a standalone fake-ec2 over a socket. Measures, never asserts.
#
#   scripts/bench.sh                 # everything
#   scripts/bench.sh request scale   # some parts: request, scale, apply, apply-standalone
#
# Release builds; set CARGO_TARGET_DIR to keep them apart from test builds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(request scale apply apply-standalone)
for p in "${parts[@]}"; do
  case "$p" in
    request | scale | apply | apply-standalone) ;;
    *)
      echo "unknown part '$p' (request, scale, apply, apply-standalone)" >&2
      exit 2
      ;;
  esac
done
want() { [[ " ${parts[*]} " == *" $1 "* ]]; }

print_machine
build_fake_bins

if want request; then
  echo
  echo "== fake-ec2: request cost, in-process and over loopback"
  "$bench"
fi
if want scale; then
  echo
  echo "== fake-ec2: one region grown to 10,000 VPCs and 100,000 subnets"
  "$bench" --scale
fi
if want apply; then
  echo
  echo "== provisioner: dualstack cluster apply and destroy, embedded fake"
  cargo bench --quiet -p provisioner --bench apply
fi
if want apply-standalone; then
  echo
  echo "== provisioner: dualstack cluster apply and destroy, standalone fake-ec2 over loopback"
  # Build the bench first, so the fake does not sit idle through a compile.
  cargo bench --quiet -p provisioner --bench apply --no-run
  port=$(free_port)
  log=$(mktemp)
  "$fake" --port "$port" 2>"$log" &
  server=$!
  trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
  wait_port "$port" "$server" "$log" fake-ec2
  FAKE_EC2_URL="http://127.0.0.1:$port" cargo bench --quiet -p provisioner --bench apply
fi
