import Foundation
import Testing

/// The tests an attacker would write (issue 12, "Trust I"), end to end with the
/// built `safehouse` binary. The attacker's tools are Python helpers
/// (`Tests/Python/attack_*.py`, written from Docs/FORMAT.md and Docs/AUDIT.md):
/// they edit vault databases and bundles the way someone holding the files —
/// and the device seed `vault.sqlite` keeps in clear — can.
///
/// 1. An altered field bundle (a subject renamed to a pseudonym HQ holds, to an
///    unknown one, or dropped) is refused whole; a record whose subject identity
///    is missing at HQ is never approved into an excerpt.
/// 2. The device key cannot forge or hide entries in a member's name (at HQ and
///    in a field bundle).
/// 3. An offline edit of a field vault's trust anchor stops the next seal.
/// 4. A seized field laptop and a bundle show no link between records and
///    pseudonyms, no file name, kind or note, no exact times, and no length
///    that tells subjects or file names apart.
///
/// Beyond the issue's list, the same attackers try: a bundle whose manifest is
/// re-signed with the seized field device key (dropping a subject), a fresh
/// field vault stripped back to "never used" before being re-rooted, a field
/// vault rolled back to an older genuinely bound keyring, and an HQ member
/// table whose removed officer is made active again.
@Suite("TrustAttack", .serialized)
struct TrustAttackTests {
    // MARK: - 1. Altered field bundle

    @Test("A bundle whose subject is renamed (to a pseudonym HQ holds or to an unknown one) or dropped is refused whole")
    func alteredFieldBundleIsRefused() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let f = try FieldSession(sb)
        let hqPseudonym = try f.importAtHQ(TrustAttackTests.hqSheet)
        let before = try sb.hqView()

        let unknown = ["Z-ZZZZ", "Y-YYYY", "X-XXXX"].first { $0 != f.pseudonym && $0 != hqPseudonym }!
        let attacks: [(String, [String])] = [
            ("renamed-to-hq", ["rename", f.bundle, sb.file("renamed-to-hq.bundle"), f.pseudonym, hqPseudonym]),
            ("dropped", ["drop-subject", f.bundle, sb.file("dropped.bundle"), f.pseudonym]),
            ("renamed-unknown", ["rename", f.bundle, sb.file("renamed-unknown.bundle"), f.pseudonym, unknown]),
        ]
        for (label, args) in attacks {
            try sb.copyVault("hq", to: "hq-\(label)")
            try Attacker.must("attack_bundle.py", args, in: sb)
            let bundle = sb.file("\(label).bundle")
            let r = try sb.run(["bundle", "import", bundle, "--vault", sb.file("hq-\(label)")])
            #expect(r.status == 65, "\(label): the altered bundle must be refused: \(r)")
            #expect(r.stderr.contains(bundle), "\(label): the error must name the bundle: \(r)")
            #expect(r.stdout.isEmpty, "\(label): nothing may be reported imported: \(r)")
            let after = try sb.hqView(vault: "hq-\(label)")
            #expect(after.records == before.records, "\(label): nothing may be imported:\n\(after.records)\nwas\n\(before.records)")
            #expect(after.subjects == before.subjects, "\(label): no subject may be added or changed:\n\(after.subjects)\nwas\n\(before.subjects)")
            let check = try sb.run(["check", "--vault", sb.file("hq-\(label)")])
            #expect(check.status == 0, "\(label): HQ must be left intact: \(check)")
        }

        // The unaltered bundle goes through, and the excerpt an editor gets has no name in it.
        let good = try sb.run(["bundle", "import", f.bundle, "--vault", sb.file("hq")])
        try #require(good.status == 0, "\(good)")
        let excerpt = try sb.approveGrantExport(f.record)
        for name in TrustAttackTests.fieldNames { #expect(!excerpt.contains(name), "the excerpt holds \(name): \(excerpt)") }
    }

