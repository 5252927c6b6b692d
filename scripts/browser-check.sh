#!/usr/bin/env bash
# The pictures in a real browser: headless Chromium opens the plan page of
# examples/ipv6-cluster.yaml and the standalone fake's /_fake/ui after an
# apply, and the DOM the browser built must hold the VPC, the six subnets
# with their families, the egress-only gateway and the NLB, found by their
# labels. Screenshots go to $BROWSER_OUT (default: browser-check/ under the
# cargo target dir). CI runs it; Debian's chromium is installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

target_dir="${CARGO_TARGET_DIR:-target}"
out="${BROWSER_OUT:-$target_dir/browser-check}"
mkdir -p "$out"
out=$(cd "$out" && pwd)

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "installing Debian's chromium"
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null
  else
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null
  fi
  browser=$(command -v chromium)
fi
echo "browser: $("$browser" --version 2>/dev/null || echo "$browser")"

bins=$(cargo build --quiet -p fake-ec2 --bin fake-ec2 -p provisioner --bin provisioner --message-format=json-render-diagnostics |
  python3 -c 'import json, sys
exes = [m["executable"] for m in map(json.loads, sys.stdin)
        if m.get("reason") == "compiler-artifact" and m.get("executable")]
print(" ".join(exes))')
fake=$(tr ' ' '\n' <<<"$bins" | grep '/fake-ec2$')
provisioner=$(tr ' ' '\n' <<<"$bins" | grep '/provisioner$')

# Chromium headless: the DOM after the page ran, and a screenshot.
chrome() {
  "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --disable-extensions --user-data-dir="$out/profile" "$@" 2>/dev/null
}

# The checks run on the DOM the browser serialised.
check_dom() { # file, what, expected subnets
  python3 - "$@" <<'EOF'
import sys
from html.parser import HTMLParser

path, what, subnets = sys.argv[1], sys.argv[2], int(sys.argv[3])
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.labels, self.families = [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "aria-label" in a:
            self.labels.append((tag, a.get("class", ""), a["aria-label"]))
        if a.get("class") == "subnet":
            self.families.append(a.get("data-family"))
p = P()
p.feed(open(path, encoding="utf-8").read())
def find(cls, prefix):
    return [l for t, c, l in p.labels if c.split()[0:1] == [cls] and l.startswith(prefix)]
fails = []
vpcs = find("vpc", "VPC ")
subs = find("subnet", "subnet ")
eigw = find("gateway", "egress-only internet gateway ")
nlb = find("load-balancer", "network load balancer ")
if not vpcs: fails.append("no VPC")
if len(subs) < subnets: fails.append(f"{len(subs)} subnets, expected {subnets}")
if p.families.count("dualstack") != subnets: fails.append(f"families {p.families}")
if not eigw: fails.append("no egress-only internet gateway")
if not nlb: fails.append("no network load balancer")
print(f"{what}: {len(vpcs)} VPC(s) {vpcs[:2]}, {len(subs)} subnets ({', '.join(sorted(set(p.families)))}), "
      f"egress-only gateway {eigw[:1]}, NLB {nlb[:1]}")
if fails:
    print(f"FAIL {what}: " + "; ".join(fails), file=sys.stderr)
    sys.exit(1)
EOF
}

# 1. The plan page.
"$provisioner" plan --output html examples/ipv6-cluster.yaml >"$out/plan.html"
chrome --dump-dom "file://$out/plan.html" >"$out/plan.dom.html"
check_dom "$out/plan.dom.html" "plan page" 6
chrome --window-size=1280,1500 --screenshot="$out/plan.png" "file://$out/plan.html" >/dev/null
echo "screenshot: $out/plan.png"

# 2. The fake's live page after an apply against it.
port=$(free_port)
log=$(mktemp)
# The account has the key pair `default`, as CAPA's quick start asks.
cat >"$out/seed.yaml" <<'SEED'
regions:
  us-east-1:
    key_pairs:
      - key_name: default
        public_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAn8wsVb4yA5ra9pHViFe1Ewq7uZuAi7pHsa7S+lgqLS browser-check
SEED
"$fake" --port "$port" --seed "$out/seed.yaml" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/_fake/health')" 2>/dev/null && break
  sleep 0.1
done
"$provisioner" --endpoint-url "http://127.0.0.1:$port" apply examples/ipv6-cluster.yaml >/dev/null
url="http://127.0.0.1:$port/_fake/ui"
chrome --virtual-time-budget=3000 --dump-dom "$url" >"$out/fake-ui.dom.html"
check_dom "$out/fake-ui.dom.html" "/_fake/ui" 6
chrome --window-size=1280,1500 --screenshot="$out/fake-ui.png" "$url" >/dev/null
echo "screenshot: $out/fake-ui.png"
rm -rf "$out/profile"
echo "browser check: ok"
