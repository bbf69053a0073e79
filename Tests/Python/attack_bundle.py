#!/usr/bin/env python3
"""Tampered field bundles (Docs/FORMAT.md "Bundle").

    attack_bundle.py rename IN OUT OLD NEW
        replace the pseudonym OLD by NEW (same length) everywhere it occurs in the
        bundle's bytes. In a version-1 bundle the signed audit entries are left as
        they are (editing them would only break their signatures; the attack is on
        the unsigned pseudonym field): the stronger attack.
    attack_bundle.py drop-subject IN OUT PSEUDONYM [--resign FIELD_DB]
        remove the subject identity object of PSEUDONYM and lower the object count.
        With --resign (an attacker holding the field laptop's files), sign the new
        v2 manifest with the field device key and the owner's endorsement of it.
    attack_bundle.py forge-entry IN OUT FIELD_DB ACTOR ACTION [OBJECT...]
        append to the bundled audit log an entry in ACTOR's name signed by the field
        vault's device key (read from FIELD_DB, as on a seized laptop), chain fixed.

Prints how many places were changed. Exit 0 done, 3 cannot, 1 error.
"""
import sys

from attack_common import (MANIFEST_CONTEXT, Cannot, bundle_version, connect, device_seed, ed25519_from_seed,
                           fingerprint_bytes, forged_entry, header_type, leaf_hash, main_guard, merkle_root, meta_text,
                           parse_bundle, parse_bundle_v1, serialize_bundle, serialize_bundle_v1)


def resign_manifest(b, db, sk, pk):
    """Signs a v2 manifest with the field device key, vouched for by the owner's
    endorsement kept in the vault's meta table (both on the seized laptop)."""
    if b["signer"][0] == 2:
        if b["signer"][1:33] != pk:
            raise Cannot("the manifest's device key is not this vault's")
    else:
        row = db.execute("SELECT value FROM meta WHERE key = 'device_endorsement'").fetchone()
        endorser = meta_text(db, "device_endorser")
        if row is None or endorser is None:
            raise Cannot("the field vault holds no endorsement of its device key")
        b["signer"] = bytes([2]) + pk + fingerprint_bytes(endorser) + bytes(row[0])
    b["signature"] = sk.sign(MANIFEST_CONTEXT + b["manifest"].encode())


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    mode, src, dst = sys.argv[1], sys.argv[2], sys.argv[3]
    data = open(src, "rb").read()
    version = bundle_version(data)
    if mode == "rename":
        old, new = sys.argv[4].encode(), sys.argv[5].encode()
        if len(old) != len(new):
            raise Cannot("the new pseudonym must have the old one's length")
        if version == 1:
            b = parse_bundle_v1(data)
            n = 0
            for o in b["objects"]:
                for i in (0, 1):
                    n += o[i].count(old)
                    o[i] = o[i].replace(old, new)
            out = serialize_bundle_v1(b)
        else:
            n = data.count(old)
            out = data.replace(old, new)
        if n == 0:
            raise Cannot("the pseudonym does not occur in the bundle's objects")
    elif mode == "drop-subject":
        # A transit attacker: no key at all. In a v2 bundle the subject's manifest
        # line goes too and the manifest's object count is lowered (its signature
        # then no longer matches; nobody on the way can sign a new one).
        pseudonym = sys.argv[4].encode()
        b = parse_bundle(data)
        keep = [o for o in b["objects"] if not (header_type(o[0]) == 3 and (o[1] == pseudonym or pseudonym in o[0][:64]))]
        n = len(b["objects"]) - len(keep)
        if n != 1:
            raise Cannot(f"expected one subject object for the pseudonym, found {n}")
        b["objects"] = keep
        if version == 2:
            lines = [l for l in b["manifest"].split("\n") if not (l.endswith(" " + pseudonym.decode()) and " 3 " in l)]
            lines = [f"objects: {len(keep)}" if l.startswith("objects: ") else l for l in lines]
            b["manifest"] = "\n".join(lines)
            if "--resign" in sys.argv[5:]:
                db = connect(sys.argv[sys.argv.index("--resign") + 1])
                sk, pk = ed25519_from_seed(device_seed(db))
                resign_manifest(b, db, sk, pk)
                db.close()
        elif "--resign" in sys.argv[5:]:
            raise Cannot("a version-1 bundle has no manifest to re-sign")
        out = serialize_bundle(b, version)
    elif mode == "forge-entry":
        # An attacker holding the field laptop's files: the device seed (and, in a
        # v2 bundle, the owner's endorsement of the device key, both in meta) sign
        # a new manifest over the longer log, so only the actor rule can stop it.
        db = connect(sys.argv[4])
        sk, pk = ed25519_from_seed(device_seed(db))
        actor, action, objs = sys.argv[5], sys.argv[6], sys.argv[7:]
        b = parse_bundle(data)
        if not b["entries"]:
            raise Cannot("the bundle carries no audit log")
        canonical = forged_entry(b["entries"][-1], actor, action, objs)
        b["entries"].append([canonical, pk, sk.sign(canonical)])
        if version == 2:
            root = merkle_root([leaf_hash(e, s) for e, _, s in b["entries"]])
            b["manifest"] = "\n".join(f"log: {len(b['entries'])} {root.hex()}" if l.startswith("log: ") else l
                                      for l in b["manifest"].split("\n"))
            resign_manifest(b, db, sk, pk)
        db.close()
        out, n = serialize_bundle(b, version), 1
    else:
        sys.exit(__doc__)
    open(dst, "wb").write(out)
    print(n)


if __name__ == "__main__":
    main_guard(main)
