#!/usr/bin/env bash
# Uses fake-ec2 the way a new user would: start the standalone binary, then
# drive it with the AWS CLI from PyPI through --endpoint-url. Fails on any
# unexpected answer. CI runs it; it also prints what it saw.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

cache="${XDG_CACHE_HOME:-$HOME/.cache}/capa-ipv6-net"
venv="$cache/venv"
if [ ! -x "$venv/bin/aws" ]; then
  echo "installing the AWS CLI into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet awscli
fi

# Cargo names the binary it built, wherever CARGO_TARGET_DIR (or a
# build.target-dir setting) puts it.
bin=$(cargo build --quiet -p fake-ec2 --bin fake-ec2 --message-format=json-render-diagnostics |
  python3 -c 'import json, sys
exes = [m["executable"] for m in map(json.loads, sys.stdin)
        if m.get("reason") == "compiler-artifact" and m.get("executable")]
print(exes[-1])')
port=$(free_port)
log=$(mktemp)
"$bin" --port "$port" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$log"' EXIT
up=no
for _ in $(seq 1 100); do
  if python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/_fake/health')" 2>/dev/null; then
    up=yes
    break
  fi
  sleep 0.1
done
if [ "$up" != yes ]; then
  cat "$log" >&2
  echo "FAIL: $bin did not answer on 127.0.0.1:$port within 10 s" >&2
  exit 1
fi

export AWS_ACCESS_KEY_ID=AKIDSMOKETEST AWS_SECRET_ACCESS_KEY=not-a-secret AWS_DEFAULT_REGION=us-east-1
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
aws() { "$venv/bin/aws" --endpoint-url "http://127.0.0.1:$port" "$@"; }
show() { printf '\n$ aws %s\n' "$*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "fake-ec2 on 127.0.0.1:$port, $("$venv/bin/aws" --version 2>&1)"

# A new account's region has its default VPC: 172.31.0.0/16, a default
# subnet per Availability Zone, named by DescribeAccountAttributes.
show ec2 describe-vpcs --filters Name=is-default,Values=true
default_vpc=$(aws ec2 describe-vpcs --filters Name=is-default,Values=true --query 'Vpcs[0].[VpcId,CidrBlock]' --output text)
echo "$default_vpc"
[[ "$default_vpc" == *"172.31.0.0/16"* ]] || fail "no default VPC: $default_vpc"
show ec2 describe-account-attributes --attribute-names default-vpc
out=$(aws ec2 describe-account-attributes --attribute-names default-vpc --query 'AccountAttributes[0].AttributeValues[0].AttributeValue' --output text)
echo "$out"
[[ "$default_vpc" == "$out"* ]] || fail "default-vpc names $out, not the default VPC"
out=$(aws ec2 describe-subnets --filters Name=default-for-az,Values=true --query 'length(Subnets)' --output text)
[ "$out" = 6 ] || fail "expected a default subnet in each of us-east-1's six zones, got $out"
set +e
out=$(aws ec2 create-default-vpc 2>&1)
status=$?
set -e
echo "$out"
[ "$status" -ne 0 ] && grep -q "(DefaultVpcAlreadyExists)" <<<"$out" || fail "a second default VPC was not refused"

show ec2 create-vpc --cidr-block 10.0.0.0/16 --amazon-provided-ipv6-cidr-block
vpc_json=$(aws ec2 create-vpc --cidr-block 10.0.0.0/16 --amazon-provided-ipv6-cidr-block --output json)
echo "$vpc_json"
vpc=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Vpc"]["VpcId"])' <<<"$vpc_json")
block=$(aws ec2 describe-vpcs --vpc-ids "$vpc" --query 'Vpcs[0].Ipv6CidrBlockAssociationSet[0].Ipv6CidrBlock' --output text)
[[ "$block" == */56 ]] || fail "expected an Amazon /56, got $block"
v6=$(python3 -c "import ipaddress,sys; print(next(ipaddress.ip_network('$block').subnets(new_prefix=64)))")

show ec2 create-subnet --vpc-id "$vpc" --ipv6-native --ipv6-cidr-block "$v6" --availability-zone us-east-1a
out=$(aws ec2 create-subnet --vpc-id "$vpc" --ipv6-native --ipv6-cidr-block "$v6" --availability-zone us-east-1a --output json)
echo "$out"
v6only=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Subnet"]["SubnetId"])' <<<"$out")
grep -q '"Ipv6Native": true' <<<"$out" || fail "subnet is not IPv6-only"
grep -q '"AssignIpv6AddressOnCreation": true' <<<"$out" || fail "IPv6-only subnet must auto-assign IPv6"

show ec2 create-egress-only-internet-gateway --vpc-id "$vpc"
out=$(aws ec2 create-egress-only-internet-gateway --vpc-id "$vpc" --output json)
echo "$out"
grep -q '"State": "attached"' <<<"$out" || fail "egress-only gateway not attached"

show ec2 describe-instance-types --filters Name=network-info.ipv6-supported,Values=true --query 'InstanceTypes[].InstanceType'
out=$(aws ec2 describe-instance-types --filters Name=network-info.ipv6-supported,Values=true --query 'InstanceTypes[].InstanceType' --output text)
echo "$out"
grep -qw 'm5.large' <<<"$out" || fail "m5.large should support IPv6"
if grep -qw 'm3.medium' <<<"$out"; then fail "m3.medium has no IPv6"; fi

show ec2 describe-instance-types --instance-types m5.large --query 'InstanceTypes[0].NetworkInfo.Ipv6Supported'
out=$(aws ec2 describe-instance-types --instance-types m5.large --query 'InstanceTypes[0].NetworkInfo.Ipv6Supported' --output text)
echo "$out"
[ "$out" = True ] || fail "m5.large should support IPv6, got $out"

show ec2 describe-instance-types --instance-types m5.large --query 'InstanceTypes[0].Hypervisor'
out=$(aws ec2 describe-instance-types --instance-types m5.large --query 'InstanceTypes[0].Hypervisor' --output text)
echo "$out"
[ "$out" = nitro ] || fail "m5.large should be nitro, got $out"

show ec2 describe-availability-zones --all-availability-zones --query 'AvailabilityZones[].[ZoneName,ZoneType,OptInStatus]'
out=$(aws ec2 describe-availability-zones --all-availability-zones --query 'AvailabilityZones[].[ZoneName,ZoneType,OptInStatus]' --output text)
echo "$out"
grep -q 'us-east-1-nyc-1a[[:space:]]*local-zone[[:space:]]*not-opted-in' <<<"$out" || fail "missing Local Zone"
grep -q 'us-east-1-wl1-was-wlz-1[[:space:]]*wavelength-zone' <<<"$out" || fail "missing Wavelength Zone"

show ec2 create-subnet --vpc-id "$vpc" --ipv6-native --cidr-block 10.0.0.0/24 --ipv6-cidr-block "$v6"
set +e
out=$(aws ec2 create-subnet --vpc-id "$vpc" --ipv6-native --cidr-block 10.0.0.0/24 --ipv6-cidr-block "$v6" 2>&1)
status=$?
set -e
echo "$out"
[ "$status" -ne 0 ] || fail "an IPv6-only subnet with an IPv4 CIDR must be refused"
grep -q 'An error occurred (InvalidParameterCombination) when calling the CreateSubnet operation: When specifying ipv4 parameters, cidrBlock or ipv4IpamPoolId, you cannot set ipv6Native to true.' <<<"$out" \
  || fail "unexpected error text"

# ELBv2: the load balancer IP address type and target group IP type rules.
v4a=$(aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.0.1.0/24 --availability-zone us-east-1a --query Subnet.SubnetId --output text)
v4b=$(aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.0.2.0/24 --availability-zone us-east-1b --query Subnet.SubnetId --output text)
ds6a=$(python3 -c "import ipaddress; print(list(ipaddress.ip_network('$block').subnets(new_prefix=64))[3])")
ds6b=$(python3 -c "import ipaddress; print(list(ipaddress.ip_network('$block').subnets(new_prefix=64))[4])")
dsa=$(aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.0.3.0/24 --ipv6-cidr-block "$ds6a" --availability-zone us-east-1a --query Subnet.SubnetId --output text)
dsb=$(aws ec2 create-subnet --vpc-id "$vpc" --cidr-block 10.0.4.0/24 --ipv6-cidr-block "$ds6b" --availability-zone us-east-1b --query Subnet.SubnetId --output text)

show elbv2 create-load-balancer --name cp --type network --ip-address-type dualstack --subnets "$v4a" "$v4b"
set +e
out=$(aws elbv2 create-load-balancer --name cp --type network --ip-address-type dualstack --subnets "$v4a" "$v4b" 2>&1)
status=$?
set -e
echo "$out"
[ "$status" -ne 0 ] || fail "a dualstack NLB on IPv4-only subnets must be refused"
grep -q 'An error occurred (ValidationError) when calling the CreateLoadBalancer operation: You must specify subnets with an associated IPv6 CIDR block.' <<<"$out" \
  || fail "unexpected error text"

show elbv2 create-load-balancer --name cp --type network --ip-address-type dualstack --subnets "$dsa" "$dsb"
out=$(aws elbv2 create-load-balancer --name cp --type network --ip-address-type dualstack --subnets "$dsa" "$dsb" --output json)
echo "$out"
grep -q '"IpAddressType": "dualstack"' <<<"$out" || fail "expected a dualstack NLB"
grep -q '"IPv6Address": "' <<<"$out" || fail "dualstack nodes need IPv6 addresses"

show elbv2 create-load-balancer --name cp-v4 --type network --subnets "$v4a" "$v4b"
v4lb=$(aws elbv2 create-load-balancer --name cp-v4 --type network --subnets "$v4a" "$v4b" --query 'LoadBalancers[0].LoadBalancerArn' --output text)
echo "$v4lb"
show elbv2 create-target-group --name cp-v6 --protocol TCP --port 6443 --vpc-id "$vpc" --ip-address-type ipv6
tg=$(aws elbv2 create-target-group --name cp-v6 --protocol TCP --port 6443 --vpc-id "$vpc" --ip-address-type ipv6 --query 'TargetGroups[0].TargetGroupArn' --output text)
echo "$tg"
show elbv2 create-listener --load-balancer-arn "$v4lb" --protocol TCP --port 6443 --default-actions "Type=forward,TargetGroupArn=$tg"
set +e
out=$(aws elbv2 create-listener --load-balancer-arn "$v4lb" --protocol TCP --port 6443 --default-actions "Type=forward,TargetGroupArn=$tg" 2>&1)
status=$?
set -e
echo "$out"
[ "$status" -ne 0 ] || fail "an IPv6 target group on an ipv4 NLB must be refused"
grep -q "An error occurred (InvalidConfigurationRequest) when calling the CreateListener operation: You cannot associate an IPv6 target group with a load balancer that has an 'ipv4' IP address type" <<<"$out" \
  || fail "unexpected error text"

# Classic ELB (API 2012-06-01): it signs as elasticloadbalancing too; the
# fake routes it by Version. Internet-facing needs an internet gateway, and
# an IPv6-only subnet takes no node.
classic=(--load-balancer-name cp-classic --listeners Protocol=TCP,LoadBalancerPort=6443,InstanceProtocol=TCP,InstancePort=6443 --subnets "$dsa" "$dsb")
show elb create-load-balancer "${classic[@]}"
set +e
out=$(aws elb create-load-balancer "${classic[@]}" 2>&1)
status=$?
set -e
echo "$out"
[ "$status" -ne 0 ] || fail "an internet-facing classic load balancer needs an internet gateway"
grep -q "An error occurred (InvalidSubnet) when calling the CreateLoadBalancer operation: VPC $vpc has no internet gateway" <<<"$out" \
  || fail "unexpected error text"
igw=$(aws ec2 create-internet-gateway --query InternetGateway.InternetGatewayId --output text)
aws ec2 attach-internet-gateway --internet-gateway-id "$igw" --vpc-id "$vpc"
show elb create-load-balancer "${classic[@]}"
dns=$(aws elb create-load-balancer "${classic[@]}" --query DNSName --output text)
echo "$dns"
[[ "$dns" == cp-classic-*.us-east-1.elb.amazonaws.com ]] || fail "unexpected classic DNS name $dns"
show elb describe-load-balancers --load-balancer-names cp-classic
out=$(aws elb describe-load-balancers --load-balancer-names cp-classic --output json)
echo "$out"
grep -q "\"VPCId\": \"$vpc\"" <<<"$out" || fail "the classic load balancer is not in the VPC"
grep -q '"InstancePort": 6443' <<<"$out" || fail "the TCP:6443 listener is missing"
show elb create-load-balancer --load-balancer-name cp-v6only --listeners Protocol=TCP,LoadBalancerPort=6443,InstancePort=6443 --subnets "$v6only"
set +e
out=$(aws elb create-load-balancer --load-balancer-name cp-v6only --listeners Protocol=TCP,LoadBalancerPort=6443,InstancePort=6443 --subnets "$v6only" 2>&1)
status=$?
set -e
echo "$out"
[ "$status" -ne 0 ] || fail "an IPv6-only subnet must be refused for a classic load balancer"
grep -q "An error occurred (InvalidSubnet) when calling the CreateLoadBalancer operation" <<<"$out" || fail "unexpected error text"

# EKS (restJson1): an IPv6 cluster on the dualstack subnets, its IPv6
# service block, the add-on catalog, and an EKS error.
role=arn:aws:iam::123456789012:role/eks-controlplane.cluster-api-provider-aws.sigs.k8s.io
show eks create-cluster --name smoke --kubernetes-version 1.31 --role-arn "$role" --resources-vpc-config "subnetIds=$dsa,$dsb" --kubernetes-network-config ipFamily=ipv6
out=$(aws eks create-cluster --name smoke --kubernetes-version 1.31 --role-arn "$role" --resources-vpc-config "subnetIds=$dsa,$dsb" --kubernetes-network-config ipFamily=ipv6 --output json)
echo "$out"
grep -q '"status": "CREATING"' <<<"$out" || fail "a new EKS cluster should be CREATING"
grep -q '"ipFamily": "ipv6"' <<<"$out" || fail "the cluster is not ipv6"
show eks describe-cluster --name smoke
out=$(aws eks describe-cluster --name smoke --output json)
echo "$out"
grep -q '"status": "ACTIVE"' <<<"$out" || fail "the EKS cluster should be ACTIVE on the next read"
v6svc=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["cluster"]["kubernetesNetworkConfig"]["serviceIpv6Cidr"])' <<<"$out")
[[ "$v6svc" == fd*::/108 ]] || fail "expected an IPv6 service block fd..::/108, got $v6svc"
show eks describe-addon-versions --kubernetes-version 1.22 --query 'addons[].[addonName,addonVersions[0].addonVersion]'
out=$(aws eks describe-addon-versions --kubernetes-version 1.22 --query 'addons[].[addonName,addonVersions[0].addonVersion]' --output text)
echo "$out"
for want in "vpc-cni	v1.11.0-eksbuild.1" "coredns	v1.8.7-eksbuild.1" "kube-proxy	v1.22.6-eksbuild.1"; do
  grep -qF "$want" <<<"$out" || fail "the 1.22 catalog lacks $want"
done
show eks describe-cluster --name nope
set +e
out=$(aws eks describe-cluster --name nope 2>&1)
status=$?
set -e
echo "$out"
[ "$status" -ne 0 ] || fail "an unknown EKS cluster must be refused"
grep -q "An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: nope." <<<"$out" \
  || fail "unexpected EKS error text"
sg=$(aws ec2 describe-security-groups --filters Name=tag:aws:eks:cluster-name,Values=smoke --query 'SecurityGroups[0].GroupName' --output text)
[[ "$sg" == eks-cluster-sg-smoke-* ]] || fail "the EKS cluster security group is missing, got $sg"

show sts get-caller-identity
out=$(aws sts get-caller-identity --query '[Account,Arn]' --output text)
echo "$out"
[ "$out" = "123456789012	arn:aws:iam::123456789012:root" ] || fail "unexpected caller identity: $out"
out=$(AWS_ACCESS_KEY_ID=210987654321 aws sts get-caller-identity --query Account --output text)
[ "$out" = "210987654321" ] || fail "a 12-digit access key must name its account, got $out"

echo
echo "aws-cli smoke: all checks passed"
