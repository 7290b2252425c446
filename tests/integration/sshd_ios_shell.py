#!/usr/bin/python3
"""A minimal Cisco IOS command line, run by OpenSSH's sshd as a ForceCommand
in test_sshc_openssh.c, so that the collector's SSH layer is tested against
a server that is not libssh.

    sshd_ios_shell.py FIXTURE [FLAG,...]

FIXTURE is the `show logging` buffer to serve. FLAGS:
    enable=SECRET  start at "HOST>"; `enable` asks for SECRET
    nopaging       ignore `terminal length 0` and page with " --More-- "
    hang           `show logging` prints half the buffer and a partial line,
                   then hangs
With SSH_ORIGINAL_COMMAND set (an exec channel) the command runs once.

Like IOS, the shell echoes what is typed itself (the terminal is raw), ends
lines with CRLF and erases its pager with backspaces.
"""
import os
import sys
import time
import tty

HOST = b"sshd-test_r1.lab"
PAGE = 8


def load(path):
    data = open(path, "rb").read().replace(b"\r\n", b"\n")
    if not data.endswith(b"\n"):
        data += b"\n"
    return data.replace(b"\n", b"\r\n")


def out(b):
    while b:
        n = os.write(1, b)
        b = b[n:]


def read_key():
    c = os.read(0, 1)
    if not c:
        sys.exit(0)
    return c


def read_line(echo=True):
    line = b""
    while True:
        c = read_key()
        if c in (b"\r", b"\n"):
            out(b"\r\n")
            return line.decode("latin-1")
        if c in (b"\x7f", b"\b"):
            if line:
                line = line[:-1]
                if echo:
                    out(b"\b \b")
            continue
        line += c
        if echo:
            out(c)


def show_logging(data, paging, hang):
    if hang:
        out(data[: len(data) // 2] + b"*Mar  1 00:0")
        time.sleep(60)
        sys.exit(0)
    lines = data.split(b"\r\n")[:-1]
    for i, line in enumerate(lines):
        if paging and i > 0 and i % PAGE == 0:
            out(b" --More-- ")
            if read_key() == b"q":
                out(b"\r\n")
                return
            out(b"\b" * 9 + b" " * 9 + b"\b" * 9)
        out(line + b"\r\n")


def main():
    fixture = sys.argv[1]
    flags = sys.argv[2].split(",") if len(sys.argv) > 2 else []
    secret = None
    for f in flags:
        if f.startswith("enable="):
            secret = f[len("enable="):]
    data = load(fixture)

    cmd = os.environ.get("SSH_ORIGINAL_COMMAND")
    if cmd is not None:
        if cmd.strip() == "show logging":
            out(data)
            return 0
        out(b"% Invalid input detected at '^' marker.\r\n")
        return 1

    tty.setraw(0)
    privileged = secret is None
    paging = True
    out(b"\r\n\r\nloghaul interop test device\r\n\r\n")
    while True:
        out(HOST + (b"#" if privileged else b">"))
        line = read_line().strip()
        if line == "":
            continue
        if line == "exit":
            return 0
        if line == "enable":
            if privileged:
                continue
            out(b"Password: ")
            if read_line(echo=False) == secret:
                privileged = True
            else:
                out(b"% Access denied\r\n\r\n")
            continue
        if line == "terminal length 0":
            if "nopaging" not in flags:
                paging = False
            continue
        if line == "terminal width 0":
            continue
        if line == "show logging":
            show_logging(data, paging, "hang" in flags)
            continue
        out(b"% Invalid input detected at '^' marker.\r\n\r\n")


if __name__ == "__main__":
    sys.exit(main())
