import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto

/// What `check` verified.
public struct CheckReport: Sendable {
    public let objects: Int
    public let members: Int
    public let auditEntries: UInt64
    /// Ciphertext files in objects/ that no header refers to (left by a crash
    /// between writing a body and committing its header, or replaced by a re-key).
    public let orphans: [String]
}

extension Vault {
    /// Verifies the whole vault without any secret key: member trust chain, every
    /// object's header signature, body length and body hash, subject links, and
    /// the audit log's chain and signatures.
    /// - Throws: `VaultError.badData` (exit 65) naming the first bad object.
    /// - Parameter pruneOrphans: delete body files no header refers to (ciphertext only).
    public func check(pruneOrphans: Bool = false) throws -> CheckReport {
        let report: CheckReport = try store.read { db in
            var expected = Set<String>()
            let ms = try members(db)
            let rows = try Row.fetchAll(db, sql: "SELECT id, type, header, body_length FROM objects ORDER BY rowid")
            for row in rows {
                let id: String = try row.value("id", of: "objects table")
                let header = try RecordHeader.parse([UInt8](try row.value("header", of: "record \(id)") as Data), object: "record \(id)")
                let length: Int64 = try row.value("body_length", of: "record \(id)")
                guard header.idText == id, Int(header.type.rawValue) == (try row.value("type", of: "record \(id)") as Int),
                      length >= 0, UInt64(length) == header.ciphertextLength else {
                    throw VaultError.badData(object: "record \(id)", hint: "its database row does not match its header")
                }
                try verifyHeaderSigner(header, members: ms)
                expected.insert((bodyPath(header) as NSString).lastPathComponent)
                let fd = Foundation.open(bodyPath(header), O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw VaultError.badData(object: "record \(id)", hint: "its encrypted body file is missing") }
                defer { close(fd) }
                let (bodyHash, leaves) = try BodyCodec.hashCiphertext(from: fd, header: header, object: "record \(id)")
                guard bodyHash == header.bodyHash else {
                    throw VaultError.badData(object: "record \(id)", hint: "its encrypted body does not match the signed header")
                }
                if let stored = try Data.fetchOne(db, sql: "SELECT hashes FROM chunk_hashes WHERE object_id = ?", arguments: [id]),
                   [UInt8](stored) != leaves {
                    throw VaultError.badData(object: "record \(id)", hint: "its stored chunk hashes do not match its body (edited)")
                }
            }
            if let stray = try String.fetchOne(db, sql: """
                SELECT c.object_id FROM chunk_hashes c LEFT JOIN objects o ON o.id = c.object_id
                WHERE o.id IS NULL OR o.type != ? LIMIT 1
                """, arguments: [Int(ObjectType.record.rawValue)]) {
                throw VaultError.badData(object: "chunk_hashes table", hint: "a row names no record (\(stray.prefix(32))): damaged or edited")
            }
            let dangling = try String.fetchOne(db, sql: """
                SELECT s.pseudonym FROM subjects s LEFT JOIN objects o ON o.id = s.object_id
                WHERE o.id IS NULL OR o.type != ? LIMIT 1
                """, arguments: [Int(ObjectType.subject.rawValue)])
            if let dangling { throw VaultError.badData(object: "subject \(dangling)", hint: "its identity object is missing") }
            for row in try Row.fetchAll(db, sql: "SELECT s.pseudonym, o.header FROM subjects s JOIN objects o ON o.id = s.object_id") {
                let p: String = try row.value("pseudonym", of: "subjects table")
                guard try RecordHeader.parse([UInt8](try row.value("header", of: "subject \(p)") as Data), object: "subject \(p)").label == p else {
                    throw VaultError.badData(object: "subject \(p)", hint: "its signed identity header names another pseudonym (renamed)")
                }
            }
            try verifyTrustHistory(db)
            try checkSealTags(db)
            let subjectsHeld = Set(try String.fetchAll(db, sql: "SELECT pseudonym FROM subjects"))
            for row in try Row.fetchAll(db, sql: "SELECT copy_id, parent, member, pseudonyms FROM copies") {
                let id: String = try row.value("copy_id", of: "copies table"), object = "copy \(id)"
                let parent: String = try row.value("parent", of: object), member: String = try row.value("member", of: object)
                let hidden: String = try row.value("pseudonyms", of: object)
                guard let h = try? loadHeader(db, id: id), h.type == .excerpt, let p = try? loadHeader(db, id: parent), p.type == .excerpt,
                      let fp = Fingerprint(text: member), h.slots.contains(where: { $0.recipient == fp }) || !(ms.first { $0.fingerprint == fp }?.isActive ?? false),
                      hidden.split(separator: ",").allSatisfy({ subjectsHeld.contains(String($0)) }) else {
                    throw VaultError.badData(object: "copies table", hint: "copy \(id) does not match its excerpt, member or subjects (edited)")
                }
            }
            for st in try statements(db) where !verifyStatement(st, members: ms) {
                throw VaultError.badData(object: "statements table", hint: "a \(st.kind == .withdrawal ? "withdrawal" : "revocation") is not signed by an officer (edited)")
            }
            for g in try Row.fetchAll(db, sql: "SELECT object_id, member, expires, grant_sig FROM grants") {
                let excerpt: String = try g.value("object_id", of: "grants table")
                guard let fp = Fingerprint(text: try g.value("member", of: "grant of excerpt \(excerpt)")) else {
                    throw VaultError.badData(object: "grants table", hint: "a grant row is damaged")
                }
                try verifyGrant(excerpt: excerpt, member: fp, expires: try g.optionalValue("expires", of: "grant of excerpt \(excerpt)"),
                                signature: try g.optionalValue("grant_sig", of: "grant of excerpt \(excerpt)"), members: ms)
            }
            let result = try verifyAudit(db, checkpoint: nil, members: ms)
            guard case .intact(let size, _) = result else {
                throw VaultError.badData(object: "audit log entry \(result.firstBadSeq ?? 0)", hint: "\(result); the log was edited")
            }
            let files = (try? FileManager.default.contentsOfDirectory(atPath: objectsDirectory)) ?? []
            return CheckReport(objects: rows.count, members: ms.count, auditEntries: size,
                               orphans: files.filter { !expected.contains($0) }.sorted())
        }
        if pruneOrphans {
            // Re-read under the write lock, so a body being committed right now is not taken for an orphan.
            try store.write { db in
                let live = Set(try String.fetchAll(db, sql: "SELECT id FROM objects"))
                // A live writer's temporary file is not an orphan (another process is writing it).
                AtomicOutput.sweepStale(in: objectsDirectory)
                for f in report.orphans where !f.hasPrefix(AtomicOutput.tempPrefix)
                    && (!live.contains(String(f.prefix(32))) || f.hasPrefix(".") || f == "new.body") {
                    unlink(objectsDirectory + "/" + f)
                }
                for f in report.orphans where live.contains(String(f.prefix(32))) {
                    // A superseded body of a live object (a re-key interrupted before its clean-up).
                    let h = try loadHeader(db, id: String(f.prefix(32)))
                    if (bodyPath(h) as NSString).lastPathComponent != f { unlink(objectsDirectory + "/" + f) }
                }
            }
        }
        return report
    }
}
