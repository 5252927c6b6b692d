#!/usr/bin/env bash
# Runs a peer's test suite against the standalone fake-ec2: every test of
# moto's EC2 and ELBv2 suites that touches IPv6 or dualstack (listed in
# scripts/peer-suite.tests), in moto's server mode, so the tests' boto3
# clients talk to the fake over HTTP. The tests come from moto's source
# distribution on PyPI, fetched at run time; nothing of moto is in this
# repository. Prints the tally and each test's outcome. Exits non-zero only
# when fewer than PEER_SUITE_MIN tests pass (default: the tally this
# commit was measured at), so a regression fails CI and a gain does not.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

moto_version=5.1.4
min="${PEER_SUITE_MIN:-11}"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/capa-ipv6-net"
venv="$cache/peer-venv"
src="$cache/moto-$moto_version"
if [ ! -x "$venv/bin/pytest" ]; then
  echo "installing moto $moto_version, boto3 and pytest into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "moto[ec2,elbv2,server]==$moto_version" pytest freezegun
fi
if [ ! -d "$src/tests" ]; then
  echo "fetching moto $moto_version's tests (its source distribution on PyPI)"
  tmp=$(mktemp -d)
  "$venv/bin/pip" download --quiet --no-deps --no-binary :all: "moto==$moto_version" -d "$tmp"
  tar -xzf "$tmp/moto-$moto_version.tar.gz" -C "$cache"
  rm -rf "$tmp"
fi

bin=$(cargo build --quiet -p fake-ec2 --bin fake-ec2 --message-format=json-render-diagnostics |
  python3 -c 'import json, sys
exes = [m["executable"] for m in map(json.loads, sys.stdin)
        if m.get("reason") == "compiler-artifact" and m.get("executable")]
print(exes[-1])')
port=$(free_port)
log=$(mktemp)
"$bin" --port "$port" >"$log" 2>&1 &
pid=$!
results=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log" "$results"' EXIT
wait_port "$port" "$pid" "$log" "fake-ec2"

mapfile -t tests < <(grep -v '^#' scripts/peer-suite.tests | grep -v '^$')
echo "peer suite: ${#tests[@]} tests of moto $moto_version in server mode against fake-ec2 on 127.0.0.1:$port"
set +e
(
  cd "$src"
  TEST_SERVER_MODE=true TEST_SERVER_MODE_ENDPOINT="http://127.0.0.1:$port" \
    AWS_ACCESS_KEY_ID=AKIDPEERSUITE AWS_SECRET_ACCESS_KEY=not-a-secret \
    AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    PYTHONPATH="$OLDPWD/scripts" \
    "$venv/bin/pytest" -q -p peer_reset -p no:cacheprovider --color=no -rA --tb=line \
    "${tests[@]}" >"$results" 2>&1
)
set -e
grep -E '^(PASSED|FAILED|ERROR) ' "$results" | sort || true
passed=$(grep -c '^PASSED ' "$results" || true)
ran=$(grep -cE '^(PASSED|FAILED|ERROR) ' "$results" || true)
if [ "$ran" -eq 0 ]; then
  tail -40 "$results" >&2
  echo "FAIL: no test ran" >&2
  exit 1
fi
echo "peer suite tally: $passed of $ran pass (${#tests[@]} moto $moto_version IPv6/dualstack EC2 and ELBv2 tests, one of them in two cases; server mode)"
if [ "$passed" -lt "$min" ]; then
  tail -40 "$results" >&2
  echo "FAIL: $passed pass, fewer than the $min this project was measured at" >&2
  exit 1
fi
