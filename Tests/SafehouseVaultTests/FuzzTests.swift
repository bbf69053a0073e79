import Foundation
import SafehouseAudit
import SafehouseCrypto
import SafehouseRedaction
@testable import SafehouseVault
import Testing

// Mutation-based fuzzing of every parser that reads outside input: key file,
// member card, team keyring, record header, bundle, subject sheet, transcripts
// (txt/srt/vtt), audit export, checkpoint and recovery share.
//
// Seeds are valid instances made here; each run applies 1–3 mutations (bit
// flips, truncation, a duplicated or deleted slice, random insertions, huge
// length fields) and expects a clean error — never a crash, and never a
// changed authenticated object accepted. Runs are bounded (`FuzzBudget.runs`
// per parser) and seeded: `SAFEHOUSE_FUZZ_SEED=N` replays a run, and
// `SAFEHOUSE_FUZZ_RUNS=N` makes a longer one.

/// Iterations and seed for every fuzz target.
enum FuzzBudget {
    static let runs: Int = ProcessInfo.processInfo.environment["SAFEHOUSE_FUZZ_RUNS"].flatMap(Int.init) ?? 300
    static let seed: UInt64 = ProcessInfo.processInfo.environment["SAFEHOUSE_FUZZ_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
}

/// SplitMix64: a small seeded generator, so a failure can be replayed.
struct FuzzRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The mutations applied to seeds.
enum Mutator {
    static func mutate(_ seed: [UInt8], rng: inout FuzzRNG) -> [UInt8] {
        var b = seed
        for _ in 0..<Int.random(in: 1...3, using: &rng) { b = mutateOnce(b, rng: &rng) }
        return b
    }

    static func mutateOnce(_ input: [UInt8], rng: inout FuzzRNG) -> [UInt8] {
        var b = input
        guard !b.isEmpty else { return [UInt8.random(in: 0...255, using: &rng)] }
        switch Int.random(in: 0..<7, using: &rng) {
        case 0: // bit flips
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                b[Int.random(in: 0..<b.count, using: &rng)] ^= 1 << UInt8.random(in: 0...7, using: &rng)
            }
        case 1: // truncation
            b.removeLast(Int.random(in: 1...b.count, using: &rng))
        case 2: // duplicate a slice
            let a = Int.random(in: 0..<b.count, using: &rng), n = Int.random(in: 1...min(64, b.count - a), using: &rng)
            b.insert(contentsOf: b[a..<a + n], at: Int.random(in: 0...b.count, using: &rng))
        case 3: // insert random bytes
            let junk = (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            b.insert(contentsOf: junk, at: Int.random(in: 0...b.count, using: &rng))
        case 4: // huge length field: 4 or 8 bytes of 0xFF / 0x7F… / 2^60 big-endian
            let width = Bool.random(using: &rng) ? 4 : 8
            let at = Int.random(in: 0..<b.count, using: &rng)
            let pattern: [UInt8]
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: pattern = [UInt8](repeating: 0xFF, count: width)
            case 1: pattern = [0x7F] + [UInt8](repeating: 0xFF, count: width - 1)
            default: pattern = width == 8 ? [0x10, 0, 0, 0, 0, 0, 0, 0] : [0x10, 0, 0, 0]
            }
            for (i, p) in pattern.enumerated() where at + i < b.count { b[at + i] = p }
        case 5: // delete a slice
            let a = Int.random(in: 0..<b.count, using: &rng), n = Int.random(in: 1...min(64, b.count - a), using: &rng)
            b.removeSubrange(a..<a + n)
        default: // replace a byte with an interesting one
            let interesting: [UInt8] = [0, 0x0A, 0x0D, 0x20, 0x22, 0x2C, 0x3A, 0x5B, 0x5D, 0x7B, 0x7D, 0x7F, 0x80, 0xFF, 0xC0, 0xEF]
            b[Int.random(in: 0..<b.count, using: &rng)] = interesting.randomElement(using: &rng)!
        }
        return b
    }

