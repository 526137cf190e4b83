#!/usr/bin/env python3
"""Checks dbus/*.xml, and docs/dbus-api.md, against the D-Bus API contract of DESIGN.md.

Every interface must declare exactly the members below - names, argument names,
directions, signatures, property access and org.freedesktop.DBus.Property.
EmitsChangedSignal - nothing more, nothing less, and every element must carry a
documentation comment. The table is copied from DESIGN.md ("D-Bus API"); change it only
together with DESIGN.md: clients are written against this contract.

With DBUS_API_MD, the human reference must document the same: each method's heading with
its exact arguments, each signal, each property with its type in its interface's table,
and every error name, UnknownObject included.

Usage: check_contract.py DIR_WITH_XML [DBUS_API_MD]
"""
import re
import sys
import xml.dom.minidom
from pathlib import Path

# (name, direction, signature); signals have direction None.
METHODS = {
    "org.fwxd.Firewall1": {
        "OpenSession": [("options", "in", "a{sv}"), ("session", "out", "o")],
        "RegisterProtocol": [("guid", "in", "s"), ("spec", "in", "a{sv}")],
        "UnregisterProtocol": [("guid", "in", "s")],
        "RegisterConnectFilter": [("protocol_guid", "in", "s"), ("options", "in", "a{sv}"),
                                  ("filter", "out", "o")],
        "RegisterDataFilter": [("protocol_guid", "in", "s"), ("handler", "in", "o")],
    },
    "org.fwxd.Session1": {
        "RedirectConnections": [
            ("connect_addresses", "in", "a(sq)"),
            ("internal_address", "in", "s"),
            ("proxy_external_address", "in", "s"),
            ("protocol", "in", "s"),
            ("flags", "in", "u"),
            ("protocol_guid", "in", "s"),
            ("options", "in", "a{sv}"),
            ("internal_address", "out", "s"),
            ("base_port", "out", "q"),
            ("actions", "out", "ao"),
        ],
        "Close": [],
    },
    "org.fwxd.Action1": {
        "Cancel": [],
    },
    # Not in DESIGN.md: issue 12 asks for a way to unregister a connect filter.
    "org.fwxd.ConnectFilter1": {
        "Unregister": [],
    },
    "org.fwxd.DataFilter1": {
        "HandleConnection": [("client", "in", "h"), ("target", "in", "h"),
                             ("info", "in", "a{sv}")],
    },
}

SIGNALS = {
    "org.fwxd.Firewall1": {"RedirectCreated": [("action", "o"), ("info", "a{sv}")]},
    "org.fwxd.Session1": {},
    "org.fwxd.Action1": {
        "Established": [("connection", "a{sv}")],
        "Closed": [("connection", "a{sv}")],
        "Expired": [("reason", "s")],
        "Finished": [("state", "s"), ("connections", "u")],
    },
    "org.fwxd.ConnectFilter1": {},
    "org.fwxd.DataFilter1": {},
}

# name: (signature, EmitsChangedSignal); every property is read-only.
PROPERTIES = {
    "org.fwxd.Firewall1": {
        "Version": ("s", "const"),
        "InternalAddresses": ("as", "const"),
        "PortRange": ("(qq)", "const"),
        "Sessions": ("ao", "false"),
        "ActiveRedirects": ("u", "false"),
        # Not in DESIGN.md's table: issue 4 asks for the resync counter as a property.
        "EventResyncs": ("t", "false"),
        # Not in DESIGN.md's table: issue 10 asks for registered protocols to be listed.
        "Protocols": ("a{sa{sv}}", "false"),
    },
    "org.fwxd.Session1": {
        "Owner": ("s", "const"),
        "PrimaryConnection": ("(ssqsq)", "const"),
        "Description": ("s", "const"),
        "Actions": ("ao", "false"),
    },
    "org.fwxd.Action1": {
        "InternalAddress": ("s", "const"),
        "InternalPort": ("q", "const"),
        "ConnectAddress": ("s", "const"),
        "ConnectPort": ("q", "const"),
        "ProxyExternalAddress": ("s", "const"),
        "Protocol": ("s", "const"),
        "Flags": ("u", "const"),
        "Mode": ("s", "const"),
        "Expected": ("b", "const"),
        # Not in DESIGN.md's table: issue 11 asks for the reason beside Expected.
        "NoExpectationReason": ("s", "const"),
        "State": ("s", "true"),
        "ExpiresAt": ("t", "true"),
        "Connections": ("u", "true"),
    },
    "org.fwxd.ConnectFilter1": {
        "ProtocolGuid": ("s", "const"),
        "Owner": ("s", "const"),
    },
    "org.fwxd.DataFilter1": {},
}

