/// Small-cell protection across every published table at once.
///
/// Each published number — a cell, a row or column total, a grand total, in any
/// table — is a `CountQuery`: how many facts meet a set of conditions. Two tables
/// that print the same query (the interview row of one table is the column totals
/// of the next; the per-kind totals of the quarter table are the kind totals of
/// the first) print one number, hidden in both or in neither.
///
/// A reader knows every published number, that a `<T` cell is 1…T−1, that an `x`
/// is T or more, and every sum relation between the tables. `DisclosureAuditor`
/// is that reader: for each hidden number it searches for a second assignment of
/// all hidden numbers that satisfies everything published, with a different
/// value for that number. Suppression hides the small counts, then adds
/// complementary cells until no hidden number is determined; a search that runs
/// out of budget counts as determined (more is hidden, never less).
struct CountQuery: Hashable, Comparable, Sendable {
    /// Sorted `key=value` conditions; value `*` means "the fact has this key".
    let conditions: [String: String]
    let key: String

    init(_ conditions: [String: String]) {
        self.conditions = conditions
        key = conditions.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
    }

    func matches(_ fact: [String: String]) -> Bool {
        conditions.allSatisfy { k, v in v == "*" ? fact[k] != nil : fact[k] == v }
    }

    static func < (a: CountQuery, b: CountQuery) -> Bool { a.key < b.key }
    static func == (a: CountQuery, b: CountQuery) -> Bool { a.key == b.key }
    func hash(into h: inout Hasher) { h.combine(key) }
}

/// One published two-way table: rows by `rowKey`, columns by `columnKey` (nil: a
/// single column holding the row totals), within the facts that meet `base`.
struct TableLayout: Sendable {
    let title: String
    let base: [String: String]
    let rowKey: String
    let rows: [String]
    let columnKey: String?
    let columns: [String]

    func cell(_ r: Int, _ c: Int) -> CountQuery {
        var q = base; q[rowKey] = rows[r]
        if let columnKey { q[columnKey] = columns[c] }
        return CountQuery(q)
    }
    func rowTotal(_ r: Int) -> CountQuery { var q = base; q[rowKey] = rows[r]; return CountQuery(q) }
    func columnTotal(_ c: Int) -> CountQuery {
        guard let columnKey else { return CountQuery(base) }
        var q = base; q[columnKey] = columns[c]; return CountQuery(q)
    }
    var grandTotal: CountQuery { CountQuery(base) }

    /// Every sum relation the table prints: each row, each column, and both
    /// ways to the grand total (as `parts = whole`).
    var relations: [(parts: [CountQuery], whole: CountQuery)] {
        var out: [(parts: [CountQuery], whole: CountQuery)] = []
        for r in rows.indices { out.append((columns.indices.map { cell(r, $0) }, rowTotal(r))) }
        for c in columns.indices { out.append((rows.indices.map { cell($0, c) }, columnTotal(c))) }
        out.append((rows.indices.map(rowTotal), grandTotal))
        out.append((columns.indices.map(columnTotal), grandTotal))
        return out
    }
}

/// Every number a set of tables prints, indexed once, with the sum relations
/// between them and the subset relations (`rating=*` within its base).
struct DisclosureSystem {
    let queries: [CountQuery]
    let values: [Int]
    let isCell: [Bool]
    /// parts… = whole, as indices.
    let relations: [(parts: [Int], whole: Int)]
    /// values[sub] ≤ values[sup].
    let subsets: [(sub: Int, sup: Int)]
    let threshold: Int
    let ceiling: Int

    init(layouts: [TableLayout], values counts: [CountQuery: Int], threshold: Int) {
        var index: [CountQuery: Int] = [:], queries: [CountQuery] = []
        func id(_ q: CountQuery) -> Int {
            if let i = index[q] { return i }
            index[q] = queries.count; queries.append(q); return queries.count - 1
        }
        var relations: [(parts: [Int], whole: Int)] = [], seen = Set<[Int]>()
        var cells = Set<Int>()
        for l in layouts {
            for r in l.rows.indices { for c in l.columns.indices { cells.insert(id(l.cell(r, c))) } }
            for rel in l.relations {
                let parts = rel.parts.map(id), whole = id(rel.whole)
                if seen.insert(parts.sorted() + [-1, whole]).inserted { relations.append((parts, whole)) }
            }
        }
        self.queries = queries
        self.values = queries.map { counts[$0, default: 0] }
        self.isCell = queries.indices.map { cells.contains($0) }
        self.relations = relations
        self.subsets = queries.indices.compactMap { i in
            let q = queries[i], wider = q.conditions.filter { $0.value != "*" }
            guard wider.count < q.conditions.count, let w = index[CountQuery(wider)] else { return nil }
            return (i, w)
        }
        self.threshold = threshold
        // No count exceeds the number of facts. A reader may not know that number
        // exactly; assuming she does only makes the audit stricter.
        self.ceiling = max(self.values.max() ?? 0, threshold)
    }
}

