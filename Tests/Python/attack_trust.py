#!/usr/bin/env python3
"""Offline take-over of a field vault's trust anchor (Docs/FORMAT.md "Member card",
"Endorsement and team keyring").

    attack_trust.py take-over VAULT_DB [--unbind]
        generate an attacker officer key, write its valid self-signed card into
        `members`, point meta.root at its fingerprint, and re-endorse every card
        (members.endorsed_by / endorsement) with the attacker's key, so the member
        list verifies against the new root. With --unbind, first make the vault look
        never used: drop every audit entry after the first and the meta keys that
        bind the vault to its owner (trust_owner, trust_seq, device_endorsement,
        device_endorser) -- refused with exit 3 if the vault holds objects.

    attack_trust.py rollback VAULT_DB OLD_VAULT_DB
        put back an older trust state kept from a copy of the same vault: its member
        rows and its meta keys root, keyring_serial and trust_seq (the pointer then
        names the older, genuinely signed `trust-bind` entry, still in the log).

Prints the attacker's fingerprint (take-over) or the restored trust_seq (rollback).
Exit 0 done, 3 cannot, 1 error.
"""
import sys

from attack_common import Cannot, connect, endorsement_message, main_guard, meta_text, new_member, b64


def rollback(path, old_path):
    old = connect(old_path)
    rows = old.execute("SELECT fingerprint, card, endorsed_by, endorsement, status FROM members").fetchall()
    meta = {k: old.execute("SELECT value FROM meta WHERE key = ?", (k,)).fetchone() for k in ("root", "keyring_serial", "trust_seq")}
    old.close()
    db = connect(path)
    db.execute("BEGIN IMMEDIATE")
    if meta["trust_seq"] is None:
        raise Cannot("the older copy has no trust_seq")
    db.execute("DELETE FROM members")
    db.executemany("INSERT INTO members(fingerprint, card, endorsed_by, endorsement, status) VALUES (?, ?, ?, ?, ?)", rows)
    for k, v in meta.items():
        if v is not None:
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (k, v[0]))
    db.execute("COMMIT")
    db.close()
    print(bytes(meta["trust_seq"][0]).decode())


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "rollback":
        return rollback(sys.argv[2], sys.argv[3])
    if len(sys.argv) < 3 or sys.argv[1] != "take-over":
        sys.exit(__doc__)
    db = connect(sys.argv[2])
    db.execute("BEGIN IMMEDIATE")
    if "--unbind" in sys.argv[3:]:
        if db.execute("SELECT COUNT(*) FROM objects").fetchone()[0] != 0:
            raise Cannot("the vault holds objects; --unbind only applies to an unused vault")
        db.execute("DELETE FROM audit WHERE seq > 0")
        db.execute("DELETE FROM meta WHERE key IN ('trust_owner', 'trust_seq', 'device_endorsement', 'device_endorser')")
    team = meta_text(db, "team_id")
    if team is None or len(team) != 32:
        raise Cannot("meta.team_id is missing")
    sk, spk, bpk, fp, card = new_member("Security Desk", "officer")
    rows = db.execute("SELECT fingerprint, card FROM members").fetchall()
    for member_fp, member_card in rows:
        db.execute("UPDATE members SET endorsed_by = ?, endorsement = ? WHERE fingerprint = ?",
                   (fp, sk.sign(endorsement_message(team, member_card)), member_fp))
    db.execute("INSERT INTO members(fingerprint, card, endorsed_by, endorsement, status) VALUES (?, ?, ?, ?, 'active')",
               (fp, card, fp, sk.sign(endorsement_message(team, card))))
    db.execute("UPDATE meta SET value = CAST(? AS BLOB) WHERE key = 'root'", (fp,))
    db.execute("COMMIT")
    db.close()
    print(fp)


if __name__ == "__main__":
    main_guard(main)
