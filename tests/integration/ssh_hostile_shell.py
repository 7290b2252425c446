#!/usr/bin/python3
"""A hostile Cisco IOS command line, run by OpenSSH's sshd as a ForceCommand
in test_hostile_device.c.

    ssh_hostile_shell.py MODE [FILE]

MODE says what `show logging` (or the login) does:
    buffer FILE  print FILE (any bytes, LF line ends become CRLF), then the
                 prompt: an ordinary device with an unusual buffer
    endless      print log lines as fast as the channel takes them, forever,
                 never the prompt again
    trickle      print one byte of a log line every 0.2 s, forever
    notail       print a whole line, then half a line without its line end,
                 then nothing: no prompt ever again
    noprompt     at login, print a banner that ends without a line end and
                 never a prompt, whatever is typed
Every mode stops by itself after 120 s (sshd also ends it when the client
goes away). Standard library only.
"""
import os
import sys
import time
import tty

HOST = b"hostile-r1"
LIFETIME = 120
DOWN = (b"*Sep 14 06:00:%02d.000: %%LINK-3-UPDOWN: Interface "
        b"GigabitEthernet0/%d, changed state to down")
HEADER = (b"Syslog logging: enabled\r\n\r\n"
          b"Log Buffer (4096 bytes):\r\n")
START = time.monotonic()


def out(b):
    while b:
        n = os.write(1, b)
        b = b[n:]


def read_line():
    line = b""
    while True:
        c = os.read(0, 1)
        if not c:
            sys.exit(0)
        if c in (b"\r", b"\n"):
            out(b"\r\n")
            return line.decode("latin-1")
        line += c
        out(c)


def linger():
    """Say nothing more until the client goes or the lifetime ends."""
    while time.monotonic() - START < LIFETIME:
        time.sleep(0.5)
    sys.exit(0)


def show_logging(mode, data):
    if mode == "buffer":
        out(data)
        return
    out(HEADER)
    if mode == "endless":
        chunk = b"".join(DOWN % (i % 60, i % 8) + b"\r\n" for i in range(256))
        while time.monotonic() - START < LIFETIME:
            out(chunk)
        sys.exit(0)
    if mode == "trickle":
        line = DOWN % (1, 3) + b"\r\n"
        i = 0
        while time.monotonic() - START < LIFETIME:
            out(line[i % len(line):i % len(line) + 1])
            i += 1
            time.sleep(0.2)
        sys.exit(0)
    if mode == "notail":
        out(DOWN % (1, 4) + b"\r\n" + (DOWN % (2, 5))[:60])
        linger()


def main():
    mode = sys.argv[1]
    data = b""
    if mode == "buffer":
        data = open(sys.argv[2], "rb").read().replace(b"\r\n", b"\n")
        if not data.endswith(b"\n"):
            data += b"\n"
        data = data.replace(b"\n", b"\r\n")
    tty.setraw(0)
    if mode == "noprompt":
        out(b"\r\nUnauthorized access prohibited. Press any key to")
        while time.monotonic() - START < LIFETIME:
            if not os.read(0, 4096):
                return 0
        return 0
    out(b"\r\n\r\nloghaul hostile test device\r\n\r\n")
    while True:
        out(HOST + b"#")
        line = read_line().strip()
        if line in ("", "terminal length 0", "terminal width 0",
                    "terminal width 511"):
            continue
        if line == "exit":
            return 0
        if line == "show logging":
            show_logging(mode, data)
            continue
        out(b"% Invalid input detected at '^' marker.\r\n\r\n")


if __name__ == "__main__":
    sys.exit(main())
