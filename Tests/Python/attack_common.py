#!/usr/bin/env python3
"""Shared pieces of the attack helpers (Tests/Python/attack_*.py), written from
Docs/FORMAT.md and Docs/AUDIT.md: audit entries (canonical bytes, leaf hashes,
Ed25519 signatures), member cards, fingerprints, endorsements, and bundles.

These helpers play the attacker for Tests/SafehouseCLITests/TrustAttackTests.swift:
they edit vault databases and bundles the way someone holding the files (and
the device seed that `vault.sqlite` keeps in clear) could. Every helper exits
0 when the tampering was done, 3 when it cannot be done on this input (e.g. a
format this helper does not know yet: update it from Docs/FORMAT.md), and 1 on
any other error, so the Swift test fails loudly instead of skipping.
"""
import base64
import hashlib
import re
import sqlite3
import struct
import sys

try:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
except ImportError as e:  # the Swift test requires it: fail loudly
    sys.stderr.write(f"attack helper: error: a Python module is missing ({e})\n")
    sys.exit(1)

EX_CANNOT = 3
RAW = dict(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)


class Cannot(Exception):
    """The tampering cannot be done on this input (exit 3)."""


def die(message, code=1):
    sys.stderr.write(f"attack helper: error: {message}\n")
    sys.exit(code)


def main_guard(fn):
    try:
        fn()
    except Cannot as e:
        die(str(e), EX_CANNOT)


# ------------------------------------------------------------------ keys

def ed25519_from_seed(seed):
    sk = Ed25519PrivateKey.from_private_bytes(bytes(seed))
    return sk, sk.public_key().public_bytes(**RAW)


def fingerprint(sign_pk, box_pk):
    h = hashlib.blake2b(b"safehouse fingerprint v1\n" + sign_pk + box_pk, digest_size=20).digest()
    return base64.b32encode(h).decode().lower().rstrip("=")


def b64(b):
    return base64.b64encode(b).decode()


def new_member(name, role):
    """A fresh key pair and its self-signed six-line card (FORMAT.md "Member card")."""
    sk = Ed25519PrivateKey.generate()
    spk = sk.public_key().public_bytes(**RAW)
    bpk = X25519PrivateKey.generate().public_key().public_bytes(**RAW)
    body = f"safehouse-card v1\nname: {name}\nrole: {role}\nsign: {b64(spk)}\nbox: {b64(bpk)}\n"
    card = body + f"self-sig: {b64(sk.sign(body.encode()))}\n"
    return sk, spk, bpk, fingerprint(spk, bpk), card


def endorsement_message(team_id_hex, card_text):
    return f"safehouse endorsement v1\nvault: {team_id_hex}\n".encode() + card_text.encode()


# ------------------------------------------------------------------ audit entries

def parse_entry(canonical):
    text = canonical.decode("ascii")
    if not text.startswith("safehouse-audit v1\n") or not text.endswith("\n"):
        raise ValueError("not a canonical audit entry")
    return [tuple(line.split(" ", 1)) for line in text[:-1].split("\n")[1:]]


def serialize_entry(fields):
    return ("safehouse-audit v1\n" + "".join(f"{k} {v}\n" for k, v in fields)).encode("ascii")


def field(fields, key):
    return next(v for k, v in fields if k == key)


def with_field(fields, key, value):
    return [(k, value if k == key else v) for k, v in fields]


def objects(fields):
    return [v for k, v in fields if k == "object"]


def leaf_hash(canonical, signature):
    return hashlib.sha256(b"\x00" + canonical + signature).digest()


def rechain(entries, start, signer_sk, signer_pk):
    """entries: list of [canonical, signer_key, signature]. From index `start` on,
    fix seq and prev and re-sign every entry with `signer_sk`."""
    for i in range(start, len(entries)):
        fields = parse_entry(entries[i][0])
        prev = leaf_hash(entries[i - 1][0], entries[i - 1][2]).hex() if i > 0 else "00" * 32
        fields = with_field(with_field(fields, "seq", str(i)), "prev", prev)
        canonical = serialize_entry(fields)
        entries[i] = [canonical, signer_pk, signer_sk.sign(canonical)]
    return entries


