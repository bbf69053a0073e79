import ArgumentParser
import Foundation
import SafehouseVault

extension AuditCommand {
    /// `safehouse audit report --vault DIR (--html F | --md F) [--identity OFFICER_KEY]`
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the officer's access report: per member and per record/pseudonym over time, refusals highlighted.",
            discussion: """
                HTML is one self-contained page with an inline SVG timeline (no script, no external asset); \
                Markdown has the same tables with a text timeline. The report holds fingerprints, staff names, \
                record ids, pseudonyms, actions, outcomes and times only. Reading it is an access: officers only, \
                and an `audit-report` entry is written before the file appears.
                """)
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions
        @Option(help: "Write the HTML report to this file.") var html: String?
        @Option(help: "Write the Markdown report to this file.") var md: String?
        @Flag(help: "Replace existing files.") var force = false

        func run() throws {
            try guarded {
                guard html != nil || md != nil else { throw VaultError.usage("give --html FILE or --md FILE (or both)") }
                if let html, let md, html == md { throw VaultError.usage("--html and --md must name different files") }
                let v = try vault.open()
                let me = try id.unlock(auditIn: v)
                let report = try v.writeAuditReport(html: html, markdown: md, by: me, overwrite: force)
                Output.note("audit report written: \(report.events.count) entries, \(report.refusals.count) refusals")
                // A broken chain is what the officer must investigate, so the report is
                // still written (with a red banner); `audit verify` is the pass/fail check.
                for log in report.logs where !log.intact {
                    Output.note("warning: \(log.isLocal ? "this vault's log" : "field log \(log.origin)") is \(log.verdict)")
                    Output.hint("the report shows the entries as stored; run `safehouse audit verify` and investigate")
                }
            }
        }
    }
}
