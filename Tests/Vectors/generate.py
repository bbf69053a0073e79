#!/usr/bin/env python3
"""Generates Safehouse format test vectors with an independent implementation
(Python `cryptography` + hashlib), so the Swift code is checked against code it
does not share. Run: python3 Tests/Vectors/generate.py > Tests/Vectors/vectors.json

Each vector has an `expect`: "success", "authentication-failed" or "malformed".
"""
import base64, hashlib, json
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives import serialization

RAW = dict(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)
b64 = lambda b: base64.b64encode(b).decode()

def nonce(i, last):
    return i.to_bytes(11, "big") + (b"\x01" if last else b"\x00")

def stream(key, pt, cs):
    """STREAM: chunk i with nonce = i (11 bytes BE) || last flag; tag appended per chunk."""
    aead = ChaCha20Poly1305(key)
    chunks = [pt[i:i + cs] for i in range(0, len(pt), cs)] or [b""]
    return b"".join(aead.encrypt(nonce(i, i == len(chunks) - 1), c, None) for i, c in enumerate(chunks)), chunks

def body_hash(ct, cs):
    full = cs + 16
    h = hashlib.blake2b(digest_size=32)
    h.update(b"safehouse body v1")
    for i in range(0, len(ct), full):
        h.update(hashlib.blake2b(ct[i:i + full], digest_size=32).digest())
    return h.digest()

vectors = []
key = bytes(range(32))
cs = 1024
for n in [0, 1, cs - 1, cs, cs + 1, 2 * cs + 7]:
    pt = bytes((i * 7 + 3) % 251 for i in range(n))
    ct, _ = stream(key, pt, cs)
    vectors.append(dict(type="chunk-stream", name=f"round trip {n} bytes", key=key.hex(), chunk_size=cs,
                        plaintext=pt.hex(), ciphertext=ct.hex(), body_hash=body_hash(ct, cs).hex(), expect="success"))
pt = bytes(range(256)) * 9  # 2304 bytes: 3 chunks
ct, _ = stream(key, pt, cs)
full = cs + 16
bad = [
    ("flipped byte in first chunk", ct[:5] + bytes([ct[5] ^ 1]) + ct[6:]),
    ("flipped tag byte of last chunk", ct[:-1] + bytes([ct[-1] ^ 0x80])),
    ("truncated at chunk border", ct[:2 * full]),
    ("chunks reordered", ct[full:2 * full] + ct[:full] + ct[2 * full:]),
    ("appended chunk", ct + ct[:full]),
]
# A stream whose first chunk is (wrongly) marked last, then continues:
aead = ChaCha20Poly1305(key)
bad.append(("non-last chunk marked last", aead.encrypt(nonce(0, True), pt[:cs], None) + ct[full:]))
for name, c in bad:
    vectors.append(dict(type="chunk-stream", name=name, key=key.hex(), chunk_size=cs, plaintext=pt.hex(),
                        ciphertext=c.hex(), expect="authentication-failed"))

# Body format v2 (header version 3): SHA-256 chunk hashes bound to the object id,
# index and last flag; the signed body hash folds them. `chunk_hashes` is the list
# a vault keeps for random access. "hash-mismatch": every tag opens, but the chunk
# hashes do not fold to the signed `body_hash` (a holder of the key re-encrypted a
# chunk, or the chunks come from another object).
def chunk_hashes_v2(oid, ct, cs):
    full = cs + 16
    starts = list(range(0, len(ct), full))
    return [hashlib.sha256(b"safehouse chunk v2" + oid + struct.pack(">QB", i, i == len(starts) - 1) + ct[o:o + full]).digest()
            for i, o in enumerate(starts)]

def body_hash_v2(leaves):
    return hashlib.sha256(b"safehouse body v2" + b"".join(leaves)).digest()

import struct
oid = bytes(range(0xa0, 0xb0))
for n in [0, 1, cs - 1, cs, cs + 1, 2 * cs + 7]:
    pt = bytes((i * 7 + 3) % 251 for i in range(n))
    ct, _ = stream(key, pt, cs)
    leaves = chunk_hashes_v2(oid, ct, cs)
    vectors.append(dict(type="chunk-stream-v2", name=f"v2 round trip {n} bytes", key=key.hex(), object_id=oid.hex(), chunk_size=cs,
                        plaintext=pt.hex(), ciphertext=ct.hex(), chunk_hashes=b"".join(leaves).hex(),
                        body_hash=body_hash_v2(leaves).hex(), expect="success"))
pt = bytes(range(256)) * 9
ct, _ = stream(key, pt, cs)
signed = body_hash_v2(chunk_hashes_v2(oid, ct, cs)).hex()
forged = ct[:full] + aead.encrypt(nonce(1, False), b"F" * cs, None) + ct[2 * full:]
for name, c, expect in [
        ("v2 chunk 1 re-encrypted with the record key", forged, "hash-mismatch"),
        ("v2 chunks reordered", ct[full:2 * full] + ct[:full] + ct[2 * full:], "authentication-failed"),
        ("v2 truncated at chunk border", ct[:2 * full], "authentication-failed")]:
    vectors.append(dict(type="chunk-stream-v2", name=name, key=key.hex(), object_id=oid.hex(), chunk_size=cs, plaintext=pt.hex(),
                        ciphertext=c.hex(), body_hash=signed, expect=expect))
