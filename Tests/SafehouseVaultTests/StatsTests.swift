import Foundation
import PropertyBased
import SafehouseCrypto
@testable import SafehouseVault
import Testing

@Suite struct SuppressedTableTests {
    /// Whether a reader of this one table can work out any hidden number.
    static func determined(_ t: SuppressedTable) -> Bool {
        if t.withheld { return false }
        let layout = TableLayout(title: t.title, base: [:], rowKey: "row", rows: t.rowLabels, columnKey: "column", columns: t.columnLabels)
        var values: [CountQuery: Int] = [:], hidden = Set<CountQuery>()
        for r in t.rowLabels.indices {
            values[layout.rowTotal(r)] = t.rowTotals[r]; if t.rowTotalSuppressed[r] { hidden.insert(layout.rowTotal(r)) }
            for c in t.columnLabels.indices { values[layout.cell(r, c)] = t.counts[r][c]; if t.suppressed[r][c] { hidden.insert(layout.cell(r, c)) } }
        }
        for c in t.columnLabels.indices { values[layout.columnTotal(c)] = t.columnTotals[c]; if t.columnTotalSuppressed[c] { hidden.insert(layout.columnTotal(c)) } }
        values[layout.grandTotal] = t.grandTotal; if t.grandTotalSuppressed { hidden.insert(layout.grandTotal) }
        return !DisclosureAuditor(layouts: [layout], values: values, hidden: hidden, threshold: t.threshold).determined().isEmpty
    }

    @Test func smallCellsReadBelowThresholdAndComplementsAreHidden() {
        // One interview in JP must not be recoverable from the row total 10. Hiding
        // only US (3) would not do: JP + US = 4 with JP in 1…2 and US ≥ 3 gives JP = 1.
        let t = SuppressedTable(title: "t", rows: ["interview"], columns: ["JP", "KR", "US"], counts: [[1, 6, 3]], threshold: 3)
        #expect(t.cell(0, 0) == "<3")
        #expect(t.cell(0, 2) == "x")
        #expect(!Self.determined(t))
    }

    @Test func aComplementThatStillLeaksIsNotEnough() {
        // Row 1 + 3 = 4: "x" means 3 or more, so <3 must be 1 — the bug the review found.
        let t = SuppressedTable(title: "t", rows: ["a"], columns: ["p", "q"], counts: [[1, 3]], threshold: 3)
        #expect(t.cell(0, 0) == "<3")
        #expect(t.rowTotal(0) == "x" || t.grandTotalText == "x")
        #expect(!Self.determined(t))
    }

    @Test func zeroCellsAreShownAndNeverUsedAsComplements() {
        let t = SuppressedTable(title: "t", rows: ["a", "b"], columns: ["x", "y"], counts: [[0, 5], [2, 7]], threshold: 3)
        #expect(t.cell(0, 0) == "0")
        #expect(t.cell(1, 0) == "<3")
        #expect(!Self.determined(t))
    }

    @Test func aSingleSmallTotalGetsAComplementToo() {
        let t = SuppressedTable(title: "t", rows: ["a", "b", "c"], columns: ["n"], counts: [[1], [5], [9]], threshold: 3)
        #expect(t.rowTotal(0) == "<3")
        #expect(t.rowTotal(1) == "x")
        #expect(!Self.determined(t))
    }

    @Test func higherThresholdsHideMore() {
        let t = SuppressedTable(title: "t", rows: ["a"], columns: ["x", "y"], counts: [[4, 9]], threshold: 5)
        #expect(t.cell(0, 0) == "<5")
        #expect(t.cell(0, 1) == "x")
    }

