#!/usr/bin/env python3
"""Turns EC2's instance-type offerings (one row per region, zone and type,
as DescribeInstanceTypeOfferings --location-type availability-zone lists
them) into fake-ec2/data/instance-type-offerings.tsv: one line per zone,
`region<TAB>zone<TAB>type type ...`, types sorted.

Usage: scripts/compact-offerings.py OFFERINGS.tsv > fake-ec2/data/instance-type-offerings.tsv
"""
import collections
import sys

zones = collections.defaultdict(set)
with open(sys.argv[1]) as f:
    header = f.readline().rstrip("\n").split("\t")
    if header != ["region", "availability_zone", "instance_type"]:
        sys.exit(f"unexpected header {header}")
    for line in f:
        region, zone, itype = line.rstrip("\n").split("\t")
        zones[(region, zone)].add(itype)
print("region\tavailability_zone\tinstance_types")
for (region, zone), types in sorted(zones.items()):
    print(f"{region}\t{zone}\t{' '.join(sorted(types))}")
