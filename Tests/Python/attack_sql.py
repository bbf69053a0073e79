#!/usr/bin/env python3
"""Runs one SQL statement on a vault database, as someone with the files could.

    attack_sql.py VAULT_DB "SQL" [PARAM...]

Prints the number of rows changed; exit 3 if none was, 1 on error.
"""
import sys

from attack_common import Cannot, connect, main_guard


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    db = connect(sys.argv[1])
    cur = db.execute(sys.argv[2], sys.argv[3:])
    if cur.rowcount < 1:
        raise Cannot("the statement changed nothing")
    print(cur.rowcount)
    db.close()


if __name__ == "__main__":
    main_guard(main)