/// The reader's constraint system over hidden numbers.
struct DisclosureAuditor {
    let system: DisclosureSystem
    let hidden: [Bool]
    /// Search budget per question, in nodes.
    var budget = 20_000

    private var index: [Int] = []      // query → variable, or −1
    private var order: [Int] = []      // variable → query
    /// Linear equations Σ coef·x = constant over hidden numbers.
    private var equations: [(terms: [(Int, Int)], constant: Int)] = []
    /// x_a ≤ x_b + constant (nil: a printed number, folded into the constant).
    private var inequalities: [(a: Int?, b: Int?, constant: Int)] = []
    private var initial: [ClosedRange<Int>] = []
    private var truth: [Int] = []

    init(layouts: [TableLayout], values: [CountQuery: Int], hidden: Set<CountQuery>, threshold: Int) {
        let system = DisclosureSystem(layouts: layouts, values: values, threshold: threshold)
        self.init(system: system, hidden: system.queries.map { hidden.contains($0) })
    }

    init(system: DisclosureSystem, hidden: [Bool]) {
        self.system = system; self.hidden = hidden
        let v = system.values, t = system.threshold
        index = Array(repeating: -1, count: v.count)
        for q in v.indices where hidden[q] { index[q] = order.count; order.append(q) }
        truth = order.map { v[$0] }
        initial = order.map { v[$0] < t ? 1...(t - 1) : t...system.ceiling }
        var seen = Set<[Int]>()
        for rel in system.relations {
            var terms: [Int: Int] = [:]
            var constant = 0
            for p in rel.parts { if index[p] >= 0 { terms[index[p], default: 0] += 1 } else { constant -= v[p] } }
            if index[rel.whole] >= 0 { terms[index[rel.whole], default: 0] -= 1 } else { constant += v[rel.whole] }
            let sorted = terms.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            guard !sorted.isEmpty else { continue }
            if seen.insert(sorted.flatMap { [$0.0, $0.1] } + [Int.min, constant]).inserted { equations.append((sorted, constant)) }
        }
        for (sub, sup) in system.subsets where index[sub] >= 0 || index[sup] >= 0 {
            let a = index[sub] >= 0 ? index[sub] : nil, b = index[sup] >= 0 ? index[sup] : nil
            inequalities.append((a, b, (a == nil ? -v[sub] : 0) + (b == nil ? v[sup] : 0)))
        }
    }

    /// Hidden numbers a reader can work out exactly (or that the search could not clear).
    func determined() -> [CountQuery] {
        order.indices.filter { isDetermined(variable: $0) }.map { system.queries[order[$0]] }
    }

    /// The first such number, as a query index. Numbers in `cleared` are known not
    /// to be determined and are skipped; those found so now are added. (Hiding more
    /// never determines a number: the witness that cleared it stays a solution.)
    func firstDetermined(cleared: inout Set<Int>) -> Int? {
        for v in order.indices where !cleared.contains(order[v]) {
            if isDetermined(variable: v) { return order[v] }
            cleared.insert(order[v])
        }
        return nil
    }

    func isDetermined(query q: Int) -> Bool { index[q] >= 0 ? isDetermined(variable: index[q]) : true }

    private func isDetermined(variable i: Int) -> Bool {
        let v = truth[i]
        if v - 1 >= initial[i].lowerBound {
            var d = initial; d[i] = initial[i].lowerBound...(v - 1)
            if case .feasible = search(d) { return false }
        }
        if v + 1 <= initial[i].upperBound {
            var d = initial; d[i] = (v + 1)...initial[i].upperBound
            if case .feasible = search(d) { return false }
        }
        return true
    }

    private enum Outcome { case feasible, infeasible, unknown }

    private func search(_ start: [ClosedRange<Int>]) -> Outcome {
        var nodes = 0
        var exhausted = false
        func go(_ d: [ClosedRange<Int>]) -> Bool {
            nodes += 1
            if nodes > budget { exhausted = true; return false }
            guard let d = propagate(d) else { return false }
            guard let pick = d.indices.filter({ d[$0].count > 1 }).min(by: { d[$0].count < d[$1].count }) else { return true }
            // The true value first, then either side: an alternative solution, when
            // there is one, is usually a small change from the truth.
            let r = d[pick], t = min(max(truth[pick], r.lowerBound), r.upperBound)
            var parts: [ClosedRange<Int>] = [t...t]
            if t > r.lowerBound { parts.append(r.lowerBound...(t - 1)) }
            if t < r.upperBound { parts.append((t + 1)...r.upperBound) }
            for p in parts {
                var next = d; next[pick] = p
                if go(next) { return true }
                if exhausted { return false }
            }
            return false
        }
        if go(start) { return .feasible }
        return exhausted ? .unknown : .infeasible
    }

