import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto

/// Output formats of `audit report`.
public enum AuditReportFormat: String, Sendable, CaseIterable {
    /// One self-contained HTML file (inline CSS and SVG; no script, no external asset).
    case html
    /// Markdown tables with a text sparkline per member.
    case md
}

extension Vault {
    /// Builds the officer's access report — reading it is itself an access:
    /// officers only, and the `audit-report` entry is committed (with any
    /// refusal) before the data leaves this function.
    ///
    /// - Parameter formats: recorded in the entry as `format:<name>` objects.
    /// - Throws: `VaultError.refused` (77) for a non-member or non-officer, after
    ///   auditing the refusal; `VaultError.io` when the entry cannot be written.
    public func auditReport(by officer: Identity, formats: [AuditReportFormat] = [.html]) throws -> AuditReport {
        try store.write { db in
            try requireOfficer(officer, db, action: "audit-report", objects: [], object: "audit report", what: "reads the audit report")
            try appendAudit(db, actor: officer, action: "audit-report", objects: formats.map { "format:" + $0.rawValue }, outcome: .ok)
            return try collectReport(db, requestedBy: officer.fingerprint.compact)
        }
    }

    /// Writes the report to the given files. Each output is created unnamed
    /// first (so an existing file is refused, 73, before anything is audited)
    /// and named only after the audit entry is durable; on any failure no
    /// output is left behind.
    /// - Returns: the report that was written.
    @discardableResult
    public func writeAuditReport(html: String?, markdown: String?, by officer: Identity, overwrite: Bool) throws -> AuditReport {
        try writeAuditReport(([html.map { (AuditReportFormat.html, OutputDestination.file($0, overwrite: overwrite)) }]
                              + [markdown.map { (.md, .file($0, overwrite: overwrite)) }]).compactMap { $0 }, by: officer)
    }

    /// Writes the report in each format to its destination: files as above;
    /// standard output only after the audit entry is durable.
    @discardableResult
    public func writeAuditReport(_ outputs: [(AuditReportFormat, OutputDestination)], by officer: Identity) throws -> AuditReport {
        let files: [(AuditReportFormat, AtomicOutput?, Bool)] = try outputs.map { format, destination in
            guard case .file(let path, let overwrite) = destination else { return (format, nil, false) }
            return (format, try AtomicOutput(path: path, overwrite: overwrite, mode: 0o600), overwrite)
        }
        guard !outputs.isEmpty else { throw VaultError.usage("give --html FILE or --md FILE (or both)") }
        let report = try auditReport(by: officer, formats: outputs.map(\.0))
        let text = { (format: AuditReportFormat) in Array((format == .html ? report.html() : report.markdown()).utf8) }
        for (format, out, _) in files { try out?.write(text(format)) }
        for (_, out, overwrite) in files { try out?.commit(overwrite: overwrite) }
        for (format, out, _) in files where out == nil { try StandardOutputSink.writeAll(text(format)) }
        return report
    }

    /// Reads every log (own and merged field logs), verifies each chain, and
    /// aggregates per member and per record/pseudonym. Runs in the caller's
    /// transaction so the report and its audit entry see the same log.
    func collectReport(_ db: Database, requestedBy: String) throws -> AuditReport {
        let ms = try members(db)
        var typeOf: [String: String] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT id, type FROM objects") {
            let t = ObjectType(rawValue: UInt8(row["type"] as Int))
            typeOf[row["id"]] = t?.label ?? "record"
        }
        var logs: [AuditReport.Log] = []
        var events: [AuditReport.Event] = []

        // This vault's log, as `audit verify` judges it.
        var own: [SignedAuditEntry] = []
        var malformed: String?
        do { try forEachAuditEntry(db) { own.append($0) } } catch let e as VaultError {
            malformed = "broken at entry \(own.count): malformed (\(e.message))"
        }
        let verdict = AuditChain.verify(own, origin: origin, trusted: try auditTrust(members: ms))
        logs.append(AuditReport.Log(origin: origin, isLocal: true, entries: own.count, intact: malformed == nil && verdict.isIntact,
                                    verdict: malformed.map { verdict.isIntact ? $0 : verdict.description } ?? verdict.description))
        events += own.map { Self.reportEvent($0.entry, log: 0, device: "vault") }
        own = []