    /// Runs `body` on `runs` mutants of `seed` (the mutant and its number).
    static func run(_ name: String, seed: [UInt8], salt: UInt64, runs: Int = FuzzBudget.runs,
                    _ body: ([UInt8], Int) throws -> Void) rethrows {
        var rng = FuzzRNG(seed: FuzzBudget.seed ^ salt)
        for i in 0..<runs {
            let m = mutate(seed, rng: &rng)
            try body(m, i)
        }
    }

    /// Where two byte strings first differ, with a little context (for failure messages).
    static func diff(_ a: [UInt8], _ b: [UInt8]) -> String {
        let at = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        func around(_ x: [UInt8]) -> String { String(reflecting: text(Array(x[max(0, at - 40)..<min(x.count, at + 40)]))) }
        return "lengths \(a.count)/\(b.count), first difference at \(at): \(around(a)) → \(around(b))"
    }

    static func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

    static func note(_ name: String, _ i: Int) -> Comment { "\(name) mutant #\(i) (SAFEHOUSE_FUZZ_SEED=\(FuzzBudget.seed))" }
}

/// Shared seeds: a team, an HQ and a field vault, a sealed record, a bundle.
final class FuzzWorld: @unchecked Sendable {
    let scratch: Scratch
    let hq: Vault
    let field: Vault
    let recordID: String
    let bundle: [UInt8]

    static let shared: FuzzWorld = {
        do { return try FuzzWorld() } catch { fatalError("cannot build the fuzz seeds: \(error)") }
    }()

    private init() throws {
        scratch = try Scratch()
        hq = try makeHQ(scratch)
        field = try makeField(scratch, from: hq)
        recordID = try sealBytes(field, scratch, contentBytes(70_000, seed: 3), name: "fuzz-record.bin", by: TestTeam.shared.interviewer)
        let path = scratch.file("seed.shb")
        try field.exportBundle(ids: [recordID], to: path, by: nil, overwrite: true)
        bundle = try readFile(path)
    }
}

@Suite("Fuzz: every parser refuses malformed and hostile input cleanly", .serialized)
struct FuzzTests {
    let team = TestTeam.shared

