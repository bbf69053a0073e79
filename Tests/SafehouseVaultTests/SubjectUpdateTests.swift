import Foundation
import SafehouseCrypto
@testable import SafehouseVault
import Testing

/// Editing a subject: a new alias reaches the lexicon of every later approval,
/// the pseudonym stays, the old sealed identity is gone, and only officers may do it.
@Suite struct SubjectUpdateTests {
    let team = TestTeam.shared

    func identity(_ json: String) -> SubjectIdentity {
        SubjectIdentity(json: Array(json.utf8), category: "defector", consent: "pseudonym", country: "CN")
    }

    @Test func anUpdatedAliasIsRedactedAndThePseudonymStays() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let p = try hq.importSubjects([identity(#"{"name":"류광석"}"#)], by: team.officer.identity)[0]
        let file = s.file("t.txt")
        try Data("[00:00:01] A: 류광석 was called Comrade Stoneriver at the mine.\n".utf8).write(to: URL(fileURLWithPath: file))
        let rid = try hq.seal(file: file, request: SealRequest(kind: .interview, country: "CN", subject: p), by: team.interviewer.identity)

        func approvedText(accept: Bool = false) throws -> String {
            let e = try hq.approve(recordID: rid, range: nil, by: team.officer.identity, acceptUnknownNames: accept)
            let out = s.file("e-\(e).txt")
            try hq.exportExcerpt(excerptID: e, format: .txt, to: out, by: team.officer.identity, overwrite: false)
            return try String(contentsOfFile: out, encoding: .utf8)
        }
        // "Comrade Stoneriver" is no subject's yet: approve shows it and refuses until accepted.
        do {
            _ = try approvedText()
            Issue.record("approve passed an unknown name on")
        } catch let r as UnknownNamesRefusal {
            #expect(r.candidates.map(\.text).contains { $0.contains("Stoneriver") } && r.error.exitCode == 77)
            #expect(!r.error.message.contains("Stoneriver"), "no candidate in the error message")
        }
        #expect(try hq.auditEntries().last?.entry.reason == "unknown-names")
        let before = try approvedText(accept: true)
        #expect(!before.contains("류광석") && before.contains("Stoneriver"))

        let oldObject = try hq.store.read { db in try String.fetchOne(db, sql: "SELECT object_id FROM subjects WHERE pseudonym = ?", arguments: [p]) }
        #expect(throws: VaultError.self) {
            try hq.updateSubject(pseudonym: p, identity: identity(#"{"name":"류광석","aliases":["Comrade Stoneriver"]}"#), by: team.interviewer.identity)
        }
        try hq.updateSubject(pseudonym: p, identity: identity(#"{"name":"류광석","aliases":["Comrade Stoneriver"]}"#), by: team.officer.identity)

        let after = try approvedText()
        #expect(!after.contains("류광석") && !after.contains("Stoneriver"), "the new alias must be redacted: \(after)")
        #expect(try hq.pseudonyms() == [p])
        let newObject = try hq.store.read { db in try String.fetchOne(db, sql: "SELECT object_id FROM subjects WHERE pseudonym = ?", arguments: [p]) }
        #expect(newObject != oldObject)
        let stillThere = try hq.store.read { db in try String.fetchOne(db, sql: "SELECT id FROM objects WHERE id = ?", arguments: [oldObject ?? ""]) }
        #expect(stillThere == nil, "the old sealed identity is deleted")
        #expect(try hq.check().orphans.isEmpty)
        let actions = try hq.auditEntries().map(\.entry.action)
        #expect(actions.contains("subject-update"))
        #expect(throws: VaultError.self) {
            try hq.updateSubject(pseudonym: "Z-ZZZZ", identity: identity(#"{"name":"x"}"#), by: team.officer.identity)
        }
    }
}
