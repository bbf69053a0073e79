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
                let id: String = row["id"]
                let header = try RecordHeader.parse([UInt8](row["header"] as Data), object: "record \(id)")
                guard header.idText == id, Int(header.type.rawValue) == (row["type"] as Int),
                      UInt64(row["body_length"] as Int64) == header.ciphertextLength else {
                    throw VaultError.badData(object: "record \(id)", hint: "its database row does not match its header")
                }
                try verifyHeaderSigner(header, members: ms)
                expected.insert((bodyPath(header) as NSString).lastPathComponent)
                let fd = Foundation.open(bodyPath(header), O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else { throw VaultError.badData(object: "record \(id)", hint: "its encrypted body file is missing") }
                defer { close(fd) }
                guard try BodyCodec.hashCiphertext(from: fd, header: header, object: "record \(id)") == header.bodyHash else {
                    throw VaultError.badData(object: "record \(id)", hint: "its encrypted body does not match the signed header")
                }
            }
            let dangling = try String.fetchOne(db, sql: """
                SELECT s.pseudonym FROM subjects s LEFT JOIN objects o ON o.id = s.object_id
                WHERE o.id IS NULL OR o.type != ? LIMIT 1
                """, arguments: [Int(ObjectType.subject.rawValue)])
            if let dangling { throw VaultError.badData(object: "subject \(dangling)", hint: "its identity object is missing") }
            for row in try Row.fetchAll(db, sql: "SELECT s.pseudonym, o.header FROM subjects s JOIN objects o ON o.id = s.object_id") {
                let p: String = row["pseudonym"]
                guard try RecordHeader.parse([UInt8](row["header"] as Data), object: "subject \(p)").label == p else {
                    throw VaultError.badData(object: "subject \(p)", hint: "its signed identity header names another pseudonym (renamed)")
                }
            }
            try verifyTrustHistory(db)
            for st in try statements(db) where !verifyStatement(st, members: ms) {
                throw VaultError.badData(object: "statements table", hint: "a \(st.kind == .withdrawal ? "withdrawal" : "revocation") is not signed by an officer (edited)")
            }
            for g in try Row.fetchAll(db, sql: "SELECT object_id, member, expires, grant_sig FROM grants") {
                guard let excerpt = g["object_id"] as String?, let fp = (g["member"] as String?).flatMap(Fingerprint.init(text:)) else {
                    throw VaultError.badData(object: "grants table", hint: "a grant row is damaged")
                }
                try verifyGrant(excerpt: excerpt, member: fp, expires: g["expires"], signature: g["grant_sig"], members: ms)
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
                for f in report.orphans where !live.contains(String(f.prefix(32))) || f.hasPrefix(".") || f == "new.body" {
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
