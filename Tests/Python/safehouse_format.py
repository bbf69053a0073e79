#!/usr/bin/env python3
"""An independent reader of Safehouse's byte formats, written from
Docs/FORMAT.md alone (not ported from the Swift code), so a test can check that
the document is complete and that the Swift code does what it says.

    safehouse_format.py open-record  --vault DIR --key KEYFILE --passphrase-env VAR --id ID --out FILE
    safehouse_format.py open-subject --vault DIR --key KEYFILE --passphrase-env VAR --pseudonym P
    safehouse_format.py verify-bundle FILE --team TEAMFILE

`--passphrase-file FILE` may stand for `--passphrase-env VAR`.

Primitives: Argon2id, Ed25519, X25519, ChaCha20-Poly1305 from `cryptography`;
BLAKE2b (keyed, salted, personalised) from `hashlib`; XChaCha20-Poly1305 and
the sealed box (`crypto_box_seal_open`) from PyNaCl.

Exit codes as the CLI's: 0 done, 64 usage, 65 bad or tampered data, 66 missing
input, 73 output exists, 77 wrong passphrase. Nothing is written on failure;
no secret and no identity is ever printed to stderr.
"""
import argparse
import base64
import hashlib
import json
import os
import sqlite3
import struct
import sys
import unicodedata

try:
    from cryptography.exceptions import InvalidSignature, InvalidTag
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
    from cryptography.hazmat.primitives import serialization
    import nacl.bindings
    import nacl.exceptions
    import nacl.public
except ImportError as e:  # the Swift test requires these modules: fail loudly
    sys.stderr.write(f"safehouse_format: error: a Python module is missing ({e}); run scripts/setup.sh\n")
    sys.exit(1)

EX_USAGE, EX_DATAERR, EX_NOINPUT, EX_CANTCREAT, EX_NOPERM = 64, 65, 66, 73, 77
RAW = dict(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)


