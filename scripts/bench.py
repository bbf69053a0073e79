#!/usr/bin/env python3
"""Times safehouse seal/open against age and gpg in one run on the same files.

Paired runs: every repetition runs each tool once, in turn, so machine noise
hits all of them alike; we report medians. Peak RSS comes from /usr/bin/time.
"""
import argparse, json, os, platform, random, re, shutil, statistics, subprocess, sys, tempfile, time

def sh(cmd, env=None, check=True):
    return subprocess.run(cmd, env=env, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

def timed(cmd, env, fresh=()):
    """(seconds, peak RSS in KiB) of one run. Untimed, first: the output files in
    `fresh` are removed (every tool writes a new file, none truncates an old one)
    and the disk is synced (no command writes back the previous one's output)."""
    for f in fresh:
        if os.path.exists(f): os.remove(f)
    os.sync()
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M"] + cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr.decode(errors="replace")))
    rss = int(r.stderr.decode().strip().splitlines()[-1])
    return dt, rss

def forget_vault_cache(vault, keep):
    """The other tools' outputs are deleted after each run; the vault keeps its
    records. Drop the (clean, synced) pages of the records sealed in the run from
    the page cache, so the vault does not fill memory run after run; the record
    `open` reads (`keep`) stays cached, as age's and gpg's inputs do."""
    os.sync()
    objects = os.path.join(vault, "objects")
    for name in os.listdir(objects):
        if name.startswith(keep): continue
        fd = os.open(os.path.join(objects, name), os.O_RDONLY)
        try: os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally: os.close(fd)

def size_bytes(s):
    m = re.fullmatch(r"(\d+)([KMG]?)", s)
    return int(m.group(1)) * {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[m.group(2)]

def machine():
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip(); break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    age = sh(["age", "--version"]).stdout.decode().strip()
    gpg = sh(["gpg", "--version"]).stdout.decode().splitlines()[0]
    return "%s, %d cores, %.0f GiB RAM, Linux %s; %s; age %s" % (cpu, os.cpu_count(), mem, platform.release(), gpg, age)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--dir", default=os.environ.get("BENCH_DIR", "/tmp/safehouse-bench"))
    ap.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", "5")))
    ap.add_argument("--sizes", default=os.environ.get("SIZES", "1M 64M 1G"))
    ap.add_argument("--out", default="Docs/PERFORMANCE-speed.md")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("BENCH_SEED", "7")), help="order of the commands in each run")
    a = ap.parse_args()
    S = os.path.abspath(a.bin)
    d = a.dir
    shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
    env = dict(os.environ, SAFEHOUSE_PASSPHRASE="bench-passphrase", GNUPGHOME=os.path.join(d, "gnupg"))
    os.makedirs(env["GNUPGHOME"], mode=0o700)
    k = os.path.join(d, "o.key")
    sh([S, "key", "new", "--name", "Bench", "--role", "officer", "--out", k, "--kdf", "interactive"], env)
    v = os.path.join(d, "vault")
    sh([S, "init", "--vault", v, "--identity", k], env)
    # A key agent holds the unlocked key for the "agent" rows, as an age identity file
    # (unencrypted) or a gpg-agent cache would; the --no-agent rows pay an Argon2id unlock
    # (interactive) in every command.
    env["SAFEHOUSE_AGENT_DIR"] = os.path.join(d, "ag")
    sh([S, "agent", "start", "--identity", k, "--ttl", "12h"], env)
    try:
        run_all(a, S, d, env, k, v)
    finally:
        sh([S, "agent", "stop", "--identity", k], env, check=False)
        shutil.rmtree(d, ignore_errors=True)

def primitives(n_bytes=1 << 30, chunk=64 << 10):
    """CPU seconds per GiB, one core, of the primitives sealed bytes go through:
    ChaCha20-Poly1305-IETF and BLAKE2b-256 (libsodium via ctypes), SHA-256 (OpenSSL via hashlib)."""
    import ctypes, ctypes.util
    lib = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
    assert lib.sodium_init() >= 0
    m = ctypes.create_string_buffer(os.urandom(chunk), chunk)
    c = ctypes.create_string_buffer(chunk + 16)
    key = ctypes.create_string_buffer(os.urandom(32), 32)
    nonce = ctypes.create_string_buffer(12)
    h = ctypes.create_string_buffer(32)
    clen = ctypes.c_ulonglong()
    n = n_bytes // chunk
    enc = lib.crypto_aead_chacha20poly1305_ietf_encrypt
    gh = lib.crypto_generichash
    res = {}
    import hashlib  # Python's hashlib SHA-256 is OpenSSL's libcrypto, the body format v2 chunk hash
    cb = bytes(chunk + 16)
    for name, fn in [("aead", lambda: enc(c, ctypes.byref(clen), m, ctypes.c_ulonglong(chunk), None, ctypes.c_ulonglong(0), None, nonce, key)),
                     ("blake2b", lambda: gh(h, ctypes.c_size_t(32), c, ctypes.c_ulonglong(chunk + 16), None, ctypes.c_size_t(0))),
                     ("sha256", lambda: hashlib.sha256(cb).digest())]:
        best = None
        for _ in range(3):
            t0 = time.process_time()
            for _ in range(n): fn()
            dt = (time.process_time() - t0) * (1 << 30) / n_bytes
            best = dt if best is None else min(best, dt)
        res[name] = best
    return res

