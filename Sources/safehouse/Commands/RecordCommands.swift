import ArgumentParser
import Foundation
import SafehouseVault

extension RecordKind: ExpressibleByArgument {}

struct Seal: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Seal files into the vault; prints one record id per file, in input order.",
        discussion: """
            In a field vault the recipients are the team's officers; the sealer is not a recipient unless named with --to, \
            so this laptop cannot open what it sealed. Several files (or --recursive DIR) are sealed with one unlock, \
            one progress display and a summary line per file on stderr; a file you already sealed in this vault is \
            skipped (its record id printed in its place) unless --again; one FILE named alone is sealed anew, as it always was. A file that fails leaves the others sealed and \
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

    func validate() throws {
        guard !files.isEmpty || !directories.isEmpty else { throw ValidationError("name at least one FILE, or --recursive DIR") }
    }

    /// One named file: exactly the single-file command (always a new record, no summary line).
    var isBatch: Bool { files.count + directories.count > 1 || !directories.isEmpty }

    func run() throws {
        try guarded {
            let v = try vault.open()
            let me = try id.unlock(auditIn: v)
            let bar = ProgressBar(label: "sealing", quiet: quiet)
            let req = SealRequest(kind: kind, country: country, subject: subject, status: status, rating: rating, note: note,
                                  to: to, removeOriginal: removeOriginal)
            let inputs = files.map(SealInput.named) + directories.flatMap(SealInput.walk)
            var firstFailure: VaultError?
            let results = try v.seal(inputs, request: req, skipSealed: isBatch && !again, by: me, progress: bar.update) { r in
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
    static let configuration = CommandConfiguration(abstract: "Decrypt a record you hold a key slot for.")
    @Argument(help: "The record id.") var record: String
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions
    @Option(help: "Where to write the plaintext.") var out: String
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
            let v = try vault.open()
            let me = try id.unlock(auditIn: v)
            if let (s, l) = range {
                _ = try v.open(id: record, bytes: s, length: l, to: out, by: me, overwrite: force)
                return
            }
            let bar = ProgressBar(label: "opening", quiet: quiet)
            _ = try v.open(id: record, to: out, by: me, overwrite: force, progress: bar.update)
        }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List records; details appear for those you hold a slot for.")
    @OptionGroup var vault: VaultOption
    @OptionGroup var id: IdentityOptions
    @Flag(help: "JSON output.") var json = false
    @Option(help: "Only this kind.") var kind: RecordKind?
    @Option(help: "Only this country.") var country: String?
    @Option(help: "Only this subject pseudonym.") var subject: String?

    func run() throws {
        try guarded {
            let v = try vault.open()
            let me = try id.unlock(auditIn: v)
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
                    let fields = [r.type, m.kind?.rawValue ?? "-", m.country ?? "-", m.subject ?? "-", "\(r.size)", m.sealedAt, m.status ?? ""]
                    Output.print(([r.id] + fields).joined(separator: "\t").trimmingCharacters(in: .whitespaces))
                } else {
                    Output.print("\(r.id)\t\(r.type)\t(sealed: no key slot for you)\t\(r.size)")
                }
            }
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Verify every object and the audit log of a vault; exit 0 or 65.")
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
