#!/usr/bin/env python3
"""Checks of the files in systemd/, run by meson test --suite systemd.

  verify   UNIT EXPECTED_EXEC   systemd-analyze verify finds nothing to say about the unit
  security UNIT MAX             systemd-analyze security --offline: exposure <= MAX
  policy   XML                  the D-Bus policy is well-formed, says what we mean, and
                                dbus-daemon accepts it
  activation FILE UNIT          the D-Bus activation file matches the unit
  sysusers FILE                 systemd-sysusers creates the fwxd user from it
  manpage  FILE                 groff renders the man page without a single warning
  polkit   FILE SOURCE...       the polkit actions file is well-formed, defines exactly
                                fwxd's actions, all with default "no" and owned by the user
                                fwxd, and each SOURCE (the daemon's code, the docs) names
                                every one of them
  catalog  FILE HEADER MANPAGE  journalctl compiles the journal catalog, which explains
                                exactly the MESSAGE_IDs of the header, all in the man page
"""

import configparser
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import xml.dom.minidom

BUS_NAME = 'org.fwxd.Firewall1'
SEND_INTERFACES = {
    'org.fwxd.Firewall1', 'org.fwxd.Session1', 'org.fwxd.Action1', 'org.fwxd.ConnectFilter1',
    'org.freedesktop.DBus.Properties', 'org.freedesktop.DBus.Introspectable',
    'org.freedesktop.DBus.Peer', 'org.freedesktop.DBus.ObjectManager',
}


def fail(message):
    print(f'FAIL: {message}', file=sys.stderr)
    sys.exit(1)


def quiet_env():
    env = dict(os.environ)
    # "info" so that every notice systemd-analyze has about the unit is shown (and fails).
    env['SYSTEMD_LOG_LEVEL'] = 'info'
    env['SYSTEMD_LOG_COLOR'] = '0'
    env['SYSTEMD_PAGER'] = 'cat'
    return env


def run_verify(unit_path):
    result = subprocess.run(
        ['systemd-analyze', 'verify', '--man=no', '--generators=no', unit_path],
        capture_output=True, text=True, env=quiet_env(), check=False)
    return result.returncode, (result.stdout + result.stderr).strip()


def unit_values(text, key):
    return [m.group(1).strip() for m in re.finditer(rf'^{key}=(.*)$', text, re.M)]


def verify(unit, expected_exec):
    text = open(unit, encoding='utf-8').read()
    if '@' in ''.join(unit_values(text, 'ExecStart')):
        fail('ExecStart still holds an unsubstituted @variable@')
    if unit_values(text, 'ExecStart') != [expected_exec]:
        fail(f'ExecStart is {unit_values(text, "ExecStart")}, expected [{expected_exec!r}]')
    for key, value in [('Type', 'notify'), ('BusName', BUS_NAME), ('User', 'fwxd'),
                       ('CapabilityBoundingSet', 'CAP_NET_ADMIN'),
                       ('AmbientCapabilities', 'CAP_NET_ADMIN')]:
        if unit_values(text, key) != [value]:
            fail(f'{key}= is {unit_values(text, key)}, expected [{value!r}]')
    for key in ['PrivateUsers', 'PrivateNetwork', 'DynamicUser']:
        if unit_values(text, key):
            fail(f'{key}= must not be set (see the comment in fwxd.service.in)')

    with tempfile.TemporaryDirectory() as tmp:
        # The daemon is not installed where the test runs; verify insists that ExecStart
        # is executable, so point it at a stub and verify everything else unchanged.
        stub = os.path.join(tmp, 'fwxd')
        with open(stub, 'w', encoding='utf-8') as f:
            f.write('#!/bin/sh\nexit 0\n')
        os.chmod(stub, 0o755)
        copy = os.path.join(tmp, 'fwxd.service')
        with open(copy, 'w', encoding='utf-8') as f:
            f.write(re.sub(r'^ExecStart=.*$', f'ExecStart={stub}', text, flags=re.M))
        rc, output = run_verify(copy)
        print(f'systemd-analyze verify: rc={rc}' + (f'\n{output}' if output else ', no output'))
        if rc != 0 or output:
            fail('systemd-analyze verify complained about fwxd.service')

        # Control: the same check must notice a broken unit, or it proves nothing.
        broken = os.path.join(tmp, 'broken', 'fwxd.service')
        os.mkdir(os.path.dirname(broken))
        with open(broken, 'w', encoding='utf-8') as f:
            f.write(open(copy, encoding='utf-8').read()
                    .replace('ProtectSystem=strict', 'ProtectSytem=strict'))
        rc, output = run_verify(broken)
        if 'ProtectSytem' not in output:
            fail(f'control: verify did not report an unknown key (rc={rc}): {output!r}')
        print('control: verify reports a misspelt key, as it should')


