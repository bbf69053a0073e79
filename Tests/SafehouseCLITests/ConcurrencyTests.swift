import Foundation
import SafehouseCrypto
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Several processes on one vault at once: sealing, importing and approving all
// succeed (SQLite's IMMEDIATE transactions and busy timeout make them wait),
// nothing is lost, and the audit log stays one linear chain 0…n-1.

@Suite("Concurrency: several processes on one vault", .serialized)
struct ConcurrencyTests {
    @Test("6 seals, a bundle import and an approve at once: all succeed, exact count, linear audit chain")
    func concurrentWriters() throws {
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let hq = t.file("hq"), field = t.file("field"), olga = t.file("olga"), ivan = t.file("ivan")
        // A field record to import, and a transcript to approve.
        let fieldInput = t.file("field.bin")
        try Reliability.writeMarkedInput(fieldInput, size: 3 << 20, marker: "field-\(UUID().uuidString)", seed: 99)
        let fs = try t.run(["seal", fieldInput, "--vault", field, "--identity", ivan, "--kind", "interview", "--country", "KR"])
        try #require(fs.status == 0, "\(fs)")
        let fieldID = fs.stdout.trimmingCharacters(in: .newlines)
        let bundle = t.file("field.shb")
        try #require(try t.run(["bundle", "export", fieldID, "--vault", field, "--out", bundle]).status == 0)
        let transcript = t.file("talk.txt")
        try Data("[00:00:01] A: hello there\n[00:00:05] B: the weather is fine\n".utf8).write(to: URL(fileURLWithPath: transcript))
        let ts = try t.run(["seal", transcript, "--vault", hq, "--identity", olga, "--kind", "interview", "--country", "KR"])
        try #require(ts.status == 0, "\(ts)")
        let record = ts.stdout.trimmingCharacters(in: .newlines)

        let before = try Reliability.list(t, vault: hq, key: olga)
        let seqsBefore = try Reliability.auditSeqs(t, vault: hq)

        var inputs: [String: [UInt8]] = [:]
        for i in 0..<6 {
            let path = t.file("in-\(i).bin")
            try Reliability.writeMarkedInput(path, size: (2 << 20) + i * 4097, marker: "c-\(i)-\(UUID().uuidString)", seed: UInt64(i + 1))
            inputs[path] = try streamedHash(path)
        }
        var jobs: [(tag: String, process: Process, what: String)] = []
        for (i, path) in inputs.keys.sorted().enumerated() {
            let key = i % 2 == 0 ? olga : ivan
            let tag = "seal-\(i)"
            jobs.append((tag, try Reliability.start(t, ["seal", path, "--vault", hq, "--identity", key, "--kind", "interview", "--country", "KR"], tag: tag),
                         "seal \(path)"))
        }
        jobs.append(("import", try Reliability.start(t, ["bundle", "import", bundle, "--vault", hq], tag: "import"), "bundle import"))
        jobs.append(("approve", try Reliability.start(t, ["approve", record, "--vault", hq, "--identity", olga], tag: "approve"), "approve"))
        var sealedIDs: [String] = []
        var excerptID: String?
        for job in jobs {
            job.process.waitUntilExit()
            let (out, err) = Reliability.output(t, tag: job.tag)
            #expect(job.process.terminationReason == .exit && job.process.terminationStatus == 0,
                    "\(job.what) failed under contention (\(job.process.terminationStatus)): \(err)")
            #expect(!err.contains(cliPassphrase))
            if job.tag.hasPrefix("seal-") { sealedIDs.append(out.trimmingCharacters(in: .newlines)) }
            if job.tag == "approve" { excerptID = out.trimmingCharacters(in: .newlines) }
        }

        // Exact count: 6 sealed + 1 imported record + 1 excerpt, each listed once.
        let after = try Reliability.list(t, vault: hq, key: olga)
        #expect(after.count == before.count + 8, "expected \(before.count + 8) objects, found \(after.count)")
        #expect(Set(after.map(\.id)).count == after.count, "an object is listed twice")
        let ids = Set(after.map(\.id))
        for id in sealedIDs + [fieldID] { #expect(ids.contains(id), "record \(id) is missing") }
        if let excerptID { #expect(ids.contains(excerptID), "excerpt \(excerptID) is missing") }

        // Every concurrently sealed record opens byte-exact.
        let hashes = Set(inputs.values)
        for id in sealedIDs where isRecordID(id) {
            let out = t.file("open-\(id).bin")
            let r = try t.run(["open", id, "--vault", hq, "--identity", olga, "--out", out])
            #expect(r.status == 0, "\(r)")
            if r.status == 0 { #expect(hashes.contains(try streamedHash(out)), "record \(id) does not open to any sealed input") }
            unlink(out)
        }

        // The audit chain is linear: 0…n-1, no gap, no duplicate, and holds every action.
        let seqs = try Reliability.auditSeqs(t, vault: hq)
        #expect(seqs == Array(0..<seqs.count), "audit seq numbers are not a linear chain: \(seqs)")
        #expect(seqs.count >= seqsBefore.count + 8, "audit entries were lost: \(seqsBefore.count) → \(seqs.count)")
        let log = try t.run(["audit", "log", "--vault", hq], passphrase: .none)
        let actions = log.stdoutLines.map { $0.split(separator: "\t").map(String.init) }.filter { $0.count > 3 }.map { $0[3] }
        #expect(actions.filter { $0 == "seal" }.count >= 7, "\(actions)")
        #expect(actions.contains("bundle-import") && actions.contains("approve"), "\(actions)")
        try Reliability.expectIntact(t, vault: hq, "concurrent writers")
    }

    @Test("a writer holding the lock makes others wait, not fail")
    func writersWaitForLock() throws {
        // Eight quick seals of tiny files, all started together, twice in a row.
        let t = try Sandbox()
        defer { t.remove() }
        try t.makeTeam()
        let hq = t.file("hq"), olga = t.file("olga")
        var jobs: [(String, Process)] = []
        for i in 0..<8 {
            let path = t.file("small-\(i).txt")
            try Data("small record \(i)\n".utf8).write(to: URL(fileURLWithPath: path))
            jobs.append(("s\(i)", try Reliability.start(t, ["seal", path, "--vault", hq, "--identity", olga, "--kind", "statement", "--country", "US"], tag: "s\(i)")))
        }
        for (tag, p) in jobs {
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "seal \(tag) did not wait for the lock: \(Reliability.output(t, tag: tag).stderr)")
        }
        #expect(try Reliability.list(t, vault: hq, key: olga).count == 8)
        let seqs = try Reliability.auditSeqs(t, vault: hq)
        #expect(seqs == Array(0..<seqs.count))
        try Reliability.expectIntact(t, vault: hq, "eight small concurrent seals")
    }
}
