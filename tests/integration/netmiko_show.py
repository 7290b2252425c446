#!/usr/bin/python3
"""Run one command on one devsim device through Netmiko and print its output.

    netmiko_show.py DIR DEVICE [--enable] [--command CMD] [--device-type T]
                    [--out FILE] [--secret S]

Connection details come from DIR/hosts.yaml (devsim's Nornir inventory).
The output of send_command() is written as UTF-8 to --out (or stdout).
Exit status: 0 on success, 3 on authentication failure, 1 on other errors.
"""
import argparse
import sys

import yaml
from netmiko import ConnectHandler
from netmiko.ssh_exception import NetMikoAuthenticationException


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("device")
    ap.add_argument("--enable", action="store_true")
    ap.add_argument("--command", default="show logging")
    ap.add_argument("--device-type", default=None)
    ap.add_argument("--secret", default=None)
    ap.add_argument("--password", default=None)
    ap.add_argument("--out", default=None)
    a = ap.parse_args()

    with open(a.dir + "/hosts.yaml") as f:
        hosts = yaml.safe_load(f)
    h = hosts[a.device]
    secret = a.secret
    if secret is None:
        secret = (h.get("connection_options", {}).get("netmiko", {})
                  .get("extras", {}).get("secret", ""))
    params = dict(
        device_type=a.device_type or h["platform"],
        host=h["hostname"],
        port=h["port"],
        username=h["username"],
        password=a.password if a.password is not None else h["password"],
        secret=secret,
        timeout=30,
        fast_cli=True,
    )
    try:
        conn = ConnectHandler(**params)
    except NetMikoAuthenticationException as e:
        print("auth failed: %s" % e, file=sys.stderr)
        return 3
    try:
        prompt_before = conn.find_prompt()
        if a.enable:
            conn.enable()
        out = conn.send_command(a.command)
        prompt_after = conn.find_prompt()
    finally:
        conn.disconnect()
    print("prompt %r -> %r" % (prompt_before, prompt_after), file=sys.stderr)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(out)
    else:
        sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