def security(unit, maximum):
    maximum = float(maximum)
    # --threshold takes an integer on the internal 0..100 scale (2.0 shown = 20).
    threshold = int(round(maximum * 10))
    result = subprocess.run(
        ['systemd-analyze', 'security', '--offline=yes', f'--threshold={threshold}',
         '--no-pager', unit],
        capture_output=True, text=True, env=quiet_env(), check=False)
    print(result.stdout)
    print(result.stderr, file=sys.stderr)
    match = re.search(r'Overall exposure level for \S+: (\d+\.\d+)', result.stdout)
    if not match:
        fail('no "Overall exposure level" line in the output')
    score = float(match.group(1))
    print(f'exposure {score} (maximum {maximum}), systemd-analyze rc={result.returncode}')
    if score > maximum or result.returncode != 0:
        fail(f'exposure {score} is above {maximum}')


def policy(path):
    try:
        dom = xml.dom.minidom.parse(path)
    except Exception as e:  # noqa: BLE001 - any parse error is the finding
        fail(f'{path} is not well-formed XML: {e}')
    root = dom.documentElement
    if root.tagName != 'busconfig':
        fail(f'root element is <{root.tagName}>, expected <busconfig>')

    owners = set()
    sends = set()
    for pol in root.getElementsByTagName('policy'):
        who = pol.getAttribute('user') or pol.getAttribute('context')
        for allow in pol.getElementsByTagName('allow'):
            if allow.getAttribute('own'):
                if allow.getAttribute('own') != BUS_NAME:
                    fail(f'unexpected own="{allow.getAttribute("own")}"')
                owners.add(who)
            if allow.getAttribute('send_destination'):
                if allow.getAttribute('send_destination') != BUS_NAME:
                    fail('send rule for a foreign destination')
                if who != 'default':
                    fail(f'send rule in policy {who!r}, expected context="default"')
                sends.add(allow.getAttribute('send_interface'))
        for deny in pol.getElementsByTagName('deny'):
            fail(f'unexpected <deny> in policy {who!r}')
    if 'default' in owners or not owners <= {'fwxd', 'root'} or 'fwxd' not in owners:
        fail(f'{BUS_NAME} may be owned by {sorted(owners)}, expected fwxd (and root)')
    if sends != SEND_INTERFACES:
        fail(f'send interfaces {sorted(sends)}, expected {sorted(SEND_INTERFACES)}')
    print(f'policy: well-formed; owners {sorted(owners)}; {len(sends)} interfaces open')

    # Let dbus-daemon itself load it: it rejects unknown elements and attributes.
    daemon = shutil.which('dbus-daemon')
    if daemon is None:
        fail('dbus-daemon not found (package dbus)')
    with tempfile.TemporaryDirectory() as tmp:
        config = os.path.join(tmp, 'bus.conf')
        with open(config, 'w', encoding='utf-8') as f:
            f.write(f'''<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>fwxd-test</type>
  <listen>unix:path={tmp}/bus</listen>
  <auth>EXTERNAL</auth>
  <policy context="default"><allow user="*"/></policy>
  <include>{os.path.abspath(path)}</include>
</busconfig>
''')
        proc = subprocess.Popen([daemon, f'--config-file={config}', '--nofork',
                                 '--print-address=1', '--nosyslog'],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            address = proc.stdout.readline().strip()
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=10)
        # Warnings that are about the test environment, not the policy: the fwxd user
        # does not exist here, and an unprivileged or containerized run cannot raise
        # RLIMIT_NOFILE.
        harmless = ('Unknown username "fwxd"', 'Failed to set fd limit')
        problems = [line for line in err.splitlines()
                    if line.strip() and not any(h in line for h in harmless)]
        if not address or problems:
            fail(f'dbus-daemon did not accept the policy: {err.strip()!r}')
        print(f'dbus-daemon loaded the policy and listened on {address}')


def activation(path, unit):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(path, encoding='utf-8')
    section = parser['D-BUS Service']
    expected = {'Name': BUS_NAME, 'Exec': '/bin/false', 'User': 'fwxd',
                'SystemdService': os.path.basename(unit)}
    if dict(section) != expected:
        fail(f'{dict(section)} != {expected}')
    text = open(unit, encoding='utf-8').read()
    if unit_values(text, 'BusName') != [BUS_NAME] or unit_values(text, 'User') != ['fwxd']:
        fail('the unit does not have the BusName=/User= the activation file names')
    print('activation file matches the unit')


