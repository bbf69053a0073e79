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
        let kinds = RecordKind.allCases.map(\.rawValue)
        let categories = ["defector", "pow", "pow-family", "abductee-family", "expert", "broker", "official", "other"]
        let ratings = ["1", "2", "3", "4", "5"]
        // Each fact as attributes; every fact falls in exactly one row and column
        // of each table it belongs to, so every printed sum holds.
        let attributes: [[String: String]] = facts.map { f in
            var a = ["kind": kinds.contains(f.kind) ? f.kind : "other", "country": f.country, "quarter": f.quarter]
            if f.kind == "interview" { a["category"] = f.category.flatMap { categories.contains($0) ? $0 : nil } ?? "other" }
            if f.kind == "legal" { a["status"] = f.status ?? "unknown" }
            if let r = f.rating, (1...5).contains(r) { a["rating"] = "\(r)" }
            return a
        }
        let kindRows = kinds + (attributes.contains { $0["kind"] == "other" } ? ["other"] : [])
        func labels(_ key: String) -> [String] { Array(Set(attributes.compactMap { $0[key] })).sorted() }
        let countries = labels("country")
        let layouts = [
            TableLayout(title: "Records by kind and country", base: [:], rowKey: "kind", rows: kindRows, columnKey: "country", columns: countries),
            TableLayout(title: "Interviews by subject category and country", base: ["kind": "interview"], rowKey: "category", rows: categories, columnKey: "country", columns: countries),
            TableLayout(title: "Legal records by status", base: ["kind": "legal"], rowKey: "status", rows: labels("status"), columnKey: nil, columns: ["records"]),
            TableLayout(title: "Records per quarter by kind", base: [:], rowKey: "quarter", rows: labels("quarter"), columnKey: "kind", columns: kindRows),
            TableLayout(title: "Interview quality ratings by kind", base: ["rating": "*"], rowKey: "rating", rows: ratings, columnKey: "kind", columns: kindRows),
        ]
        let values = Self.count(attributes, in: layouts)
        let t = self.threshold
        let plan = Suppression.plan(layouts: layouts, values: values, threshold: t)
        let tables = layouts.map { SuppressedTable(layout: $0, values: values, plan: plan, threshold: t) }
        self.tables = tables
        // Expert shares come from the category table's expert row, with its
        // suppression: a share is printed only where its count and the expert
        // total are both printed, so it says nothing the tables do not.
        let byCategory = tables[1]
        let e = categories.firstIndex(of: "expert")!
        let expertTotal = byCategory.rowTotals[e]
        expertShares = countries.indices.map { c in
            let hidden = byCategory.withheld || byCategory.suppressed[e][c] || byCategory.rowTotalSuppressed[e]
            return (countries[c], hidden || expertTotal == 0 ? nil : Double(byCategory.counts[e][c]) * 100 / Double(expertTotal))
        }
    }

    /// Every number the layouts print, counted over the facts.
    static func count(_ facts: [[String: String]], in layouts: [TableLayout]) -> [CountQuery: Int] {
        var queries = Set<CountQuery>()
        for l in layouts {
            for rel in l.relations { queries.formUnion(rel.parts); queries.insert(rel.whole) }
        }
        var values: [CountQuery: Int] = [:]
        for q in queries { values[q] = facts.reduce(0) { $0 + (q.matches($1) ? 1 : 0) } }
        return values
    }

    /// Calendar quarter of an ISO 8601 time, e.g. "2026-Q4".
    public static func quarter(of iso: String) -> String {
        let parts = iso.split(separator: "-")
        guard parts.count >= 2, let m = Int(parts[1]) else { return "unknown" }
        return "\(parts[0])-Q\((m - 1) / 3 + 1)"
    }
}
