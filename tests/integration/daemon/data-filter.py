#!/usr/bin/python3
"""A data filter for fwxd's tests, in a second process on another D-Bus library (Gio).

Usage: data-filter.py BUS_ADDRESS PROTOCOL_GUID [upper|fail]

Connects to the bus, exports org.fwxd.DataFilter1 at /org/example/Filter, registers it
for the protocol with RegisterDataFilter and prints "registered". For each connection fwxd
hands over it reads the client's first line, sends it upper-cased to the target, shuts its
sending side, and relays the target's whole answer back to the client. With "fail" it
answers every HandleConnection with an error instead.
"""
import socket
import sys
import threading

from gi.repository import Gio, GLib

XML = """
<node>
  <interface name="org.fwxd.DataFilter1">
    <method name="HandleConnection">
      <arg name="client" type="h" direction="in"/>
      <arg name="target" type="h" direction="in"/>
      <arg name="info" type="a{sv}" direction="in"/>
    </method>
  </interface>
</node>
"""
PATH = "/org/example/Filter"


def serve(client, target):
    with client, target:
        request = b""
        while not request.endswith(b"\n"):
            chunk = client.recv(4096)
            if not chunk:
                break
            request += chunk
        target.sendall(request.upper())
        target.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := target.recv(4096):
            answer += chunk
        client.sendall(answer)


def main():
    address, guid = sys.argv[1], sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "upper"
    flags = (Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
             | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION)
    bus = Gio.DBusConnection.new_for_address_sync(address, flags, None, None)

    def on_call(_conn, _sender, _path, _iface, _method, params, invocation):
        if mode == "fail":
            invocation.return_dbus_error("org.example.Error.Refused", "this filter refuses")
            return
        fds = invocation.get_message().get_unix_fd_list()
        client_index, target_index, info = params.unpack()
        client = socket.socket(fileno=fds.get(client_index))
        target = socket.socket(fileno=fds.get(target_index))
        print(f"connection from {info['ClientAddress']}:{info['ClientPort']}", flush=True)
        threading.Thread(target=serve, args=(client, target), daemon=True).start()
        invocation.return_value(None)

    node = Gio.DBusNodeInfo.new_for_xml(XML)
    bus.register_object(PATH, node.interfaces[0], on_call, None, None)
    bus.call_sync("org.fwxd.Firewall1", "/org/fwxd/Firewall1", "org.fwxd.Firewall1",
                  "RegisterDataFilter", GLib.Variant("(so)", (guid, PATH)), None,
                  Gio.DBusCallFlags.NONE, -1, None)
    print("registered", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