    @Test("A bundle re-signed with the seized field device key that drops a subject identity is refused (65); approve never leaks")
    func droppedSubjectWithResignedManifest() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let f = try FieldSession(sb)
        _ = try f.importAtHQ(TrustAttackTests.hqSheet)
        let before = try sb.hqView()
        // The laptop's files give the device seed and the owner's endorsement of the device key:
        // a new manifest without the identity verifies. The member-signed field log still says
        // a subject was registered (`subject-import`), so HQ can tell one is missing.
        let dropped = sb.file("dropped-resigned.bundle")
        try Attacker.must("attack_bundle.py", ["drop-subject", f.bundle, dropped, f.pseudonym, "--resign", sb.file("field/vault.sqlite")], in: sb)
        let r = try sb.run(["bundle", "import", dropped, "--vault", sb.file("hq")])
        #expect(r.status == 65, "a bundle without the identity its log registered must be refused: \(r)")
        #expect(r.stderr.contains(dropped), "the error must name the bundle: \(r)")
        let after = try sb.hqView()
        #expect(after == before, "nothing may be imported: \(after)")
        if r.status == 0 {
            let approve = try sb.run(["approve", f.record, "--vault", sb.file("hq"), "--identity", sb.file("olga")])
            #expect(approve.status == 77 && approve.stdout.isEmpty, "approve of the record without its identity: \(approve)")
        }
    }

    @Test("A record whose subject identity is missing at HQ is refused by approve (77): never an excerpt with the name")
    func recordWithMissingIdentityIsNotApproved() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let f = try FieldSession(sb)
        _ = try f.importAtHQ(TrustAttackTests.hqSheet)
        let imported = try sb.run(["bundle", "import", f.bundle, "--vault", sb.file("hq")])
        try #require(imported.status == 0, "\(imported)")
        // The identity never reached HQ (simulated: its row is gone).
        try Attacker.must("attack_sql.py", [sb.file("hq/vault.sqlite"), "DELETE FROM subjects WHERE pseudonym = ?", f.pseudonym], in: sb)

        let r = try sb.run(["approve", f.record, "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        #expect(r.status == 77, "approve must refuse a record whose subject identity is missing: \(r)")
        #expect(r.stdout.isEmpty, "no excerpt id may be printed: \(r)")
        if r.status == 0 {
            // Show what the attack achieved: the editor's excerpt names the subject.
            let excerptID = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let text = try sb.grantAndExport(excerptID)
            for name in TrustAttackTests.fieldNames where text.contains(name) {
                Issue.record("the editor's excerpt contains the subject's name \(name)")
            }
        }
    }

    // MARK: - 2. The device key forges audit entries

    @Test("Deleting an officer's subject-reveal entry and re-signing the rest with the device key is caught (verify, check, checkpoints)")
    func deletedRevealResignedWithDeviceKey() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let olga = try sb.fingerprint("olga")
        let p = try sb.importSheet(TrustAttackTests.hqSheet, vault: "hq", as: "olga").first!
        try sb.must(["audit", "checkpoint", "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("cp-before-reveal.txt")])
        let reveal = try sb.run(["subject", "show", p, "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        try #require(reveal.status == 0 && reveal.stdout.contains("Pak Mi-ran"), "\(reveal)")
        try sb.must(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        let wrong = try sb.run(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga")], passphrase: .env("not-the-passphrase"))
        try #require(wrong.status == 77, "\(wrong)")
        try sb.must(["audit", "checkpoint", "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--out", sb.file("cp-after-reveal.txt")])
        try sb.must(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        try sb.must(["audit", "verify", "--vault", sb.file("hq")])

        try Attacker.must("attack_audit.py", ["delete-resign", sb.file("hq/vault.sqlite"), "subject-reveal", olga], in: sb)
        let log = try sb.run(["audit", "log", "--vault", sb.file("hq"), "--json"])
        try #require(log.status == 0 && !log.stdout.contains("subject-reveal"), "the reveal entry must be gone: \(log)")

        let verify = try sb.run(["audit", "verify", "--vault", sb.file("hq")])
        #expect(verify.status == 65, "\(verify)")
        let check = try sb.run(["check", "--vault", sb.file("hq")])
        #expect(check.status == 65, "\(check)")
        for cp in ["cp-after-reveal.txt", "cp-before-reveal.txt"] {
            let r = try sb.run(["audit", "verify", "--vault", sb.file("hq"), "--checkpoint", sb.file(cp)])
            #expect(r.status == 65, "with \(cp): \(r)")
        }
    }

    @Test("An entry in a member's name signed by the device key is refused at HQ", arguments: ["ivan", "olga"])
    func deviceKeySignsForAMember(member: String) throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let fp = try sb.fingerprint(member)
        let p = try sb.importSheet(TrustAttackTests.hqSheet, vault: "hq", as: "olga").first!
        let rid = try sb.seal(Array("[00:00:01] A: nothing\n".utf8), name: "plain.txt", vault: "hq", as: "olga")
        try sb.must(["audit", "verify", "--vault", sb.file("hq")])
        // e.g. "ivan opened the record" / "olga revealed the subject": an alibi or a frame-up.
        let (action, object) = member == "ivan" ? ("open", rid) : ("subject-reveal", p)
        try Attacker.must("attack_audit.py", ["append", sb.file("hq/vault.sqlite"), fp, action, object], in: sb)
        let log = try sb.run(["audit", "log", "--vault", sb.file("hq"), "--actor", fp, "--action", action])
        try #require(log.status == 0 && log.stdout.contains(object), "the forged entry must be in the log: \(log)")

        let verify = try sb.run(["audit", "verify", "--vault", sb.file("hq")])
        #expect(verify.status == 65, "\(verify)")
        let check = try sb.run(["check", "--vault", sb.file("hq")])
        #expect(check.status == 65, "\(check)")
    }

    @Test("A field bundle carrying an entry in the interviewer's name signed by the field device key is refused at HQ")
    func forgedEntryInFieldBundle() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let f = try FieldSession(sb)
        let ivan = try sb.fingerprint("ivan")
        let before = try sb.hqView()
        let forged = sb.file("forged.bundle")
        try Attacker.must("attack_bundle.py", ["forge-entry", f.bundle, forged, sb.file("field/vault.sqlite"), ivan, "open", f.record], in: sb)

        let r = try sb.run(["bundle", "import", forged, "--vault", sb.file("hq")])
        #expect(r.status == 65, "\(r)")
        #expect(r.stderr.contains(forged), "the error must name the bundle: \(r)")
        let after = try sb.hqView()
        #expect(after.records == before.records && after.subjects == before.subjects, "nothing may be imported: \(after)")
        let check = try sb.run(["check", "--vault", sb.file("hq")])
        #expect(check.status == 0, "\(check)")
        // Control: the bundle as exported is accepted.
        let good = try sb.run(["bundle", "import", f.bundle, "--vault", sb.file("hq")])
        #expect(good.status == 0, "\(good)")
    }

    // MARK: - Grants edited in SQL

    @Test("A grant's expiry edited in SQL (expired → never) is caught by export and by check (65)")
    func grantExpiryEditedInSQL() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let rec = try sb.seal(Array("[00:00:01] A: the river was frozen that winter\n".utf8), name: "talk.txt")
        let ex = try sb.approve(rec)
        try sb.grant(ex, to: "Edith", expires: "2020-01-01")
        var r = try sb.export(ex, as: "edith", out: "expired.txt")
        #expect(r.status == 77 && !sb.exists("expired.txt"), "an expired grant is refused: \(r)")
        try Attacker.must("attack_sql.py", [sb.file("hq/vault.sqlite"), "UPDATE grants SET expires = NULL WHERE object_id = ?", ex], in: sb)
        r = try sb.export(ex, as: "edith", out: "forever.txt")
        #expect(r.status == 65 && !sb.exists("forever.txt") && r.stderr.contains("grant of excerpt \(ex)"), "\(r)")
        let check = try sb.run(["check", "--vault", sb.file("hq")])
        #expect(check.status == 65 && check.stderr.contains("grant"), "\(check)")
    }

    // MARK: - 3. Offline edit of a field vault's trust anchor

    @Test("A field vault whose root and endorsements were rewritten offline refuses the next seal (65, keyring hint)")
    func offlineTrustAnchorEdit() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        _ = try sb.seal(Array("[00:00:01] A: first interview\n".utf8), name: "first.txt", vault: "field", as: "ivan")
        try TrustAttackTests.expectSealRefusedAfterTakeOver(sb, unbind: false)
    }

    @Test("A fresh field vault stripped back to 'never used' and then re-rooted offline refuses the first seal too")
    func offlineTrustAnchorEditOfUnusedVault() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        try TrustAttackTests.expectSealRefusedAfterTakeOver(sb, unbind: true)
    }

    @Test("A field vault rolled back offline to an older, genuinely bound keyring (a removed officer active again) refuses the seal (65)")
    func fieldKeyringRolledBackOffline() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        try sb.installKeys(["sam"])
        // HQ adds an officer and the field applies the keyring; later HQ removes that officer and the field applies that too.
        try sb.must(["team", "add", sb.file("sam.pub"), "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        try sb.must(["team", "export", "--vault", sb.file("hq"), "--out", sb.file("team-with-sam.txt"), "--identity", sb.file("olga")])
        try sb.must(["team", "update", sb.file("team-with-sam.txt"), "--vault", sb.file("field"), "--identity", sb.file("ivan")])
        try sb.copyVault("field", to: "field-kept")
        try sb.must(["team", "remove", "Sam", "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        try sb.must(["team", "export", "--vault", sb.file("hq"), "--out", sb.file("team-without-sam.txt"), "--identity", sb.file("olga")])
        try sb.must(["team", "update", sb.file("team-without-sam.txt"), "--vault", sb.file("field"), "--identity", sb.file("ivan")])
        let seal0 = try sb.seal(Array("[00:00:01] A: before\n".utf8), name: "before.txt", vault: "field", as: "ivan")
        #expect(isRecordID(seal0))

        // The attacker puts the kept trust state back: members, serial and the pointer to its (genuine) trust-bind entry.
        try Attacker.must("attack_trust.py", ["rollback", sb.file("field/vault.sqlite"), sb.file("field-kept/vault.sqlite")], in: sb)
        let objectsBefore = try sb.objectRows("field")
        try Data("[00:00:01] A: after\n".utf8).write(to: URL(fileURLWithPath: sb.file("after.txt")))
        let r = try sb.run(["seal", sb.file("after.txt"), "--vault", sb.file("field"), "--identity", sb.file("ivan"),
                            "--kind", "interview", "--country", "CN", "--quiet"])
        #expect(r.status == 65, "the seal must be refused: \(r)")
        #expect(r.stdout.isEmpty, "no record id may be printed: \(r)")
        #expect(r.stderr.lowercased().contains("keyring"), "the hint must point at the keyring: \(r)")
        #expect(try sb.objectRows("field") == objectsBefore, "no object may be stored")
        let check = try sb.run(["check", "--vault", sb.file("field")])
        #expect(check.status == 65, "\(check)")
    }

    @Test("A removed officer reactivated by an offline edit of HQ's member table gets no key slot: seal refused (65), check 65")
    func removedOfficerReactivatedOfflineAtHQ() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        try sb.installKeys(["sam"])
        try sb.must(["team", "add", sb.file("sam.pub"), "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        try sb.must(["team", "remove", "Sam", "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        let sam = try sb.fingerprint("sam")
        // Statuses are in no signature at HQ: one UPDATE makes the lost key an officer again.
        try Attacker.must("attack_sql.py", [sb.file("hq/vault.sqlite"), "UPDATE members SET status = 'active' WHERE fingerprint = ?", sam], in: sb)
        let objectsBefore = try sb.objectRows("hq")

        try Data("[00:00:01] A: new material\n".utf8).write(to: URL(fileURLWithPath: sb.file("new.txt")))
        let r = try sb.run(["seal", sb.file("new.txt"), "--vault", sb.file("hq"), "--identity", sb.file("olga"),
                            "--kind", "interview", "--country", "KR", "--quiet"])
        #expect(r.status == 65, "the seal must be refused: \(r)")
        #expect(r.stdout.isEmpty, "no record id may be printed: \(r)")
        if r.status == 0 {
            let opened = try sb.run(["open", r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "--vault", sb.file("hq"),
                                     "--identity", sb.file("sam"), "--out", sb.file("opened-by-sam.txt")])
            #expect(opened.status == 77, "the removed officer's key opens new material: \(opened)")
        }
        #expect(try sb.objectRows("hq") == objectsBefore, "no object may be stored")
        let check = try sb.run(["check", "--vault", sb.file("hq")])
        #expect(check.status == 65, "\(check)")
    }

    static func expectSealRefusedAfterTakeOver(_ sb: Sandbox, unbind: Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let objectsBefore = try sb.objectRows("field")
        let bodiesBefore = sb.listing("field/objects")
        let take = try Attacker.must("attack_trust.py", ["take-over", sb.file("field/vault.sqlite")] + (unbind ? ["--unbind"] : []), in: sb)
        let attacker = take.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(attacker.count == 32, "\(take)", sourceLocation: sourceLocation)

        try Data("[00:00:01] A: I crossed at 혜산.\n".utf8).write(to: URL(fileURLWithPath: sb.file("after.txt")))
        let r = try sb.run(["seal", sb.file("after.txt"), "--vault", sb.file("field"), "--identity", sb.file("ivan"),
                            "--kind", "interview", "--country", "CN", "--quiet"])
        // A bound vault whose state changed: 65. One stripped back to "never bound": 77, bind it first.
        #expect(r.status == (unbind ? 77 : 65), "the seal must be refused: \(r)", sourceLocation: sourceLocation)
        #expect(r.stdout.isEmpty, "no record id may be printed: \(r)", sourceLocation: sourceLocation)
        #expect(r.stderr.lowercased().contains("keyring"), "the hint must point at the keyring (re-import / team update): \(r)",
                sourceLocation: sourceLocation)
        let objectsAfter = try sb.objectRows("field")
        #expect(objectsAfter == objectsBefore, "no object may be stored: \(objectsAfter)", sourceLocation: sourceLocation)
        #expect(sb.listing("field/objects") == bodiesBefore, "no body file may be left: \(sb.listing("field/objects"))",
                sourceLocation: sourceLocation)
        if unbind {
            // Binding it takes the genuine keyring from HQ, whose root the attacker cannot match.
            let bind = try sb.run(["team", "update", sb.file("team.txt"), "--vault", sb.file("field"), "--identity", sb.file("ivan")])
            #expect(bind.status == 65 && bind.stderr.contains("root of trust"), "\(bind)", sourceLocation: sourceLocation)
            #expect(try sb.objectRows("field") == objectsBefore, sourceLocation: sourceLocation)
        } else {
            let check = try sb.run(["check", "--vault", sb.file("field")])
            #expect(check.status == 65, "\(check)", sourceLocation: sourceLocation)
        }
    }

    // MARK: - 4. A seized field laptop / a bundle reveals nothing linkable

    @Test("A seized field vault, its bundle and its audit log show no record-pseudonym link, no file name, kind or note, no exact time, no telling length")
    func seizedFieldLaptopRevealsNothingLinkable() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let sheet = """
            {"subjects":[
              {"name":"Choe Yong-nam","aliases":["최영남","Mr. Choe"],"relatives":["Choe Sun-hui"],"places":["혜산"],
               "identifiers":["010-5555-1234"],"consent":"pseudonym","category":"defector","country":"CN"},
              {"name":"Kang Min-seo","consent":"named","category":"expert","country":"KR"}
            ]}
            """
        let ps = try sb.importSheet(sheet, vault: "field", as: "ivan")
        try #require(ps.count == 2, "\(ps)")
        let seals: [(name: String, kind: String, subject: String, note: String)] = [
            ("choe-interview-secret.txt", "interview", ps[0], "met at the river crossing at dawn"),
            ("k.txt", "statement", ps[1], "ok"),
            ("choe-interview-secret-hyesan-second-session.txt", "coverage", ps[0], "x"),
        ]
        var ids: [String] = []
        for s in seals {
            try Data("[00:00:01] A: I am Choe Yong-nam from 혜산.\n".utf8).write(to: URL(fileURLWithPath: sb.file(s.name)))
            let r = try sb.run(["seal", sb.file(s.name), "--vault", sb.file("field"), "--identity", sb.file("ivan"), "--kind", s.kind,
                                "--country", "CN", "--subject", s.subject, "--note", s.note, "--quiet", "--again"])
            try #require(r.status == 0, "\(r)")
            ids.append(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let bundle = sb.file("to-hq.bundle")
        try sb.must(["bundle", "export"] + ids + ["--vault", sb.file("field"), "--out", bundle])
        let log = try sb.run(["audit", "log", "--vault", sb.file("field"), "--json"])
        try #require(log.status == 0 && log.stdout.split(separator: "\n").count >= 5, "\(log)")
        try Data(log.stdout.utf8).write(to: URL(fileURLWithPath: sb.file("field-audit.jsonl")))

        // Every byte of the vault directory (database, -wal, -shm, bodies), the bundle and the log output.
        var args = ["scan"]
        for secret in ["Choe Yong-nam", "Yong-nam", "최영남", "혜산", "Choe Sun-hui", "010-5555-1234", "Kang Min-seo",
                       "choe-interview-secret", "hyesan-second-session", "river crossing at dawn"] { args += ["--secret", secret] }
        for word in ["interview", "statement", "coverage", "defector", "expert"] { args += ["--word", word] }
        for p in ps { args += ["--pseudonym", p] }
        for id in ids { args += ["--record", id] }
        args += ["--expect-entries", "vault.sqlite", "--expect-entries", "to-hq.bundle"]
        args += [sb.file("field"), bundle, sb.file("field-audit.jsonl")]
        let scan = try Attacker.run("attack_scan.py", args, in: sb)
        #expect(scan.status == 0, "what the laptop and the bundle show:\n\(scan.stdout)\(scan.stderr)")

        // The log as `audit log --json` prints it: no pseudonym among the objects, whole days only.
        for line in log.stdout.split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
            let objects = o["objects"] as? [String] ?? []
            let named = objects.filter { ps.contains($0) || TrustAttackTests.looksLikePseudonym($0) }
            #expect(named.isEmpty, "a field audit entry names pseudonym(s) \(named): \(line)")
            let time = o["time"] as? String ?? ""
            #expect(time.hasSuffix("T00:00:00Z"), "a field audit entry has an exact time: \(line)")
        }

        // Lengths: the two subjects' headers (and bodies), and the three records' headers, are alike.
        let rows = try sb.objectRows("field")
        let subjects = rows.filter { $0.type == 3 }, records = rows.filter { $0.type == 1 }
        try #require(subjects.count == 2 && records.count == 3, "\(rows)")
        #expect(Set(subjects.map(\.headerLength)).count == 1,
                "the subjects' headers differ in length (category/consent/identity length show): \(subjects)")
        #expect(Set(subjects.map(\.bodyLength)).count == 1, "the subjects' identity bodies differ in length (name lengths show): \(subjects)")
        #expect(Set(records.map(\.headerLength)).count == 1,
                "the records' headers differ in length (file name, kind or note length show): \(records)")
    }

    // MARK: - Fixtures

    static let fieldSheet = """
        {"subjects":[{"name":"Choe Yong-nam","aliases":["최영남"],"relatives":["Choe Sun-hui"],"places":["혜산"],
          "identifiers":["010-5555-1234"],"consent":"pseudonym","category":"defector","country":"CN"}]}
        """
    static let hqSheet = """
        {"subjects":[{"name":"Pak Mi-ran","places":["회령"],"consent":"pseudonym","category":"defector","country":"CN"}]}
        """
    /// Strings of the field subject's identity that no excerpt may hold.
    static let fieldNames = ["Choe Yong-nam", "Yong-nam", "최영남", "혜산", "Choe Sun-hui", "010-5555-1234"]

    static func looksLikePseudonym(_ s: String) -> Bool {
        let letters = Set("ABCDEFGHJKMNPQRSTUVWXYZ"), alphabet = Set("ABCDEFGHJKMNPQRSTUVWXYZ23456789")
        let c = Array(s)
        return c.count == 6 && letters.contains(c[0]) && c[1] == "-" && c[2...].allSatisfy { alphabet.contains($0) }
    }
}

/// A field session: team made, one subject registered in the field, one transcript
/// sealed with `--subject`, exported as `field.bundle`.
private struct FieldSession {
    let sb: Sandbox
    let pseudonym: String
    let record: String
    let bundle: String

    init(_ sb: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws {
        self.sb = sb
        try sb.makeTeam(sourceLocation: sourceLocation)
        let ps = try sb.importSheet(TrustAttackTests.fieldSheet, vault: "field", as: "ivan", sourceLocation: sourceLocation)
        try #require(ps.count == 1, "\(ps)", sourceLocation: sourceLocation)
        pseudonym = ps[0]
        let transcript = """
            [00:00:01] INTERVIEWER: Where did you grow up?
            [00:00:04] CHOE: My name is Choe Yong-nam. I grew up in 혜산, near the river.
            [00:00:09] CHOE: My sister Choe Sun-hui still lives there.

            """
        record = try sb.seal(Array(transcript.utf8), name: "choe-interview.txt", vault: "field", as: "ivan",
                             extra: ["--subject", pseudonym, "--quiet"], sourceLocation: sourceLocation)
        bundle = sb.file("field.bundle")
        try sb.must(["bundle", "export", record, "--vault", sb.file("field"), "--out", bundle], sourceLocation: sourceLocation)
    }

    /// Registers another subject at HQ (olga) and returns its pseudonym.
    func importAtHQ(_ sheet: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let ps = try sb.importSheet(sheet, vault: "hq", as: "olga", sourceLocation: sourceLocation)
        try #require(ps.count == 1, "\(ps)", sourceLocation: sourceLocation)
        return ps[0]
    }
}

/// What HQ shows an officer: records and subjects.
private struct HQView: Equatable, CustomStringConvertible {
    let records: String
    let subjects: String
    var description: String { "records: \(records)\nsubjects: \(subjects)" }
}

/// One row of a vault's `objects` table, as the attacker reads it.
private struct ObjectRow: Equatable, CustomStringConvertible {
    let type: Int
    let id: String
    let headerLength: Int
    let bodyLength: Int
    var description: String { "type \(type) \(id): header \(headerLength) B, body \(bodyLength) B" }
}

private extension Sandbox {
    func must(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try run(args, sourceLocation: sourceLocation)
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
    }

    /// The compact fingerprint of a test key, from `key show NAME.pub`.
    func fingerprint(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let r = try run(["key", "show", file(name + ".pub")], sourceLocation: sourceLocation)
        let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("fingerprint:") }
        let fp = try #require(line, "\(r)", sourceLocation: sourceLocation)
            .dropFirst("fingerprint:".count).trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "-", with: "")
        try #require(fp.count == 32, "\(r)", sourceLocation: sourceLocation)
        return fp
    }

    func importSheet(_ json: String, vault: String, as key: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        let name = "sheet-\(UUID().uuidString).json"
        try Data(json.utf8).write(to: URL(fileURLWithPath: file(name)))
        let r = try run(["subject", "import", file(name), "--vault", file(vault), "--identity", file(key)], sourceLocation: sourceLocation)
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        try FileManager.default.removeItem(atPath: file(name))
        return r.stdoutLines
    }

    func hqView(vault: String = "hq", sourceLocation: SourceLocation = #_sourceLocation) throws -> HQView {
        let list = try run(["list", "--vault", file(vault), "--identity", file("olga"), "--json"], sourceLocation: sourceLocation)
        try #require(list.status == 0, "\(list)", sourceLocation: sourceLocation)
        // Not required to succeed: a vault that an import broke shows it here (the exit code is part of the view).
        let subjects = try run(["subject", "list", "--vault", file(vault), "--identity", file("olga")], sourceLocation: sourceLocation)
        return HQView(records: list.stdout, subjects: "exit \(subjects.status)\n\(subjects.stdout)\(subjects.errorLines.joined(separator: "\n"))")
    }

    func copyVault(_ from: String, to: String) throws {
        try? FileManager.default.removeItem(atPath: file(to))
        try FileManager.default.copyItem(atPath: file(from), toPath: file(to))
    }

    /// Rows of the vault's `objects` table (read from a copy of the database).
    func objectRows(_ vault: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [ObjectRow] {
        let r = try Attacker.must("attack_scan.py", ["headers", file(vault)], in: self, sourceLocation: sourceLocation)
        return try r.stdout.split(separator: "\n").map { line in
            let f = line.split(separator: " ").map(String.init)
            try #require(f.count == 4, "\(r)", sourceLocation: sourceLocation)
            return ObjectRow(type: Int(f[0]) ?? -1, id: f[1], headerLength: Int(f[2]) ?? -1, bodyLength: Int(f[3]) ?? -1)
        }
    }

    /// Approves a record at HQ as olga, grants the excerpt to edith and exports it as edith.
    func approveGrantExport(_ record: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let r = try run(["approve", record, "--vault", file("hq"), "--identity", file("olga")], sourceLocation: sourceLocation)
        try #require(r.status == 0, "\(r)", sourceLocation: sourceLocation)
        return try grantAndExport(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), sourceLocation: sourceLocation)
    }

    func grantAndExport(_ excerpt: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try must(["grant", excerpt, "--to", "Edith", "--vault", file("hq"), "--identity", file("olga")], sourceLocation: sourceLocation)
        let out = file("excerpt-\(UUID().uuidString).txt")
        try must(["export", excerpt, "--vault", file("hq"), "--identity", file("edith"), "--format", "txt", "--out", out],
                 sourceLocation: sourceLocation)
        return try String(contentsOfFile: out, encoding: .utf8)
    }
}