    /// Bounds propagation to a fixed point; nil when some domain empties.
    private func propagate(_ start: [ClosedRange<Int>]) -> [ClosedRange<Int>]? {
        var lo = start.map(\.lowerBound), hi = start.map(\.upperBound)
        var changed = true
        var rounds = 0
        while changed && rounds < 200 {
            changed = false; rounds += 1
            for e in equations {
                var minSum = 0, maxSum = 0
                for (i, c) in e.terms { if c > 0 { minSum += c * lo[i]; maxSum += c * hi[i] } else { minSum += c * hi[i]; maxSum += c * lo[i] } }
                if minSum > e.constant || maxSum < e.constant { return nil }
                for (i, c) in e.terms {
                    let restMin = minSum - (c > 0 ? c * lo[i] : c * hi[i])
                    let restMax = maxSum - (c > 0 ? c * hi[i] : c * lo[i])
                    // c·x ∈ [constant − restMax, constant − restMin], c = ±1 (or a small multiple).
                    var a = e.constant - restMax, b = e.constant - restMin
                    if c < 0 { (a, b) = (-b, -a) }
                    let m = abs(c)
                    let newLo = Int((Double(a) / Double(m)).rounded(.up)), newHi = Int((Double(b) / Double(m)).rounded(.down))
                    if newLo > lo[i] { lo[i] = newLo; changed = true }
                    if newHi < hi[i] { hi[i] = newHi; changed = true }
                    if lo[i] > hi[i] { return nil }
                }
            }
            for q in inequalities {
                // x_a ≤ x_b + k
                switch (q.a, q.b) {
                case let (a?, b?):
                    if hi[a] > hi[b] + q.constant { hi[a] = hi[b] + q.constant; changed = true }
                    if lo[b] < lo[a] - q.constant { lo[b] = lo[a] - q.constant; changed = true }
                    if lo[a] > hi[a] || lo[b] > hi[b] { return nil }
                case let (a?, nil):
                    if hi[a] > q.constant { hi[a] = q.constant; changed = true }
                    if lo[a] > hi[a] { return nil }
                case let (nil, b?):
                    if lo[b] < -q.constant { lo[b] = -q.constant; changed = true }
                    if lo[b] > hi[b] { return nil }
                case (nil, nil): break
                }
            }
        }
        return lo.indices.map { lo[$0]...hi[$0] }
    }
}

enum Suppression {
    /// What is published: the hidden numbers, and the tables withheld whole.
    struct Plan { var hidden: Set<CountQuery>; var withheld: Set<String> }

    /// Every count 1…threshold−1 is hidden; then complements (the smallest
    /// visible non-zero count in a relation with a determined hidden one, cells
    /// before totals) until the auditor finds none determined. When nothing is
    /// left to hide — every non-zero count of a tiny vault is hidden and the known
    /// zeros still give one away — the table holding it is withheld whole (the
    /// more detailed tables first) and suppression starts again without it.
    static func plan(layouts: [TableLayout], values: [CountQuery: Int], threshold: Int) -> Plan {
        var withheld = Set<String>()
        while true {
            let live = layouts.filter { !withheld.contains($0.title) }
            switch hide(layouts: live, values: values, threshold: threshold) {
            case .done(let hidden): return Plan(hidden: hidden, withheld: withheld)
            case .stuck(let target):
                let holders = live.filter { l in l.relations.contains { $0.whole == target || $0.parts.contains(target) } }
                guard let drop = holders.last ?? live.last else { return Plan(hidden: [], withheld: withheld) }
                withheld.insert(drop.title)
            }
        }
    }

    enum Outcome { case done(Set<CountQuery>), stuck(CountQuery) }

    static func hide(layouts: [TableLayout], values: [CountQuery: Int], threshold: Int) -> Outcome {
        let system = DisclosureSystem(layouts: layouts, values: values, threshold: threshold)
        let v = system.values
        var hidden = v.map { $0 > 0 && $0 < threshold }
        var related = Array(repeating: Set<Int>(), count: v.count)
        for rel in system.relations {
            let all = rel.parts + [rel.whole]
            for q in all { related[q].formUnion(all) }
        }
        for (sub, sup) in system.subsets { related[sub].insert(sup); related[sup].insert(sub) }
        var cleared = Set<Int>()
        while true {
            guard let target = DisclosureAuditor(system: system, hidden: hidden).firstDetermined(cleared: &cleared) else {
                return .done(Set(system.queries.indices.filter { hidden[$0] }.map { system.queries[$0] }))
            }
            // Candidates share a relation with the determined number; if none is left
            // there, anything visible and non-zero.
            var candidates = related[target].filter { !hidden[$0] && v[$0] > 0 }
            if candidates.isEmpty { candidates = Set(v.indices.filter { !hidden[$0] && v[$0] > 0 }) }
            guard !candidates.isEmpty else { return .stuck(system.queries[target]) }
            let ranked = candidates.sorted { a, b in
                if system.isCell[a] != system.isCell[b] { return system.isCell[a] }
                return v[a] != v[b] ? v[a] < v[b] : system.queries[a] < system.queries[b]
            }
            // The first candidate that clears the target; else the first, and go on.
            let pick = ranked.prefix(8).first { c in
                var h = hidden; h[c] = true
                return !DisclosureAuditor(system: system, hidden: h).isDetermined(query: target)
            } ?? ranked[0]
            hidden[pick] = true
        }
    }
}
