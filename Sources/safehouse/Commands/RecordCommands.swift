import ArgumentParser
import Foundation
import SafehouseVault

extension RecordKind: ExpressibleByArgument {}

struct Seal: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "Seal files into the vault; prints one record id per file, in input order.",
        discussion: """
            In a field vault the recipients are the team's officers; the sealer is not a recipient unless named with --to, \
            so this laptop cannot open what it sealed. Several files (or --recursive DIR) are sealed with one unlock, \
            one progress display and a summary line per file on stderr; a file you already sealed in this vault is \
            skipped (its record id printed in its place, with a note) unless --again. A file that fails leaves the others sealed and \
            prints no line; the exit code is that of the first failure. --recursive walks DIR in sorted order, seals \
            regular files only and never follows symbolic links. Named FILEs come first, then each DIR's files. \
            For a day's work, `safehouse agent start` once so no command asks for the passphrase again.
            """)
    @Argument(help: "The files to seal.") var files: [String] = []
    @Option(name: .customLong("recursive"), help: ArgumentHelp("Also seal every regular file under this folder (repeatable).", valueName: "DIR"))
    var directories: [String] = []
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions
    @Option(help: "interview | statement | coverage | legal") var kind: RecordKind
    @Option(help: "ISO 3166 alpha-2 country code where the material was gathered (KR, US, CN, JP, GB, …).") var country: String
    @Option(help: "The subject's pseudonym.") var subject: String?
    @Option(name: .customLong("to"), help: "An extra recipient (member name or fingerprint prefix); repeatable.") var to: [String] = []
    @Option(help: "For --kind legal: filed | pending | granted | denied | ….") var status: String?
    @Option(help: "Interviewer's rating of the material, 1–5 (sealed).") var rating: Int?
    @Option(help: "A short note (sealed).") var note: String?
    @Flag(help: "After a verified seal, overwrite and delete the plaintext original. SSDs and journaling file systems may keep copies.") var removeOriginal = false
    @Flag(help: "Seal files again even if you already sealed them in this vault (a new record each).") var again = false
    @Flag(help: "One JSON document on stdout with each file's result, instead of record ids.") var json = false
    @Flag(help: "No progress bar.") var quiet = false
    @Option(name: .customLong("of"), help: ArgumentHelp("Seal a transcript (Whisper-style .json with word times, .srt, .vtt or .txt) linked to this recording; `approve` of the recording bleeps the names it finds in it.", valueName: "MEDIA_RECORD"))
    var transcriptOf: String?

    func validate() throws {
        guard !files.isEmpty || !directories.isEmpty else { throw ValidationError("name at least one FILE, or --recursive DIR") }
    }

    /// One named file: the single-file command's output (no summary line).
    var isBatch: Bool { files.count + directories.count > 1 || !directories.isEmpty }

    func run() throws {
        try guarded {
            let v = try vault.open()
            let me = try id.unlock(auditIn: v)
            let bar = ProgressBar(label: "sealing", quiet: quiet)
            var req = SealRequest(kind: kind, country: country, subject: subject, status: status, rating: rating, note: note,
                                  to: to, removeOriginal: removeOriginal)
            req.transcriptOf = transcriptOf
            let inputs = files.map(SealInput.named) + directories.flatMap(SealInput.walk)
            var firstFailure: VaultError?
            let results = try v.seal(inputs, request: req, skipSealed: !again, by: me, progress: bar.update) { r in
                if let e = SealSummary.failure(of: r), firstFailure == nil { firstFailure = e }
                guard !json else { return }
                // One file whose original could not be removed fails as before, without its id.
                if let rid = SealSummary.recordID(of: r), isBatch || r.removalError == nil { Output.print(rid) }
                SealSummary.report(r, batch: isBatch)
            }
            if json { Output.print(SealSummary.json(results, removeOriginal: removeOriginal)) }
            if isBatch { Output.note(SealSummary.totals(results)) }
            if removeOriginal, results.contains(where: { if case .sealed = $0.outcome { $0.removalError == nil } else { false } }) {
                Output.note("the original was overwritten and removed after a verified seal")
                Output.hint("SSDs, copy-on-write and journaling file systems can keep older copies; use full-disk encryption")
            }
            if let firstFailure {
                if !isBatch { throw firstFailure }
                throw ExitCode(firstFailure.exitCode)
            }
        }
    }
}

struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Decrypt a record you hold a key slot for.",
        discussion: """
            With --out FILE the file appears only once the whole record verified. With --out - the plaintext goes to \
            standard output (refused when that is a terminal): a record up to 16 MiB is written only after it verified \
            completely; a larger one is written chunk by chunk, each chunk authenticated before it is written, so a \
            failure midway (exit 65) leaves what was already written on standard output.
            """)
    @Argument(help: "The record id.") var record: String
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions
    @Option(help: ArgumentHelp(OutputTarget.help("Where to write the plaintext"))) var out: String
    @Option(help: "START:LENGTH — decrypt only these plaintext bytes (random access; each chunk read is authenticated).") var bytes: String?
    @Flag(help: "Replace an existing output file.") var force = false
    @Flag(help: "No progress bar.") var quiet = false

    func run() throws {
        try guarded {
            var range: (UInt64, UInt64)?
            if let bytes {
                let p = bytes.split(separator: ":")
                guard p.count == 2, let s = UInt64(p[0]), let l = UInt64(p[1]) else { throw VaultError.usage("--bytes takes START:LENGTH in bytes") }
                range = (s, l)
            }
            let destination = try OutputTarget.destination(out, overwrite: force)
            let v = try vault.open()
            let me = try id.unlock(auditIn: v)
            let bar = ProgressBar(label: "opening", quiet: quiet)
            _ = try v.open(id: record, to: destination, range: range.map { (start: $0.0, length: $0.1) }, by: me, progress: bar.update)
        }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List records; details appear for those you hold a slot for.",
        discussion: """
            One line per record: ID TYPE KIND COUNTRY SUBJECT SIZE SEALED-AT STATUS FILE-NAME (tab-separated, `-` for none) \
            for records you hold a slot for; ID TYPE (sealed: …) SIZE for the others. Without --identity (nor \
            $SAFEHOUSE_IDENTITY) no key is unlocked and every record shows id, type and size only.
            """)
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions
    @Flag(help: "JSON output.") var json = false
    @Option(help: "Only this kind (needs a key).") var kind: RecordKind?
    @Option(help: "Only this country, e.g. KR or kr (needs a key).") var country: String?
    @Option(help: "Only this subject pseudonym (needs a key).") var subject: String?

    func run() throws {
        try guarded {
            let country = try country.map(CountryCode.normalized)
            let v = try vault.open()
            let me = id.keyPath == nil ? nil : try id.unlock(auditIn: v)
            if me == nil, kind != nil || country != nil || subject != nil {
                throw VaultError.usage("--kind, --country and --subject filter on sealed details: pass --identity KEY")
            }
            let rows = try v.list(by: me).filter { r in
                (kind == nil || r.metadata?.kind == kind) && (country == nil || r.metadata?.country == country)
                    && (subject == nil || r.metadata?.subject == subject)
            }
            if json {
                let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
                Output.print(String(decoding: try enc.encode(rows), as: UTF8.self))
                return
            }
            for r in rows {
                if let m = r.metadata {
                    let fields = [r.type, m.kind?.rawValue, m.country, m.subject, "\(r.size)", m.sealedAt, m.status, m.fileName.map(Self.printable)]
                    Output.print(([r.id] + fields.map { $0.flatMap { $0.isEmpty ? nil : $0 } ?? "-" }).joined(separator: "\t"))
                } else {
                    Output.print("\(r.id)\t\(r.type)\t(sealed: \(me == nil ? "no key given" : "no key slot for you"))\t\(r.size)")
                }
            }
        }
    }
}

extension List {
    /// A file name on one line: control characters (tab, newline …) read `?`.
    static func printable(_ name: String) -> String {
        String(String.UnicodeScalarView(name.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Verify every object and the audit log of a vault; exit 0 or 65.")
    @OptionGroup var vault: VaultOption
    @Flag(help: "Delete encrypted body files that no record refers to (left by an interrupted seal or re-key).") var prune = false

    func run() throws {
        try guarded {
            let report = try vault.open().check(pruneOrphans: prune)
            Output.note("vault intact: \(report.objects) objects, \(report.members) members, \(report.auditEntries) audit entries")
            if !report.orphans.isEmpty {
                Output.note("\(report.orphans.count) unreferenced encrypted body file(s) in objects/" + (prune ? " removed" : "; `safehouse check --prune` removes them"))
            }
        }
    }
}
