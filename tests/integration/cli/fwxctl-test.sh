#!/bin/bash
# fwxctl against a real fwxd: a private dbus-daemon and fwxd in a network namespace this
# test creates. Needs root (network namespace, nftables); fails loudly without it.
#
# Usage: fwxctl-test.sh FWXCTL FWXD
#
# Every wait is a bounded poll for a line or a state, never a bare sleep.
set -euo pipefail

if (($# != 2)); then
    echo "usage: $0 FWXCTL FWXD" >&2
    exit 2
fi
fwxctl=$(realpath "$1")
fwxd=$(realpath "$2")

if ((EUID != 0)); then
    echo "FAIL: fwxctl-test must run as root (it creates a network namespace and runs fwxd)" >&2
    exit 1
fi

dir=$(mktemp -d /tmp/fwxctl-test.XXXXXX)
netns=fwxctl-test-$$
bus="unix:path=$dir/bus"
pids=()

cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    for pidfile in "$dir"/dbus*.pid; do
        if [[ -s $pidfile ]]; then
            kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
        fi
    done
    ip netns del "$netns" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

step() { echo "== $*"; }
fail() {
    echo "FAIL: $*" >&2
    for log in "$dir"/*.log "$dir"/*.out; do
        [[ -f $log ]] && { echo "--- $log" >&2; cat "$log" >&2; }
    done
    exit 1
}

# Polls (at most ~10 s) until FILE has a line matching the extended regex.
wait_for_line() {
    local file=$1 regex=$2 i
    for ((i = 0; i < 200; i++)); do
        grep -Eq -- "$regex" "$file" 2>/dev/null && return 0
        sleep 0.05
    done
    fail "no line matching '$regex' in $file"
}

# Polls (at most ~30 s) until FILE has a line matching the regex, listing the namespace's
# conntrack table meanwhile: the kernel destroys an entry whose timeout passed when a dump
# meets it (otherwise only when its garbage collector comes by), and fwxd may report a
# connection closed only then.
reap_until_line() {
    local file=$1 regex=$2 i
    for ((i = 0; i < 300; i++)); do
        grep -Eq -- "$regex" "$file" 2>/dev/null && return 0
        ip netns exec "$netns" conntrack -L >/dev/null 2>&1 || true
        sleep 0.1
    done
    fail "no line matching '$regex' in $file"
}

# Runs fwxctl; expects exit status $1; its stdout goes to $dir/last.out.
expect_status() {
    local want=$1 rc=0
    shift
    "$fwxctl" "$@" >"$dir/last.out" 2>"$dir/last.err" || rc=$?
    if ((rc != want)); then
        fail "fwxctl $* exited $rc, expected $want; stderr: $(cat "$dir/last.err")"
    fi
    echo "   fwxctl $* -> $rc $(head -c 200 "$dir/last.err")"
}

# python3 -c CHECK with the JSON document in $dir/last.out as `d`; fails with the document.
check_json() {
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($1) else 1)" \
        "$dir/last.out" || fail "JSON check '$1' failed on: $(cat "$dir/last.out")"
}

start_bus() { # NAME -> a dbus-daemon listening on $dir/NAME
    cat >"$dir/$1.conf" <<X
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>custom</type><listen>unix:path=$dir/$1</listen><auth>EXTERNAL</auth>
<policy context="default"><allow user="*"/><allow own="*"/><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/></policy></busconfig>
X
    dbus-daemon --config-file="$dir/$1.conf" --fork --print-pid >"$dir/dbus-$1.pid"
}

step "setup: bus, namespace $netns, fwxd"
chmod 755 "$dir" # uid 65534 must reach the bus socket
start_bus bus
printf '[Redirect]\nInternalAddresses=10.71.9.1 fd71:9::1\nPortRange=42000-42999\n[Access]\nAllowedUsers=root\n' \
    >"$dir/fwxd.conf"
ip netns add "$netns"
ip -n "$netns" link set lo up
ip -n "$netns" addr add 10.71.9.1/32 dev lo
ip -n "$netns" addr add 10.71.9.2/32 dev lo # a target on the firewall itself
# A closed TCP connection's conntrack entry then goes within about a second of a dump that
# meets it (see reap_until).
ip netns exec "$netns" sysctl -qw net.netfilter.nf_conntrack_tcp_timeout_time_wait=1
ip -n "$netns" addr add fd71:9::1/128 dev lo nodad
ip netns exec "$netns" "$fwxd" --bus "$bus" --config "$dir/fwxd.conf" >"$dir/fwxd.log" 2>&1 &
fwxd_pid=$!
pids+=("$fwxd_pid")
wait_for_line "$dir/fwxd.log" 'ready'

step "status --json"
expect_status 0 status --json --bus "$bus"
check_json 'd["Version"] and d["InternalAddresses"] == ["10.71.9.1", "fd71:9::1"] and d["PortRange"] == [42000, 42999] and d["Sessions"] == 0 and d["ActiveRedirects"] == 0'
expect_status 0 status --bus "$bus"
grep -q '^PortRange: *42000-42999$' "$dir/last.out" || fail "status text: $(cat "$dir/last.out")"

step "redirect --timeout 1s --exit-when-done --json: allocation, then Expired timeout, exit 0"
expect_status 0 redirect 198.51.100.2:80 --timeout 1s --exit-when-done --json --bus "$bus"
python3 - "$dir/last.out" <<'PY' || fail "redirect JSON Lines: $(cat "$dir/last.out")"
import json, sys
lines = [json.loads(line) for line in open(sys.argv[1])]
first = lines[0]
assert first["event"] == "allocated", first
assert first["internal_address"] == "10.71.9.1", first
assert 42000 <= first["base_port"] <= 42999, first
(action,) = first["actions"]
assert action["target"] == "198.51.100.2:80", action
assert action["internal"] == "10.71.9.1:%d" % first["base_port"], action
expired = [l for l in lines[1:] if l["event"] == "expired"]
assert expired == [{"event": "expired", "action": action["action"], "reason": "timeout"}], lines
assert lines[-1] == {"event": "finished", "action": action["action"], "state": "expired", "connections": 0}, lines
PY

step "redirect --timeout 1.5s (a fraction): Expired timeout; 1.5us is refused (64)"
expect_status 0 redirect 198.51.100.2:80 --timeout 1.5s --exit-when-done --bus "$bus"
grep -Eq '^/org/fwxd/Firewall1/action/[0-9]+ expired timeout$' "$dir/last.out" ||
    fail "redirect --timeout 1.5s: $(cat "$dir/last.out")"
expect_status 64 redirect 198.51.100.2:80 --timeout 1.5us --bus "$bus"
grep -q 'finer than a microsecond' "$dir/last.err" || fail "message: $(cat "$dir/last.err")"

step "redirect with a 1 us timeout: no Expired is lost"
expect_status 0 redirect 198.51.100.2:80 198.51.100.2:81 --timeout 1us --exit-when-done --json --bus "$bus"
[[ $(grep -c '"reason":"timeout"' "$dir/last.out") == 2 ]] || fail "expected 2 timeouts: $(cat "$dir/last.out")"

step "redirect --exit-when-done waits for its Finished (after the Closed of its connection), then exits 0"
# The target: one TCP connection, echoed back, then closed.
ip netns exec "$netns" python3 -c '
import socket, sys
server = socket.create_server(("10.71.9.2", 8081))
print("listening", flush=True)
connection, _ = server.accept()
connection.sendall(connection.recv(100))
connection.close()
' >"$dir/target.out" 2>&1 &
pids+=($!)
wait_for_line "$dir/target.out" '^listening$'
"$fwxctl" redirect 10.71.9.2:8081 --exit-when-done --json --bus "$bus" >"$dir/ewd.out" 2>&1 &
ewd=$!
pids+=("$ewd")
wait_for_line "$dir/ewd.out" '"event":"allocated"'
port=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["base_port"])' "$dir/ewd.out")
ip netns exec "$netns" python3 -c '
import socket, sys
with socket.create_connection(("10.71.9.1", int(sys.argv[1])), timeout=5) as c:
    c.sendall(b"hello")
    assert c.recv(100) == b"hello"
' "$port" || fail "no connection through the redirect: $(cat "$dir/ewd.out")"
wait_for_line "$dir/ewd.out" '"event":"established"'
reap_until_line "$dir/ewd.out" '"event":"finished"'
rc=0
wait "$ewd" || rc=$?
((rc == 0)) || fail "redirect --exit-when-done exited $rc: $(cat "$dir/ewd.out")"
python3 - "$dir/ewd.out" <<'PY' || fail "redirect --exit-when-done JSON Lines: $(cat "$dir/ewd.out")"
import json, sys
events = [json.loads(line)["event"] for line in open(sys.argv[1])]
assert events.index("established") < events.index("closed"), events
assert events.count("established") == 1 and events.count("closed") == 1, events
assert events[-1] == "finished" and events.count("finished") == 1 and "expired" not in events, events
last = json.loads(open(sys.argv[1]).readlines()[-1])
assert last["state"] == "consumed" and last["connections"] == 1, last
PY

step "redirect in the background, list --json, cancel N"
"$fwxctl" redirect 198.51.100.7:8080 --description "fwxctl-test" --bus "$bus" >"$dir/bg.out" 2>&1 &
bg=$!
pids+=("$bg")
wait_for_line "$dir/bg.out" '^10\.71\.9\.1:[0-9]+ -> 198\.51\.100\.7:8080  /org/fwxd/Firewall1/action/[0-9]+$'
path=$(grep -oE '/org/fwxd/Firewall1/action/[0-9]+' "$dir/bg.out")
number=${path##*/}
expect_status 0 list --json --bus "$bus"
check_json "len(d['sessions']) == 1 and d['sessions'][0]['actions'][0]['path'] == '$path' and d['sessions'][0]['actions'][0]['properties']['State'] == 'pending' and d['sessions'][0]['actions'][0]['properties']['ConnectPort'] == 8080"
# Absent values are null, times are ISO 8601 (as in the text output).
check_json "d['sessions'][0]['properties']['PrimaryConnection'] is None and d['sessions'][0]['actions'][0]['properties']['ExpiresAt'] is None"
expect_status 0 list --bus "$bus"
grep -q "$path  10.71.9.1:[0-9]* -> 198.51.100.7:8080 tcp pending" "$dir/last.out" ||
    fail "list text: $(cat "$dir/last.out")"
grep -qx '    PrimaryConnection: none' "$dir/last.out" || fail "list text: $(cat "$dir/last.out")"
grep -qx '        ExpiresAt: never' "$dir/last.out" || fail "list text: $(cat "$dir/last.out")"
expect_status 0 cancel "$number" --json --bus "$bus"
check_json "d == {'cancelled': '$path'}"
wait_for_line "$dir/bg.out" "^$path expired cancelled$"
expect_status 65 cancel "$number" --bus "$bus" # gone now
kill -TERM "$bg"
rc=0
wait "$bg" || rc=$?
((rc == 0)) || fail "background fwxctl redirect exited $rc after SIGTERM"
expect_status 0 status --json --bus "$bus"
check_json 'd["Sessions"] == 0 and d["ActiveRedirects"] == 0'

step "list: ExpiresAt of a --timeout redirect in ISO 8601, text and JSON alike"
"$fwxctl" redirect 198.51.100.7:8080 --timeout 30s --bus "$bus" >"$dir/bg.out" 2>&1 &
bg=$!
pids+=("$bg")
wait_for_line "$dir/bg.out" '^10\.71\.9\.1:[0-9]+ -> 198\.51\.100\.7:8080  /org/fwxd/Firewall1/action/[0-9]+$'
expect_status 0 list --json --bus "$bus"
python3 - "$dir/last.out" <<'PY' || fail "list --json ExpiresAt: $(cat "$dir/last.out")"
import datetime, json, sys
(session,) = json.load(open(sys.argv[1]))["sessions"]
expires = session["actions"][0]["properties"]["ExpiresAt"]
left = datetime.datetime.fromisoformat(expires) - datetime.datetime.now(datetime.timezone.utc)
assert 20 < left.total_seconds() <= 30, (expires, left)
PY
iso=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sessions"][0]["actions"][0]["properties"]["ExpiresAt"])' "$dir/last.out")
expect_status 0 list --bus "$bus"
grep -qx "        ExpiresAt: $iso" "$dir/last.out" || fail "list text, expected $iso: $(cat "$dir/last.out")"

step "SIGTERM: the session is closed and every redirect's end is printed"
kill -TERM "$bg"
wait "$bg" || fail "fwxctl redirect exited $? after SIGTERM"
"$fwxctl" redirect 198.51.100.7:9001 198.51.100.7:9002 198.51.100.7:9003 --bus "$bus" >"$dir/bg.out" 2>&1 &
bg=$!
pids+=("$bg")
wait_for_line "$dir/bg.out" '9003  /org/fwxd/Firewall1/action/[0-9]+$'
kill -INT "$bg"
rc=0
wait "$bg" || rc=$?
((rc == 0)) || fail "fwxctl redirect exited $rc after SIGINT: $(cat "$dir/bg.out")"
[[ $(grep -Ec '^/org/fwxd/Firewall1/action/[0-9]+ expired session-closed$' "$dir/bg.out") == 3 ]] ||
    fail "expected 3 'expired session-closed' lines: $(cat "$dir/bg.out")"

step "protocols: none, then one with a helper, text and --json"
expect_status 0 protocols --bus "$bus"
grep -qx 'no protocols' "$dir/last.out" || fail "protocols text: $(cat "$dir/last.out")"
busctl --address="$bus" call org.fwxd.Firewall1 /org/fwxd/Firewall1 org.fwxd.Firewall1 \
    RegisterProtocol 'sa{sv}' 6ba7b810-9dad-11d1-80b4-00c04fd430c8 5 \
    Name s FTP Transport s tcp PrimaryPorts aq 1 21 Helper s ftp Servers as 1 198.51.100.7 ||
    fail "RegisterProtocol"
expect_status 0 protocols --bus "$bus"
grep -qx '6ba7b810-9dad-11d1-80b4-00c04fd430c8  FTP  tcp/21  helper ftp for 198.51.100.7  uid 0 (:1\.[0-9]*)' \
    "$dir/last.out" || fail "protocols text: $(cat "$dir/last.out")"
expect_status 0 protocols --json --bus "$bus"
check_json 'd["protocols"]["6ba7b810-9dad-11d1-80b4-00c04fd430c8"]["Servers"] == ["198.51.100.7"] and d["protocols"]["6ba7b810-9dad-11d1-80b4-00c04fd430c8"]["Owner"] == 0'

step "redirect --primary --description: list shows both, the caller's text escaped, text and --json"
# An escape sequence, a newline, quotes, a C1 CSI (U+009B) and a harmless non-ASCII letter.
description=$'ftp \e[31mproxy\n"x" \xc2\x9b2J Z\xc3\xbcrich'
"$fwxctl" redirect 198.51.100.7:2020 --primary tcp,192.0.2.2:40000,198.51.100.1:21 \
    --description "$description" --bus "$bus" >"$dir/primary.out" 2>&1 &
bg=$!
pids+=("$bg")
wait_for_line "$dir/primary.out" '/org/fwxd/Firewall1/action/[0-9]+$'
controls='[\x00-\x08\x0a-\x1f\x7f]|\xc2[\x80-\x9f]'
expect_status 0 list --json --bus "$bus"
check_json "d['sessions'][0]['properties']['PrimaryConnection'] == ['tcp', '192.0.2.2', 40000, '198.51.100.1', 21]"
check_json "d['sessions'][0]['properties']['Description'] == 'ftp \\x1b[31mproxy\\n\"x\" \\u009b2J Z\\u00fcrich'"
check_json "d['sessions'][0]['actions'][0]['properties']['NoExpectationReason'] == 'the primary connection tcp 192.0.2.2:40000 -> 198.51.100.1:21 is not tracked by conntrack'"
LC_ALL=C grep -qP '[^\t\x20-\x7e]' "$dir/last.out" && fail "list --json is not ASCII: $(cat -v "$dir/last.out")"
expect_status 0 list --bus "$bus"
grep -qx '    PrimaryConnection: tcp 192.0.2.2:40000 -> 198.51.100.1:21' "$dir/last.out" ||
    fail "list text: $(cat "$dir/last.out")"
grep -qx '        NoExpectationReason: the primary connection tcp 192.0.2.2:40000 -> 198.51.100.1:21 is not tracked by conntrack' \
    "$dir/last.out" || fail "list text: $(cat "$dir/last.out")"
grep -qxF '    Description: "ftp \x1b[31mproxy\x0a\x22x\x22 \xc2\x9b2J Z'$'\xc3\xbc''rich"' "$dir/last.out" ||
    fail "list text: $(cat -v "$dir/last.out")"
LC_ALL=C grep -qP "$controls" "$dir/last.out" && fail "list text holds control characters: $(cat -v "$dir/last.out")"
kill -TERM "$bg"
rc=0
wait "$bg" || rc=$?
((rc == 0)) || fail "fwxctl redirect --primary exited $rc after SIGTERM"

step "usage errors: 64, before any D-Bus call (the bus given does not even exist)"
expect_status 64 redirect 198.51.100.2 --bus "unix:path=$dir/none"
grep -q 'has no port' "$dir/last.err" || fail "message: $(cat "$dir/last.err")"
expect_status 64 redirect 198.51.100.2:80 --timeout 5x --bus "unix:path=$dir/none"
expect_status 64 cancel session/1 --bus "unix:path=$dir/none"
expect_status 64 redirect 198.51.100.2:80 --primary tcp,192.0.2.2:40000 --bus "unix:path=$dir/none"
grep -q 'TRANSPORT,CLIENT:PORT,SERVER:PORT' "$dir/last.err" || fail "message: $(cat "$dir/last.err")"
expect_status 64 frobnicate

step "input refused by fwxd: 65"
expect_status 65 redirect 198.51.100.2:80 '[2001:db8::2]:80' --bus "$bus"
grep -q '^fwxctl: org.fwxd.Error.InvalidArgument: ' "$dir/last.err" || fail "message: $(cat "$dir/last.err")"
expect_status 65 redirect 198.51.100.2:80 --internal 10.99.0.1 --bus "$bus"
expect_status 65 redirect 198.51.100.2:80 --primary 'tcp,192.0.2.2:40000,[2001:db8::1]:21' --bus "$bus"
grep -q 'both must be of one family' "$dir/last.err" || fail "message: $(cat "$dir/last.err")"

step "no fwxd: 69"
expect_status 69 status --bus "unix:path=$dir/none"
start_bus empty
expect_status 69 status --bus "unix:path=$dir/empty"
grep -q '^fwxctl: org.freedesktop.DBus.Error.ServiceUnknown: ' "$dir/last.err" ||
    fail "message: $(cat "$dir/last.err")"
expect_status 69 redirect 198.51.100.2:80 --bus "unix:path=$dir/empty"

step "not allowed (uid 65534): 77"
as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
for command in "status" "redirect 198.51.100.2:80"; do
    rc=0
    # shellcheck disable=SC2086 # word splitting of $command is intended
    "${as_nobody[@]}" "$fwxctl" $command --bus "$bus" 2>"$dir/last.err" || rc=$?
    ((rc == 77)) || fail "fwxctl $command as uid 65534 exited $rc: $(cat "$dir/last.err")"
    grep -q '^fwxctl: org.fwxd.Error.AccessDenied: ' "$dir/last.err" ||
        fail "message: $(cat "$dir/last.err")"
    echo "   fwxctl $command (uid 65534) -> 77"
done

step "fwxd dies under a running redirect: fwxctl says so and exits 69 (it closes nothing: the session went with that fwxd)"
"$fwxctl" redirect 198.51.100.2:80 --bus "$bus" >"$dir/left.out" 2>"$dir/left.err" &
bg=$!
pids+=("$bg")
wait_for_line "$dir/left.out" '/org/fwxd/Firewall1/action/[0-9]+$'
{ kill -KILL "$fwxd_pid" && wait "$fwxd_pid"; } 2>/dev/null || true
rc=0
wait "$bg" || rc=$?
((rc == 69)) || fail "fwxctl redirect exited $rc when fwxd died: $(cat "$dir/left.err")"
grep -Eq '^fwxd \(:[0-9.]+\) left the bus: every redirect of this session ended with it$' "$dir/left.out" ||
    fail "no line about fwxd leaving: $(cat "$dir/left.out")"
grep -q '^fwxctl: org.freedesktop.DBus.Error.ServiceUnknown: fwxd left the bus' "$dir/left.err" ||
    fail "message: $(cat "$dir/left.err")"
ip netns exec "$netns" "$fwxd" --bus "$bus" --config "$dir/fwxd.conf" >"$dir/fwxd2.log" 2>&1 &
pids+=($!)
wait_for_line "$dir/fwxd2.log" 'ready'
expect_status 0 status --json --bus "$bus"
check_json 'd["Sessions"] == 0 and d["ActiveRedirects"] == 0'
echo "   fwxctl redirect -> 69 when fwxd died; the next fwxd starts empty"

echo "fwxctl-test: all passed"
