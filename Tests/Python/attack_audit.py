#!/usr/bin/env python3
"""Audit-log forgeries with a vault's device key (meta.device_seed, in clear).

    attack_audit.py delete-resign VAULT_DB ACTION ACTOR
        delete the last entry with this action by this actor (compact fingerprint)
        and re-sign every later entry with the device key: seq, prev, leaf_hash and
        signer_key fixed, so the chain is consistent again.
    attack_audit.py append VAULT_DB ACTOR ACTION [OBJECT...]
        append an entry in ACTOR's name (a member's fingerprint), signed by the
        device key, linked to the last entry.

Prints the seq of the deleted / appended entry. Exit 0 done, 3 cannot, 1 error.
"""
import sys

from attack_common import (Cannot, audit_rows, connect, device_seed, ed25519_from_seed, field, forged_entry,
                           main_guard, parse_entry, rechain, write_audit)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    mode, path = sys.argv[1], sys.argv[2]
    db = connect(path)
    sk, pk = ed25519_from_seed(device_seed(db))
    db.execute("BEGIN IMMEDIATE")
    entries = audit_rows(db)
    if mode == "delete-resign":
        action, actor = sys.argv[3], sys.argv[4]
        hits = [i for i, e in enumerate(entries)
                if field(parse_entry(e[0]), "action") == action and field(parse_entry(e[0]), "actor") == actor]
        if not hits:
            raise Cannot(f"no {action} entry by {actor} in the log")
        k = hits[-1]
        if k == len(entries) - 1:
            raise Cannot("the entry to delete is the last one; make a later entry first")
        del entries[k]
        rechain(entries, k, sk, pk)
        write_audit(db, entries)
        print(k)
    elif mode == "append":
        actor, action, objs = sys.argv[3], sys.argv[4], sys.argv[5:]
        canonical = forged_entry(entries[-1], actor, action, objs)
        entries.append([canonical, pk, sk.sign(canonical)])
        write_audit(db, entries)
        print(len(entries) - 1)
    else:
        sys.exit(__doc__)
    db.execute("COMMIT")
    db.close()


if __name__ == "__main__":
    main_guard(main)
