#!/usr/bin/env python3
"""Damages a vault database column by column, as a failing disk or an editor
could, and runs the read commands on each copy.

    db_fuzz.py SAFEHOUSE_BIN VAULT_DIR IDENTITY

For every column of every table that has rows: the first row's value set to
NULL, to text, to an integer and to a one-byte blob (skipped where SQLite's own
constraints refuse it); plus two objects' headers swapped and an audit row
duplicated. Prints one line per run: `table column value command exit`.
"""
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

binary, vault, identity = sys.argv[1:4]
commands = [["check"], ["list", "--identity", identity], ["audit", "verify"], ["team", "list"],
            ["subject", "list", "--identity", identity], ["audit", "log"]]


def run_all(label, mutate):
    work = tempfile.mkdtemp(prefix="safehouse-dbfuzz-")
    try:
        copy = os.path.join(work, "v")
        shutil.copytree(vault, copy)
        db = sqlite3.connect(os.path.join(copy, "vault.sqlite"))
        try:
            mutate(db)
            db.commit()
        except sqlite3.DatabaseError:
            return  # SQLite's own constraints refused the edit
        finally:
            db.close()
        for cmd in commands:
            r = subprocess.run([binary] + cmd + ["--vault", copy], capture_output=True, timeout=120)
            print(f"{label} {cmd[0]}-{cmd[1] if len(cmd) > 1 and not cmd[1].startswith('--') else ''} {r.returncode}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


src = sqlite3.connect(os.path.join(vault, "vault.sqlite"))
tables = [r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'")]
plan = []
for t in tables:
    if src.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] == 0:
        continue
    for c in [r[1] for r in src.execute(f"PRAGMA table_info({t})")]:
        plan.append((t, c))
src.close()

for t, c in plan:
    for name, val in [("null", None), ("text", "x"), ("int", 7), ("blob", b"\x00")]:
        run_all(f"{t} {c} {name}",
                lambda db, t=t, c=c, val=val: db.execute(f"UPDATE {t} SET {c} = ? WHERE rowid = (SELECT MIN(rowid) FROM {t})", (val,)))


def swap_headers(db):
    rows = db.execute("SELECT rowid, header FROM objects ORDER BY rowid LIMIT 2").fetchall()
    if len(rows) == 2:
        db.execute("UPDATE objects SET header = ? WHERE rowid = ?", (rows[1][1], rows[0][0]))
        db.execute("UPDATE objects SET header = ? WHERE rowid = ?", (rows[0][1], rows[1][0]))


def duplicate_audit(db):
    db.execute("INSERT INTO audit(seq, entry, signer_key, signature, leaf_hash) "
               "SELECT (SELECT MAX(seq) FROM audit) + 1, entry, signer_key, signature, leaf_hash FROM audit WHERE seq = 1")


run_all("objects header swapped", swap_headers)
run_all("audit row duplicated", duplicate_audit)
