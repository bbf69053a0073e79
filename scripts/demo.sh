#!/usr/bin/env bash
# The main job end to end on an embedded (SQLite) vault, from nothing:
# keys → field vault → register a subject and seal an interview in the field →
# the field laptop cannot open it → bundle to HQ → the officer opens it →
# approve a redacted excerpt → grant it to an editor → the editor exports a
# pseudonymized excerpt → checkpoint and verify the audit log.
#
# Demo only: one passphrase for every key, taken from the environment.
# Real use: each member types their own passphrase (no echo), never on argv.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${SAFEHOUSE_BIN:-}" ]; then
  S="$SAFEHOUSE_BIN"            # tests run the demo against an already built binary
else
  scripts/setup.sh
  swift build --product safehouse 2>&1 | tail -1
  S="$PWD/.build/debug/safehouse"
fi
DEMO="${SAFEHOUSE_DEMO_DIR:-$(mktemp -d /tmp/safehouse-demo.XXXXXX)}"
mkdir -p "$DEMO"
export SAFEHOUSE_PASSPHRASE="demo passphrase — use your own"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Keys (Argon2id 'interactive' for the demo; the default is 'moderate')"
for who in "officer:Officer Han" "interviewer:Field Interviewer" "editor:Editor Lee"; do
  role=${who%%:*}; name=${who#*:}
  "$S" key new --name "$name" --role "$role" --out "$DEMO/$role.key" --kdf interactive
done

step "2. HQ vault rooted in the officer; team; signed keyring; field vault"
"$S" init --vault "$DEMO/hq" --identity "$DEMO/officer.key"
"$S" team add "$DEMO/interviewer.key.pub" --vault "$DEMO/hq" --identity "$DEMO/officer.key"
"$S" team add "$DEMO/editor.key.pub" --vault "$DEMO/hq" --identity "$DEMO/officer.key"
"$S" team export --vault "$DEMO/hq" --out "$DEMO/team.keys" --identity "$DEMO/officer.key"
"$S" init --vault "$DEMO/field" --team "$DEMO/team.keys" --identity "$DEMO/interviewer.key"   # bound to its owner
"$S" team list --vault "$DEMO/field"

step "3. In the field: register the subject, seal the interview (seal-only)"
cp Docs/demo/interview.txt "$DEMO/interview-001.txt"
P=$("$S" subject import Docs/demo/subjects.json --vault "$DEMO/field" --identity "$DEMO/interviewer.key" | sed -n 1p)
echo "subject pseudonym: $P"
R=$("$S" seal "$DEMO/interview-001.txt" --vault "$DEMO/field" --identity "$DEMO/interviewer.key" \
      --kind interview --country CN --subject "$P" --remove-original --quiet)
echo "sealed record: $R"
set +e
"$S" open "$R" --vault "$DEMO/field" --identity "$DEMO/interviewer.key" --out "$DEMO/should-not-exist.txt"
rc=$?
set -e
echo "the field laptop cannot open what it sealed: exit $rc (77 expected)"
[ "$rc" -eq 77 ] && [ ! -e "$DEMO/should-not-exist.txt" ]

step "4. Carry a ciphertext-only bundle to HQ and import it (verified first)"
"$S" bundle export "$R" --vault "$DEMO/field" --out "$DEMO/field.bundle"
"$S" bundle import "$DEMO/field.bundle" --vault "$DEMO/hq"

step "5. At HQ: the officer opens the original"
"$S" open "$R" --vault "$DEMO/hq" --identity "$DEMO/officer.key" --out "$DEMO/opened.txt"
head -3 "$DEMO/opened.txt"

step "6. Approve a redacted excerpt (00:00:00-00:01:00), grant it to the editor"
# Approve redacts with every subject's lexicon and rescans; it would stop (77) at a
# name the subjects lack. The named expert (consent "named") stays, by his consent.
E=$("$S" approve "$R" --range 00:00:00-00:01:00 --vault "$DEMO/hq" --identity "$DEMO/officer.key")
echo "excerpt: $E"
"$S" grant "$E" --to "Editor Lee" --vault "$DEMO/hq" --identity "$DEMO/officer.key"

step "7. The editor exports the pseudonymized excerpt"
"$S" export "$E" --format srt --out "$DEMO/excerpt.srt" --vault "$DEMO/hq" --identity "$DEMO/editor.key"
cat "$DEMO/excerpt.srt"

step "8. Audit: signed checkpoint kept off the machine, then verify"
"$S" audit checkpoint --vault "$DEMO/hq" --identity "$DEMO/officer.key" --out "$DEMO/checkpoint.txt"
"$S" audit log --vault "$DEMO/hq" | tail -6
"$S" audit verify --vault "$DEMO/hq" --checkpoint "$DEMO/checkpoint.txt"
"$S" check --vault "$DEMO/hq"
printf '\nDemo files are in %s\n' "$DEMO"
