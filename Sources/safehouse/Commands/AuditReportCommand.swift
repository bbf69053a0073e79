import ArgumentParser
import Foundation
import SafehouseVault

extension AuditCommand {
    /// `safehouse audit report --vault DIR (--html F | --md F) [--identity OFFICER_KEY]`
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write the officer's access report: per member and per record/pseudonym over time, refusals highlighted.",
            discussion: """
                HTML is one self-contained page with an inline SVG timeline (no script, no external asset); \
                Markdown has the same tables with a text timeline. The report holds fingerprints, staff names, \
                record ids, pseudonyms, actions, outcomes and times only. Reading it is an access: officers only, \
                and an `audit-report` entry is written before the file appears.
                """)
        @OptionGroup var vault: VaultOption
        @OptionGroup var id: IdentityOptions
        @Option(help: "html | md (default: from the extension of --out).") var format: AuditReportFormat?
        @Option(help: ArgumentHelp(OutputTarget.help("Where to write the report"))) var out: String?
        @Option(help: "Same as --format html --out FILE (kept for scripts; may be given with --md).") var html: String?
        @Option(help: "Same as --format md --out FILE (kept for scripts; may be given with --html).") var md: String?
        @Flag(help: "Replace existing files.") var force = false

        func run() throws {
            try guarded {
                let outputs = try destinations()
                let v = try vault.open()
                let me = try id.unlock(auditIn: v)
                let report = try v.writeAuditReport(outputs, by: me)
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

extension AuditReportFormat: ExpressibleByArgument {}

extension AuditCommand.Report {
    /// `--format F --out FILE|-`, or the older `--html FILE` / `--md FILE`.
    func destinations() throws -> [(AuditReportFormat, OutputDestination)] {
        if let out {
            guard html == nil, md == nil else { throw VaultError.usage("give --out (with --format) or --html/--md, not both") }
            guard let f = format ?? OutputDestination.formatExtension(of: out).flatMap({ $0 == "htm" ? .html : AuditReportFormat(rawValue: $0) }),
                  !(format == nil && OutputTarget.isStandardOutput(out)) else {
                throw VaultError.usage("cannot tell the report's format from --out \(out): pass --format html or --format md")
            }
            return [(f, try OutputTarget.destination(out, overwrite: force, what: "the report"))]
        }
        guard format == nil else { throw VaultError.usage("--format needs --out FILE (or --out - for standard output)") }
        guard html != nil || md != nil else { throw VaultError.usage("give --out FILE (or -) with --format html|md, or --html FILE / --md FILE") }
        if let html, let md, html == md { throw VaultError.usage("--html and --md must name different files") }
        var outputs: [(AuditReportFormat, OutputDestination)] = []
        if let html { outputs.append((.html, try OutputTarget.destination(html, overwrite: force, what: "the report"))) }
        if let md { outputs.append((.md, try OutputTarget.destination(md, overwrite: force, what: "the report"))) }
        return outputs
    }
}
