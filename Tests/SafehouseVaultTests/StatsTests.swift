import Foundation
import PropertyBased
import SafehouseCrypto
@testable import SafehouseVault
import Testing

@Suite struct SuppressedTableTests {
    @Test func smallCellsReadBelowThresholdAndComplementsAreHidden() {
        // One interview in JP must not be recoverable from the row total 10 and KR's 6.
        let t = SuppressedTable(title: "t", rows: ["interview"], columns: ["JP", "KR", "US"], counts: [[1, 6, 3]], threshold: 3)
        #expect(t.cell(0, 0) == "<3")
        #expect(t.cell(0, 2) == "x")      // complement: the smallest other non-zero cell
        #expect(t.cell(0, 1) == "6")
        #expect(t.rowTotal(0) == "10")
        #expect(!t.leaksBySubtraction)
    }

    @Test func zeroCellsAreShownAndNeverUsedAsComplements() {
        let t = SuppressedTable(title: "t", rows: ["a", "b"], columns: ["x", "y"], counts: [[0, 5], [2, 7]], threshold: 3)
        #expect(t.cell(0, 0) == "0")
        #expect(t.cell(1, 0) == "<3")
        #expect(!t.leaksBySubtraction)
    }

    @Test func aSingleSmallTotalGetsAComplementToo() {
        let t = SuppressedTable(title: "t", rows: ["a", "b", "c"], columns: ["n"], counts: [[1], [5], [9]], threshold: 3)
        #expect(t.rowTotal(0) == "<3")
        #expect(t.rowTotal(1) == "x")
        #expect(t.grandTotalText == "15")
        #expect(!t.leaksBySubtraction)
    }

    @Test func higherThresholdsHideMore() {
        let t = SuppressedTable(title: "t", rows: ["a"], columns: ["x", "y"], counts: [[4, 9]], threshold: 5)
        #expect(t.cell(0, 0) == "<5")
        #expect(t.cell(0, 1) == "x")
    }

    /// For random tables: every small non-zero cell is hidden and printed `<t`,
    /// and no published row or column lets a hidden cell be recovered by subtraction.
    @Test func noTableLeaksBySubtraction() async {
        let gen = Gen.int(in: 0...6).array(of: 1...5).array(of: 1...5)
        await propertyCheck(count: 300, input: gen) { raw in
            let width = raw.map(\.count).min() ?? 1
            let counts = raw.map { Array($0.prefix(width)) }
            let t = SuppressedTable(title: "p", rows: counts.indices.map { "r\($0)" }, columns: (0..<width).map { "c\($0)" },
                                    counts: counts, threshold: 3)
            #expect(!t.leaksBySubtraction)
            for r in counts.indices {
                for c in 0..<width where counts[r][c] > 0 && counts[r][c] < 3 {
                    #expect(t.cell(r, c) == "<3")
                }
            }
        }
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
        for t in stats.tables { #expect(!t.leaksBySubtraction, "\(t.title)") }
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