# The same ciphertext under another object id: its chunk hashes fold to another hash.
vectors.append(dict(type="chunk-stream-v2", name="v2 body moved to another object", key=key.hex(), object_id=bytes(16).hex(),
                    chunk_size=cs, plaintext=pt.hex(), ciphertext=ct.hex(), body_hash=signed, expect="hash-mismatch"))

# Member cards: deterministic from a seed and an X25519 secret.
for name, role, seed_byte in [("Alice Officer", "officer", 1), ("김 기자", "interviewer", 2), ("Editor B", "editor", 3)]:
    seed = bytes([seed_byte]) * 32
    box_sk = bytes([seed_byte + 100]) * 32
    sk = Ed25519PrivateKey.from_private_bytes(seed)
    sign_pk = sk.public_key().public_bytes(**RAW)
    box_pk = X25519PrivateKey.from_private_bytes(box_sk).public_key().public_bytes(**RAW)
    signed = f"safehouse-card v1\nname: {name}\nrole: {role}\nsign: {b64(sign_pk)}\nbox: {b64(box_pk)}\n"
    text = signed + f"self-sig: {b64(sk.sign(signed.encode()))}\n"
    fp = hashlib.blake2b(b"safehouse fingerprint v1\n" + sign_pk + box_pk, digest_size=20).digest()
    fp32 = base64.b32encode(fp).decode().lower().rstrip("=")
    vectors.append(dict(type="card", name=f"card {role}", seed=seed.hex(), box_secret=box_sk.hex(), text=text,
                        fingerprint="-".join(fp32[i:i + 4] for i in range(0, 32, 4)), expect="success"))
    tampered = text.replace(f"role: {role}", "role: officer" if role != "officer" else "role: editor")
    vectors.append(dict(type="card", name=f"card {role} with changed role", text=tampered, expect="malformed"))

# Secret key file: Argon2id (cryptography) -> XChaCha20-Poly1305 (HChaCha20 in pure
# Python below + cryptography's ChaCha20-Poly1305), laid out as Docs/FORMAT.md says.
import struct
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

def hchacha20(key, nonce16):
    def rotl(v, c): return ((v << c) & 0xffffffff) | (v >> (32 - c))
    def qr(s, a, b, c, d):
        s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & 0xffffffff; s[d] = rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & 0xffffffff; s[b] = rotl(s[b] ^ s[c], 7)
    s = list(struct.unpack("<4I", b"expand 32-byte k")) + list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce16))
    for _ in range(10):
        qr(s, 0, 4, 8, 12); qr(s, 1, 5, 9, 13); qr(s, 2, 6, 10, 14); qr(s, 3, 7, 11, 15)
        qr(s, 0, 5, 10, 15); qr(s, 1, 6, 11, 12); qr(s, 2, 7, 8, 13); qr(s, 3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))

def xchacha_seal(key, nonce24, pt, ad):
    return ChaCha20Poly1305(hchacha20(key, nonce24[:16])).encrypt(b"\0" * 4 + nonce24[16:], pt, ad)

ops, mem = 2, 64 << 20          # libsodium's "interactive" Argon2id limits
seed, box_sk = bytes([0x11]) * 32, bytes([0x22]) * 32
salt, knonce = bytes(range(16)), bytes(range(100, 124))
sign_pk = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(**RAW)
box_pk = X25519PrivateKey.from_private_bytes(box_sk).public_key().public_bytes(**RAW)
passphrase = "correct horse battery staple — 정확한 말"
kek = Argon2id(salt=salt, length=32, iterations=ops, lanes=1, memory_cost=mem // 1024).derive(passphrase.encode())
ad = b"SHKF" + bytes([1, 2]) + struct.pack(">QQ", ops, mem) + salt + knonce + sign_pk + box_pk
ct = xchacha_seal(kek, knonce, seed + box_sk, ad)
keyfile = ad + struct.pack(">I", len(ct)) + ct
fp = hashlib.blake2b(b"safehouse fingerprint v1\n" + sign_pk + box_pk, digest_size=20).digest()
fp32 = base64.b32encode(fp).decode().lower().rstrip("=")
fpg = "-".join(fp32[i:i + 4] for i in range(0, 32, 4))
vectors.append(dict(type="key-file", name="key file unlocks", file=keyfile.hex(), passphrase=passphrase, fingerprint=fpg, expect="success"))
vectors.append(dict(type="key-file", name="key file with wrong passphrase", file=keyfile.hex(), passphrase=passphrase + "!", expect="authentication-failed"))
bad = bytearray(keyfile); bad[20] ^= 1   # memlimit changed: authenticated as associated data
vectors.append(dict(type="key-file", name="key file with altered cost", file=bytes(bad).hex(), passphrase=passphrase, expect="authentication-failed"))
bad = bytearray(keyfile); bad[70] ^= 1   # public key changed
vectors.append(dict(type="key-file", name="key file with altered public key", file=bytes(bad).hex(), passphrase=passphrase, expect="authentication-failed"))

print(json.dumps({"version": 1, "vectors": vectors}, indent=1, ensure_ascii=False))
