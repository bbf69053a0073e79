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
            for s in try objects(db, types: [.subject], readableBy: officer) {
                if let m = s.metadata, let p = m.subject, let c = m.category { categories[p] = c }
            }
            var facts: [ProductionStats.Fact] = []
            var unreadable = 0
            for r in try objects(db, types: [.record], readableBy: officer) {
                guard let m = r.metadata, let kind = m.kind, let country = m.country else { unreadable += 1; continue }
                facts.append(.init(kind: kind.rawValue, country: country, category: m.subject.flatMap { categories[$0] },
                                   status: m.status, quarter: ProductionStats.quarter(of: m.sealedAt), rating: m.rating))
            }
            try appendAudit(db, actor: officer, action: "stats", objects: ["threshold:\(threshold)"], outcome: .ok)
            return (ProductionStats(facts: facts, threshold: threshold), unreadable)
        }
    }
}