class Fail(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def bad(message):
    return Fail(EX_DATAERR, message)


# ---------------------------------------------------------------- primitives

def blake2b(data, size, key=b"", salt=b"", person=b""):
    return hashlib.blake2b(data, digest_size=size, key=key, salt=salt, person=person).digest()


def kdf(master, subkey_id, context, size=32):
    """crypto_kdf_derive_from_key: BLAKE2b of the empty message, key = master,
    salt = subkey id (u64 little-endian) ‖ 8 zero bytes, personal = context ‖ 8 zero bytes."""
    assert len(master) == 32 and len(context) == 8
    return blake2b(b"", size, key=master, salt=struct.pack("<Q", subkey_id) + bytes(8), person=context + bytes(8))


def ed25519_verify(public_key, signature, message):
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except (InvalidSignature, ValueError):
        return False


def xchacha_open(key, nonce, ciphertext, ad):
    try:
        return nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(ciphertext, ad, nonce, key)
    except nacl.exceptions.CryptoError:
        return None


def b32(raw):
    return base64.b32encode(raw).decode().lower().rstrip("=")


def strict_b64(text, size):
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise bad("bad base64")
    if base64.b64encode(raw).decode() != text or len(raw) != size:
        raise bad("bad base64")
    return raw


class Reader:
    """Bounds-checked big-endian reads."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.data):
            raise bad("truncated")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u8(self): return self.take(1)[0]
    def u16(self): return struct.unpack(">H", self.take(2))[0]
    def u32(self): return struct.unpack(">I", self.take(4))[0]
    def u64(self): return struct.unpack(">Q", self.take(8))[0]

    def end(self):
        if self.pos != len(self.data):
            raise bad("trailing bytes")


# ---------------------------------------------------------------- passphrases

def passphrase(args):
    """The bytes the CLI hashes: $VAR exactly as set; a file's bytes up to the first CR or LF."""
    if args.passphrase_env:
        value = os.environb.get(args.passphrase_env.encode())
        if not value:
            raise Fail(EX_USAGE, f"${args.passphrase_env} is not set or empty")
        return value
    if args.passphrase_file:
        try:
            with open(args.passphrase_file, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            raise Fail(EX_NOINPUT, "the passphrase file does not exist")
        cut = min([i for i in (raw.find(b"\n"), raw.find(b"\r")) if i >= 0] or [len(raw)])
        if cut == 0:
            raise Fail(EX_USAGE, "the passphrase file is empty")
        return raw[:cut]
    raise Fail(EX_USAGE, "give --passphrase-env VAR or --passphrase-file FILE")


# ---------------------------------------------------------------- key file

def unlock_key_file(path, secret):
    """Returns (sign seed, box secret, sign public key, box public key)."""
    try:
        with open(path, "rb") as f:
            data = f.read(4097)
    except FileNotFoundError:
        raise Fail(EX_NOINPUT, "the key file does not exist")
    r = Reader(data)
    if r.take(4) != b"SHKF" or r.u8() != 1 or r.u8() != 2:
        raise bad("not a safehouse secret key file")
    ops, mem = r.u64(), r.u64()
    if not (1 <= ops <= 64 and 8192 <= mem <= 4 << 30):
        raise bad("key file costs out of range")
    salt, nonce, sign_pk, box_pk = r.take(16), r.take(24), r.take(32), r.take(32)
    ad = data[:r.pos]
    length = r.u32()
    if length != 80:
        raise bad("key file ciphertext length")
    ciphertext = r.take(length)
    r.end()
    key = Argon2id(salt=salt, length=32, iterations=ops, lanes=1, memory_cost=mem // 1024).derive(secret)
    payload = xchacha_open(key, nonce, ciphertext, ad)
    if payload is None:
        raise Fail(EX_NOPERM, "wrong passphrase, or the key file was altered")
    seed, box_sk = payload[:32], payload[32:]
    if (Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(**RAW) != sign_pk
            or X25519PrivateKey.from_private_bytes(box_sk).public_key().public_bytes(**RAW) != box_pk):
        raise bad("the key file's public keys do not match its secret keys")
    return seed, box_sk, sign_pk, box_pk


def fingerprint(sign_pk, box_pk):
    return blake2b(b"safehouse fingerprint v1\n" + sign_pk + box_pk, 20)


# ---------------------------------------------------------------- cards, team

class Card:
    def __init__(self, text):
        if not text.endswith("\n"):
            raise bad("card")
        lines = text[:-1].split("\n")
        keys = ["name", "role", "sign", "box", "self-sig"]
        if len(lines) != 6 or lines[0] != "safehouse-card v1":
            raise bad("card")
        values = []
        for line, key in zip(lines[1:], keys):
            if not line.startswith(key + ": "):
                raise bad("card")
            values.append(line[len(key) + 2:])
        self.name, self.role = values[0], values[1]
        # (The 64-character limit counts grapheme clusters; a reader need not enforce it.)
        if self.role not in ("interviewer", "editor", "officer") or not self.name \
                or self.name != self.name.strip() or any(unicodedata.category(c) in ("Cc", "Cf") for c in self.name):
            raise bad("card")
        self.sign_pk, self.box_pk = strict_b64(values[2], 32), strict_b64(values[3], 32)
        self.self_sig = strict_b64(values[4], 64)
        self.text = text
        signed = "".join(line + "\n" for line in lines[:5]).encode()
        if not ed25519_verify(self.sign_pk, self.self_sig, signed):
            raise bad("card self-signature")
        self.fingerprint = fingerprint(self.sign_pk, self.box_pk)


def endorsement_message(card, team_id_hex):
    return f"safehouse endorsement v1\nvault: {team_id_hex}\n".encode() + card.text.encode()


def verify_trust(members, root_fp, team_id_hex):
    """members: list of (card, endorsed_by fp, endorsement sig). Every one must be
    endorsed by an officer whose own trust leads back to the self-endorsed root."""
    by_fp = {c.fingerprint: (c, e, s) for c, e, s in members}
    trusted, changed = set(), True
    while changed:
        changed = False
        for card, endorser_fp, sig in members:
            if card.fingerprint in trusted:
                continue
            is_root = card.fingerprint == root_fp and endorser_fp == root_fp
            endorser = by_fp.get(endorser_fp)
            if (is_root or endorser_fp in trusted) and endorser and endorser[0].role == "officer" \
                    and ed25519_verify(endorser[0].sign_pk, sig, endorsement_message(card, team_id_hex)):
                trusted.add(card.fingerprint)
                changed = True
    if len(trusted) != len(members) or root_fp not in trusted:
        raise bad("a member is not endorsed by a trusted officer")


def parse_keyring(text):
    """A team keyring signed by one of its active officers: returns (team id hex, serial,
    {fingerprint: (card, status)}), after checking every endorsement back to the root."""
    lines = [l for l in text.split("\n") if l.strip() and not l.startswith("#")]
    if len(lines) < 6 or lines[0] != "safehouse-team v1" or not lines[1].startswith("vault: ") \
            or not lines[2].startswith("root: ") or not lines[3].startswith("serial: "):
        raise bad("not a team keyring (safehouse-team v1 with a serial)")
    team_id = lines[1][7:]
    if len(team_id) != 32 or any(c not in "0123456789abcdef" for c in team_id):
        raise bad("keyring vault id")
    serial_text = lines[3][8:]
    if not serial_text.isdigit() or str(int(serial_text)) != serial_text or int(serial_text) >= 1 << 64:
        raise bad("keyring serial")
    if not lines[-2].startswith("signed-by: ") or not lines[-1].startswith("keyring-sig: "):
        raise bad("the keyring is not signed as a whole")
    signature = strict_b64(lines[-1][13:], 64)
    signer = fp_from_text(lines[-2][11:])
    members, statuses, i = [], {}, 4
    body_end = len(lines) - 2
    while i < body_end:
        if lines[i] != "member" or i + 10 >= body_end or lines[i + 10] != "end":
            raise bad("keyring member block")
        card = Card("".join(l + "\n" for l in lines[i + 1:i + 7]))
        if not lines[i + 7].startswith("endorsed-by: ") or not lines[i + 8].startswith("endorsement: ") \
                or not lines[i + 9].startswith("status: "):
            raise bad("keyring member block")
        status = lines[i + 9][8:]
        if status not in ("active", "removed", "superseded") or card.fingerprint in statuses:
            raise bad("keyring member block")
        members.append((card, fp_from_text(lines[i + 7][13:]), strict_b64(lines[i + 8][13:], 64)))
        statuses[card.fingerprint] = (card, status)
        i += 11
    verify_trust(members, fp_from_text(lines[2][6:]), team_id)
    # The signature covers the kept lines above signed-by, each with its \n.
    message = b"safehouse keyring signature v1\n" + "".join(l + "\n" for l in lines[:body_end]).encode()
    officer = statuses.get(signer)
    if not officer or officer[0].role != "officer" or officer[1] != "active" \
            or not ed25519_verify(officer[0].sign_pk, signature, message):
        raise bad("the keyring's signature does not verify against an active officer of it")
    return team_id, int(serial_text), statuses


def fp_from_text(text):
    if len(text) != 32 or any(c not in "abcdefghijklmnopqrstuvwxyz234567" for c in text):
        raise bad("fingerprint")
    raw = base64.b32decode(text.upper())
    if b32(raw) != text:
        raise bad("fingerprint")
    return raw


# ---------------------------------------------------------------- record header

TYPES = {1: "record", 2: "excerpt", 3: "subject"}
PSEUDONYM_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
SIZE_CLASSES = [256, 1024, 4096, 16384, 65536, 262144, 1048576]
TAG = 16


def valid_pseudonym(p):
    return len(p) == 6 and p[0] in PSEUDONYM_ALPHABET and p[0].isalpha() and p[1] == "-" \
        and all(c in PSEUDONYM_ALPHABET for c in p[2:])


def valid_label(object_type, label):
    """Subject identity: its pseudonym; excerpt: its version "v<N>" (N ≥ 1, decimal); record: empty."""
    if object_type == 3:
        return valid_pseudonym(label)
    if object_type == 2:
        return label[:1] == "v" and label[1:].isdigit() and label[1:2] != "0" and int(label[1:]) < 1 << 64
    return label == ""


class Header:
    def __init__(self, data):
        r = Reader(data)
        if r.take(4) != b"SHRC":
            raise bad("not a record header")
        self.version = r.u8()
        if self.version not in (2, 3):  # 2: body format v1 (BLAKE2b), 3: body format v2 (SHA-256)
            raise bad("unknown record header version")
        self.type = r.u8()
        if self.type not in TYPES:
            raise bad("unknown object type")
        self.id = r.take(16)
        self.chunk_size, self.length = r.u32(), r.u64()
        if not (1024 <= self.chunk_size <= 1 << 24) or self.length > 1 << 50:
            raise bad("chunk size or length out of range")
        label = r.take(r.u8())
        if len(label) > 32 or any(not 0x20 < b < 0x7F for b in label):
            raise bad("label")
        self.label = label.decode("ascii")
        if not valid_label(self.type, self.label):
            raise bad("label")
        n = r.u16()
        if n > 1024:
            raise bad("too many slots")
        self.slots = []
        for _ in range(n):
            fp, box = r.take(20), r.take(96)
            if any(fp == f for f, _ in self.slots):
                raise bad("duplicate slot")
            self.slots.append((fp, box))
        self.meta_nonce = r.take(24)
        m = r.u32()
        if m > 1 << 20 or m < TAG:
            raise bad("metadata length")
        self.meta_ciphertext = r.take(m)
        self.body_hash = r.take(32)
        self.signer = r.take(20)
        self.signed = data[:r.pos]
        self.signature = r.take(64)
        r.end()
        self.id_hex = self.id.hex()

    @property
    def chunks(self):
        return max(1, -(-self.length // self.chunk_size))

    @property
    def ciphertext_length(self):
        return self.length + self.chunks * TAG

    def body_hasher(self):
        """The signed body hash, fed ciphertext chunks in order (Docs/FORMAT.md, "Body hash")."""
        return BodyHash(self)

    def verify(self, cards):
        """Signature by a member of `cards` ({fingerprint: Card}) allowed to sign this type."""
        card = cards.get(self.signer)
        if card is None or not ed25519_verify(card.sign_pk, self.signature, self.signed):
            raise bad(f"record {self.id_hex}: its signature does not verify against a team member")
        allowed = card.role == "officer" if self.type == 2 else card.role != "editor"
        if not allowed:
            raise bad(f"record {self.id_hex}: signed by a member whose role may not sign it")

    def open_slot(self, mine, box_sk):
        """The record key from the slot addressed to fingerprint `mine`."""
        for fp, box in self.slots:
            if fp == mine:
                try:
                    payload = nacl.public.SealedBox(nacl.public.PrivateKey(box_sk)).decrypt(box)
                except nacl.exceptions.CryptoError:
                    raise bad(f"record {self.id_hex}: the key slot does not open")
                if len(payload) != 48 or payload[:16] != self.id:
                    raise bad(f"record {self.id_hex}: the key slot belongs to another record")
                return payload[16:]
        raise Fail(EX_NOPERM, f"record {self.id_hex}: you hold no key slot for it")

    def metadata(self, record_key):
        ad = b"SHRC" + bytes([self.version, self.type]) + self.id + b"meta"
        padded = xchacha_open(kdf(record_key, 2, b"SHrecord"), self.meta_nonce, self.meta_ciphertext, ad)
        if padded is None:
            raise bad(f"record {self.id_hex}: its metadata does not authenticate")
        return json.loads(unpad(padded))


def unpad(padded):
    """ISO/IEC 7816-4 padding to the smallest size class holding the JSON and one padding byte."""
    if len(padded) not in SIZE_CLASSES:
        raise bad("metadata is not padded to a size class")
    stripped = padded.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise bad("metadata padding")
    json_bytes = stripped[:-1]
    if min(c for c in SIZE_CLASSES if c > len(json_bytes)) != len(padded):
        raise bad("metadata is padded beyond its size class")
    return json_bytes


class BodyHash:
    """Body format v1 (header version 2): BLAKE2b-256("safehouse body v1" || BLAKE2b-256(chunk)...).
    Body format v2 (header version 3): SHA-256("safehouse body v2" || h0 || h1 ...), with
    h_i = SHA-256("safehouse chunk v2" || id || i (u64 BE) || last (u8) || chunk)."""

    def __init__(self, header):
        self.header, self.index, self.leaves = header, 0, []
        if header.version == 2:
            self.outer = hashlib.blake2b(digest_size=32)
            self.outer.update(b"safehouse body v1")
        else:
            self.outer = hashlib.sha256(b"safehouse body v2")

    def chunk_hash(self, chunk):
        i, last = self.index, self.index == self.header.chunks - 1
        if self.header.version == 2:
            return blake2b(chunk, 32)
        return hashlib.sha256(b"safehouse chunk v2" + self.header.id + struct.pack(">QB", i, last) + chunk).digest()

    def add(self, chunk):
        h = self.chunk_hash(chunk)
        self.leaves.append(h)
        self.outer.update(h)
        self.index += 1

    def digest(self):
        return self.outer.digest()


def decrypt_body(path, header, record_key, sink):
    """STREAM over ChaCha20-Poly1305-IETF; checks every tag and the signed body hash.
    `sink` gets plaintext chunks; the caller must discard them if this raises."""
    try:
        size = os.path.getsize(path)
    except FileNotFoundError:
        raise bad(f"record {header.id_hex}: its encrypted body file is missing")
    if size != header.ciphertext_length:
        raise bad(f"record {header.id_hex}: the encrypted body has the wrong length")
    aead = ChaCha20Poly1305(kdf(record_key, 1, b"SHrecord"))
    outer = header.body_hasher()
    full = header.chunk_size + TAG
    with open(path, "rb") as f:
        for i in range(header.chunks):
            last = i == header.chunks - 1
            chunk = f.read(full if not last else size - i * full)
            outer.add(chunk)
            nonce = i.to_bytes(11, "big") + (b"\x01" if last else b"\x00")
            try:
                sink(aead.decrypt(nonce, chunk, None))
            except InvalidTag:
                raise bad(f"record {header.id_hex}: the record is damaged or was tampered with")
    if outer.digest() != header.body_hash:
        raise bad(f"record {header.id_hex}: the body does not match its signed header")


def decrypt_range(path, header, leaves, record_key, start, length, sink):
    """Random access (body format v2): decrypts only the chunks covering plaintext
    [start, start+length) and checks each against `leaves`, the chunk hash list
    whose fold is the signed body hash (checked here first)."""
    if header.version != 3:
        raise bad("random access needs body format v2")
    if start > header.length or length > header.length - start:
        raise Fail(EX_USAGE, "the range is outside the record")
    if len(leaves) != 32 * header.chunks or hashlib.sha256(b"safehouse body v2" + leaves).digest() != header.body_hash:
        raise bad(f"record {header.id_hex}: its chunk hash list does not match the signed header")
    if os.path.getsize(path) != header.ciphertext_length:
        raise bad(f"record {header.id_hex}: the encrypted body has the wrong length")
    if length == 0:
        return
    aead, cs, full = ChaCha20Poly1305(kdf(record_key, 1, b"SHrecord")), header.chunk_size, header.chunk_size + TAG
    hasher = BodyHash(header)
    with open(path, "rb") as f:
        for i in range(start // cs, (start + length - 1) // cs + 1):
            last = i == header.chunks - 1
            f.seek(i * full)
            chunk = f.read(full if not last else header.ciphertext_length - i * full)
            hasher.index = i
            if hasher.chunk_hash(chunk) != leaves[32 * i:32 * i + 32]:
                raise bad(f"record {header.id_hex}: a chunk does not match its signed hash")
            try:
                plain = aead.decrypt(i.to_bytes(11, "big") + (b"\x01" if last else b"\x00"), chunk, None)
            except InvalidTag:
                raise bad(f"record {header.id_hex}: the record is damaged or was tampered with")
            lo = max(start, i * cs) - i * cs
            hi = min(start + length, i * cs + len(plain)) - i * cs
            sink(plain[lo:hi])


# ---------------------------------------------------------------- vault

class VaultDB:
    def __init__(self, directory):
        self.directory = directory
        path = os.path.join(directory, "vault.sqlite")
        if not os.path.exists(path):
            raise Fail(EX_NOINPUT, f"no vault at {directory}")
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def meta(self, key):
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise bad(f"vault meta {key} missing")
        return row[0].decode() if isinstance(row[0], bytes) else row[0]

    def cards(self):
        """Every member card, checked: self-signature, fingerprint column, endorsement chain to the root."""
        members, cards = [], {}
        for fp_text, card_text, endorser, endorsement in self.db.execute(
                "SELECT fingerprint, card, endorsed_by, endorsement FROM members"):
            card = Card(card_text)
            if b32(card.fingerprint) != fp_text:
                raise bad("a member row's fingerprint does not match its card")
            members.append((card, fp_from_text(endorser), bytes(endorsement)))
            cards[card.fingerprint] = card
        verify_trust(members, fp_from_text(self.meta("root")), self.meta("team_id"))
        return cards

    def header(self, object_id):
        row = self.db.execute("SELECT type, header FROM objects WHERE id = ?", (object_id,)).fetchone()
        if row is None:
            raise Fail(EX_NOINPUT, f"record {object_id} is not in the vault")
        h = Header(bytes(row[1]))
        if h.id_hex != object_id or h.type != row[0]:
            raise bad(f"record {object_id}: its header belongs to another record")
        return h

    def chunk_hashes(self, h):
        row = self.db.execute("SELECT hashes FROM chunk_hashes WHERE object_id = ?", (h.id_hex,)).fetchone()
        if row is None:
            raise bad(f"record {h.id_hex}: no stored chunk hash list")
        return bytes(row[0])

    def body_path(self, h):
        return os.path.join(self.directory, "objects", f"{h.id_hex}-{h.body_hash[:6].hex()}.body")


def unlock(args):
    seed, box_sk, sign_pk, box_pk = unlock_key_file(args.key, passphrase(args))
    return box_sk, sign_pk, box_pk


def opened(vault, object_id, identity):
    box_sk, sign_pk, box_pk = identity
    h = vault.header(object_id)
    h.verify(vault.cards())
    key = h.open_slot(fingerprint(sign_pk, box_pk), box_sk)
    return h, key, h.metadata(key)


def cmd_open_record(args):
    if os.path.lexists(args.out):
        raise Fail(EX_CANTCREAT, f"{args.out} exists")
    vault = VaultDB(args.vault)
    h, key, _ = opened(vault, args.id, unlock(args))
    tmp = args.out + ".partial"
    try:
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as out:
            if args.bytes:
                start, length = (int(x) for x in args.bytes.split(":"))
                decrypt_range(vault.body_path(h), h, vault.chunk_hashes(h), key, start, length, out.write)
            else:
                decrypt_body(vault.body_path(h), h, key, out.write)
        os.rename(tmp, args.out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def cmd_open_subject(args):
    vault = VaultDB(args.vault)
    row = vault.db.execute("SELECT object_id FROM subjects WHERE pseudonym = ?", (args.pseudonym,)).fetchone()
    if row is None:
        raise Fail(EX_NOINPUT, f"subject {args.pseudonym} is not in the vault")
    h, key, meta = opened(vault, row[0], unlock(args))
    if h.type != 3 or h.label != args.pseudonym or meta.get("subject") != args.pseudonym:
        raise bad(f"subject {args.pseudonym}: its identity object belongs to another pseudonym")
    parts = []
    decrypt_body(vault.body_path(h), h, key, parts.append)
    identity = b"".join(parts).rstrip(b" ")  # the JSON is padded with spaces to a size class
    try:
        value = json.loads(identity.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise bad(f"subject {args.pseudonym}: its identity is not JSON")
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise bad(f"subject {args.pseudonym}: its identity has no name")
    sys.stdout.buffer.write(identity + b"\n")


def merkle_root(leaves):
    """RFC 6962 tree hash over leaf hashes: node = SHA-256(0x01 ‖ left ‖ right), split at the largest power of two."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + merkle_root(leaves[:k]) + merkle_root(leaves[k:])).digest()


def audit_fields(canonical):
    """origin, seq, time, actor and prev of a canonical audit entry (Docs/AUDIT.md)."""
    try:
        lines = canonical.decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise bad("an audit entry is not ASCII")
    if lines[0] != "safehouse-audit v1" or lines[-1] != "":
        raise bad("an audit entry is malformed")
    fields = {}
    for line in lines[1:-1]:
        key, _, value = line.partition(" ")
        if key != "object":
            if key in fields:
                raise bad("an audit entry is malformed")
            fields[key] = value
    for key in ("origin", "seq", "time", "actor", "action", "outcome", "prev"):
        if key not in fields:
            raise bad("an audit entry is malformed")
    for key in ("seq", "time"):
        if not fields[key].isdigit() or str(int(fields[key])) != fields[key]:
            raise bad("an audit entry is malformed")
    return fields


class BundleReader:
    def __init__(self, f):
        self.f = f

    def take(self, n):
        data = self.f.read(n)
        if len(data) != n:
            raise bad("the bundle is truncated")
        return data

    def u8(self): return self.take(1)[0]
    def u32(self): return struct.unpack(">I", self.take(4))[0]
    def u64(self): return struct.unpack(">Q", self.take(8))[0]


def parse_manifest(raw):
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad("the manifest is not UTF-8")
    lines = text.split("\n")
    hexchars = set("0123456789abcdef")

    def field(i, key):
        if i >= len(lines) or not lines[i].startswith(key + ": "):
            raise bad("the manifest is malformed")
        return lines[i][len(key) + 2:]

    def hexfield(value, size):
        if len(value) != 2 * size or not set(value) <= hexchars:
            raise bad("the manifest is malformed")
        return bytes.fromhex(value)

    def decimal(value):
        if not value.isdigit() or str(int(value)) != value:
            raise bad("the manifest is malformed")
        return int(value)

    if lines[0] != "safehouse-bundle v2":
        raise bad("the manifest is malformed")
    m = {"origin": hexfield(field(1, "origin"), 16), "device": hexfield(field(2, "device"), 32),
         "exporter": field(3, "exporter")}
    log = field(4, "log").split(" ")
    if len(log) != 2:
        raise bad("the manifest is malformed")
    m["log_size"], m["log_root"] = decimal(log[0]), hexfield(log[1], 32)
    n = decimal(field(5, "objects"))
    if len(lines) != 6 + n + 4:
        raise bad("the manifest is malformed")
    m["objects"], seen = [], set()
    for line in lines[6:6 + n]:
        parts = line.split(" ")
        if len(parts) not in (3, 4) or parts[1] not in ("1", "2", "3") or parts[0] in seen:
            raise bad("the manifest is malformed")
        hexfield(parts[0], 16)
        seen.add(parts[0])
        pseudonym = parts[3] if len(parts) == 4 else ""  # the header's label: pseudonym, or an excerpt's version
        if not valid_label(int(parts[1]), pseudonym):
            raise bad("the manifest is malformed")
        m["objects"].append((parts[0], int(parts[1]), hexfield(parts[2], 32), pseudonym))
    m["grants"] = decimal(field(6 + n, "grants"))
    m["statements"] = decimal(field(7 + n, "statements"))
    if lines[8 + n] != "end" or lines[9 + n] != "":
        raise bad("the manifest is malformed")
    return m


def cmd_verify_bundle(args):
    """Checks a bundle against a team keyring exactly as an importing vault would, without a vault."""
    try:
        with open(args.team, encoding="utf-8") as f:
            team_id, serial, ring = parse_keyring(f.read())
    except FileNotFoundError:
        raise Fail(EX_NOINPUT, "the team keyring does not exist")
    cards = {fp: card for fp, (card, _) in ring.items()}
    active = {fp: card for fp, (card, status) in ring.items() if status == "active"}
    try:
        f = open(args.bundle, "rb")
    except FileNotFoundError:
        raise Fail(EX_NOINPUT, "the bundle does not exist")
    with f:
        r = BundleReader(f)
        if r.take(4) != b"SHBN" or r.u8() != 2:
            raise bad("not a safehouse bundle, version 2")
        size = r.u32()
        if size > 128 << 20:
            raise bad("the manifest is impossibly large")
        raw = r.take(size)
        m = parse_manifest(raw)
        kind = r.u8()
        if kind == 1:
            signer = active.get(r.take(20))
            if signer is None or m["exporter"] != b32(signer.fingerprint):
                raise bad("the manifest's signer is not an active member of the team")
            signing_key = signer.sign_pk
        elif kind == 2:
            device, endorser_fp, endorsement = r.take(32), r.take(20), r.take(64)
            endorser = active.get(endorser_fp)
            message = (f"safehouse device v1\nvault: {m['origin'].hex()}\n"
                       f"key: {base64.b64encode(device).decode()}\n").encode()
            if device != m["device"] or m["exporter"] != "vault" or endorser is None or endorser.role == "editor" \
                    or not ed25519_verify(endorser.sign_pk, endorsement, message):
                raise bad("the bundle's device key is not endorsed by an active member of the team")
            signing_key = device
        else:
            raise bad("unknown manifest signer kind")
        if not ed25519_verify(signing_key, r.take(64), b"safehouse bundle manifest v1\n" + raw):
            raise bad("the manifest's signature does not verify")

        excerpts = set()
        for object_id, object_type, header_hash, pseudonym in m["objects"]:
            length = r.u32()
            if length > 4 << 20:
                raise bad("an object header is impossibly large")
            raw_header = r.take(length)
            if blake2b(raw_header, 32) != header_hash:
                raise bad(f"object {object_id} does not match the signed manifest")
            h = Header(raw_header)
            if h.id_hex != object_id or h.type != object_type or h.label != pseudonym:
                raise bad(f"object {object_id} does not match the signed manifest")
            h.verify(cards)
            if r.u64() != h.ciphertext_length:
                raise bad(f"object {object_id}: the body length does not match its header")
            outer = h.body_hasher()
            left, full = h.ciphertext_length, h.chunk_size + TAG
            while left:
                chunk = r.take(min(full, left))
                outer.add(chunk)
                left -= len(chunk)
            if outer.digest() != h.body_hash:
                raise bad(f"object {object_id}: the body does not match its signed header")
            if h.type == 2:
                excerpts.add(object_id)

        if r.u32() != m["log_size"]:
            raise bad("the audit log does not match the signed manifest")
        origin, prev, last_time, leaves = "safehouse.vault/" + m["origin"].hex(), bytes(32), 0, []
        for seq in range(m["log_size"]):
            canonical = r.take(r.u32())
            key, signature = r.take(32), r.take(64)
            e = audit_fields(canonical)
            trusted = m["device"] if e["actor"] == "vault" else \
                next((c.sign_pk for fp, c in cards.items() if b32(fp) == e["actor"]), None)
            if int(e["seq"]) != seq or e["origin"] != origin or e["prev"] != prev.hex() \
                    or key != trusted or not ed25519_verify(key, signature, canonical) or int(e["time"]) < last_time:
                raise bad(f"the bundled audit log is broken at entry {seq}")
            prev = hashlib.sha256(b"\x00" + canonical + signature).digest()
            leaves.append(prev)
            last_time = int(e["time"])
        if merkle_root(leaves) != m["log_root"]:
            raise bad("the bundled audit log's root does not match the signed manifest")

        if r.u32() != m["grants"]:
            raise bad("the grants do not match the signed manifest")
        officers = [c for c in cards.values() if c.role == "officer"]
        for _ in range(m["grants"]):
            fields = []
            for limit in (64, 64, 16, 64):
                n = r.u32()
                if n > limit:
                    raise bad("a grant is malformed")
                fields.append(r.take(n))
            excerpt, member, expires, signature = fields[0].decode(), fields[1].decode(), fields[2].decode(), fields[3]
            message = (f"safehouse grant v1\nexcerpt: {excerpt}\nmember: {member}\n"
                       f"expires: {expires or 'never'}\n").encode()
            if len(signature) != 64 or excerpt not in excerpts \
                    or not any(ed25519_verify(o.sign_pk, signature, message) for o in officers):
                raise bad("a grant is not signed by an officer of the team for an excerpt of the bundle")
        if r.u32() != m["statements"]:
            raise bad("the withdrawals and revocations do not match the signed manifest")
        heads = {1: "safehouse withdrawal v1\n", 2: "safehouse revocation v1\n"}
        for _ in range(m["statements"]):
            kind = r.take(1)[0]
            n = r.u32()
            if kind not in heads or n > 512:
                raise bad("a statement is malformed")
            text = r.take(n)
            officer, signature = r.take(20), r.take(64)
            expected_team = f"team: {team_id}\n"
            if not text.decode().startswith(heads[kind] + expected_team) \
                    or not any(o.fingerprint == officer and ed25519_verify(o.sign_pk, signature, text) for o in officers):
                raise bad("a withdrawal or revocation is not signed by an officer of the team")
        if r.take(4) != b"SHBE" or f.read(1):
            raise bad("the bundle's end marker is missing or data follows it")
    sys.stdout.write(f"bundle verified: {len(m['objects'])} objects, {m['log_size']} audit entries, "
                     f"{m['grants']} grants, team {team_id} serial {serial}\n")


def main(argv):
    p = argparse.ArgumentParser(prog="safehouse_format.py")
    sub = p.add_subparsers(dest="command", required=True)

    def keyed(sp):
        sp.add_argument("--vault", required=True)
        sp.add_argument("--key", required=True)
        g = sp.add_mutually_exclusive_group(required=True)
        g.add_argument("--passphrase-env")
        g.add_argument("--passphrase-file")

    o = sub.add_parser("open-record")
    keyed(o)
    o.add_argument("--id", required=True)
    o.add_argument("--out", required=True)
    o.add_argument("--bytes", help="START:LENGTH, random access (body format v2)")
    s = sub.add_parser("open-subject")
    keyed(s)
    s.add_argument("--pseudonym", required=True)
    b = sub.add_parser("verify-bundle")
    b.add_argument("bundle")
    b.add_argument("--team", required=True)
    try:
        args = p.parse_args(argv)
    except SystemExit as e:
        return EX_USAGE if e.code else 0
    try:
        {"open-record": cmd_open_record, "open-subject": cmd_open_subject,
         "verify-bundle": cmd_verify_bundle}[args.command](args)
        return 0
    except Fail as e:
        sys.stderr.write(f"safehouse_format: error: {e}\n")
        return e.code
    except sqlite3.Error as e:
        sys.stderr.write(f"safehouse_format: error: the vault database: {e}\n")
        return EX_DATAERR
    except (UnicodeDecodeError, ValueError) as e:  # the message could quote decrypted bytes
        sys.stderr.write(f"safehouse_format: error: bad data ({type(e).__name__})\n")
        return EX_DATAERR


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