/// What one attacker script did.
private struct ScriptResult: CustomStringConvertible {
    let script: String
    let args: [String]
    let status: Int32
    let stdout: String
    let stderr: String
    var description: String { "python3 \(script) \(args.joined(separator: " ")) → \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// The attacker's Python helpers (Tests/Python/attack_*.py).
private enum Attacker {
    static let python: String? = {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        return (dirs + ["/usr/bin", "/usr/local/bin"]).map { $0 + "/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static func run(_ script: String, _ args: [String], in sb: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws -> ScriptResult {
        let python = try #require(python, "python3 is missing: the attack tests need it (with `cryptography`)", sourceLocation: sourceLocation)
        let path = CLI.repoRoot.appendingPathComponent("Tests/Python/" + script).path
        try #require(FileManager.default.fileExists(atPath: path), "missing \(path)", sourceLocation: sourceLocation)
        let out = sb.file(".py-stdout-\(UUID().uuidString)"), err = sb.file(".py-stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: out); try? FileManager.default.removeItem(atPath: err) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [path] + args
        p.currentDirectoryURL = URL(fileURLWithPath: sb.path)
        var env = ProcessInfo.processInfo.environment
        env["PYTHONDONTWRITEBYTECODE"] = "1"  // no __pycache__ left in the source tree
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try p.run()
        p.waitUntilExit()
        return ScriptResult(script: script, args: args, status: p.terminationStatus,
                            stdout: String(decoding: try Data(contentsOf: URL(fileURLWithPath: out)), as: UTF8.self),
                            stderr: String(decoding: try Data(contentsOf: URL(fileURLWithPath: err)), as: UTF8.self))
    }

    /// Runs a helper that must succeed: the tampering was done (exit 0).
    @discardableResult
    static func must(_ script: String, _ args: [String], in sb: Sandbox, sourceLocation: SourceLocation = #_sourceLocation) throws -> ScriptResult {
        let r = try run(script, args, in: sb, sourceLocation: sourceLocation)
        try #require(r.status == 0, "the attack could not be carried out: \(r)", sourceLocation: sourceLocation)
        return r
    }
}
