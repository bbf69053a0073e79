import ArgumentParser
import Foundation
import SafehouseVault

struct Stats: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Production figures without exposure (officers): counts by kind, country, category, status and quarter.",
        discussion: "Every count below the threshold reads <N, and further cells are hidden so no small count can be recovered by subtraction. The Markdown and HTML outputs are aggregate-only views that can be handed to producers.")
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions
    @Flag(help: "JSON output.") var json = false
    @Flag(help: "Markdown output (with an inline SVG chart).") var md = false
    @Option(help: "Write a self-contained HTML page with the chart to this file.") var html: String?
    @Option(help: "Suppression threshold (3 or more).") var threshold = ProductionStats.minimumThreshold
    @Flag(help: "Replace an existing HTML file.") var force = false

    func run() throws {
        try guarded {
            let v = try vault.open()
            let (stats, unreadable) = try v.productionStats(by: try id.unlock(auditIn: v), threshold: threshold)
            if let html { try PublicFile.write(Array(stats.html().utf8), to: html, overwrite: force) }
            if json { FileHandle.standardOutput.write(Data(stats.json().utf8)) }
            else if md { FileHandle.standardOutput.write(Data(stats.markdown().utf8)) }
            else if html == nil { FileHandle.standardOutput.write(Data(stats.text().utf8)) }
            if unreadable > 0 { Output.note("\(unreadable) record(s) you hold no slot for were left out") }
        }
    }
}
