import Foundation

/// An access timeline drawn as inline SVG: one lane per member (or record),
/// time left to right, a mark per time bin sized by the number of entries,
/// refusals as red diamonds on top, and a stacked histogram of all lanes below.
///
/// Entries are binned into a fixed number of columns, so the drawing stays a
/// few thousand elements whether the log has ten entries or a million. No
/// script, no font or image reference: it renders from disk as it is.
struct AuditTimeline {
    /// One row of the chart.
    struct Lane {
        let label: String
        /// Tooltip detail, e.g. the full fingerprint.
        let detail: String
        let points: [(time: Int64, outcome: AuditOutcome)]
    }

    static let bins = 120
    static let width = 1120.0
    static let labelWidth = 250.0
    static let rightMargin = 20.0
    static let laneHeight = 26.0
    static let legendHeight = 26.0
    static let histogramHeight = 70.0
    static let axisHeight = 34.0

    static let okColor = "#2f6fb3"
    static let refusedColor = "#d32f2f"
    static let failedColor = "#ef8a00"

    let lanes: [Lane]
    let start: Int64
    let end: Int64

    /// - Parameters: start, end: the time range of the whole report, so every chart shares one axis.
    init(lanes: [Lane], start: Int64, end: Int64) {
        self.lanes = lanes
        // A span under a minute would make bins of a fraction of a second:
        // show at least a minute, with the entries in the middle.
        let span = max(end - start, 60)
        let first = start - (span - (end - start)) / 2
        let pad = max(span / 40, 1)
        self.start = first - pad
        self.end = first + span + pad
    }

    private var plotWidth: Double { Self.width - Self.labelWidth - Self.rightMargin }

    private func bin(_ t: Int64) -> Int {
        let f = Double(t - start) / Double(end - start)
        return min(max(Int(f * Double(Self.bins)), 0), Self.bins - 1)
    }

