import ArgumentParser
import Foundation
import SafehouseVault

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Production figures without exposure (officers): counts by kind, country, category, status and quarter.",
        discussion: "Every count below the threshold reads <N, and further cells are hidden so no small count can be recovered by subtraction. The Markdown and HTML outputs are aggregate-only views that can be handed to producers.")
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions
    @Option(help: "text | json | md | html (default: from the extension of --out, else text).") var format: StatsFormat?
    @Option(help: ArgumentHelp("Write to this file instead of standard output (`-`: standard output, which must not be a terminal).")) var out: String?
    @Flag(help: "Same as --format json (kept for scripts).") var json = false
    @Flag(help: "Same as --format md (kept for scripts).") var md = false
    @Option(help: "Same as --format html --out FILE (kept for scripts; with --json or --md those still go to standard output).") var html: String?
    @Option(help: "Suppression threshold (3 or more).") var threshold = ProductionStats.minimumThreshold
    @Flag(help: "Replace an existing output file.") var force = false

    func run() throws {
        try guarded {
            let outputs = try destinations()
            let v = try vault.open()
            let (stats, unreadable) = try v.productionStats(by: try id.unlock(auditIn: v), threshold: threshold)
            for (format, destination) in outputs {
                try OutputTarget.write(format == .json ? stats.json() : format == .md ? stats.markdown() : format == .html ? stats.html() : stats.text(),
                                       to: destination)
            }
            if unreadable > 0 { Output.note("\(unreadable) record(s) you hold no slot for were left out") }
        }
    }

    /// `--format F [--out FILE|-]`, or the older `--json`, `--md` (standard output) and `--html FILE`.
    func destinations() throws -> [(StatsFormat, OutputDestination)] {
        if format != nil || out != nil {
            guard !json, !md, html == nil else { throw VaultError.usage("give --format/--out or the older --json/--md/--html, not both") }
            let inferred = out.flatMap { OutputTarget.isStandardOutput($0) ? nil : OutputDestination.formatExtension(of: $0) }
                .flatMap { StatsFormat(rawValue: $0 == "txt" ? "text" : $0 == "htm" ? "html" : $0) }
            if format == nil, let out, !OutputTarget.isStandardOutput(out), inferred == nil {
                throw VaultError.usage("cannot tell the format from --out \(out): pass --format (one of text, json, md, html)")
            }
            let destination = try out.map { try OutputTarget.destination($0, overwrite: force, what: "the figures") } ?? .standardOutput
            return [(format ?? inferred ?? .text, destination)]
        }
        var outputs: [(StatsFormat, OutputDestination)] = []
        if let html { outputs.append((.html, try OutputTarget.destination(html, overwrite: force, what: "the figures"))) }
        if json { outputs.append((.json, .standardOutput)) } else if md { outputs.append((.md, .standardOutput)) }
        else if html == nil { outputs.append((.text, .standardOutput)) }
        return outputs
    }
}

/// What `stats --format` writes.
enum StatsFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json, md, html
}
