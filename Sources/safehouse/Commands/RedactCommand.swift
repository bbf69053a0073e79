import ArgumentParser
import Foundation
import SafehouseCrypto
import SafehouseRedaction
import SafehouseVault

extension TranscriptFormat: ExpressibleByArgument {}

struct Redact: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Redact a transcript with a subject sheet (standalone; no vault).",
        discussion: "Reads stdin and writes stdout when --input/--output are left out. Fails closed: if the rescan finds any identity or identifier, nothing is written and the exit code is 77.")
    @Option(help: "The subject sheet (JSON).") var subjects: String
    @Option(help: "The transcript to redact (default: stdin).") var input: String?
    @Option(help: "Where to write the redacted transcript (default: stdout).") var output: String?
    @Option(help: "Where to write the report (JSON): counts and unknown-name candidates for review.") var report: String?
    @Option(help: "txt | srt | vtt (default: from the file extension, else txt).") var format: TranscriptFormat?
    @Flag(help: "Replace existing output files.") var force = false

    func run() throws {
        try guarded {
            let sheet = try loadSheet(subjects)
            let fmt = format ?? (input ?? output).flatMap { p in p.split(separator: ".").last.flatMap { TranscriptFormat.fromExtension(String($0)) } } ?? .txt
            let data: Data
            if let input {
                guard FileManager.default.fileExists(atPath: input) else { throw VaultError.missing(object: input, hint: "check the path") }
                guard let d = FileManager.default.contents(atPath: input) else { throw VaultError.io(object: input, detail: "cannot read") }
                data = d
            } else {
                data = FileHandle.standardInput.readDataToEndOfFile()
            }
            guard let text = String(data: data, encoding: .utf8) else { throw VaultError.badData(object: input ?? "stdin", hint: "the transcript is not UTF-8") }
            // Standalone runs have no vault: each subject gets a fresh random pseudonym for this run.
            var used = Set<String>()
            let subjectsWithPseudonyms = sheet.subjects.map { e -> RedactionSubject in
                var p = Pseudonym.generate()
                while used.contains(p) { p = Pseudonym.generate() }
                used.insert(p)
                return RedactionSubject(entry: e, pseudonym: p)
            }
            let result: RedactionResult
            do {
                let t = try Transcript.parse(text, format: fmt)
                result = try Redactor(subjects: subjectsWithPseudonyms).redact(t)
            } catch let e as RedactionError {
                switch e {
                case .consentWithdrawn, .leakCheckFailed:
                    throw VaultError.refused(object: input ?? "stdin", reason: e.description, hint: "nothing was written")
                default:
                    throw VaultError.badData(object: input ?? "stdin", hint: e.description)
                }
            }
            let out = result.transcript.render(fmt)
            if let report {
                let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys, .prettyPrinted]
                try PublicFile.write([UInt8](try enc.encode(result.report)), to: report, overwrite: force, secret: true)
            }
            if let output {
                try PublicFile.write(Array(out.utf8), to: output, overwrite: force, secret: true)
            } else {
                FileHandle.standardOutput.write(Data(out.utf8))
            }
        }
    }
}