    @Test("key file: readHeader refuses mutants with exit 65; unlocking an accepted mutant fails")
    func keyFile() throws {
        let s = try Scratch()
        defer { s.remove() }
        let path = s.file("k")
        try KeyFile.create(name: "Fuzz", role: .interviewer, path: path, passphrase: try testPassphrase(), cost: .interactive)
        let seed = try readFile(path)
        let original = try KeyFile.readHeader(path: path)
        var unlockTries = 0
        try Mutator.run("key file", seed: seed, salt: 1) { m, i in
            try Data(m).write(to: URL(fileURLWithPath: s.file("m")))
            do {
                let h = try KeyFile.readHeader(path: s.file("m"))
                // The header reads: the change is in salt, nonce, keys or ciphertext, which the AEAD covers.
                guard m != seed, h.opsLimit == original.opsLimit, h.memLimit == original.memLimit, unlockTries < 4 else { return }
                unlockTries += 1
                #expect(throws: VaultError.self, Mutator.note("key file unlock", i)) {
                    _ = try KeyFile.unlock(path: s.file("m"), passphrase: try testPassphrase())
                }
            } catch let e as VaultError {
                #expect(e.exitCode == 65, Mutator.note("key file", i))
                #expect(!e.description.contains(testPassphraseText))
            }
        }
    }

    @Test("member card: only the exact canonical card parses")
    func memberCard() throws {
        let card = team.officer.card
        let seed = Array(card.text.utf8)
        try Mutator.run("card", seed: seed, salt: 2) { m, i in
            do {
                let parsed = try MemberCard.parse(Mutator.text(m), object: "card")
                #expect(parsed == card && Array(parsed.text.utf8) == m, Mutator.note("an altered card was accepted", i))
            } catch let e as VaultError {
                #expect(e.exitCode == 65, Mutator.note("card", i))
            }
        }
    }

    /// A keyring signed as a whole by an officer (what `team export --identity` writes).
    /// Stripping the signature is refused too (every keyring must be signed as a whole).
    @Test("team keyring: mutants of a signed keyring are refused or parse to the same keyring")
    func teamKeyring() throws {
        let ring = try FuzzWorld.shared.hq.exportTeam(by: team.officer.identity)
        let seed = Array(ring.text.utf8)
        try Mutator.run("keyring", seed: seed, salt: 3) { m, i in
            do {
                let parsed = try TeamKeyring.parse(Mutator.text(m), object: "team")
                #expect(parsed == ring, Mutator.note("an altered keyring was accepted", i))
            } catch let e as VaultError {
                #expect(e.exitCode == 65, Mutator.note("keyring", i))
            }
        }
    }

    @Test("team keyring: in a keyring signed by an officer, a member's status line cannot be changed")
    func keyringStatusIsAuthenticated() throws {
        let ring = try FuzzWorld.shared.hq.exportTeam(by: team.officer.identity)
        // Flip the interviewer from active to removed: a card is name…self-sig, then endorsed-by, endorsement, status.
        var lines = ring.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let name = try #require(lines.firstIndex(of: "name: \(team.interviewer.card.name)"))
        try #require(lines[name + 7] == "status: active", "unexpected keyring layout")
        lines[name + 7] = "status: removed"
        let tampered = lines.joined(separator: "\n")
        #expect(throws: VaultError.self) { _ = try TeamKeyring.parse(tampered, object: "team") }
        // The untampered signed keyring still parses and names its signer.
        #expect(try TeamKeyring.parse(ring.text, object: "team").signedBy == team.officer.fingerprint)
    }

    @Test("team keyring: every keyring is signed; stripping or forging the signature is refused")
    func keyringSignatureIsRequired() throws {
        let ring = try FuzzWorld.shared.hq.exportTeam(by: team.officer.identity)
        let parsed = try TeamKeyring.parse(ring.text, object: "team")
        #expect(parsed == ring && parsed.signedBy == team.officer.fingerprint)
        var lines = ring.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines.removeLast(3)  // signed-by, keyring-sig and the empty tail
        #expect(throws: VaultError.self) { _ = try TeamKeyring.parse(lines.joined(separator: "\n") + "\n", object: "team") }
        // Only an officer signs a keyring: not a device key, not an interviewer (even with a valid signature).
        let body = lines.joined(separator: "\n") + "\n"
        let sig = try team.interviewer.identity.sign(TeamKeyring.signedMessage(body))
        let byInterviewer = body + "signed-by: \(team.interviewer.fingerprint.compact)\nkeyring-sig: \(Encoding.base64(sig))\n"
        #expect(throws: VaultError.self) { _ = try TeamKeyring.parse(byInterviewer, object: "team") }
        let byDevice = body + "signed-by: hq-device AAAA AAAA\nkeyring-sig: \(Encoding.base64(sig))\n"
        #expect(throws: VaultError.self) { _ = try TeamKeyring.parse(byDevice, object: "team") }
        // The serial is signed: raising it breaks the signature.
        let raised = ring.text.replacingOccurrences(of: "serial: \(ring.serial)\n", with: "serial: \(ring.serial + 1)\n")
        #expect(raised != ring.text)
        #expect(throws: VaultError.self) { _ = try TeamKeyring.parse(raised, object: "team") }
    }

    @Test("record header: strict, canonical, and no altered header verifies")
    func recordHeader() throws {
        let world = FuzzWorld.shared
        let seed = try world.field.store.read { db in
            [UInt8](try #require(try Data.fetchOne(db, sql: "SELECT header FROM objects WHERE id = ?", arguments: [world.recordID])))
        }
        let signer = team.interviewer.card
        let original = try RecordHeader.parse(seed, object: "h")
        #expect(original.encoded() == seed && original.verifySignature(signerCard: signer))
        try Mutator.run("header", seed: seed, salt: 4) { m, i in
            do {
                let h = try RecordHeader.parse(m, object: "h")
                #expect(h.encoded() == m, Mutator.note("header parse is not canonical", i))
                if m != seed { #expect(!h.verifySignature(signerCard: signer), Mutator.note("an altered header verifies", i)) }
            } catch let e as VaultError {
                #expect(e.exitCode == 65, Mutator.note("header", i))
            }
        }
    }

    @Test("bundle: every mutant import fails with 65 (or 74/66) and leaves the vault intact")
    func bundle() throws {
        let world = FuzzWorld.shared
        let s = try Scratch()
        defer { s.remove() }
        let target = try makeHQ(s, name: "target")
        let path = s.file("m.shb")
        let runs = min(FuzzBudget.runs, 200)
        try Mutator.run("bundle", seed: world.bundle, salt: 5, runs: runs) { m, i in
            try Data(m).write(to: URL(fileURLWithPath: path))
            do {
                let report = try target.importBundle(path: path, by: nil)
                // Only the very objects of the seed may ever come in.
                #expect(Set(report.imported).isSubset(of: [world.recordID]), Mutator.note("an unknown object was imported", i))
            } catch let e as VaultError {
                #expect([65, 66].contains(e.exitCode), Mutator.note("bundle: \(e)", i))
            }
        }
        // Whatever was accepted, the vault verifies: every body matches its signed header.
        _ = try target.check()
        // No stray body file: only bodies of listed objects remain.
        let bodies = try FileManager.default.contentsOfDirectory(atPath: s.file("target/objects"))
        #expect(bodies.count == (try target.list(by: nil)).count, "orphan body files after failed imports: \(bodies)")
    }

    @Test("bundle claiming 2^60-byte body, 2^32-1 objects or a 4 GiB header is refused at once")
    func hostileBundleSizes() throws {
        let world = FuzzWorld.shared
        let s = try Scratch()
        defer { s.remove() }
        let target = try makeHQ(s, name: "target")
        let b = world.bundle
        func be(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
        func u32(_ at: Int) -> Int { Int(b[at..<at + 4].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }) }
        // v2: magic, version, manifest length and manifest, signer kind, signer, signature, then objects.
        let manifestLen = u32(5)
        let signerAt = 9 + manifestLen
        let objectsAt = signerAt + (b[signerAt] == 1 ? 21 : 117) + 64
        let hlen = u32(objectsAt)
        let blenAt = objectsAt + 4 + hlen
        var cases: [(String, [UInt8])] = []
        var c = b; c.replaceSubrange(5..<9, with: be(0xFFFF_FFFF, 4)); cases.append(("4 GiB manifest", c))
        c = b; c.replaceSubrange(objectsAt..<objectsAt + 4, with: be(0xFFFF_FFFF, 4)); cases.append(("4 GiB header", c))
        c = b; c.replaceSubrange(blenAt..<blenAt + 8, with: be(1 << 60, 8)); cases.append(("2^60-byte body", c))
        c = Array(b.prefix(objectsAt)); cases.append(("no objects though the manifest lists them", c))
        let manifest = String(decoding: b[9..<signerAt], as: UTF8.self)
        let claim = manifest.replacingOccurrences(of: "\nobjects: ", with: "\nobjects: 99999999")
        c = b; c.replaceSubrange(5..<signerAt, with: be(UInt64(claim.utf8.count), 4) + Array(claim.utf8)); cases.append(("10^8 objects claimed", c))
        for (what, bytes) in cases {
            let path = s.file("h.shb")
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let start = Date()
            #expect(exitCode { _ = try target.importBundle(path: path, by: nil) } == 65, "\(what)")
            #expect(Date().timeIntervalSince(start) < 2, "\(what): refusing took too long")
        }
        #expect(try target.list(by: nil).isEmpty)
    }

    @Test("subject sheet: mutants parse or throw malformedSheet; 200,001 subjects are refused")
    func subjectSheet() throws {
        let sheet = """
        {"subjects": [
          {"name": "김영호", "aliases": ["Mr. Kim"], "relatives": ["김순희"], "places": ["회령", "유선동"],
           "identifiers": ["010-2345-6789"], "consent": "pseudonym", "category": "defector", "country": "CN"},
          {"name": "Lee Jung-su", "consent": "named", "category": "expert"}
        ]}
        """
        let seed = Array(sheet.utf8)
        _ = try SubjectSheet.parse(Data(seed))
        try Mutator.run("sheet", seed: seed, salt: 6) { m, i in
            do { _ = try SubjectSheet.parse(Data(m)) } catch let e as RedactionError {
                guard case .malformedSheet = e else { Issue.record(Mutator.note("sheet: unexpected \(e)", i)); return }
                // Errors name the subject number and field, never a value from the sheet.
                #expect(!e.description.contains("김영호") && !e.description.contains("010-2345"), Mutator.note("sheet error shows a value", i))
            }
        }
        var big = "{\"subjects\":["
        big += Array(repeating: "{\"name\":\"a\"}", count: 200_001).joined(separator: ",")
        big += "]}"
        let start = Date()
        #expect(throws: RedactionError.self) { _ = try SubjectSheet.parse(Data(big.utf8)) }
        #expect(Date().timeIntervalSince(start) < 10)
    }

    @Test("transcripts: txt, srt and vtt mutants parse or throw malformedTranscript", arguments: TranscriptFormat.allCases)
    func transcript(format: TranscriptFormat) throws {
        let seeds: [TranscriptFormat: String] = [
            .txt: "[00:00:01] KIM: hello there\ncontinued line\n[00:01:05] LEE: fine, thanks\n[01:02:03] KIM: bye\n",
            .srt: "1\n00:00:01,000 --> 00:00:04,500\nKIM: hello there\n\n2\n00:00:05,000 --> 00:00:09,000\nLEE: fine\nsecond line\n\n",
            .vtt: "WEBVTT\n\nNOTE a note\n\n00:00:01.000 --> 00:00:04.500\n<v KIM>hello there\n\ncue-2\n00:00:05.000 --> 00:00:09.000 align:start\nLEE: fine\n\n",
        ]
        let seed = Array(seeds[format]!.utf8)
        _ = try Transcript.parse(seeds[format]!, format: format)
        try Mutator.run("transcript \(format)", seed: seed, salt: 7 &+ UInt64(TranscriptFormat.allCases.firstIndex(of: format)!) << 8) { m, i in
            do {
                let t = try Transcript.parse(Mutator.text(m), format: format)
                _ = t.render(format) // a parsed transcript renders without trapping
            } catch let e as RedactionError {
                guard case .malformedTranscript = e else { Issue.record(Mutator.note("transcript: unexpected \(e)", i)); return }
            }
        }
    }

    @Test("transcripts: absurd clock values and huge indices do not trap",
          arguments: ["1\n99999999999999999999:00:00,000 --> 99999999999999999999:00:01,000\nx\n\n",
                      "99999999999999999999999\n00:00:01,000 --> 00:00:02,000\nx\n\n",
                      "WEBVTT\n\n9223372036854775807:59:59.999 --> 9223372036854775807:59:59.999\nx\n\n",
                      "[99999999999999999999:00:00] A: x\n", "[-1:-1:-1] A: x\n", "WEBVTT\n\n00:00.000 --> 00:01.000\n"])
    func absurdClocks(text: String) {
        for format in TranscriptFormat.allCases {
            _ = try? Transcript.parse(text, format: format).render(format)
        }
    }

    @Test("audit export: no mutant with altered entries verifies as intact")
    func auditExport() throws {
        let hq = FuzzWorld.shared.hq
        let seedData = try AuditExportFile.encode(entries: try hq.auditEntries(), origin: hq.origin, keys: try hq.auditKeys())
        guard case .intact = AuditExportFile.verify(data: seedData) else { Issue.record("the seed export does not verify"); return }
        let seed = [UInt8](seedData)
        Mutator.run("audit export", seed: seed, salt: 8) { m, i in
            let verdict = AuditExportFile.verify(data: Data(m))
            // The header's key map is not covered by the chain (a key nobody signed with may change
            // harmlessly); every entry line and the trailer must be exactly the seed's.
            func body(_ b: [UInt8]) -> ArraySlice<UInt8> { b.firstIndex(of: 0x0A).map { b[($0 + 1)...] } ?? [] }
            if case .intact = verdict, body(m) != body(seed) {
                Issue.record(Mutator.note("an altered audit export verifies as intact: \(Mutator.diff(seed, m))", i))
            }
        }
    }

    @Test("checkpoint: mutants throw, or parse without a valid signature over different content")
    func checkpoint() throws {
        let (pk, sk) = try Signature.keyPair(seed: try SecureBytes.random(count: Signature.seedBytes))
        let cp = try Checkpoint.sign(origin: "safehouse.vault/00112233445566778899aabbccddeeff", size: 42,
                                     root: [UInt8](repeating: 7, count: 32), keyName: "officer", secretKey: sk, publicKey: pk)
        let seed = Array(cp.text.utf8)
        #expect(try Checkpoint.parse(cp.text) == cp)
        try Mutator.run("checkpoint", seed: seed, salt: 9) { m, i in
            do {
                let p = try Checkpoint.parse(Mutator.text(m))
                if p.verify(publicKey: pk, keyName: "officer") {
                    #expect(p.origin == cp.origin && p.size == cp.size && p.root == cp.root, Mutator.note("an altered checkpoint verifies", i))
                }
            } catch is AuditError {}
        }
    }

    @Test("recovery share: mutants throw badData without echoing share data, or read as the same share")
    func recoveryShare() throws {
        let shares = try KeyRecovery.split(team.interviewer.identity, card: team.interviewer.card, threshold: 2, count: 3)
        let share = shares[0]
        let seed = share.withText { $0 }
        let canonical = seed
        var dataGroups: [String] = []
        for line in Mutator.text(seed).split(separator: "\n") where line.hasPrefix("data:") {
            for group in line.dropFirst(5).split(separator: " ") where group.count == 4 { dataGroups.append(String(group)) }
        }
        try Mutator.run("share", seed: seed, salt: 10) { m, i in
            do {
                let p = try RecoveryShare.parse(m, object: "share")
                #expect(p.withText { $0 } == canonical, Mutator.note("an altered share was accepted", i))
            } catch let e as VaultError {
                #expect(e.exitCode == 65, Mutator.note("share", i))
                let text = e.message + (e.hint ?? "")
                #expect(!dataGroups.contains { text.contains($0) }, Mutator.note("a share error echoes share data: \(text)", i))
            }
        }
    }
}

extension FuzzTests {
    @Test("regression: a damaged data label must not put share digits into the error")
    func shareErrorDoesNotEchoDigits() throws {
        let team = TestTeam.shared
        let share = try KeyRecovery.split(team.interviewer.identity, card: team.interviewer.card, threshold: 2, count: 2)[0]
        var lines = share.withText { Mutator.text($0) }.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let first = try #require(lines.firstIndex { $0.hasPrefix("data:") })
        let digits = String(lines[first].dropFirst(5).split(separator: " ")[0])
        // "data:" misread as "dxta" and the line break after it lost (found by the fuzz run above).
        lines[first] = "dxta" + lines[first].dropFirst(5) + lines[first + 1]
        lines.remove(at: first + 1)
        let damaged = Array(lines.joined(separator: "\n").utf8)
        do {
            _ = try RecoveryShare.parse(damaged, object: "share")
            Issue.record("a damaged share was accepted")
        } catch let e as VaultError {
            #expect(!(e.message + (e.hint ?? "")).contains(digits), "the error shows share digits: \(e.message)")
        }
    }
}

@Suite("Regression: the body engine never deadlocks on a failed write or a failed batch")
struct PipelineFailureTests {
    /// Found by the 2 MiB tmpfs test in the old pipeline: when the writer failed
    /// between two stages' failure checks, a stage stopped without handing back
    /// its slot and `seal` hung for ever on a full disk. A slow first batch parks
    /// one worker while the writer fails at once; then a worker fails instead.
    @Test("a sink failure, or a work failure in any batch, ends the run with that error, 300 times each")
    func failuresDoNotHang() {
        struct DiskFull: Error {}
        struct BadBatch: Error {}
        let done = DispatchSemaphore(value: 0)
        let results = Unchecked(NSMutableArray())
        Thread.detachNewThread {
            for run in 0..<600 {
                let failingBatch = run % 7
                do {
                    try BodyEngine.run(batches: 7, inCapacity: 64, outCapacity: 64,
                                       output: .ordered { _ in if run < 300 { throw DiskFull() } }, hasher: nil) { k, _, _, _ in
                        if k == 0 { usleep(2000) }
                        if run >= 300 && k == failingBatch { throw BadBatch() }
                        return .init(hashes: [], count: 64)
                    }
                    results.value.add("no error")
                } catch {
                    results.value.add((run < 300 ? error is DiskFull : error is BadBatch) ? "ok" : "other")
                }
            }
            done.signal()
        }
        guard done.wait(timeout: .now() + 60) == .success else {
            Issue.record("BodyEngine.run deadlocked after a failure (\(results.value.count) runs finished)")
            return
        }
        #expect(results.value.count == 600 && results.value.allSatisfy { ($0 as? String) == "ok" }, "every run must end with its error")
    }

    @Test("ordered output arrives in batch order however the workers finish")
    func orderedOutputIsInOrder() throws {
        let got = Unchecked(NSMutableArray())
        try BodyEngine.run(batches: 40, inCapacity: 8, outCapacity: 8, output: .ordered { b in got.value.add(Int(b[0])) }, hasher: nil) { k, _, out, _ in
            usleep(UInt32((k * 7919) % 5) * 1000)  // finish out of order
            out[0] = UInt8(k)
            return .init(hashes: [], count: 1)
        }
        #expect((got.value as? [Int]) == Array(0..<40))
    }
}

@Suite("Secrets in memory: no core dumps, nothing printable")
struct SecretHygieneTests {
    @Test("hardenProcess disables core dumps (RLIMIT_CORE 0, not dumpable)")
    func coreDumpsDisabled() {
        Sodium.hardenProcess()
        #expect(Sodium.coreDumpsDisabled)
        var l = rlimit()
        getrlimit(Int32(RLIMIT_CORE.rawValue), &l)
        #expect(l.rlim_cur == 0 && l.rlim_max == 0)
    }

    /// Renditions of secret bytes that must never appear in printed forms.
    static func renditions(_ bytes: [UInt8]) -> [String] {
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let b64 = Data(bytes).base64EncodedString()
        return [hex, String(hex.prefix(16)), String(b64.prefix(16)), bytes.prefix(8).map(String.init).joined(separator: ", ")]
    }

    @Test("descriptions, dumps and errors never show key bytes or the passphrase")
    func nothingPrintable() throws {
        let member = TestTeam.shared.interviewer
        let secret = try member.identity.exportSecretForRecovery().withUnsafeBytes { Array($0) }
        let forbidden = Self.renditions(Array(secret.prefix(32))) + Self.renditions(Array(secret.suffix(32))) + [testPassphraseText]
        var texts: [String] = []
        func add(_ x: Any) {
            texts.append(String(describing: x)); texts.append(String(reflecting: x))
            var d = ""; dump(x, to: &d); texts.append(d)
        }
        add(member.identity)
        add(try member.identity.localSecrets().signSecretKey)
        add(try testPassphrase())
        let shares = try KeyRecovery.split(member.identity, card: member.card, threshold: 2, count: 2)
        add(shares[0])
        // An opened object holds the record key and body key.
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let id = try sealBytes(hq, s, [1, 2, 3], by: TestTeam.shared.officer)
        let opened = try hq.access(id: id, identity: TestTeam.shared.officer.identity, action: "open")
        let keyBytes = opened.recordKey.withUnsafeBytes { Array($0) } + opened.bodyKey.withUnsafeBytes { Array($0) }
        add(opened)
        // Every VaultError case, and errors thrown with secrets in play.
        let cases: [VaultError] = [.usage("u"), .badData(object: "o", hint: "h"), .missing(object: "o", hint: "h"),
                                   .cannotCreate(object: "o", hint: "h"), .io(object: "o", detail: "d"),
                                   .refused(object: "o", reason: "r", hint: "h"), .other("x")]
        for e in cases { add(e); texts.append(e.message + (e.hint ?? "")) }
        let key = s.file("k")
        try KeyFile.create(name: "Leak", role: .officer, path: key, passphrase: try testPassphrase(), cost: .interactive)
        do { _ = try KeyFile.unlock(path: key, passphrase: try testPassphrase("wrong-" + testPassphraseText)) } catch { add(error) }
        let forbiddenAll = forbidden + Self.renditions(Array(keyBytes.prefix(32))) + Self.renditions(Array(keyBytes.suffix(32)))
        for t in texts {
            for f in forbiddenAll where !f.isEmpty {
                #expect(!t.contains(f), "a printed form shows secret material: \(t.prefix(200))…")
            }
        }
    }
}
