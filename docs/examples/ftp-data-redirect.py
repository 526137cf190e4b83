#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What an FTP proxy asks fwxd for one passive-mode data connection.

An FTP proxy relays the control connection (the *primary* connection) itself. When the
client sends PASV, the proxy asks the real server for a data port, then asks fwxd to let
the client's data connection through the firewall to it: fwxd allocates a port on an
internal firewall address and the proxy tells the client that port in its 227 reply. The
data connection then goes through the kernel (NAT), not through the proxy, and fwxd tells
the proxy when it is established and when it has closed.

This example does exactly that for one transfer, over fwxd's D-Bus API (docs/dbus-api.md):

  1. Firewall1.OpenSession with the control connection as PrimaryConnection: the session
     lives as long as the control connection, and only the control connection's client
     may use its redirects.
  2. Session1.RedirectConnections for the server's data port, single use, with a timeout.
  3. Prints the address and port to give the client (and the 227/229 reply).
  4. Follows Action1's Established, Closed, Expired and Finished signals (sent to the
     session's owner only, i.e. to this process) and the action's State.
  5. Ends at the action's Finished, its last signal: it admits nothing more and its data
     connection (if any) has ended. On SIGINT or SIGTERM (in a real proxy: the control
     connection ended, or the client sent ABOR) it cancels the permission if it is still
     unused (Action1.Cancel). Then it closes the session.

Exit status: 0 the transfer's connection was established and closed, or the permission
was cancelled on SIGINT/SIGTERM; 1 it ended without a transfer (timeout, cancelled by
someone else) or fwxd refused a call; 2 usage error.

Needs Python 3 and PyGObject (Debian: python3-gi). fwxd only serves callers its
configuration allows (AllowedUsers, AllowedGroups; root always).
"""

import argparse
import ipaddress
import signal
import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402  (after require_version, as PyGObject wants)

SERVICE = "org.fwxd.Firewall1"
FIREWALL_PATH = "/org/fwxd/Firewall1"
FIREWALL = "org.fwxd.Firewall1"
SESSION = "org.fwxd.Session1"
ACTION = "org.fwxd.Action1"
PROPERTIES = "org.freedesktop.DBus.Properties"

# RedirectConnections flags. Without ALLOW_MULTIPLE (0x1) a redirect admits exactly one
# connection: the right thing for an FTP data connection.
FLAG_TIMEOUT = 0x2


def say(text):
    """One line on stdout, flushed at once: whoever reads our output sees it as it happens."""
    print(text, flush=True)


def endpoint(text):
    """'192.0.2.2:40000' or '[2001:db8::2]:40000' -> (address, port)."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"{text!r}: expected ADDR:PORT or [V6ADDR]:PORT")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return str(ipaddress.ip_address(host)), int(port)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: {host!r} is not an IP address") from None


def show(address, port):
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def passive_reply(address, port):
    """What the proxy answers the client's PASV (IPv4) or EPSV (IPv6) with."""
    if ipaddress.ip_address(address).version == 4:
        numbers = address.split(".") + [str(port >> 8), str(port & 0xFF)]
        return f"227 Entering Passive Mode ({','.join(numbers)})."
    return f"229 Entering Extended Passive Mode (|||{port}|)"


def connection_text(c):
    """An Established or Closed signal's a{sv}, for people. ConnectionId came with API 1.0:
    use it to pair a Closed with its Established when it is there, never require it."""
    text = ""
    if "ConnectionId" in c:
        text += f"connection {c['ConnectionId']}: "
    text += (f"client {show(c['ClientAddress'], c['ClientPort'])}"
             f" -> target {show(c['TargetAddress'], c['TargetPort'])}"
             f" from {show(c['SourceAddress'], c['SourcePort'])}")
    if "Context" in c:
        text += f", context {c['Context']!r}"
    if "Duration" in c:  # Closed only
        text += (f", {c['BytesFromClient']} bytes from the client,"
                 f" {c['BytesFromTarget']} from the target, {c['Duration'] / 1e6:.3f} s")
    return text


