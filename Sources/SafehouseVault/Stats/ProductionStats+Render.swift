import Foundation

extension ProductionStats {
    /// Plain text tables.
    public func text() -> String {
        var s = "Counts below \(threshold) read <\(threshold); cells marked x are hidden so that no hidden count can be worked out from the published numbers, all tables read together.\n"
        for t in tables where !t.rowLabels.isEmpty && !t.columnLabels.isEmpty {
            s += "\n\(t.title)\n"
            if t.withheld { s += Self.withheldNote + "\n"; continue }
            let header = [""] + t.columnLabels + ["total"]
            var rows = [header]
            for r in t.rowLabels.indices { rows.append([t.rowLabels[r]] + t.columnLabels.indices.map { t.cell(r, $0) } + [t.rowTotal(r)]) }
            rows.append(["total"] + t.columnLabels.indices.map { t.columnTotal($0) } + [t.grandTotalText])
            let widths = header.indices.map { c in rows.map { $0[c].count }.max() ?? 0 }
            for row in rows { s += row.enumerated().map { $1.padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined() + "\n" }
        }
        s += "\nExpert participation by country: " + expertShares.map { "\($0.country) \($0.percent.map { String(format: "%.0f%%", $0) } ?? "suppressed")" }.joined(separator: ", ") + "\n"
        return s
    }

    /// Markdown tables plus the chart (inline SVG).
    public func markdown() -> String {
        var s = "# Production figures\n\nCounts below \(threshold) read `<\(threshold)`; cells marked `x` are hidden so that no hidden count can be worked out from the published numbers, all tables read together.\n"
        for t in tables where !t.rowLabels.isEmpty && !t.columnLabels.isEmpty {
            if t.withheld { s += "\n## \(t.title)\n\n\(Self.withheldNote)\n"; continue }
            s += "\n## \(t.title)\n\n| | " + t.columnLabels.joined(separator: " | ") + " | total |\n|" + String(repeating: "---|", count: t.columnLabels.count + 2) + "\n"
            for r in t.rowLabels.indices { s += "| \(t.rowLabels[r]) | " + t.columnLabels.indices.map { t.cell(r, $0) }.joined(separator: " | ") + " | \(t.rowTotal(r)) |\n" }
            s += "| **total** | " + t.columnLabels.indices.map { t.columnTotal($0) }.joined(separator: " | ") + " | \(t.grandTotalText) |\n"
        }
        s += "\n## Expert participation by country\n\n" + expertShares.map { "- \($0.country): \($0.percent.map { String(format: "%.0f%%", $0) } ?? "suppressed")" }.joined(separator: "\n") + "\n"
        s += "\n## Records by country\n\n" + chartSVG() + "\n"
        return s
    }

    /// A self-contained HTML page (no external assets).
    public func html() -> String {
        func esc(_ s: String) -> String { s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;") }
        var body = "<h1>Production figures</h1><p>Counts below \(threshold) read &lt;\(threshold); cells marked x are hidden so that no hidden count can be worked out from the published numbers, all tables read together.</p>"
        body += "<h2>Records by country</h2>" + chartSVG()
        for t in tables where !t.rowLabels.isEmpty && !t.columnLabels.isEmpty {
            if t.withheld { body += "<h2>\(esc(t.title))</h2><p>\(Self.withheldNote)</p>"; continue }
            body += "<h2>\(esc(t.title))</h2><table><tr><th></th>" + t.columnLabels.map { "<th>\(esc($0))</th>" }.joined() + "<th>total</th></tr>"
            for r in t.rowLabels.indices {
                body += "<tr><th>\(esc(t.rowLabels[r]))</th>" + t.columnLabels.indices.map { c in
                    t.suppressed[r][c] ? "<td class=\"s\">\(esc(t.cell(r, c)))</td>" : "<td>\(t.cell(r, c))</td>"
                }.joined() + "<td>\(esc(t.rowTotal(r)))</td></tr>"
            }
            body += "<tr><th>total</th>" + t.columnLabels.indices.map { "<td>\(esc(t.columnTotal($0)))</td>" }.joined() + "<td>\(esc(t.grandTotalText))</td></tr></table>"
        }
        return """
        <!doctype html><html><head><meta charset="utf-8"><title>Safehouse production figures</title>
        <style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:4px 10px;text-align:right}td.s{color:#888;background:#f3f3f3}</style>
        </head><body>\(body)</body></html>

        """
    }

    /// Bar chart of records per country; suppressed countries are drawn as a hatched "<N" bar of fixed height.
    public func chartSVG() -> String {
        guard let t = tables.first, !t.columnLabels.isEmpty else { return "<p>No records.</p>" }
        if t.withheld { return "<p>\(Self.withheldNote)</p>" }
        let values = t.columnLabels.indices.map { t.columnTotalSuppressed[$0] ? nil : t.columnTotals[$0] }
        let maxV = max(values.compactMap { $0 }.max() ?? 1, threshold)
        let barW = 60, gap = 30, h = 220, w = t.columnLabels.count * (barW + gap) + gap
        var s = "<svg width=\"\(w)\" height=\"\(h + 50)\" role=\"img\" aria-label=\"Records by country\">"
        s += "<line x1=\"0\" y1=\"\(h)\" x2=\"\(w)\" y2=\"\(h)\" stroke=\"#444\"/>"
        for (i, label) in t.columnLabels.enumerated() {
            let x = gap + i * (barW + gap)
            if let v = values[i] {
                let bh = max(2, v * (h - 20) / maxV)
                s += "<rect x=\"\(x)\" y=\"\(h - bh)\" width=\"\(barW)\" height=\"\(bh)\" fill=\"#2b6cb0\"/>"
                s += "<text x=\"\(x + barW / 2)\" y=\"\(h - bh - 5)\" text-anchor=\"middle\" font-size=\"14\">\(v)</text>"
            } else {
                let bh = (threshold - 1) * (h - 20) / maxV
                s += "<rect x=\"\(x)\" y=\"\(h - bh)\" width=\"\(barW)\" height=\"\(bh)\" fill=\"#ccc\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>"
                s += "<text x=\"\(x + barW / 2)\" y=\"\(h - bh - 5)\" text-anchor=\"middle\" font-size=\"14\">\(t.columnTotal(i).replacingOccurrences(of: "<", with: "&lt;"))</text>"
            }
            s += "<text x=\"\(x + barW / 2)\" y=\"\(h + 20)\" text-anchor=\"middle\" font-size=\"14\">\(label)</text>"
        }
        return s + "</svg>"
    }

    /// Printed in place of a table withheld whole.
    static let withheldNote = "Withheld: too few records to print this table without giving a count away."

    /// JSON: suppressed cells are the string "<N", others numbers.
    public func json() -> String {
        func v(_ hidden: Bool, _ n: Int) -> Any { hidden ? (n < threshold ? "<\(threshold)" : "x") : n }
        let tablesJSON: [[String: Any]] = tables.map { t in
            t.withheld ? ["title": t.title, "withheld": true] : ["title": t.title, "rows": t.rowLabels, "columns": t.columnLabels,
             "cells": t.rowLabels.indices.map { r in t.columnLabels.indices.map { c in v(t.suppressed[r][c], t.counts[r][c]) } },
             "rowTotals": t.rowLabels.indices.map { v(t.rowTotalSuppressed[$0], t.rowTotals[$0]) },
             "columnTotals": t.columnLabels.indices.map { v(t.columnTotalSuppressed[$0], t.columnTotals[$0]) },
             "total": v(t.grandTotalSuppressed, t.grandTotal)]
        }
        let obj: [String: Any] = ["threshold": threshold, "tables": tablesJSON,
                                  "expertShares": expertShares.map { ["country": $0.country, "percent": $0.percent.map { ($0 * 10).rounded() / 10 } as Any? ?? "suppressed"] }]
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .prettyPrinted])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
