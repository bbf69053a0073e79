import Foundation

/// Production figures without exposure: every table is a `SuppressedTable`, so
/// a small count (one defector interviewed in Japan is one person) never
/// appears, and cannot be recovered by subtraction from published totals.
/// Contains no names, pseudonyms, record ids or file names.
public struct ProductionStats: Sendable {
    public let threshold: Int
    public let tables: [SuppressedTable]
    /// Experts' share of expert interviews per country, in percent (only for published cells).
    public let expertShares: [(country: String, percent: Double?)]

    /// One sealed record's facts as an officer sees them.
    public struct Fact: Sendable {
        public let kind: String
        public let country: String
        public let category: String?
        public let status: String?
        public let quarter: String
        public let rating: Int?
        public init(kind: String, country: String, category: String?, status: String?, quarter: String, rating: Int?) {
            self.kind = kind; self.country = country; self.category = category; self.status = status; self.quarter = quarter; self.rating = rating
        }
    }

    /// Minimum threshold: it may be raised, never lowered.
    public static let minimumThreshold = 3

    public init(facts: [Fact], threshold: Int) {
        self.threshold = max(threshold, Self.minimumThreshold)
        let t = self.threshold
        func table(_ title: String, _ rows: [String], _ cols: [String], _ key: (Fact) -> (String, String)?) -> SuppressedTable {
            var counts = Array(repeating: Array(repeating: 0, count: cols.count), count: rows.count)
            for f in facts {
                guard let (r, c) = key(f), let ri = rows.firstIndex(of: r), let ci = cols.firstIndex(of: c) else { continue }
                counts[ri][ci] += 1
            }
            return SuppressedTable(title: title, rows: rows, columns: cols, counts: counts, threshold: t)
        }
        let countries = Array(Set(facts.map(\.country))).sorted()
        let kinds = ["interview", "statement", "coverage", "legal"]
        let categories = ["defector", "pow", "pow-family", "abductee-family", "expert", "broker", "official", "other"]
        let interviews = facts.filter { $0.kind == "interview" }
        let statuses = Array(Set(facts.filter { $0.kind == "legal" }.map { $0.status ?? "unknown" })).sorted()
        let quarters = Array(Set(facts.map(\.quarter))).sorted()
        let byCategory = table("Interviews by subject category and country", categories, countries) { f in
            f.kind == "interview" ? (f.category ?? "other", f.country) : nil
        }
        tables = [
            table("Records by kind and country", kinds, countries) { ($0.kind, $0.country) },
            byCategory,
            table("Legal records by status", statuses, ["records"]) { f in f.kind == "legal" ? (f.status ?? "unknown", "records") : nil },
            table("Records per quarter by kind", quarters, kinds) { ($0.quarter, $0.kind) },
            table("Interview quality ratings by kind", ["1", "2", "3", "4", "5"], kinds) { f in f.rating.map { ("\($0)", f.kind) } },
        ]
        // Expert shares come from the category table's expert row, with its suppression:
        // a second expert table could hide other cells and give them away.
        let e = categories.firstIndex(of: "expert")!
        let expertTotal = byCategory.rowTotals[e]
        expertShares = countries.indices.map { c in
            let hidden = byCategory.suppressed[e][c] || byCategory.rowTotalSuppressed[e]
            return (countries[c], hidden || expertTotal == 0 ? nil : Double(byCategory.counts[e][c]) * 100 / Double(expertTotal))
        }
        _ = interviews
    }

    /// Calendar quarter of an ISO 8601 time, e.g. "2026-Q4".
    public static func quarter(of iso: String) -> String {
        let parts = iso.split(separator: "-")
        guard parts.count >= 2, let m = Int(parts[1]) else { return "unknown" }
        return "\(parts[0])-Q\((m - 1) / 3 + 1)"
    }
}
