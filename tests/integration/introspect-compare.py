#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Compare berthd's live introspection with the reference XML.

introspect-compare.py REFERENCE LIVE.xml=IFACE[,IFACE...] ...

Each LIVE.xml (an object's Introspect output) must carry the named
interfaces, and each must have the same methods (arguments: name, type,
direction, in order), signals (arguments: name, type) and properties (type,
access) as in REFERENCE. Every org.berth.machine1.* interface of REFERENCE
must be checked by some LIVE.xml, and no LIVE.xml may carry an
org.berth.machine1.* interface that REFERENCE lacks. Prints one line per
difference and exits 1, or prints "same" and exits 0.
"""
import sys
import xml.etree.ElementTree as ET

PREFIX = "org.berth.machine1."


def parse(path):
    # The files start with a DOCTYPE naming an external DTD: ElementTree
    # does not fetch it.
    root = ET.parse(path).getroot()
    if root.tag != "node":
        raise SystemExit(f"{path}: the root element is <{root.tag}>, not <node>")
    ifaces = {}
    for iface in root.findall("interface"):
        name = iface.get("name")
        if name in ifaces:
            raise SystemExit(f"{path}: interface {name} twice")
        members = {}
        for el in iface:
            kind = el.tag
            if kind not in ("method", "signal", "property"):
                continue
            key = (kind, el.get("name"))
            if key in members:
                raise SystemExit(f"{path}: {kind} {name}.{el.get('name')} twice")
            if kind == "property":
                members[key] = (el.get("type"), el.get("access"))
            else:
                default = "in" if kind == "method" else "out"
                members[key] = tuple(
                    (a.get("name"), a.get("type"), a.get("direction", default))
                    for a in el.findall("arg"))
        ifaces[name] = members
    return ifaces


def describe(kind, value):
    if kind == "property":
        return f"type {value[0]}, access {value[1]}"
    return "(" + ", ".join(f"{d} {t} {n}" for n, t, d in value) + ")"


def compare(iface, ref, live, where):
    diffs = []
    for key in sorted(set(ref) | set(live)):
        kind, member = key
        what = f"{where}: {kind} {iface}.{member}"
        if key not in live:
            diffs.append(f"{what} is in the reference but not on the bus")
        elif key not in ref:
            diffs.append(f"{what} is on the bus but not in the reference")
        elif ref[key] != live[key]:
            diffs.append(f"{what}: reference {describe(kind, ref[key])}, "
                         f"bus {describe(kind, live[key])}")
    return diffs


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    ref = parse(argv[1])
    checked = set()
    diffs = []
    for spec in argv[2:]:
        path, _, names = spec.rpartition("=")
        live = parse(path)
        wanted = [n for n in names.split(",") if n]
        for name in wanted:
            checked.add(name)
            if name not in ref:
                diffs.append(f"{path}: interface {name} is not in the reference")
            elif name not in live:
                diffs.append(f"{path}: interface {name} is not on the bus")
            else:
                diffs += compare(name, ref[name], live[name], path)
        for name in sorted(live):
            if name.startswith(PREFIX) and name not in wanted:
                diffs.append(f"{path}: interface {name} is on the bus but not expected there")
    for name in sorted(ref):
        if name.startswith(PREFIX) and name not in checked:
            diffs.append(f"interface {name} of the reference was not checked")
    for d in diffs:
        print(d)
    if not diffs:
        print("same")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
