extension AuditReport {
    /// Rows shown in the long tables; the counts above them cover everything.
    static let maxRefusalRows = 1_000
    static let maxObjectRows = 500
    static let maxRecentRows = 1_000

    /// The report as one self-contained HTML page: inline CSS and SVG, no
    /// script, no external URL, so it opens from disk and on an air-gapped
    /// machine. Refusals are red throughout (rows, diamonds, histogram).
    public func html() -> String {
        let esc = ReportText.html
        let range = timeRange
        let timeline = { (lanes: [AuditTimeline.Lane]) in AuditTimeline(lanes: lanes, start: range.start, end: range.end) }
        let refused = refusals
        let failed = events.filter { $0.outcome == .failed }.count
        var h = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Safehouse audit report</title>
        <style>
        body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2630; margin: 24px 32px; max-width: 1180px; }
        h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d5dbe1; padding-bottom: 4px; }
        .meta { color: #52606d; margin: 0 0 12px; } code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
        .verdict { padding: 8px 12px; border-radius: 4px; margin: 6px 0; }
        .verdict.ok { background: #e8f5e9; border-left: 5px solid #2e7d32; } .verdict.bad { background: #fdecea; border-left: 5px solid #d32f2f; font-weight: 600; }
        .cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 12px 0; }
        .card { border: 1px solid #d5dbe1; border-radius: 6px; padding: 8px 14px; min-width: 120px; }
        .card b { display: block; font-size: 22px; } .card.alert { border-color: #d32f2f; background: #fdecea; color: #b71c1c; }
        table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; } th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
        th { background: #f3f6fa; font-weight: 600; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.refused td { background: #fdecea; } tr.refused td:first-child { border-left: 4px solid #d32f2f; }
        tr.failed td { background: #fff4e5; } tr.failed td:first-child { border-left: 4px solid #ef8a00; }
        td.hot { color: #b71c1c; font-weight: 700; } .badge { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; font-weight: 600; }
        .badge.refused { background: #d32f2f; color: #fff; } .badge.failed { background: #ef8a00; color: #fff; } .badge.ok { background: #e3ecf7; color: #1f4e85; }
        svg.timeline { display: block; max-width: 100%; height: auto; border: 1px solid #e4e7eb; }
        svg text { font: 12px system-ui, sans-serif; fill: #1d2630; } svg text.note { fill: #7b8794; font-size: 11px; }
        .foot { color: #7b8794; font-size: 12px; margin-top: 28px; }
        </style>
        </head>
        <body>
        <h1>Safehouse audit report</h1>

        """
        h += "<p class=\"meta\">Vault <code>\(esc(origin))</code> (\(esc(vaultKind))) · generated \(esc(ReportText.time(generatedAt))) UTC"
        h += " for officer <code>\(esc(ReportText.shortKey(requestedBy)))</code>"
        if !events.isEmpty { h += " · entries from \(esc(ReportText.time(range.start))) to \(esc(ReportText.time(range.end))) UTC" }
        h += "</p>\n"
        for log in logs {
            let what = log.isLocal ? "This vault's log" : "Field log <code>\(esc(log.origin))</code> (merged by bundle import)"
            h += "<div class=\"verdict \(log.intact ? "ok" : "bad")\">\(what): \(log.intact ? "verified" : "BROKEN") — \(esc(log.verdict))</div>\n"
        }
        h += "<div class=\"cards\">"
        h += "<div class=\"card\"><b>\(ReportText.count(events.count))</b>entries</div>"
        h += "<div class=\"card\"><b>\(members.filter { $0.entries > 0 }.count)</b>members and keys active</div>"
        h += "<div class=\"card\"><b>\(objects.count)</b>records and pseudonyms</div>"
        h += "<div class=\"card\(refused.isEmpty ? "" : " alert")\"><b>\(ReportText.count(refused.count))</b>refusals</div>"
        h += "<div class=\"card\(failed == 0 ? "" : " alert")\"><b>\(ReportText.count(failed))</b>failures</div>"
        h += "</div>\n"

        h += "<h2>Access timeline by member</h2>\n"
        h += timeline(memberLanes()).svg(title: "Audit entries over time, one lane per member; refusals in red")
        if !objects.isEmpty {
            h += "<h2>Access timeline by record and pseudonym</h2>\n"
            h += timeline(objectLanes()).svg(title: "Audit entries over time, one lane per record or pseudonym; refusals in red")
            if objects.count > Self.maxObjectLanes { h += "<p class=\"meta\">The \(Self.maxObjectLanes) most touched of \(objects.count) are drawn.</p>\n" }
        }

        h += "<h2>Refusals</h2>\n"
        if refused.isEmpty {
            h += "<p>None.</p>\n"
        } else {
            if refused.count > Self.maxRefusalRows { h += "<p class=\"meta\">The \(Self.maxRefusalRows) most recent of \(refused.count) are listed.</p>\n" }
            h += eventTable(Array(refused.suffix(Self.maxRefusalRows).reversed()))
        }

        h += "<h2>Per member</h2>\n<table><thead><tr><th>Member</th><th>Fingerprint</th><th>Status</th><th class=\"num\">Entries</th>"
        h += "<th class=\"num\">Refused</th><th class=\"num\">Failed</th><th>Actions</th><th>First</th><th>Last</th></tr></thead><tbody>\n"
        for m in members {
            h += "<tr\(m.refused > 0 ? " class=\"refused\"" : "")><td>\(esc(label(forMember: m.key)))</td><td class=\"mono\">\(esc(m.key))</td>"
            h += "<td>\(esc(m.status ?? "—"))</td><td class=\"num\">\(m.entries)</td>"
            h += "<td class=\"num\(m.refused > 0 ? " hot" : "")\">\(m.refused)</td><td class=\"num\(m.failed > 0 ? " hot" : "")\">\(m.failed)</td>"
            h += "<td>\(esc(ReportText.actions(m.actions)))</td><td>\(m.entries > 0 ? esc(ReportText.time(m.first)) : "—")</td>"
            h += "<td>\(m.entries > 0 ? esc(ReportText.time(m.last)) : "—")</td></tr>\n"
        }
        h += "</tbody></table>\n"

        h += "<h2>Per record and pseudonym</h2>\n"
        if objects.isEmpty {
            h += "<p>No entry names a record or pseudonym yet.</p>\n"
        } else {
            if objects.count > Self.maxObjectRows { h += "<p class=\"meta\">The \(Self.maxObjectRows) most touched of \(objects.count) are listed.</p>\n" }
            h += "<table><thead><tr><th>Id</th><th>Kind</th><th>Pseudonyms</th><th class=\"num\">Entries</th><th class=\"num\">Refused</th>"
            h += "<th>Actions</th><th>Members</th><th>First</th><th>Last</th></tr></thead><tbody>\n"
            for o in objects.prefix(Self.maxObjectRows) {
                h += "<tr\(o.refused > 0 ? " class=\"refused\"" : "")><td class=\"mono\">\(esc(o.id))</td><td>\(esc(o.kind))</td>"
                h += "<td class=\"mono\">\(esc(o.pseudonyms.joined(separator: " ")))</td><td class=\"num\">\(o.entries)</td>"
                h += "<td class=\"num\(o.refused > 0 ? " hot" : "")\">\(o.refused)</td><td>\(esc(ReportText.actions(o.actions)))</td>"
                h += "<td>\(esc(o.members.map { label(forMember: $0) }.joined(separator: "; ")))</td>"
                h += "<td>\(esc(ReportText.time(o.first)))</td><td>\(esc(ReportText.time(o.last)))</td></tr>\n"
            }
            h += "</tbody></table>\n"
        }

        h += "<h2>Recent entries</h2>\n"
        if events.count > Self.maxRecentRows { h += "<p class=\"meta\">The \(Self.maxRecentRows) most recent of \(ReportText.count(events.count)) are listed; `safehouse audit log` shows all.</p>\n" }
        h += eventTable(Array(events.suffix(Self.maxRecentRows).reversed()))

        h += "<p class=\"foot\">This report holds fingerprints, staff member names, record ids, pseudonyms, actions, outcomes and times only — "
        h += "no subject identity, file name or content. Reading it was recorded in the audit log (action <code>audit-report</code>). "
        h += "Verify the log itself with <code>safehouse audit verify --checkpoint</code>.</p>\n</body>\n</html>\n"
        return h
    }

    private func eventTable(_ rows: [Event]) -> String {
        let esc = ReportText.html
        var h = "<table><thead><tr><th>Time (UTC)</th><th>Log</th><th class=\"num\">Seq</th><th>Member</th><th>Action</th>"
        h += "<th>Outcome</th><th>Reason</th><th>Objects</th></tr></thead><tbody>\n"
        for e in rows {
            let cls = e.outcome == .ok ? "" : " class=\"\(e.outcome.rawValue)\""
            let log = logs[e.log].isLocal ? "here" : "field"
            h += "<tr\(cls)><td>\(esc(ReportText.time(e.time)))</td><td>\(log)</td><td class=\"num\">\(e.seq)</td>"
            h += "<td>\(esc(label(forMember: e.member)))</td><td><code>\(esc(e.action))</code></td>"
            h += "<td><span class=\"badge \(e.outcome.rawValue)\">\(e.outcome.rawValue)</span></td><td>\(esc(e.reason ?? ""))</td>"
            h += "<td class=\"mono\">\(esc(e.objects.joined(separator: " ")))</td></tr>\n"
        }
        return h + "</tbody></table>\n"
    }
}
