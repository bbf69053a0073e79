#!/usr/bin/env python3
"""Attack on `safehouse stats --json`: work out hidden cells from every published number.

The attacker reads only the published JSON. It knows what each table counts
(from its title), so it knows which printed numbers are the same count in two
tables and every sum relation between them; it knows that "<T" is 1..T-1 and
"x" is T or more. For every hidden number it solves two integer programs
(scipy's HiGHS MILP): the least and the greatest value consistent with all of
that. Equal bounds mean the number is determined: the publication leaked it.

    attack_stats.py STATS.json [...]   prints "determined: FILE TABLE CELL VALUE"
                                       per leak; exit 1 if any, 0 if none.
"""
import json
import sys

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

# What each table counts: (base conditions, row key, column key or None).
LAYOUTS = {
    "Records by kind and country": ({}, "kind", "country"),
    "Interviews by subject category and country": ({"kind": "interview"}, "category", "country"),
    "Legal records by status": ({"kind": "legal"}, "status", None),
    "Records per quarter by kind": ({}, "quarter", "kind"),
    "Interview quality ratings by kind": ({"rating": "*"}, "rating", "kind"),
}


def key(conds):
    return tuple(sorted(conds.items()))


def attack(doc):
    T = doc["threshold"]
    known = {}     # query -> int
    hidden = {}    # query -> (lo, hi)
    relations = []  # (parts, whole)
    labels = {}

    def publish(q, v, where):
        if isinstance(v, str):
            rng = (1, T - 1) if v.startswith("<") else (T, None)
            hidden.setdefault(q, rng)
            labels.setdefault(q, where)
        else:
            if q in known and known[q] != v:
                raise SystemExit(f"inconsistent publication at {where}")
            known[q] = v

    for t in doc["tables"]:
        if t.get("withheld"):
            continue
        base, rk, ck = LAYOUTS[t["title"]]
        rows, cols = t["rows"], t["columns"]
        if not rows or not cols:
            continue

        def cell(r, c):
            q = dict(base); q[rk] = rows[r]
            if ck:
                q[ck] = cols[c]
            return key(q)

        def rowt(r):
            q = dict(base); q[rk] = rows[r]; return key(q)

        def colt(c):
            if not ck:
                return key(base)
            q = dict(base); q[ck] = cols[c]; return key(q)

        grand = key(base)
        for r in range(len(rows)):
            for c in range(len(cols)):
                publish(cell(r, c), t["cells"][r][c], f"{t['title']} [{rows[r]}, {cols[c]}]")
            publish(rowt(r), t["rowTotals"][r], f"{t['title']} [{rows[r]}, total]")
        for c in range(len(cols)):
            publish(colt(c), t["columnTotals"][c], f"{t['title']} [total, {cols[c]}]")
        publish(grand, t["total"], f"{t['title']} [total]")
        for r in range(len(rows)):
            relations.append(([cell(r, c) for c in range(len(cols))], rowt(r)))
        for c in range(len(cols)):
            relations.append(([cell(r, c) for r in range(len(rows))], colt(c)))
        relations.append(([rowt(r) for r in range(len(rows))], grand))
        relations.append(([colt(c) for c in range(len(cols))], grand))

    # A number hidden in one table and printed in another is simply known.
    leaks = [(labels[q] + " (printed elsewhere)", known[q]) for q in hidden if q in known]
    for q in [q for q in hidden if q in known]:
        del hidden[q]
    names = sorted(hidden)
    if not names:
        return leaks
    idx = {q: i for i, q in enumerate(names)}
    n = len(names)
    rows_a, lb, ub = [], [], []
    for parts, whole in relations:
        a = np.zeros(n); const = 0
        for p in parts:
            if p in idx:
                a[idx[p]] += 1
            else:
                const -= known.get(p, 0)
        if whole in idx:
            a[idx[whole]] -= 1
        else:
            const += known.get(whole, 0)
        if not a.any():
            continue
        rows_a.append(a); lb.append(const); ub.append(const)
    # A count with "rating=*" is a subset of the same count without it.
    for q in set(known) | set(hidden):
        wider = tuple(kv for kv in q if kv[1] != "*")
        if wider == q or (wider not in known and wider not in hidden):
            continue
        a = np.zeros(n); const = 0
        if q in idx:
            a[idx[q]] += 1
        else:
            const -= known[q]
        if wider in idx:
            a[idx[wider]] -= 1
        else:
            const += known[wider]
        if a.any():
            rows_a.append(a); lb.append(-np.inf); ub.append(const)
    big = 10 ** 6
    lo = np.array([hidden[q][0] for q in names], dtype=float)
    hi = np.array([hidden[q][1] if hidden[q][1] is not None else big for q in names], dtype=float)
    cons = [LinearConstraint(np.array(rows_a), lb, ub)] if rows_a else []
    for q in names:
        c = np.zeros(n); c[idx[q]] = 1
        values = []
        for sign in (1, -1):
            res = milp(sign * c, constraints=cons, bounds=Bounds(lo, hi), integrality=np.ones(n))
            if res.status != 0:
                raise SystemExit(f"solver failed ({res.message}) on {labels[q]}")
            values.append(round(res.x[idx[q]]))
        if values[0] == values[1]:
            leaks.append((labels[q], values[0]))
    return leaks


def main():
    found = 0
    for path in sys.argv[1:]:
        with open(path) as f:
            doc = json.load(f)
        for where, value in attack(doc):
            print(f"determined: {path} {where} = {value}")
            found += 1
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