        // Field logs merged by bundle import, judged by the same actor rule as at import.
        let origins = try String.fetchAll(db, sql: "SELECT DISTINCT origin FROM foreign_audit ORDER BY origin")
        for foreignOrigin in origins where foreignOrigin != origin {
            let rows = try Row.fetchCursor(db, sql: "SELECT entry, signer_key, signature FROM foreign_audit WHERE origin = ? ORDER BY seq",
                                           arguments: [foreignOrigin])
            var entries: [SignedAuditEntry] = []
            var bad: String?
            while let row = try rows.next() {
                guard let e = try? AuditEntry.parse(canonical: [UInt8](row["entry"] as Data)) else {
                    bad = "broken at entry \(entries.count): malformed"
                    break
                }
                entries.append(SignedAuditEntry(entry: e, signerKey: [UInt8](row["signer_key"] as Data), signature: [UInt8](row["signature"] as Data)))
            }
            // A device-signed entry verifies only under the device key pinned at that vault's first bundle.
            let pinned = try Data.fetchOne(db, sql: "SELECT device_key FROM foreign_devices WHERE origin = ?", arguments: [foreignOrigin])
            let v = AuditChain.verify(entries, origin: foreignOrigin,
                                      trusted: Self.auditTrust(members: ms, deviceKey: pinned.map { [UInt8]($0) } ?? []))
            let index = logs.count
            logs.append(AuditReport.Log(origin: foreignOrigin, isLocal: false, entries: entries.count, intact: bad == nil && v.isIntact,
                                        verdict: bad.map { v.isIntact ? $0 : v.description } ?? v.description))
            let device = "vault@" + String(foreignOrigin.split(separator: "/").last ?? "").prefix(8)
            events += entries.map { Self.reportEvent($0.entry, log: index, device: device) }
        }
        events.sort { ($0.time, $0.log, $0.seq) < ($1.time, $1.log, $1.seq) }

        // Per member.
        var memberRows: [String: AuditReport.MemberRow] = [:]
        for m in ms {
            memberRows[m.fingerprint.compact] = AuditReport.MemberRow(key: m.fingerprint.compact, name: m.card.name,
                                                                      role: m.card.role.rawValue, status: m.status)
        }
        // Per record / pseudonym.
        let fingerprints = Set(ms.map(\.fingerprint.compact))
        var objectRows: [String: AuditReport.ObjectRow] = [:]
        for e in events {
            var row = memberRows[e.member] ?? AuditReport.MemberRow(key: e.member, name: nil, role: nil, status: nil)
            Self.count(e, into: &row.entries, &row.refused, &row.failed, &row.actions, &row.first, &row.last)
            memberRows[e.member] = row

            let named = e.objects.filter { !fingerprints.contains($0) && !$0.contains(":") }
            let records = named.filter(Self.isRecordID)
            let pseudonyms = named.filter(Pseudonym.isValid)
            for id in records + pseudonyms {
                let kind = Pseudonym.isValid(id) ? "pseudonym" : (typeOf[id] ?? "record (not in this vault)")
                var o = objectRows[id] ?? AuditReport.ObjectRow(id: id, kind: kind)
                Self.count(e, into: &o.entries, &o.refused, &o.failed, &o.actions, &o.first, &o.last)
                if !o.members.contains(e.member) { o.members.append(e.member) }
                if records.contains(id) {
                    for p in pseudonyms where !o.pseudonyms.contains(p) { o.pseudonyms.append(p) }
                }
                objectRows[id] = o
            }
        }
        let members = memberRows.values.filter { $0.entries > 0 || $0.name != nil }.sorted { a, b in
            let ka = (a.name == nil ? 1 : 0, a.name ?? "", a.key), kb = (b.name == nil ? 1 : 0, b.name ?? "", b.key)
            return ka < kb
        }
        let objects = objectRows.values.sorted { ($0.entries, $1.id) > ($1.entries, $0.id) }
        return AuditReport(origin: origin, vaultKind: kind.rawValue, generatedAt: Int64(Date().timeIntervalSince1970),
                           requestedBy: requestedBy, logs: logs, events: events, members: members, objects: objects)
    }

    static func reportEvent(_ e: AuditEntry, log: Int, device: String) -> AuditReport.Event {
        var member = e.actor
        if e.actor == "vault" {
            member = e.objects.first { $0.hasPrefix("key:") }.map { String($0.dropFirst(4)) } ?? device
        }
        return AuditReport.Event(log: log, seq: e.seq, time: e.time, actor: e.actor, member: member, action: e.action,
                                 objects: e.objects, outcome: AuditOutcome(rawValue: e.outcome.rawValue) ?? .failed, reason: e.reason)
    }

    static func count(_ e: AuditReport.Event, into entries: inout Int, _ refused: inout Int, _ failed: inout Int,
                      _ actions: inout [String: Int], _ first: inout Int64, _ last: inout Int64) {
        entries += 1
        if e.outcome == .refused { refused += 1 }
        if e.outcome == .failed { failed += 1 }
        actions[e.action, default: 0] += 1
        first = min(first, e.time)
        last = max(last, e.time)
    }

    /// Record ids are 32 lower-case hex digits (16 random bytes).
    static func isRecordID(_ s: String) -> Bool {
        s.utf8.count == 32 && s.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