class DataRedirect:
    """One transfer's data connection: the session, its redirect and what fwxd reports."""

    def __init__(self, bus, args):
        self.bus = bus
        self.args = args
        self.loop = GLib.MainLoop()
        self.session = None
        self.action = None
        self.state = "pending"  # the action's State, as PropertiesChanged reports it
        self.cancelling = False
        self.transferred = False  # the data connection was established and has closed
        self.reason = None  # Expired's reason, if the permission ended unused
        self.status = 1

    def call(self, path, interface, method, args, reply):
        """A method call on fwxd; raises GLib.Error with fwxd's error name and message."""
        result = self.bus.call_sync(SERVICE, path, interface, method, args,
                                    GLib.VariantType(reply), Gio.DBusCallFlags.NONE, -1, None)
        return result.unpack()

    def open_session(self):
        (client, client_port), (server, server_port) = self.args.client, self.args.server
        options = {
            # (ssqsq): transport, client address and port, server address and port, as the
            # proxy saw the control connection (before any NAT). fwxd hangs the redirects
            # on it as conntrack expectations when it can (a protocol registered with a
            # helper), and only this client may connect unless AllowedSource says more.
            "PrimaryConnection": GLib.Variant(
                "(ssqsq)", ("tcp", client, client_port, server, server_port)),
            "Description": GLib.Variant("s", f"ftp-data-redirect for {show(client, client_port)}"),
        }
        (self.session,) = self.call(FIREWALL_PATH, FIREWALL, "OpenSession",
                                    GLib.Variant("(a{sv})", (options,)), "(o)")
        say(f"session {self.session}")

    def subscribe(self):
        # Before RedirectConnections: fwxd may signal as soon as the redirect exists (with a
        # very short timeout, even before our code below has seen the reply). Signals come
        # from fwxd only and are unicast to us; call_sync() queues any that arrive during a
        # call, and the main loop hands them to on_signal() once we know our action's path.
        for interface in (ACTION, PROPERTIES):
            self.bus.signal_subscribe(SERVICE, interface, None, None, None,
                                      Gio.DBusSignalFlags.NONE, self.on_signal)

    def redirect(self):
        target, target_port = self.args.target
        options = {
            "Timeout": GLib.Variant("t", int(self.args.timeout * 1_000_000)),  # microseconds
            "Context": GLib.Variant("s", self.args.context),  # echoed in every signal
        }
        internal, port, actions = self.call(
            self.session, SESSION, "RedirectConnections",
            GLib.Variant("(a(sq)sssusa{sv})", (
                [(target, target_port)],  # one target: one port, one action
                self.args.internal,       # "": fwxd picks an internal address of the family
                "",                       # proxy external address: "" = no source NAT
                "tcp", FLAG_TIMEOUT, "",  # no protocol GUID
                options)),
            "(sqao)")
        (self.action,) = actions
        say(f"redirect {show(internal, port)} -> {show(target, target_port)} action {self.action}")
        say(f"reply to the client: {passive_reply(internal, port)}")

    def on_signal(self, _bus, _sender, path, interface, member, parameters):
        if path != self.action:
            return  # not ours: an action of another session on this bus connection
        if interface == PROPERTIES:
            changed_interface, changed, _invalidated = parameters.unpack()
            if changed_interface == ACTION and "State" in changed:
                self.state = changed["State"]
        elif member == "Established":
            (connection,) = parameters.unpack()
            say(f"Established {connection_text(connection)}")
        elif member == "Closed":
            # The transfer is over: its data connection ended. A real proxy would now
            # forward the server's 226 and wait for the next PASV, in the same session.
            (connection,) = parameters.unpack()
            say(f"Closed {connection_text(connection)}")
            self.transferred = True
        elif member == "Expired":
            # The permission ended unused: timeout, cancelled (by us, or by an admin with
            # fwxctl cancel), session-closed, primary-closed. Nothing more is admitted.
            (self.reason,) = parameters.unpack()
            say(f"Expired {self.reason}")
        elif member == "Finished":
            # The action's last signal: it admits nothing more and every connection through
            # it has ended; its object has left the bus and its port is free again. It also
            # comes for a connection that was admitted but never established (the server
            # refused or did not answer), which sends neither Established nor Closed.
            state, connections = parameters.unpack()
            say(f"Finished {state}, {connections} connection(s)")
            cancelled = self.cancelling and self.reason == "cancelled"
            self.finish(0 if self.transferred or cancelled else 1)

    def on_stop(self):
        """SIGINT/SIGTERM: withdraw the permission if nobody used it yet."""
        if self.cancelling:
            return GLib.SOURCE_CONTINUE
        self.cancelling = True
        if self.state != "pending":
            # Single use and already used (consumed, established): it admits nothing more,
            # so there is nothing to withdraw. Closing the session (finish) leaves the data
            # connection alone: a transfer under way goes on to its end.
            say(f"not cancelled: the permission was already used ({self.state})")
            self.finish(0)
            return GLib.SOURCE_CONTINUE
        say(f"cancelling {self.action}")
        try:
            self.call(self.action, ACTION, "Cancel", None, "()")
        except GLib.Error as error:
            report(error)
            self.finish(1)
        # Its Expired("cancelled") and then Finished follow; on_signal() ends the loop then.
        return GLib.SOURCE_CONTINUE

    def finish(self, status):
        self.status = status
        self.loop.quit()

    def run(self):
        # From now on SIGINT and SIGTERM wait for the main loop, which hands them to
        # on_stop(): none is lost between asking for the redirect and following it.
        for number in (signal.SIGINT, signal.SIGTERM):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, number, self.on_stop)
        self.subscribe()
        self.open_session()
        try:
            self.redirect()
            self.loop.run()
        finally:
            # Closing the session ends whatever is left and frees its ports. Leaving the
            # bus (even by crashing) does the same: fwxd never keeps a dead proxy's holes.
            self.call(self.session, SESSION, "Close", None, "()")
        say("done")
        return self.status


