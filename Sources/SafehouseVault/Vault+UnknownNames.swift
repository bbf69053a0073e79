import Foundation
import GRDB
import SafehouseCrypto
import SafehouseRedaction

/// `approve` refused because the redacted text still holds possible names the
/// lexicon does not know. The candidates are for the approving officer's eyes
/// (her terminal), never for an error message or the audit log, which record
/// only how many there were.
public struct UnknownNamesRefusal: Error, Sendable {
    public let candidates: [RedactionReport.Candidate]
    public let error: VaultError
}

extension Vault {
    /// The digest a not-a-name decision is kept under: the text normalized
    /// (NFKC, case-folded, spaces collapsed), bound to the team.
    func notNameDigest(_ text: String) -> [UInt8] {
        let t = text.precomposedStringWithCompatibilityMapping.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return GenericHash.hash(Array("safehouse not-a-name v1\n".utf8) + teamID + Array(t.utf8), length: 32)
    }

    static func notNameMessage(_ digest: [UInt8]) -> [UInt8] {
        Array("safehouse not-a-name v1\ndigest: \(Encoding.hex(digest))\n".utf8)
    }

    /// Records, signed by an officer, that each text is not a name: `approve`
    /// stops flagging it. Audited with the count only.
    public func markNotNames(_ texts: [String], by officer: Identity) throws {
        guard !texts.isEmpty else { return }
        try store.write { db in
            try requireOfficer(officer, db, action: "not-a-name", objects: [], object: "candidate names", what: "decides what is not a name")
            for t in texts {
                let d = notNameDigest(t)
                try db.execute(sql: "INSERT OR REPLACE INTO not_names(digest, officer, signature) VALUES (?, ?, ?)",
                               arguments: [Data(d), officer.fingerprint.compact, Data(try officer.sign(Self.notNameMessage(d)))])
            }
            try appendAudit(db, actor: officer, action: "not-a-name", objects: ["count:\(texts.count)"], outcome: .ok)
        }
    }

    /// Digests of the not-a-name decisions whose officer signature verifies
    /// (a row added by editing the database counts for nothing).
    func notNames(_ db: Database) throws -> Set<[UInt8]> {
        let officers = try members(db).filter { $0.card.role == .officer }
        var out = Set<[UInt8]>()
        for row in try Row.fetchAll(db, sql: "SELECT digest, officer, signature FROM not_names") {
            let d = [UInt8](try row.value("digest", of: "not-a-name table") as Data)
            let by: String = try row.value("officer", of: "not-a-name table")
            let sig = [UInt8](try row.value("signature", of: "not-a-name table") as Data)
            if officers.contains(where: { $0.fingerprint.compact == by && Signature.verify(sig, message: Self.notNameMessage(d), publicKey: $0.card.signKey) }) {
                out.insert(d)
            }
        }
        return out
    }

    /// The report's candidates an officer has not already ruled out.
    func unknownNames(_ report: RedactionReport) throws -> [RedactionReport.Candidate] {
        let ruledOut = try store.read { db in try notNames(db) }
        return report.candidates.filter { !ruledOut.contains(notNameDigest($0.text)) }
    }
}