# Every error name must be documented (in org.fwxd.Firewall1.xml, which defines them).
ERRORS = ["InvalidArgument", "AccessDenied", "QuotaExceeded", "PortsExhausted",
          "UnknownProtocol", "NotSupported", "Failed"]
# Not fwxd's, but what a gone or never existing object path answers (sd-bus).
UNKNOWN_OBJECT = "org.freedesktop.DBus.Error.UnknownObject"

EMITS = "org.freedesktop.DBus.Property.EmitsChangedSignal"

problems = []


def fail(where, what):
    problems.append(f"{where}: {what}")


def children(node, tag):
    return [c for c in node.childNodes if c.nodeType == c.ELEMENT_NODE and c.tagName == tag]


def documented(element):
    """True if the closest preceding non-whitespace sibling is a non-empty comment."""
    prev = element.previousSibling
    while prev is not None and prev.nodeType == prev.TEXT_NODE and not prev.data.strip():
        prev = prev.previousSibling
    return prev is not None and prev.nodeType == prev.COMMENT_NODE and prev.data.strip() != ""


def check_doc(where, element):
    if not documented(element):
        fail(where, "no documentation comment right above it")


def check_interface(path, iface):
    name = iface.getAttribute("name")
    where = f"{path.name}: {name}"
    for ann in children(iface, "annotation"):
        fail(where, f"unexpected interface annotation {ann.getAttribute('name')}")

    methods = {m.getAttribute("name"): m for m in children(iface, "method")}
    if sorted(methods) != sorted(METHODS[name]):
        fail(where, f"methods {sorted(methods)}, contract {sorted(METHODS[name])}")
    for mname, method in methods.items():
        mwhere = f"{where}.{mname}"
        check_doc(mwhere, method)
        args = children(method, "arg")
        got = [(a.getAttribute("name"), a.getAttribute("direction") or "in",
                a.getAttribute("type")) for a in args]
        if mname in METHODS[name] and got != METHODS[name][mname]:
            fail(mwhere, f"arguments {got}, contract {METHODS[name][mname]}")
        for a in args:
            check_doc(f"{mwhere}({a.getAttribute('name')})", a)

    signals = {s.getAttribute("name"): s for s in children(iface, "signal")}
    if sorted(signals) != sorted(SIGNALS[name]):
        fail(where, f"signals {sorted(signals)}, contract {sorted(SIGNALS[name])}")
    for sname, signal in signals.items():
        swhere = f"{where}.{sname}"
        check_doc(swhere, signal)
        args = children(signal, "arg")
        if any(a.hasAttribute("direction") and a.getAttribute("direction") != "out"
               for a in args):
            fail(swhere, "signal argument with direction other than out")
        got = [(a.getAttribute("name"), a.getAttribute("type")) for a in args]
        if sname in SIGNALS[name] and got != SIGNALS[name][sname]:
            fail(swhere, f"arguments {got}, contract {SIGNALS[name][sname]}")
        for a in args:
            check_doc(f"{swhere}({a.getAttribute('name')})", a)

    props = {p.getAttribute("name"): p for p in children(iface, "property")}
    if sorted(props) != sorted(PROPERTIES[name]):
        fail(where, f"properties {sorted(props)}, contract {sorted(PROPERTIES[name])}")
    for pname, prop in props.items():
        pwhere = f"{where}.{pname}"
        check_doc(pwhere, prop)
        if pname not in PROPERTIES[name]:
            continue
        signature, emits = PROPERTIES[name][pname]
        if prop.getAttribute("type") != signature:
            fail(pwhere, f"type {prop.getAttribute('type')}, contract {signature}")
        if prop.getAttribute("access") != "read":
            fail(pwhere, f"access {prop.getAttribute('access')}, contract read")
        anns = {a.getAttribute("name"): a.getAttribute("value")
                for a in children(prop, "annotation")}
        if set(anns) - {EMITS}:
            fail(pwhere, f"unexpected annotations {sorted(set(anns) - {EMITS})}")
        if anns.get(EMITS, "true") != emits:
            fail(pwhere, f"EmitsChangedSignal {anns.get(EMITS, 'true')}, contract {emits}")