    /// For random tables: every small non-zero cell is hidden and printed `<t`,
    /// and no hidden number can be worked out from the published ones.
    @Test func noTableGivesAHiddenNumberAway() async {
        let gen = Gen.int(in: 0...6).array(of: 1...4).array(of: 1...4)
        await propertyCheck(count: 200, input: gen) { raw in
            let width = raw.map(\.count).min() ?? 1
            let counts = raw.map { Array($0.prefix(width)) }
            let t = SuppressedTable(title: "p", rows: counts.indices.map { "r\($0)" }, columns: (0..<width).map { "c\($0)" },
                                    counts: counts, threshold: 3)
            #expect(!Self.determined(t))
            for r in counts.indices {
                for c in 0..<width where counts[r][c] > 0 && counts[r][c] < 3 {
                    #expect(t.cell(r, c) == "<3")
                }
            }
        }
    }
}

/// The attacker: an independent integer-programming solver (Tests/Python/attack_stats.py,
/// scipy's HiGHS) reads only the published JSON of all tables together.
@Suite struct StatsDisclosureAttackTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Python/attack_stats.py").path

    static func attack(_ files: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script] + files
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o + e, as: UTF8.self))
    }

    static func fact(_ kind: String, _ country: String, category: String? = nil, status: String? = nil, quarter: String = "2026-Q3", rating: Int? = nil) -> ProductionStats.Fact {
        .init(kind: kind, country: country, category: category, status: status, quarter: quarter, rating: rating)
    }

    /// The review's vault: interviews CN 2, KR 2; coverage CN 1, XX 1.
    static let reviewCase = [fact("interview", "CN", category: "defector"), fact("interview", "CN", category: "defector"),
                             fact("interview", "KR", category: "expert"), fact("interview", "KR", category: "expert"),
                             fact("coverage", "CN"), fact("coverage", "XX")]

    static func randomVault(seed: UInt64) -> [ProductionStats.Fact] {
        var rng = FuzzRNG(seed: seed)
        let countries = ["CN", "JP", "KR", "US", "XX"].shuffled(using: &rng).prefix(Int.random(in: 1...4, using: &rng))
        let categories = ["defector", "pow", "expert", "broker", "other"]
        return (0..<Int.random(in: 1...24, using: &rng)).map { _ in
            let kind = ["interview", "interview", "statement", "coverage", "legal"].randomElement(using: &rng)!
            return fact(kind, countries.randomElement(using: &rng)!,
                        category: kind == "interview" ? categories.randomElement(using: &rng) : nil,
                        status: kind == "legal" ? ["filed", "granted"].randomElement(using: &rng) : nil,
                        quarter: ["2026-Q2", "2026-Q3", "2026-Q4"].randomElement(using: &rng)!,
                        rating: Bool.random(using: &rng) ? Int.random(in: 1...5, using: &rng) : nil)
        }
    }

    @Test func theSolverFindsWhatTheOldTablesGaveAway() throws {
        // The attack must be able to fail: tables suppressed one at a time (the
        // review's layout) leak, and the solver finds it.
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = scratch.file("old.json")
        let old = """
        {"threshold": 3, "expertShares": [], "tables": [
         {"title": "Records by kind and country", "rows": ["interview", "coverage"], "columns": ["CN", "KR", "XX"],
          "cells": [["<3", "<3", 0], ["<3", 0, "<3"]], "rowTotals": ["x", "<3"], "columnTotals": [3, "<3", "<3"], "total": 6},
         {"title": "Interviews by subject category and country", "rows": ["defector", "expert"], "columns": ["CN", "KR"],
          "cells": [["<3", 0], [0, "<3"]], "rowTotals": ["<3", "<3"], "columnTotals": ["<3", "<3"], "total": 4}]}
        """
        try Data(old.utf8).write(to: URL(fileURLWithPath: file))
        let r = try Self.attack([file])
        #expect(r.status == 1 && r.output.contains("determined:"), "\(r.output)")
    }

    @Test func noHiddenNumberIsDeterminedFromEveryPublishedTable() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        var files: [String] = []
        let vaults = [Self.reviewCase] + (1...100).map { Self.randomVault(seed: $0) }
        for (i, facts) in vaults.enumerated() {
            let stats = ProductionStats(facts: facts, threshold: 3)
            let f = scratch.file("v\(i).json")
            try Data(stats.json().utf8).write(to: URL(fileURLWithPath: f))
            files.append(f)
        }
        let r = try Self.attack(files)
        #expect(r.status == 0, "\(r.output)")
        // The review's case: every small count still reads <3.
        let review = ProductionStats(facts: Self.reviewCase, threshold: 3)
        let byKind = try #require(review.tables.first)
        #expect(byKind.cell(byKind.rowLabels.firstIndex(of: "coverage")!, byKind.columnLabels.firstIndex(of: "CN")!) == "<3")
    }
}

