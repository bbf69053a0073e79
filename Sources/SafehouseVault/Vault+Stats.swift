import Foundation
import GRDB

extension Vault {
    /// Production figures for an officer: decrypts record and subject metadata
    /// (officers hold those slots), aggregates with small-cell suppression, and
    /// audits the access. Records the officer cannot open are left out and counted.
    public func productionStats(by officer: Identity, threshold: Int) throws -> (stats: ProductionStats, unreadable: Int) {
        guard threshold >= ProductionStats.minimumThreshold else {
            throw VaultError.usage("--threshold can only be raised (minimum \(ProductionStats.minimumThreshold))")
        }
        return try store.write { db in
            try requireOfficer(officer, db, action: "stats", objects: [])
            var categories: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT pseudonym, object_id FROM subjects") {
                let h = try loadHeader(db, id: row["object_id"])
                if let o = try unlockObject(h, identity: officer), let c = o.metadata.category { categories[row["pseudonym"]] = c }
            }
            var facts: [ProductionStats.Fact] = []
            var unreadable = 0
            for id in try String.fetchAll(db, sql: "SELECT id FROM objects WHERE type = ? ORDER BY rowid", arguments: [Int(ObjectType.record.rawValue)]) {
                let h = try loadHeader(db, id: id)
                guard let m = try unlockObject(h, identity: officer)?.metadata, let kind = m.kind, let country = m.country else { unreadable += 1; continue }
                facts.append(.init(kind: kind.rawValue, country: country, category: m.subject.flatMap { categories[$0] },
                                   status: m.status, quarter: ProductionStats.quarter(of: m.sealedAt), rating: m.rating))
            }
            try appendAudit(db, actor: officer, action: "stats", objects: ["threshold:\(threshold)"], outcome: .ok)
            return (ProductionStats(facts: facts, threshold: threshold), unreadable)
        }
    }
}
