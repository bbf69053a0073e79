/// A two-way table of counts as published, with its hidden cells and totals.
///
/// Which numbers are hidden is decided across every table published together
/// (`Suppression`, in Disclosure.swift): every count 1…threshold−1 reads `<T`,
/// and further cells (`x`) and totals are hidden until a reader who knows every
/// published number, every sum relation between the tables and what `<T` and
/// `x` mean cannot work out any hidden number exactly. Zero cells are shown: a
/// published 0 gives nothing away about a person.
public struct SuppressedTable: Sendable, Equatable {
    public let title: String
    public let rowLabels: [String]
    public let columnLabels: [String]
    public let counts: [[Int]]
    public let threshold: Int
    /// suppressed[r][c]: whether cell (r, c) is hidden.
    public let suppressed: [[Bool]]
    /// Hidden row and column totals (small totals, and their complements).
    public let rowTotalSuppressed: [Bool]
    public let columnTotalSuppressed: [Bool]
    public let grandTotalSuppressed: Bool
    /// The whole table is withheld: too few records to print any of it safely.
    public let withheld: Bool

    init(layout: TableLayout, values: [CountQuery: Int], plan: Suppression.Plan, threshold: Int) {
        title = layout.title; rowLabels = layout.rows; columnLabels = layout.columns; self.threshold = threshold
        let rows = layout.rows.indices, cols = layout.columns.indices
        let w = plan.withheld.contains(layout.title)
        withheld = w
        counts = rows.map { r in cols.map { values[layout.cell(r, $0), default: 0] } }
        suppressed = rows.map { r in cols.map { w || plan.hidden.contains(layout.cell(r, $0)) } }
        rowTotalSuppressed = rows.map { w || plan.hidden.contains(layout.rowTotal($0)) }
        columnTotalSuppressed = cols.map { w || plan.hidden.contains(layout.columnTotal($0)) }
        grandTotalSuppressed = w || plan.hidden.contains(layout.grandTotal)
    }

    /// One table published on its own.
    public init(title: String, rows: [String], columns: [String], counts: [[Int]], threshold: Int) {
        precondition(threshold >= 1 && counts.count == rows.count && counts.allSatisfy { $0.count == columns.count })
        let layout = TableLayout(title: title, base: [:], rowKey: "row", rows: rows, columnKey: "column", columns: columns)
        var facts: [[String: String]] = []
        for r in rows.indices { for c in columns.indices { for _ in 0..<counts[r][c] { facts.append(["row": rows[r], "column": columns[c]]) } } }
        let values = ProductionStats.count(facts, in: [layout])
        self.init(layout: layout, values: values, plan: Suppression.plan(layouts: [layout], values: values, threshold: threshold), threshold: threshold)
    }

    public var rowTotals: [Int] { counts.map { $0.reduce(0, +) } }
    public var columnTotals: [Int] { columnLabels.indices.map { c in counts.reduce(0) { $0 + $1[c] } } }
    public var grandTotal: Int { rowTotals.reduce(0, +) }

    /// A cell's published text: the count; `<threshold` for a small count; `x`
    /// for a larger cell hidden only so that a small one cannot be recovered.
    public func cell(_ r: Int, _ c: Int) -> String {
        guard suppressed[r][c] else { return "\(counts[r][c])" }
        return counts[r][c] < threshold ? "<\(threshold)" : "x"
    }

    /// A row's published total.
    public func rowTotal(_ r: Int) -> String { mark(rowTotalSuppressed[r], rowTotals[r]) }
    /// A column's published total.
    public func columnTotal(_ c: Int) -> String { mark(columnTotalSuppressed[c], columnTotals[c]) }

    private func mark(_ hidden: Bool, _ n: Int) -> String { hidden ? (n < threshold ? "<\(threshold)" : "x") : "\(n)" }
    /// The published grand total.
    public var grandTotalText: String { mark(grandTotalSuppressed, grandTotal) }
}