def doc_sections(text):
    """{interface: its text} for each "## org.fwxd.X" section of the reference."""
    sections = {}
    for match in re.finditer(r"^## (org\.fwxd\.\w+)\b.*?$(.*?)(?=^## |\Z)", text, re.M | re.S):
        sections[match.group(1)] = match.group(2)
    return sections


def doc_arguments(text, direction):
    """[(name, direction, type)] of "t name, t name" ("" for none)."""
    found = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        signature, _, name = item.partition(" ")
        found.append((name, direction, signature))
    return found


def check_doc_methods(where, name, section):
    headings = {}
    for match in re.finditer(r"^### (\w+)\(([^)]*(?:\)[^)]*)*?)\)(?: → \((.*)\))?\s*$", section, re.M):
        if match.group(1) in ("Signal", "Properties"):
            continue
        args = doc_arguments(match.group(2), "in") + doc_arguments(match.group(3) or "", "out")
        headings[match.group(1)] = args
    if sorted(headings) != sorted(METHODS[name]):
        fail(where, f"method headings {sorted(headings)}, contract {sorted(METHODS[name])}")
    for method, args in headings.items():
        if method in METHODS[name] and args != METHODS[name][method]:
            fail(f"{where}.{method}", f"documented as {args}, contract {METHODS[name][method]}")


def check_doc_properties(where, name, section):
    table = re.search(r"^### Properties\s*$(.*?)(?=^#|\Z)", section, re.M | re.S)
    rows = re.findall(r"^\| `(\w+)` \| `([^`]+)` \|", table.group(1), re.M) if table else []
    documented = dict(rows)
    wanted = {prop: signature for prop, (signature, _) in PROPERTIES[name].items()}
    if documented != wanted:
        fail(where, f"properties table {documented}, contract {wanted}")


def check_docs(path):
    text = path.read_text()
    sections = doc_sections(text)
    for name in METHODS:
        where = f"{path.name}: {name}"
        if name not in sections:
            fail(where, "no section")
            continue
        section = sections[name]
        check_doc_methods(where, name, section)
        for signal in SIGNALS[name]:
            if not re.search(rf"`{signal}\(|### Signal {signal}\(", section):
                fail(where, f"signal {signal} is not documented")
        check_doc_properties(where, name, section)
    errors = re.search(r"^## Errors\s*$(.*?)(?=^## )", text, re.M | re.S)
    for error in [f"org.fwxd.Error.{e}" for e in ERRORS] + [UNKNOWN_OBJECT]:
        if not errors or f"| `{error}` |" not in errors.group(1):
            fail(f"{path.name}: Errors", f"{error} is not in the table")


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    directory = Path(sys.argv[1])
    seen = set()
    for name in METHODS:
        path = directory / f"{name}.xml"
        try:
            dom = xml.dom.minidom.parse(str(path))
        except Exception as e:  # noqa: BLE001 - any parse failure is a contract failure
            fail(path.name, f"not well-formed XML: {e}")
            continue
        root = dom.documentElement
        if root.tagName != "node":
            fail(path.name, f"root element <{root.tagName}>, expected <node>")
            continue
        ifaces = children(root, "interface")
        if [i.getAttribute("name") for i in ifaces] != [name]:
            fail(path.name, f"interfaces {[i.getAttribute('name') for i in ifaces]}, "
                            f"expected exactly [{name}]")
        if children(root, "node"):
            fail(path.name, "child <node> elements do not belong in an interface file")
        for iface in ifaces:
            if iface.getAttribute("name") == name:
                check_interface(path, iface)
                seen.add(name)
        if name == "org.fwxd.Firewall1":
            text = path.read_text()
            for error in [f"org.fwxd.Error.{e}" for e in ERRORS] + [UNKNOWN_OBJECT]:
                if error not in text:
                    fail(path.name, f"error {error} is not documented")

    extra = sorted(p.name for p in directory.glob("*.xml") if p.stem not in METHODS)
    if extra:
        fail(str(directory), f"XML files outside the contract: {extra}")
    if len(sys.argv) == 3:
        check_docs(Path(sys.argv[2]))
        seen.add(Path(sys.argv[2]).name)

    for problem in problems:
        print(problem, file=sys.stderr)
    checked = ", ".join(sorted(seen))
    if problems:
        print(f"{len(problems)} contract problem(s)", file=sys.stderr)
        return 1
    print(f"contract OK: {checked}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