    private func x(bin b: Int) -> Double { Self.labelWidth + (Double(b) + 0.5) * plotWidth / Double(Self.bins) }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }

    /// The `<svg>` element.
    /// - Parameter title: the accessible name (`aria-label` and `<title>`).
    func svg(title: String) -> String {
        let lanesTop = Self.legendHeight
        let histTop = lanesTop + Double(lanes.count) * Self.laneHeight + 14
        let axisTop = histTop + Self.histogramHeight
        let height = axisTop + Self.axisHeight
        var s = "<svg class=\"timeline\" role=\"img\" aria-label=\"\(ReportText.html(title))\""
        s += " width=\"\(Int(Self.width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(Self.width)) \(Int(height))\">\n"
        s += "<title>\(ReportText.html(title))</title>\n"
        s += "<rect x=\"0\" y=\"0\" width=\"\(Int(Self.width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>\n"
        s += legend()

        var totals = [(ok: Int, refused: Int, failed: Int)](repeating: (0, 0, 0), count: Self.bins)
        for (i, lane) in lanes.enumerated() {
            let y = lanesTop + Double(i) * Self.laneHeight
            let mid = y + Self.laneHeight / 2
            if i % 2 == 0 {
                s += "<rect x=\"\(f(Self.labelWidth))\" y=\"\(f(y))\" width=\"\(f(plotWidth))\" height=\"\(f(Self.laneHeight))\" fill=\"#f3f6fa\"/>\n"
            }
            let label = lane.label.count > 34 ? String(lane.label.prefix(33)) + "…" : lane.label
            s += "<text x=\"\(f(Self.labelWidth - 8))\" y=\"\(f(mid + 4))\" text-anchor=\"end\" class=\"lane\">"
            s += "<title>\(ReportText.html(lane.detail))</title>\(ReportText.html(label))</text>\n"
            var counts = [(ok: Int, refused: Int, failed: Int)](repeating: (0, 0, 0), count: Self.bins)
            var first = [Int64](repeating: .max, count: Self.bins), last = [Int64](repeating: .min, count: Self.bins)
            for p in lane.points {
                let b = bin(p.time)
                switch p.outcome {
                case .ok: counts[b].ok += 1
                case .refused: counts[b].refused += 1
                case .failed: counts[b].failed += 1
                }
                first[b] = min(first[b], p.time)
                last[b] = max(last[b], p.time)
            }
            for b in 0..<Self.bins {
                let c = counts[b]
                let n = c.ok + c.refused + c.failed
                guard n > 0 else { continue }
                totals[b].ok += c.ok; totals[b].refused += c.refused; totals[b].failed += c.failed
                let cx = x(bin: b)
                let r = min(Self.laneHeight / 2 - 2, 3.5 + 1.5 * log2(Double(n)))
                var tip = "\(lane.label): \(c.ok) ok"
                if c.refused > 0 { tip += ", \(c.refused) refused" }
                if c.failed > 0 { tip += ", \(c.failed) failed" }
                tip += " — \(ReportText.time(first[b])) to \(ReportText.time(last[b])) UTC"
                s += "<g><title>\(ReportText.html(tip))</title>"
                if c.ok > 0, c.refused > 0 {
                    // The diamond covers the dot: a ring shows the ok entries around it.
                    s += "<circle cx=\"\(f(cx))\" cy=\"\(f(mid))\" r=\"\(f(min(max(r, 6) + 1, 9) + 3))\" fill=\"none\" stroke=\"\(Self.okColor)\" stroke-width=\"2\"/>"
                } else if c.ok > 0 {
                    s += "<circle cx=\"\(f(cx))\" cy=\"\(f(mid))\" r=\"\(f(r))\" fill=\"\(Self.okColor)\" fill-opacity=\"0.85\"/>"
                }
                if c.failed > 0 {
                    s += "<circle cx=\"\(f(cx))\" cy=\"\(f(mid))\" r=\"\(f(max(r, 5)))\" fill=\"none\" stroke=\"\(Self.failedColor)\" stroke-width=\"2.5\"/>"
                }
                if c.refused > 0 {
                    let d = c.ok > 0 ? min(max(r, 6) + 1, 9) : max(r, 6) + 1
                    s += "<path class=\"refusal\" d=\"M\(f(cx)),\(f(mid - d)) L\(f(cx + d)),\(f(mid)) L\(f(cx)),\(f(mid + d)) L\(f(cx - d)),\(f(mid)) Z\""
                    s += " fill=\"\(Self.refusedColor)\" stroke=\"#ffffff\" stroke-width=\"1\"/>"
                }
                s += "</g>\n"
            }
        }
        s += histogram(totals, top: histTop)
        s += axis(top: lanesTop, bottom: axisTop)
        s += "</svg>\n"
        return s
    }

    private func legend() -> String {
        var s = "<g class=\"legend\">"
        var x = Self.labelWidth
        s += "<circle cx=\"\(f(x + 6))\" cy=\"13\" r=\"5\" fill=\"\(Self.okColor)\"/><text x=\"\(f(x + 16))\" y=\"17\">ok</text>"
        x += 60
        s += "<path d=\"M\(f(x + 6)),6 L\(f(x + 13)),13 L\(f(x + 6)),20 L\(f(x - 1)),13 Z\" fill=\"\(Self.refusedColor)\"/>"
        s += "<text x=\"\(f(x + 18))\" y=\"17\">refused</text>"
        x += 90
        s += "<circle cx=\"\(f(x + 6))\" cy=\"13\" r=\"5\" fill=\"none\" stroke=\"\(Self.failedColor)\" stroke-width=\"2.5\"/>"
        s += "<text x=\"\(f(x + 16))\" y=\"17\">failed</text>"
        x += 80
        s += "<text x=\"\(f(x))\" y=\"17\" class=\"note\">mark size grows with the number of entries in the interval</text>"
        return s + "</g>\n"
    }

    private func histogram(_ totals: [(ok: Int, refused: Int, failed: Int)], top: Double) -> String {
        let peak = totals.map { $0.ok + $0.refused + $0.failed }.max() ?? 0
        var s = "<g class=\"histogram\">"
        s += "<text x=\"\(f(Self.labelWidth - 8))\" y=\"\(f(top + Self.histogramHeight / 2))\" text-anchor=\"end\" class=\"lane\">entries per interval</text>"
        s += "<text x=\"\(f(Self.labelWidth - 8))\" y=\"\(f(top + Self.histogramHeight / 2 + 15))\" text-anchor=\"end\" class=\"note\">max \(peak)</text>"
        guard peak > 0 else { return s + "</g>\n" }
        let base = top + Self.histogramHeight - 4
        let scale = (Self.histogramHeight - 10) / Double(peak)
        let w = max(plotWidth / Double(Self.bins) - 1.5, 1)
        for (b, t) in totals.enumerated() where t.ok + t.refused + t.failed > 0 {
            let x0 = x(bin: b) - w / 2
            let hOk = Double(t.ok + t.failed) * scale
            let hRef = Double(t.refused) * scale
            // At least a pixel each, so a single refusal among thousands still shows.
            let okH = t.ok + t.failed > 0 ? max(hOk, 1.5) : 0
            let refH = t.refused > 0 ? max(hRef, 2) : 0
            if okH > 0 {
                s += "<rect x=\"\(f(x0))\" y=\"\(f(base - okH))\" width=\"\(f(w))\" height=\"\(f(okH))\" fill=\"\(Self.okColor)\"/>"
            }
            if refH > 0 {
                s += "<rect x=\"\(f(x0))\" y=\"\(f(base - okH - refH))\" width=\"\(f(w))\" height=\"\(f(refH))\" fill=\"\(Self.refusedColor)\"/>"
            }
        }
        s += "<line x1=\"\(f(Self.labelWidth))\" y1=\"\(f(base))\" x2=\"\(f(Self.width - Self.rightMargin))\" y2=\"\(f(base))\" stroke=\"#9aa5b1\"/>"
        return s + "</g>\n"
    }

    private func axis(top: Double, bottom: Double) -> String {
        var s = "<g class=\"axis\">"
        let ticks = 6
        let span = end - start
        for i in 0...ticks {
            let t = start + span * Int64(i) / Int64(ticks)
            let x = Self.labelWidth + plotWidth * Double(i) / Double(ticks)
            s += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(bottom))\" stroke=\"#d5dbe1\" stroke-dasharray=\"3,3\"/>"
            let anchor = i == 0 ? "start" : (i == ticks ? "end" : "middle")
            s += "<text x=\"\(f(x))\" y=\"\(f(bottom + 16))\" text-anchor=\"\(anchor)\">\(ReportText.html(ReportText.tick(t, span: span)))</text>"
        }
        s += "<text x=\"\(f(Self.width - Self.rightMargin))\" y=\"\(f(bottom + 31))\" text-anchor=\"end\" class=\"note\">UTC</text>"
        return s + "</g>\n"
    }

    /// A one-line text sparkline of a lane (for Markdown): one character per
    /// bin, '!' where something was refused.
    func sparkline(_ lane: Lane, bins: Int = 48) -> String {
        var counts = [Int](repeating: 0, count: bins), refused = [Bool](repeating: false, count: bins)
        for p in lane.points {
            let b = min(max(Int(Double(p.time - start) / Double(end - start) * Double(bins)), 0), bins - 1)
            counts[b] += 1
            if p.outcome == .refused { refused[b] = true }
        }
        let peak = max(counts.max() ?? 0, 1)
        let blocks = Array("▁▂▃▄▅▆▇█")
        return String((0..<bins).map { b -> Character in
            if refused[b] { return "!" }
            if counts[b] == 0 { return "·" }
            return blocks[min(blocks.count - 1, (counts[b] * blocks.count - 1) / peak)]
        })
    }
}
