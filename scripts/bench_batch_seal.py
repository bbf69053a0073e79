#!/usr/bin/env python3
"""Times sealing an SD card (N files of S bytes) in one `safehouse seal` command
against the shell loop a careful user writes with age:

    for f in …; do age -r $R -o $f.age $f && sync; done

Paired runs: each repetition runs every variant once, in turn, on the same
files and disk; medians are reported. Each safehouse run seals into a fresh
field vault (so no file is a duplicate), and every run starts after a sync.
"""
import argparse, os, platform, shutil, statistics, subprocess, sys, tempfile, time

def run(cmd, env, **kw):
    r = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if r.returncode != 0:
        sys.exit("failed: %s\n%s" % (" ".join(cmd), r.stderr.decode(errors="replace")))
    return r.stdout.decode()

def timed(cmd, env):
    os.sync()
    t0 = time.perf_counter()
    out = run(cmd, env)
    return time.perf_counter() - t0, out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--dir", default=os.environ.get("BENCH_DIR", "/tmp/safehouse-bench-batch"))
    ap.add_argument("--runs", type=int, default=int(os.environ.get("RUNS", "5")))
    ap.add_argument("--files", type=int, default=int(os.environ.get("FILES", "300")))
    ap.add_argument("--size", type=int, default=int(os.environ.get("SIZE", str(1 << 20))))
    a = ap.parse_args()
    b = os.path.abspath(a.bin)
    shutil.rmtree(a.dir, ignore_errors=True)
    os.makedirs(a.dir)
    d = a.dir
    card = os.path.join(d, "card")
    os.makedirs(card)
    for i in range(a.files):
        with open(os.path.join(card, "IMG_%04d.JPG" % i), "wb") as f:
            f.write(os.urandom(a.size))
    files = sorted(os.path.join(card, n) for n in os.listdir(card))
    env = dict(os.environ, HOME=d, XDG_DATA_HOME=d + "/xdg", SAFEHOUSE_PASSPHRASE="bench-passphrase-0000",
               SAFEHOUSE_AGENT_DIR=d + "/agent")
    for k in ("SAFEHOUSE_VAULT", "SAFEHOUSE_IDENTITY", "SAFEHOUSE_NO_AGENT"):
        env.pop(k, None)
    for name, role in (("olga", "officer"), ("ivan", "interviewer")):
        run([b, "key", "new", "--name", name, "--role", role, "--out", d + "/" + name, "--kdf", "interactive"], env)
    run([b, "init", "--vault", d + "/hq", "--identity", d + "/olga"], env)
    run([b, "team", "add", d + "/ivan.pub", "--vault", d + "/hq", "--identity", d + "/olga"], env)
    run([b, "team", "export", "--vault", d + "/hq", "--out", d + "/team.txt", "--identity", d + "/olga"], env)
    run(["age-keygen", "-o", d + "/age.key"], env)
    recipient = [l for l in open(d + "/age.key") if l.startswith("# public key:")][0].split(":", 1)[1].strip()
    ages = os.path.join(d, "age-out")
    loop = 'for f in "$@"; do age -r %s -o "%s/${f##*/}.age" "$f" && sync; done' % (recipient, ages)
    no_agent = dict(env, SAFEHOUSE_NO_AGENT="1")
    agent_env = dict(env)
    agent_env.pop("SAFEHOUSE_PASSPHRASE")

    def fresh_vault(k):
        v = "%s/field-%d" % (d, k)
        shutil.rmtree(v, ignore_errors=True)
        run([b, "init", "--vault", v, "--team", d + "/team.txt", "--identity", d + "/ivan"], env)
        return v

    def seal(v, e):
        dt, out = timed([b, "seal", "--recursive", card, "--vault", v, "--identity", d + "/ivan",
                         "--kind", "coverage", "--country", "CN", "--quiet"], e)
        assert len(out.split()) == a.files, "not every file was sealed"
        shutil.rmtree(v)
        return dt

    def age_loop():
        shutil.rmtree(ages, ignore_errors=True)
        os.makedirs(ages)
        dt, _ = timed(["bash", "-c", loop, "loop"] + files, env)
        assert len(os.listdir(ages)) == a.files
        return dt

    os.makedirs(d + "/agent", mode=0o700)
    run([b, "agent", "start", "--identity", d + "/ivan", "--ttl", "1h"], env)
    times = {"passphrase": [], "agent": [], "age": []}
    try:
        for k in range(a.runs):
            times["passphrase"].append(seal(fresh_vault(2 * k), no_agent))
            times["agent"].append(seal(fresh_vault(2 * k + 1), agent_env))
            times["age"].append(age_loop())
    finally:
        subprocess.run([b, "agent", "stop", "--identity", d + "/ivan"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    med = {k: statistics.median(v) for k, v in times.items()}
    mib = a.files * a.size / 2**20
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print("machine: %s, %d cores, Linux %s; %s" % (cpu, os.cpu_count(), platform.release(), run(["age", "--version"], env).strip()))
    print("%d files x %d bytes (%.0f MiB), median of %d paired runs\n" % (a.files, a.size, mib, a.runs))
    print("| variant | median | runs | ratio to the age loop |")
    print("|---|---|---|---|")
    rows = (("`safehouse seal --recursive` (one command, passphrase in the environment, interactive KDF)", "passphrase"),
            ("`safehouse seal --recursive` (one command, key agent)", "agent"),
            ("`for f …; do age -r R -o f.age f && sync; done`", "age"))
    for label, k in rows:
        print("| %s | %.2f s | %s | %.2f× |" % (label, med[k], " ".join("%.2f" % t for t in times[k]), med["age"] / med[k]))

if __name__ == "__main__":
    main()