def sysusers(path):
    tool = shutil.which('systemd-sysusers')
    if tool is None:
        fail('systemd-sysusers not found')
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, 'etc'))
        result = subprocess.run([tool, f'--root={root}', path], capture_output=True,
                                text=True, env=quiet_env(), check=False)
        print(result.stdout + result.stderr)
        if result.returncode != 0:
            fail('systemd-sysusers failed')
        passwd = open(os.path.join(root, 'etc', 'passwd'), encoding='utf-8').read()
        group = open(os.path.join(root, 'etc', 'group'), encoding='utf-8').read()
        entry = next((l.split(':') for l in passwd.splitlines() if l.startswith('fwxd:')), None)
        if entry is None or not any(l.startswith('fwxd:') for l in group.splitlines()):
            fail(f'no fwxd user/group created: {passwd!r}')
        uid = int(entry[2])
        if uid == 0 or uid >= 1000 or not entry[6].endswith('nologin'):
            fail(f'fwxd is not a system user without login: {entry}')
        print(f'systemd-sysusers created {":".join(entry)}')


def manpage(path):
    result = subprocess.run(['groff', '-man', '-ww', '-z', path], capture_output=True,
                            text=True, check=False)
    if result.returncode != 0 or result.stderr.strip():
        fail(f'groff -man -ww: rc={result.returncode}: {result.stderr.strip()}')
    print(f'{os.path.basename(path)}: groff -man -ww reports nothing')


def catalog(path, header, page):
    ids = set(re.findall(r'return "([0-9a-f]{32})";', open(header, encoding='utf-8').read()))
    if not ids:
        fail(f'no MESSAGE_ID found in {header}')
    with tempfile.TemporaryDirectory() as root:
        catalogs = os.path.join(root, 'usr', 'lib', 'systemd', 'catalog')
        os.makedirs(catalogs)
        shutil.copy(path, catalogs)
        update = subprocess.run(['journalctl', f'--root={root}', '--update-catalog'],
                                capture_output=True, text=True, env=quiet_env(), check=False)
        if update.returncode != 0 or update.stderr.strip():
            fail(f'journalctl --update-catalog: rc={update.returncode}: {update.stderr.strip()}')
        listed = subprocess.run(['journalctl', f'--root={root}', '--list-catalog'],
                                capture_output=True, text=True, env=quiet_env(), check=True)
    explained = {line.split()[0] for line in listed.stdout.splitlines() if line.strip()}
    if explained != ids:
        fail(f'catalog and {os.path.basename(header)} differ: only in the catalog '
             f'{sorted(explained - ids)}, only in the header {sorted(ids - explained)}')
    text = open(page, encoding='utf-8').read()
    missing = sorted(i for i in ids if i not in text)
    if missing:
        fail(f'{os.path.basename(page)} does not list {missing}')
    print(f'{len(ids)} MESSAGE_IDs: in the header, the catalog and the man page')


POLKIT_ACTIONS = {'org.fwxd.redirect', 'org.fwxd.register-protocol', 'org.fwxd.admin'}


def polkit(path, *sources):
    try:
        dom = xml.dom.minidom.parse(path)
    except Exception as e:  # noqa: BLE001 - any parse error is the finding
        fail(f'{path} is not well-formed XML: {e}')
    actions = dom.documentElement.getElementsByTagName('action')
    ids = {action.getAttribute('id') for action in actions}
    if ids != POLKIT_ACTIONS or len(actions) != len(ids):
        fail(f'actions {sorted(ids)}, expected {sorted(POLKIT_ACTIONS)}')
    for action in actions:
        for key in ('allow_any', 'allow_inactive', 'allow_active'):
            values = [n.firstChild.data.strip() for n in action.getElementsByTagName(key)]
            if values != ['no']:
                fail(f'{action.getAttribute("id")}: {key} is {values}, expected ["no"]: '
                     'without a rule polkit must grant nothing (the lists decide)')
        owners = [n.firstChild.data.strip() for n in action.getElementsByTagName('annotate')
                  if n.getAttribute('key') == 'org.freedesktop.policykit.owner']
        if owners != ['unix-user:fwxd']:
            fail(f'{action.getAttribute("id")}: org.freedesktop.policykit.owner is {owners}, '
                 'expected ["unix-user:fwxd"]: polkitd answers fwxd (not root) only as owner')
    for source in sources:
        with open(source, encoding='utf-8') as f:
            text = f.read().replace('\\-', '-')  # groff's escaped hyphens
        missing = sorted(a for a in POLKIT_ACTIONS if a not in text)
        if missing:
            fail(f'{source} does not name {missing}')
    print(f'polkit: {len(ids)} actions, all "no" by default, named in {len(sources)} files')


def main(argv):
    commands = {'manpage': (manpage, 1),'verify': (verify, 2), 'security': (security, 2), 'policy': (policy, 1),
                'activation': (activation, 2), 'sysusers': (sysusers, 1),
                'catalog': (catalog, 3)}
    if argv[1:2] == ['polkit'] and len(argv) >= 4:
        polkit(*argv[2:])
        return 0
    if len(argv) < 2 or argv[1] not in commands or len(argv) - 2 != commands[argv[1]][1]:
        print(__doc__, file=sys.stderr)
        return 2
    commands[argv[1]][0](*argv[2:])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
