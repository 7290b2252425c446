#!/usr/bin/python3
"""A rogue SSH server for test_hostile_device.c: a valid identification
string, then SSH protocol messages in the wrong order or with lying packet
lengths (RFC 4253 binary packets, unencrypted: no key exchange ever ends).

    ssh_rogue.py VARIANT... --ready-file PATH

One listening socket on 127.0.0.1 (port 0) per VARIANT; once all listen,
PATH gets "pid=PID" and "VARIANT=PORT" lines (atomically, by rename), as
the daemons' ready files do (tests/support/proc.h reads them).
Variants:
    channel_data_first   SSH_MSG_CHANNEL_DATA before any KEXINIT
    auth_success_first   SSH_MSG_USERAUTH_SUCCESS before any KEXINIT
    newkeys_first        SSH_MSG_NEWKEYS before any KEXINIT
    kexinit_garbage      a valid KEXINIT, then random bytes (garbage lengths)
    huge_length          a packet length field of 0x7fffffff first
    kexinit_huge_length  a valid KEXINIT, then a length of 0x7fffffff
What the client sends is read and dropped. The server stops by itself
after 120 s, or on SIGTERM. Standard library only.
"""
import os
import random
import socket
import struct
import sys
import threading
import time

IDENT = b"SSH-2.0-OpenSSH_9.2p1 rogue\r\n"
LIFETIME = 120
MSG_KEXINIT, MSG_NEWKEYS = 20, 21
MSG_USERAUTH_SUCCESS, MSG_CHANNEL_DATA = 52, 94


def packet(payload, rnd):
    """An unencrypted binary packet: length, padding length, payload,
    padding (at least 4 bytes, whole packet a multiple of 8)."""
    pad = 8 - (5 + len(payload)) % 8
    if pad < 4:
        pad += 8
    return (struct.pack(">IB", 1 + len(payload) + pad, pad) + payload +
            bytes(rnd.getrandbits(8) for _ in range(pad)))


def namelist(s):
    return struct.pack(">I", len(s)) + s


def kexinit(rnd):
    p = bytes([MSG_KEXINIT]) + bytes(rnd.getrandbits(8) for _ in range(16))
    for s in (b"curve25519-sha256,ecdh-sha2-nistp256", b"ssh-ed25519",
              b"aes128-ctr", b"aes128-ctr", b"hmac-sha2-256",
              b"hmac-sha2-256", b"none", b"none", b"", b""):
        p += namelist(s)
    return packet(p + b"\x00" + struct.pack(">I", 0), rnd)


def script(variant, rnd):
    if variant == "channel_data_first":
        return packet(bytes([MSG_CHANNEL_DATA]) + struct.pack(">I", 0) +
                      namelist(b"router# show logging\r\n"), rnd)
    if variant == "auth_success_first":
        return packet(bytes([MSG_USERAUTH_SUCCESS]), rnd)
    if variant == "newkeys_first":
        return packet(bytes([MSG_NEWKEYS]), rnd)
    if variant == "kexinit_garbage":
        return kexinit(rnd) + bytes(rnd.getrandbits(8) for _ in range(4096))
    if variant == "huge_length":
        return struct.pack(">IB", 0x7FFFFFFF, 4) + b"\x00" * 64
    if variant == "kexinit_huge_length":
        return kexinit(rnd) + struct.pack(">IB", 0x7FFFFFFF, 4) + b"\x00" * 64
    raise SystemExit("unknown variant " + variant)


def serve(conn, variant, seed):
    rnd = random.Random(seed)
    conn.settimeout(1.0)
    try:
        conn.sendall(IDENT)
        # Wait for the client's identification, so the rogue bytes come
        # after it as a server's would.
        got = b""
        while b"\n" not in got and time.monotonic() - START < LIFETIME:
            try:
                b = conn.recv(4096)
            except socket.timeout:
                continue
            if not b:
                return
            got += b
        conn.sendall(script(variant, rnd))
        while time.monotonic() - START < LIFETIME:
            try:
                if not conn.recv(65536):
                    return
            except socket.timeout:
                continue
    except OSError:
        pass
    finally:
        conn.close()


def listen(lsock, variant):
    n = 0
    while True:
        conn, _ = lsock.accept()
        n += 1
        threading.Thread(target=serve, args=(conn, variant, n),
                         daemon=True).start()


START = time.monotonic()


def main():
    args = sys.argv[1:]
    if "--ready-file" not in args or args.index("--ready-file") + 1 >= len(args):
        sys.stderr.write(__doc__)
        return 2
    at = args.index("--ready-file")
    ready = args[at + 1]
    variants = args[:at] + args[at + 2:]
    if not variants:
        sys.stderr.write(__doc__)
        return 2
    lines = ["pid=%d\n" % os.getpid()]
    for variant in variants:
        script(variant, random.Random(0))    # unknown names stop here
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        lines.append("%s=%d\n" % (variant, s.getsockname()[1]))
        threading.Thread(target=listen, args=(s, variant),
                         daemon=True).start()
    tmp = ready + ".tmp"
    with open(tmp, "w") as f:
        f.write("".join(lines))
    os.rename(tmp, ready)
    while time.monotonic() - START < LIFETIME:
        time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
