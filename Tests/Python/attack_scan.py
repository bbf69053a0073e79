#!/usr/bin/env python3
"""What a seized field laptop or an intercepted bundle shows, read byte by byte.

    attack_scan.py scan [--secret S]... [--word W]... [--pseudonym P]... [--record R]... PATH...
        PATH: files or directories (read recursively, every file, whatever its name:
        vault.sqlite, -wal, -shm, bodies, bundles, saved command output).
        --secret S   must not occur anywhere (UTF-8 bytes; ASCII case-insensitive)
        --word W     must not occur as a word in clear: an occurrence followed by a
                     letter is allowed ("interview" in the card line "role: interviewer")
        --pseudonym / --record: in every audit entry found in the bytes (canonical form,
        Docs/AUDIT.md), no object may be a pseudonym (any of these, or anything of the
        pseudonym form), and no record id may appear within 200 bytes of a pseudonym;
        every entry's time must be a whole day (time % 86400 == 0).
        --expect-entries PREFIX  the files whose name starts with PREFIX must hold at
                     least one audit entry between them (so the checks above saw something)
    attack_scan.py headers VAULT_DIR
        copy the vault's database (with -wal) aside and print, per object type, the
        header and body lengths: `type id header_len body_len`, one per line.

scan prints one `leak: …` line per finding and exits 1 if there is any, 0 if none.
"""
import os
import re
import shutil
import sqlite3
import sys
import tempfile

from attack_common import CANONICAL, PSEUDONYM, RECORD_ID, field, main_guard, objects, parse_entry


def files(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _, names in os.walk(p):
                for n in sorted(names):
                    yield os.path.join(root, n)
        else:
            yield p


def scan(args):
    secrets, words, pseudonyms, records, paths, expect = [], [], [], [], [], []
    it = iter(args)
    for a in it:
        if a == "--secret": secrets.append(next(it))
        elif a == "--word": words.append(next(it))
        elif a == "--pseudonym": pseudonyms.append(next(it))
        elif a == "--record": records.append(next(it))
        elif a == "--expect-entries": expect.append(next(it))
        else: paths.append(a)
    findings, entries_seen, scanned, per_file = [], 0, 0, {}
    for path in files(paths):
        data = open(path, "rb").read()
        scanned += 1
        low = data.lower()
        name = os.path.basename(path)
        for s in secrets:
            n = low.count(s.encode().lower())
            if n:
                findings.append(f"leak: {name}: {s!r} occurs {n} time(s) in clear")
        for w in words:
            for m in re.finditer(re.escape(w.encode().lower()) + rb"(?![a-z])", low):
                ctx = data[max(0, m.start() - 40):m.end() + 40]
                findings.append(f"leak: {name}@{m.start()}: the word {w!r} in clear: {ctx!r}")
        for m in CANONICAL.finditer(data):
            try:
                fields = parse_entry(m.group(0))
            except ValueError:
                continue
            entries_seen += 1
            per_file[name] = per_file.get(name, 0) + 1
            where = f"{name}@{m.start()} (audit entry seq {field(fields, 'seq')}, {field(fields, 'action')})"
            objs = objects(fields)
            bad = [o for o in objs if o in pseudonyms or PSEUDONYM.fullmatch(o.encode())]
            if bad:
                findings.append(f"leak: {where}: names pseudonym(s) {bad}")
            text = m.group(0)
            for pm in list(PSEUDONYM.finditer(text)) + [re.search(re.escape(p.encode()), text) for p in pseudonyms]:
                if pm is None:
                    continue
                near = text[max(0, pm.start() - 200):pm.end() + 200]
                ids = [r for r in RECORD_ID.findall(near) if not records or r.decode() in records]
                if ids:
                    findings.append(f"leak: {where}: record id(s) {[i.decode() for i in ids]} within 200 bytes of {pm.group(0).decode()}")
            t = int(field(fields, "time"))
            if t % 86400 != 0:
                findings.append(f"leak: {where}: exact time {t} (not a whole day)")
    for prefix in expect:
        if sum(n for f, n in per_file.items() if f.startswith(prefix)) == 0:
            findings.append(f"scan: no audit entry found in the files named {prefix}*: the entry checks saw nothing")
    for f in dict.fromkeys(findings):
        print(f)
    sys.stderr.write(f"attack_scan: {scanned} file(s), {entries_seen} audit entr(y/ies) found in the bytes {per_file}, {len(findings)} finding(s)\n")
    sys.exit(1 if findings else 0)


def headers(vault):
    tmp = tempfile.mkdtemp()
    try:
        for suffix in ("", "-wal", "-shm"):
            src = os.path.join(vault, "vault.sqlite" + suffix)
            if os.path.exists(src):
                shutil.copyfile(src, os.path.join(tmp, "vault.sqlite" + suffix))
        db = sqlite3.connect(os.path.join(tmp, "vault.sqlite"))
        for oid, typ, header, blen in db.execute("SELECT id, type, header, body_length FROM objects ORDER BY rowid"):
            print(f"{typ} {oid} {len(header)} {blen}")
        db.close()
    finally:
        shutil.rmtree(tmp)


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    if sys.argv[1] == "scan":
        scan(sys.argv[2:])
    elif sys.argv[1] == "headers":
        headers(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main_guard(main)
