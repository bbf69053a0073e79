#!/usr/bin/env python3
"""Verifies a witness cosignature of a Safehouse checkpoint from Docs/SERVER.md alone
(C2SP tlog-cosignature, cosignature/v1 over Ed25519), with the `cryptography` package.

    check_cosignature.py CHECKPOINT_FILE SERVER_KEY_BASE64

The witness name is "safehouse.witness/" + the first 8 bytes of SHA-256(key) in hex; its key
ID is SHA-256(name || "\\n" || 0x04 || key)[:4]; the line carries key ID || timestamp (u64,
big-endian) || Ed25519 signature over "cosignature/v1\\ntime <t>\\n" || checkpoint body.
Prints "ok <timestamp>" and exits 0 when a cosignature by that key verifies, else exits 1.
"""
import base64
import hashlib
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def main() -> int:
    note = open(sys.argv[1], "rb").read().decode("utf-8")
    key = base64.b64decode(sys.argv[2], validate=True)
    body, _, sigs = note.partition("\n\n")
    body += "\n"
    name = "safehouse.witness/" + hashlib.sha256(key).digest()[:8].hex()
    key_id = hashlib.sha256(name.encode() + b"\n" + b"\x04" + key).digest()[:4]
    verifier = Ed25519PublicKey.from_public_bytes(key)
    for line in sigs.splitlines():
        if not line.startswith("\u2014 "):
            print("not a signature line:", line[:20], file=sys.stderr)
            return 1
        line_name, _, blob = line[2:].partition(" ")
        raw = base64.b64decode(blob, validate=True)
        if line_name != name or raw[:4] != key_id or len(raw) != 4 + 8 + 64:
            continue
        (timestamp,) = struct.unpack(">Q", raw[4:12])
        message = b"cosignature/v1\ntime %d\n" % timestamp + body.encode()
        try:
            verifier.verify(raw[12:], message)
        except InvalidSignature:
            print("cosignature does not verify", file=sys.stderr)
            return 1
        print("ok", timestamp)
        return 0
    print("no cosignature by", name, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