@Suite struct ProductionStatsTests {
    @Test func countsMatchASeededVaultAndHideSmallCells() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let team = TestTeam.shared
        let hq = try makeHQ(scratch)
        let subjects = [("EXPERT-NAME-MARKER-1", "expert", "KR"), ("EXPERT-NAME-MARKER-2", "expert", "US"), ("DEFECTOR-NAME-MARKER", "defector", "JP")]
        let pseudonyms = try hq.importSubjects(subjects.map { s in
            SubjectIdentity(json: Array("{\"name\":\"\(s.0)\"}".utf8), category: s.1, consent: "pseudonym", country: s.2)
        }, by: team.officer.identity)
        let file = scratch.file("FILENAME-MARKER.txt")
        try Data("[00:00:01] A: text".utf8).write(to: URL(fileURLWithPath: file))
        func seal(_ kind: RecordKind, _ country: String, _ subject: String?, status: String? = nil, n: Int) throws {
            for _ in 0..<n {
                _ = try hq.seal(file: file, request: SealRequest(kind: kind, country: country, subject: subject, status: status), by: team.interviewer.identity)
            }
        }
        try seal(.interview, "KR", pseudonyms[0], n: 5)
        try seal(.interview, "US", pseudonyms[1], n: 4)
        try seal(.interview, "JP", pseudonyms[2], n: 1)
        try seal(.legal, "KR", nil, status: "filed", n: 3)
        try seal(.legal, "KR", nil, status: "granted", n: 1)
        let (stats, unreadable) = try hq.productionStats(by: team.officer.identity, threshold: 3)
        #expect(unreadable == 0)
        let byKind = try #require(stats.tables.first { $0.title == "Records by kind and country" })
        let i = byKind.rowLabels.firstIndex(of: "interview")!, l = byKind.rowLabels.firstIndex(of: "legal")!
        let jp = byKind.columnLabels.firstIndex(of: "JP")!, kr = byKind.columnLabels.firstIndex(of: "KR")!, us = byKind.columnLabels.firstIndex(of: "US")!
        #expect(byKind.counts[i][kr] == 5 && byKind.counts[i][us] == 4 && byKind.counts[i][jp] == 1 && byKind.counts[l][kr] == 4)
        #expect(byKind.cell(i, jp) == "<3")
        #expect(byKind.grandTotal == 14)
        let legal = try #require(stats.tables.first { $0.title == "Legal records by status" })
        #expect(legal.cell(legal.rowLabels.firstIndex(of: "granted")!, 0) == "<3")
        #expect(legal.cell(legal.rowLabels.firstIndex(of: "filed")!, 0) == "x")
        for t in stats.tables where t.rowLabels.count > 0 && t.columnLabels.count > 0 { #expect(t.counts.joined().allSatisfy { $0 >= 0 }) }
        for out in [stats.text(), stats.markdown(), stats.json(), stats.html()] {
            for marker in ["MARKER", "FILENAME"] + pseudonyms { #expect(!out.contains(marker)) }
        }
        #expect(stats.markdown().contains("<svg"))
        // Reading stats is an audited officer action; others are refused.
        #expect(try hq.auditEntries().last?.entry.action == "stats")
        #expect(throws: VaultError.self) { try hq.productionStats(by: team.editor.identity, threshold: 3) }
        #expect(throws: VaultError.self) { try hq.productionStats(by: team.officer.identity, threshold: 2) }
    }
}