def forged_entry(last, actor, action, objs, outcome="ok"):
    """The next entry after `last` ([canonical, key, sig]) in `actor`'s name."""
    lf = parse_entry(last[0])
    fields = [("origin", field(lf, "origin")), ("seq", str(int(field(lf, "seq")) + 1)), ("time", field(lf, "time")),
              ("actor", actor), ("action", action)] + [("object", o) for o in objs] + \
             [("outcome", outcome), ("prev", leaf_hash(last[0], last[2]).hex())]
    return serialize_entry(fields)


# ------------------------------------------------------------------ vault databases

def device_seed(db):
    row = db.execute("SELECT value FROM meta WHERE key = 'device_seed'").fetchone()
    if row is None or len(bytes(row[0])) != 32:
        raise Cannot("meta.device_seed is not a 32-byte seed in this vault (format changed?)")
    return bytes(row[0])


def meta_text(db, key):
    row = db.execute("SELECT CAST(value AS TEXT) FROM meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else row[0]


def audit_rows(db):
    return [[bytes(e), bytes(k), bytes(s)] for e, k, s in
            db.execute("SELECT entry, signer_key, signature FROM audit ORDER BY seq")]


def write_audit(db, entries):
    db.execute("DELETE FROM audit")
    for i, (e, k, s) in enumerate(entries):
        db.execute("INSERT INTO audit(seq, entry, signer_key, signature, leaf_hash) VALUES (?, ?, ?, ?, ?)",
                   (i, e, k, s, leaf_hash(e, s)))


def connect(path):
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA busy_timeout = 5000")
    return db


# ------------------------------------------------------------------ bundles (FORMAT.md "Bundle", version 1)

class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError("bundle truncated")
        b = self.data[self.pos:self.pos + n]
        self.pos += n
        return b

    def u8(self): return self.take(1)[0]
    def u32(self): return struct.unpack(">I", self.take(4))[0]
    def u64(self): return struct.unpack(">Q", self.take(8))[0]


def bundle_version(data):
    if data[:4] != b"SHBN":
        raise Cannot("not a bundle (no SHBN magic)")
    return data[4]


def parse_bundle_v1(data):
    if bundle_version(data) != 1:
        raise Cannot(f"bundle version {data[4]}: this helper parses version 1 only; update it from Docs/FORMAT.md")
    r = Reader(data)
    r.take(5)
    b = {"origin": r.take(16), "device": r.take(32), "objects": [], "entries": [], "grants": []}
    for _ in range(r.u32()):
        header = r.take(r.u32())
        pseudonym = r.take(r.u8())
        body = r.take(r.u64())
        b["objects"].append([header, pseudonym, body])
    for _ in range(r.u32()):
        entry = r.take(r.u32())
        b["entries"].append([entry, r.take(32), r.take(64)])
    for _ in range(r.u32()):
        b["grants"].append([r.take(r.u32()) for _ in range(4)])
    if r.take(4) != b"SHBE" or r.pos != len(data):
        raise ValueError("bad bundle end")
    return b


def serialize_bundle_v1(b):
    out = bytearray(b"SHBN\x01") + b["origin"] + b["device"]
    out += struct.pack(">I", len(b["objects"]))
    for header, pseudonym, body in b["objects"]:
        out += struct.pack(">I", len(header)) + header + bytes([len(pseudonym)]) + pseudonym + struct.pack(">Q", len(body)) + body
    out += struct.pack(">I", len(b["entries"]))
    for e, k, s in b["entries"]:
        out += struct.pack(">I", len(e)) + e + k + s
    out += struct.pack(">I", len(b["grants"]))
    for g in b["grants"]:
        for part in g:
            out += struct.pack(">I", len(part)) + part
    return bytes(out + b"SHBE")


# Version 2 (Docs/FORMAT.md "Bundle"): a signed manifest (table of contents) first.
#   "SHBN" 2 | manifest-len u32 | manifest text
#   signer: 1 ‖ fingerprint[20]  or  2 ‖ device-key[32] ‖ endorser[20] ‖ endorsement[64]
#   signature[64] over "safehouse bundle manifest v1\n" ‖ manifest
#   per object (manifest order): header-len u32, header, body-len u64, body
#   audit-count u32 | entries as in v1 | grant-count u32 | grants as in v1
#   statement-count u32 | per statement: kind u8, text-len u32, text, officer[20], signature[64] | "SHBE"
MANIFEST_CONTEXT = b"safehouse bundle manifest v1\n"


def parse_bundle_v2(data):
    if bundle_version(data) != 2:
        raise Cannot(f"bundle version {data[4]}: expected version 2")
    r = Reader(data)
    r.take(5)
    manifest = r.take(r.u32()).decode()
    kind = r.u8()
    if kind == 1:
        signer = bytes([1]) + r.take(20)
    elif kind == 2:
        signer = bytes([2]) + r.take(32 + 20 + 64)
    else:
        raise Cannot(f"unknown manifest signer kind {kind}: update this helper from Docs/FORMAT.md")
    b = {"manifest": manifest, "signer": signer, "signature": r.take(64), "objects": [], "entries": [], "grants": [],
         "statements": []}
    count = int(next(l for l in manifest.split("\n") if l.startswith("objects: ")).split(": ")[1])
    for _ in range(count):
        header = r.take(r.u32())
        b["objects"].append([header, b"", r.take(r.u64())])
    for _ in range(r.u32()):
        entry = r.take(r.u32())
        b["entries"].append([entry, r.take(32), r.take(64)])
    for _ in range(r.u32()):
        b["grants"].append([r.take(r.u32()) for _ in range(4)])
    for _ in range(r.u32()):
        kind = r.u8()
        b["statements"].append([kind, r.take(r.u32()), r.take(20), r.take(64)])
    if r.take(4) != b"SHBE" or r.pos != len(data):
        raise ValueError("bad bundle end")
    return b


def serialize_bundle_v2(b):
    m = b["manifest"].encode()
    out = bytearray(b"SHBN\x02") + struct.pack(">I", len(m)) + m + b["signer"] + b["signature"]
    for header, _, body in b["objects"]:
        out += struct.pack(">I", len(header)) + header + struct.pack(">Q", len(body)) + body
    out += struct.pack(">I", len(b["entries"]))
    for e, k, s in b["entries"]:
        out += struct.pack(">I", len(e)) + e + k + s
    out += struct.pack(">I", len(b["grants"]))
    for g in b["grants"]:
        for part in g:
            out += struct.pack(">I", len(part)) + part
    out += struct.pack(">I", len(b.get("statements", [])))
    for kind, text, officer, sig in b.get("statements", []):
        out += bytes([kind]) + struct.pack(">I", len(text)) + text + officer + sig
    return bytes(out + b"SHBE")


def parse_bundle(data):
    v = bundle_version(data)
    if v == 1:
        return parse_bundle_v1(data)
    if v == 2:
        return parse_bundle_v2(data)
    raise Cannot(f"bundle version {v}: this helper knows versions 1 and 2; update it from Docs/FORMAT.md")


def serialize_bundle(b, version):
    return serialize_bundle_v1(b) if version == 1 else serialize_bundle_v2(b)


def merkle_root(leaves):
    """RFC 6962 Merkle tree hash over leaf hashes (Docs/AUDIT.md)."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + merkle_root(leaves[:k]) + merkle_root(leaves[k:])).digest()


def fingerprint_bytes(compact):
    return base64.b32decode(compact.upper())


def header_type(header):
    """The object type byte of a record header (SHRC, version, type …)."""
    if header[:4] != b"SHRC":
        raise ValueError("not a record header")
    return header[5]


# ------------------------------------------------------------------ scanning

CANONICAL = re.compile(rb"safehouse-audit v1\n(?:[a-z]+ [\x21-\x7e]*\n){1,80}?prev [0-9a-f]{64}\n")
PSEUDONYM = re.compile(rb"(?<![A-Za-z0-9-])[A-HJ-NP-Z]-[A-HJ-NP-Z2-9]{4}(?![A-Za-z0-9-])")
RECORD_ID = re.compile(rb"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
