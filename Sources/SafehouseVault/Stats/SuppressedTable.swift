/// A two-way table of counts with small-cell suppression.
///
/// Every cell below `threshold` is suppressed (primary suppression). Then,
/// because row and column totals are published, any row or column with exactly
/// one suppressed cell would let a reader recover it by subtraction, so the
/// smallest other non-zero cell in that line is suppressed too (complementary
/// suppression), repeated until no line has exactly one suppressed cell. Totals
/// below the threshold are suppressed as well. Zero cells are never used as
/// complements: a published 0 gives nothing away about a person.
public struct SuppressedTable: Sendable, Equatable {
    public let title: String
    public let rowLabels: [String]
    public let columnLabels: [String]
    public let counts: [[Int]]
    public let threshold: Int
    /// suppressed[r][c]: whether cell (r, c) is hidden.
    public private(set) var suppressed: [[Bool]]
    /// Hidden row and column totals (small totals, and their complements).
    public private(set) var rowTotalSuppressed: [Bool] = []
    public private(set) var columnTotalSuppressed: [Bool] = []

    public init(title: String, rows: [String], columns: [String], counts: [[Int]], threshold: Int) {
        precondition(threshold >= 1 && counts.count == rows.count && counts.allSatisfy { $0.count == columns.count })
        self.title = title; rowLabels = rows; columnLabels = columns; self.counts = counts; self.threshold = threshold
        suppressed = counts.map { $0.map { $0 > 0 && $0 < threshold } }
        let rt = counts.map { $0.reduce(0, +) }
        let ct = columns.indices.map { c in counts.reduce(0) { $0 + $1[c] } }
        rowTotalSuppressed = rt.map { $0 > 0 && $0 < threshold }
        columnTotalSuppressed = ct.map { $0 > 0 && $0 < threshold }
        complement()
        rowTotalSuppressed = Self.complementTotals(rt, rowTotalSuppressed)
        columnTotalSuppressed = Self.complementTotals(ct, columnTotalSuppressed)
    }

    /// If exactly one total is hidden, the smallest other non-zero total is hidden
    /// too, or the grand total would give it away.
    static func complementTotals(_ totals: [Int], _ hidden: [Bool]) -> [Bool] {
        var hidden = hidden
        if hidden.filter({ $0 }).count == 1,
           let other = totals.indices.filter({ !hidden[$0] && totals[$0] > 0 }).min(by: { totals[$0] < totals[$1] }) {
            hidden[other] = true
        }
        return hidden
    }

    public var rowTotals: [Int] { counts.map { $0.reduce(0, +) } }
    public var columnTotals: [Int] { columnLabels.indices.map { c in counts.reduce(0) { $0 + $1[c] } } }
    public var grandTotal: Int { rowTotals.reduce(0, +) }

    /// Until stable: a row or column with a published total and exactly one hidden
    /// cell gets its smallest other non-zero cell hidden; if it has none, its total is hidden.
    private mutating func complement() {
        var changed = true
        while changed {
            changed = false
            for r in counts.indices where !rowTotalSuppressed[r] && counts[r].indices.filter({ suppressed[r][$0] }).count == 1 {
                if let c = smallestVisible(in: counts[r].indices.map { (r, $0) }) { suppressed[c.0][c.1] = true } else { rowTotalSuppressed[r] = true }
                changed = true
            }
            for c in columnLabels.indices where !columnTotalSuppressed[c] && counts.indices.filter({ suppressed[$0][c] }).count == 1 {
                if let cell = smallestVisible(in: counts.indices.map { ($0, c) }) { suppressed[cell.0][cell.1] = true } else { columnTotalSuppressed[c] = true }
                changed = true
            }
        }
    }

    private func smallestVisible(in cells: [(Int, Int)]) -> (Int, Int)? {
        cells.filter { !suppressed[$0.0][$0.1] && counts[$0.0][$0.1] > 0 }.min { counts[$0.0][$0.1] < counts[$1.0][$1.1] }
    }

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
    public var grandTotalText: String { grandTotal > 0 && grandTotal < threshold ? "<\(threshold)" : "\(grandTotal)" }

    /// Whether the published table lets someone recover a suppressed cell by
    /// subtraction from a total (used by tests; always false after `complement`).
    public var leaksBySubtraction: Bool {
        let rowLeak = counts.indices.contains { r in !rowTotalSuppressed[r] && counts[r].indices.filter { suppressed[r][$0] }.count == 1 }
        let colLeak = columnLabels.indices.contains { c in !columnTotalSuppressed[c] && counts.indices.filter { suppressed[$0][c] }.count == 1 }
        let totalsLeak = grandTotal >= threshold && (rowTotalSuppressed.filter { $0 }.count == 1 || columnTotalSuppressed.filter { $0 }.count == 1)
        return rowLeak || colLeak || totalsLeak
    }
}