def report(error):
    """fwxd answers bad calls with a named error (org.fwxd.Error.*) and a message."""
    name = Gio.DBusError.get_remote_error(error)
    message = error.message
    if name:
        # GDBus puts "GDBus.Error:NAME: " before the message.
        message = message.removeprefix(f"GDBus.Error:{name}: ")
    else:
        name = "error"  # not an error reply: the bus itself failed, say
    print(f"ftp-data-redirect: {name}: {message}", file=sys.stderr, flush=True)


def parse_arguments():
    parser = argparse.ArgumentParser(
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Lets one FTP data connection through the firewall with fwxd, as an FTP\n"
                    "proxy does for a PASV: prints where the client must connect, then\n"
                    "Established and Closed of the data connection (or Expired), then\n"
                    "Finished. SIGINT or SIGTERM cancels a permission nobody used yet. See\n"
                    "docs/dbus-api.md.",
        epilog="exit status: 0 transfer done or cancelled on request, 1 no transfer or an\n"
               "error from fwxd, 2 usage\n\n"
               "example:\n  %(prog)s --bus unix:path=/run/fwxd-lab/bus \\\n"
               "      192.0.2.2:40000 198.51.100.2:21 198.51.100.2:20021")
    parser.add_argument("client", type=endpoint, metavar="CLIENT",
                        help="the FTP client's end of the control connection, ADDR:PORT")
    parser.add_argument("server", type=endpoint, metavar="SERVER",
                        help="the FTP server's end of the control connection, ADDR:PORT")
    parser.add_argument("target", type=endpoint, metavar="DATA",
                        help="where the data connection goes: the port the server gave the "
                             "proxy for PASV, ADDR:PORT")
    parser.add_argument("--bus", metavar="ADDRESS",
                        help="D-Bus address of the bus fwxd serves on, e.g. "
                             "unix:path=/run/fwxd-lab/bus (default: the system bus, or "
                             "$DBUS_SYSTEM_BUS_ADDRESS)")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                        help="the client must connect within this time (default: 30)")
    parser.add_argument("--internal", default="", metavar="ADDR",
                        help="internal firewall address for the client (default: fwxd's "
                             "choice)")
    parser.add_argument("--context", default="transfer-1", metavar="TEXT",
                        help="a value fwxd echoes in every signal (default: transfer-1)")
    args = parser.parse_args()
    if args.timeout <= 0:
        parser.error("--timeout must be greater than zero")
    return args


def connect(address):
    if address is None:
        return Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
             | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
    return Gio.DBusConnection.new_for_address_sync(address, flags, None, None)


def main():
    args = parse_arguments()
    try:
        return DataRedirect(connect(args.bus), args).run()
    except GLib.Error as error:
        report(error)
        return 1


if __name__ == "__main__":
    sys.exit(main())
