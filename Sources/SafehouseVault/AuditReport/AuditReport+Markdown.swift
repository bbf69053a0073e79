extension AuditReport {
    /// The report as Markdown: the same sections as the HTML, with a text
    /// sparkline per member instead of the SVG chart ('!' marks a refusal) and
    /// refusals flagged **REFUSED**.
    public func markdown() -> String {
        let md = ReportText.markdown
        let range = timeRange
        let refused = refusals
        var s = "# Safehouse audit report\n\n"
        s += "- Vault: `\(origin)` (\(vaultKind))\n"
        s += "- Generated: \(ReportText.time(generatedAt)) UTC for officer `\(ReportText.shortKey(requestedBy))`\n"
        if !events.isEmpty { s += "- Entries from \(ReportText.time(range.start)) to \(ReportText.time(range.end)) UTC\n" }
        for log in logs {
            let what = log.isLocal ? "This vault's log" : "Field log `\(log.origin)` (merged by bundle import)"
            s += "- \(what): \(log.intact ? "verified" : "**BROKEN**") — \(md(log.verdict))\n"
        }
        s += "- \(ReportText.count(events.count)) entries · \(objects.count) records and pseudonyms · "
        s += refused.isEmpty ? "no refusals\n" : "**\(ReportText.count(refused.count)) refusals**\n"

        let timeline = AuditTimeline(lanes: [], start: range.start, end: range.end)
        s += "\n## Access timeline by member\n\n"
        s += "One character per interval from \(ReportText.time(range.start, seconds: false)) to \(ReportText.time(range.end, seconds: false)) UTC; "
        s += "`▁`…`█` entries, `!` a refusal, `·` nothing.\n\n"
        s += "| Member | Timeline | Entries | Refused |\n|---|---|---:|---:|\n"
        for lane in memberLanes() {
            let r = lane.points.filter { $0.outcome == .refused }.count
            s += "| \(md(lane.label)) | `\(timeline.sparkline(lane))` | \(lane.points.count) | \(r > 0 ? "**\(r)**" : "0") |\n"
        }

        s += "\n## Refusals\n\n"
        if refused.isEmpty {
            s += "None.\n"
        } else {
            if refused.count > Self.maxRefusalRows { s += "The \(Self.maxRefusalRows) most recent of \(refused.count) are listed.\n\n" }
            s += eventTable(Array(refused.suffix(Self.maxRefusalRows).reversed()))
        }

        s += "\n## Per member\n\n| Member | Fingerprint | Status | Entries | Refused | Failed | Actions | First | Last |\n"
        s += "|---|---|---|---:|---:|---:|---|---|---|\n"
        for m in members {
            let first = m.entries > 0 ? ReportText.time(m.first) : "—", last = m.entries > 0 ? ReportText.time(m.last) : "—"
            s += "| \(m.refused > 0 ? "⚠ " : "")\(md(label(forMember: m.key))) | `\(m.key)` | \(md(m.status ?? "—")) | \(m.entries) | "
            s += "\(m.refused > 0 ? "**\(m.refused)**" : "0") | \(m.failed) | \(md(ReportText.actions(m.actions))) | \(first) | \(last) |\n"
        }

        s += "\n## Per record and pseudonym\n\n"
        if objects.isEmpty {
            s += "No entry names a record or pseudonym yet.\n"
        } else {
            if objects.count > Self.maxObjectRows { s += "The \(Self.maxObjectRows) most touched of \(objects.count) are listed.\n\n" }
            s += "| Id | Kind | Pseudonyms | Entries | Refused | Actions | Members | First | Last |\n|---|---|---|---:|---:|---|---|---|---|\n"
            for o in objects.prefix(Self.maxObjectRows) {
                s += "| \(o.refused > 0 ? "⚠ " : "")`\(o.id)` | \(md(o.kind)) | \(md(o.pseudonyms.joined(separator: " "))) | \(o.entries) | "
                s += "\(o.refused > 0 ? "**\(o.refused)**" : "0") | \(md(ReportText.actions(o.actions))) | "
                s += "\(md(o.members.map { label(forMember: $0) }.joined(separator: "; "))) | \(ReportText.time(o.first)) | \(ReportText.time(o.last)) |\n"
            }
        }

        s += "\n## Recent entries\n\n"
        if events.count > Self.maxRecentRows { s += "The \(Self.maxRecentRows) most recent of \(ReportText.count(events.count)) are listed.\n\n" }
        s += eventTable(Array(events.suffix(Self.maxRecentRows).reversed()))
        s += "\n---\nFingerprints, staff member names, record ids, pseudonyms, actions, outcomes and times only — "
        s += "no subject identity, file name or content. Reading this report was recorded in the audit log (`audit-report`).\n"
        return s
    }

    private func eventTable(_ rows: [Event]) -> String {
        let md = ReportText.markdown
        var s = "| Time (UTC) | Log | Seq | Member | Action | Outcome | Reason | Objects |\n|---|---|---:|---|---|---|---|---|\n"
        for e in rows {
            let outcome = e.outcome == .ok ? "ok" : "**\(e.outcome.rawValue.uppercased())**"
            s += "| \(ReportText.time(e.time)) | \(logs[e.log].isLocal ? "here" : "field") | \(e.seq) | \(md(label(forMember: e.member))) | "
            s += "\(md(e.action)) | \(outcome) | \(md(e.reason ?? "")) | \(md(e.objects.joined(separator: " "))) |\n"
        }
        return s
    }
}