def run_all(a, S, d, env, k, v):
    sh(["age-keygen", "-o", os.path.join(d, "age.key")], env)
    recipient = re.search(r"age1\w+", open(os.path.join(d, "age.key")).read()).group(0)
    pf = os.path.join(d, "pass"); open(pf, "w").write("bench-passphrase\n")
    rows = []
    for s in a.sizes.split():
        n = size_bytes(s)
        src = os.path.join(d, "in-" + s)
        with open(src, "wb") as f:
            left = n
            while left:
                c = min(left, 8 << 20); f.write(os.urandom(c)); left -= c
        res = {t: [] for t in ["seal", "open", "seal-pass", "open-pass", "age-enc", "age-dec", "age-enc-sync", "age-dec-sync", "gpg-enc", "gpg-dec"]}
        rss = {t: [] for t in res}
        # Inputs for the decrypting commands, made once, untimed: a record, an .age and a .gpg file.
        out = os.path.join(d, "out")
        gpgc = ["gpg", "--batch", "--yes", "--quiet", "--pinentry-mode", "loopback", "--passphrase-file", pf]
        rid = sh([S, "seal", src, "--vault", v, "--identity", k, "--kind", "coverage", "--country", "KR", "--quiet"], env).stdout.decode().strip()
        sh([S, "open", rid, "--vault", v, "--identity", k, "--out", out, "--force", "--quiet"], env)
        if sh(["cmp", src, out], check=False).returncode != 0:
            sys.exit("safehouse round trip differs at %s" % s)
        age_in, gpg_in = os.path.join(d, "in.age"), os.path.join(d, "in.gpg")
        sh(["age", "-r", recipient, "-o", age_in, src], env)
        sh(gpgc + ["--compress-algo", "none", "--cipher-algo", "AES256", "--symmetric", "-o", gpg_in, src], env)
        ak = os.path.join(d, "age.key")
        jobs = {
            # --again: a file sealed before is otherwise skipped (seal tags), which would time a skip.
            "seal": ([S, "seal", src, "--vault", v, "--identity", k, "--again", "--kind", "coverage", "--country", "KR", "--quiet"], None),
            "open": ([S, "open", rid, "--vault", v, "--identity", k, "--out", out, "--force", "--quiet"], out),
            "seal-pass": ([S, "seal", src, "--vault", v, "--identity", k, "--no-agent", "--again", "--kind", "coverage", "--country", "KR", "--quiet"], None),
            "open-pass": ([S, "open", rid, "--vault", v, "--identity", k, "--no-agent", "--out", out, "--force", "--quiet"], out),
            "age-enc": (["age", "-r", recipient, "-o", out, src], out),
            "age-dec": (["age", "-d", "-i", ak, "-o", out, age_in], out),
            # The same, made durable as safehouse's output is (fsync of the output file).
            "age-enc-sync": (["sh", "-c", 'age -r "$1" -o "$2" "$3" && sync "$2"', "sh", recipient, out, src], out),
            "age-dec-sync": (["sh", "-c", 'age -d -i "$1" -o "$2" "$3" && sync "$2"', "sh", ak, out, age_in], out),
            "gpg-enc": (gpgc + ["--compress-algo", "none", "--cipher-algo", "AES256", "--symmetric", "-o", out, src], out),
            "gpg-dec": (gpgc + ["--decrypt", "-o", out, gpg_in], out),
        }
        res = {t: [] for t in jobs}
        rss = {t: [] for t in jobs}
        rng = random.Random(a.seed)
        for r in range(a.runs):
            # A new order each run: on a VM, a command's speed depends on what ran just
            # before it (which pages were freed, what is being written back).
            order = list(jobs)
            rng.shuffle(order)
            for name in order:
                cmd, output = jobs[name]
                t, m = timed(cmd, env, [output] if output else [])
                res[name].append(t); rss[name].append(m)
            if os.path.exists(out): os.remove(out)
            forget_vault_cache(v, rid)
        med = {t: statistics.median(x) for t, x in res.items()}
        rows.append((s, n, med, {t: max(x) for t, x in rss.items()}))
        print("%s: %s" % (s, ", ".join("%s %.3fs" % (t, med[t]) for t in med)), flush=True)
        # Random access on the largest record: 1% from the middle vs the whole.
        if s == a.sizes.split()[-1]:
            rid = json.loads(sh([S, "list", "--vault", v, "--identity", k, "--json"], env).stdout)[-1]["id"]
            part = max(n // 100, 1)
            ra, full, ra_pass, full_pass = [], [], [], []
            for r in range(a.runs):
                out = os.path.join(d, "part")
                for extra, rl, fl in [([], ra, full), (["--no-agent"], ra_pass, full_pass)]:
                    t, _ = timed([S, "open", rid, "--bytes", "%d:%d" % (n // 2, part), "--vault", v, "--identity", k, "--out", out, "--force"] + extra, env, [out]); rl.append(t)
                    t, _ = timed([S, "open", rid, "--vault", v, "--identity", k, "--out", out, "--force", "--quiet"] + extra, env, [out]); fl.append(t)
                    os.remove(out)
            random_access = (s, part, statistics.median(ra), statistics.median(full), statistics.median(ra_pass), statistics.median(full_pass))
        for f in [src, age_in, gpg_in]: os.remove(f)
    # Fixed cost: unlock at each KDF level (key verify unlocks and nothing else).
    kdf = []
    for level in ["interactive", "moderate", "sensitive"]:
        kk = os.path.join(d, level + ".key")
        sh([S, "key", "new", "--name", "K" + level, "--role", "editor", "--out", kk, "--kdf", level], env)
        ts = [timed([S, "key", "verify", kk], env) for _ in range(3)]
        kdf.append((level, statistics.median(t for t, _ in ts), max(m for _, m in ts)))
    prim = primitives()
    lines = ["## Seal and open vs age and gpg", "",
             "Measured %s on: %s." % (time.strftime("%Y-%m-%d"), machine()),
             "Median of %d paired runs per size (each run: safehouse seal, open, age -r, age -d, gpg --symmetric, gpg --decrypt "
             "on the same file and disk, plus safehouse seal/open with `--no-agent`, in a new random order each run (seed %d); "
             "before each, untimed: the output file removed and `sync`); wall time including process start and the "
             "audit entry. The main columns use a running `safehouse agent` (the key unlocked once, as age's identity file is "
             "unencrypted); the *with unlock* columns pay an Argon2id *interactive* unlock in every command. "
             "MB/s = 10^6 bytes/s. Ratio = age's time / safehouse's time (> 1 means faster than age). safehouse fsyncs what it writes "
             "before it returns; age does not, so the *age + fsync* column times `age … && sync OUTPUT` (same durability)." % (a.runs, a.seed), "",
             "| size | safehouse seal | age -r | gpg enc | **seal ÷ age** | safehouse open | age -d | gpg dec | **open ÷ age** | age + fsync: enc / dec (÷ safehouse) | seal / open with unlock (÷ age) | peak RSS seal / open / age; with unlock |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for s, n, m, r in rows:
        mbs = lambda t: "%.3f s (%.0f MB/s)" % (t, n / t / 1e6)
        lines.append("| %s | %s | %s | %s | **%.2f×** | %s | %s | %s | **%.2f×** | %.3f s (%.2f×) / %.3f s (%.2f×) | %.3f s (%.2f×) / %.3f s (%.2f×) | %d / %d / %d MiB; %d / %d MiB |" % (
            s, mbs(m["seal"]), mbs(m["age-enc"]), mbs(m["gpg-enc"]), m["age-enc"] / m["seal"],
            mbs(m["open"]), mbs(m["age-dec"]), mbs(m["gpg-dec"]), m["age-dec"] / m["open"],
            m["age-enc-sync"], m["age-enc-sync"] / m["seal"], m["age-dec-sync"], m["age-dec-sync"] / m["open"],
            m["seal-pass"], m["age-enc"] / m["seal-pass"], m["open-pass"], m["age-dec"] / m["open-pass"],
            r["seal"] // 1024, r["open"] // 1024, r["age-enc"] // 1024, r["seal-pass"] // 1024, r["open-pass"] // 1024))
    s, part, tra, tfull, tra_p, tfull_p = random_access
    big = rows[-1]
    ncores = os.cpu_count()
    floor = (prim["aead"] + prim["sha256"]) * big[1] / (1 << 30) / ncores
    lines += ["", "Random access: `open --bytes` of %d bytes (1%%) from the middle of the %s record: %.3f s, "
              "vs %.3f s for the full open — **%.1f× faster** (with the agent). With an Argon2id unlock in each command: "
              "%.3f s vs %.3f s — %.1f×." % (part, s, tra, tfull, tfull / tra, tra_p, tfull_p, tfull_p / tra_p), "",
              "CPU floor, measured in this run (one core, 64 KiB chunks): ChaCha20-Poly1305 (libsodium through ctypes) %.2f s/GiB "
              "+ SHA-256 (OpenSSL libcrypto through hashlib; body format v2's chunk hash) %.2f s/GiB = %.2f CPU-s/GiB "
              "(body format v1's BLAKE2b, libsodium: %.2f s/GiB). Every sealed or opened byte goes through the cipher and the hash (Docs/FORMAT.md), so on "
              "%d cores the %s file needs at least **%.2f s** of wall time before any I/O; age took %.2f s (seal) and %.2f s (open) in this run."
              % (prim["aead"], prim["sha256"], prim["aead"] + prim["sha256"], prim["blake2b"], ncores, big[0], floor, big[2]["age-enc"], big[2]["age-dec"]), "",
              "Key unlock (Argon2id, `safehouse key verify`, median of 3):", "",
              "| --kdf | unlock time | peak RSS |", "|---|---|---|"]
    for level, t, m in kdf:
        lines.append("| %s | %.3f s | %d MiB |" % (level, t, m // 1024))
    open(a.out, "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))

if __name__ == "__main__":
    main()
