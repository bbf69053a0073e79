import Foundation
import SafehouseVault

/// The wording of `safehouse seal` for many files: a line per file on stderr,
/// the totals, and the `--json` document.
enum SealSummary {
    /// The id that goes on stdout for this file: the new record, or the one it was already sealed as.
    static func recordID(of r: SealResult) -> String? {
        switch r.outcome {
        case .sealed(let id), .duplicate(let id): return id
        case .skipped, .failed: return nil
        }
    }

    /// What counts as this file's failure for the exit code.
    static func failure(of r: SealResult) -> VaultError? {
        if case .failed(let e) = r.outcome { return e }
        return r.removalError
    }

    /// The file's line(s) on stderr. A single named file keeps the one-file
    /// command's output: its failure is reported once, as the command's error;
    /// only a skip is said.
    static func report(_ r: SealResult, batch: Bool) {
        guard batch else {
            if case .duplicate(let id) = r.outcome {
                Output.note("\(r.path) is already sealed in this vault as \(id): not sealed again (--again seals it anew)")
            }
            return
        }
        switch r.outcome {
        case .sealed(let id): Output.note("sealed \(r.path) → \(id)")
        case .duplicate(let id): Output.note("skipped \(r.path): already sealed as \(id) (--again seals it anew)")
        case .skipped(let reason): Output.note("skipped \(r.path): \(reason)")
        case .failed(let e): error(e)
        }
        if let e = r.removalError { error(e); Output.hint("the record is sealed; the original was kept") }
    }

    private static func error(_ e: VaultError) {
        Output.error(e.message)
        if let h = e.hint { Output.hint(h) }
    }

    static func totals(_ results: [SealResult]) -> String {
        let c = counts(results)
        return "\(results.count) file(s): \(c.sealed) sealed, \(c.duplicates) already sealed, \(c.skipped) skipped, \(c.failed) failed"
    }

    private static func counts(_ results: [SealResult]) -> (sealed: Int, duplicates: Int, skipped: Int, failed: Int) {
        var c = (sealed: 0, duplicates: 0, skipped: 0, failed: 0)
        for r in results {
            switch r.outcome {
            case .sealed: c.sealed += 1
            case .duplicate: c.duplicates += 1
            case .skipped: c.skipped += 1
            case .failed: c.failed += 1
            }
        }
        return c
    }

    struct FileJSON: Encodable {
        let file: String
        /// sealed | duplicate | skipped | failed
        let status: String
        let record: String?
        let size: UInt64?
        let reason: String?
        let exitCode: Int32?
        let originalRemoved: Bool?
    }

    struct BatchJSON: Encodable {
        let files: [FileJSON]
        let sealed: Int, duplicates: Int, skipped: Int, failed: Int
    }

    static func json(_ results: [SealResult], removeOriginal: Bool) -> String {
        let files = results.map { r -> FileJSON in
            let removed: Bool? = removeOriginal ? { if case .sealed = r.outcome { r.removalError == nil } else { false } }() : nil
            switch r.outcome {
            case .sealed(let id):
                return FileJSON(file: r.path, status: "sealed", record: id, size: r.size, reason: r.removalError?.message,
                                exitCode: r.removalError?.exitCode, originalRemoved: removed)
            case .duplicate(let id):
                return FileJSON(file: r.path, status: "duplicate", record: id, size: r.size, reason: "already sealed in this vault",
                                exitCode: nil, originalRemoved: removed)
            case .skipped(let reason):
                return FileJSON(file: r.path, status: "skipped", record: nil, size: nil, reason: reason, exitCode: nil, originalRemoved: removed)
            case .failed(let e):
                return FileJSON(file: r.path, status: "failed", record: nil, size: r.size, reason: e.message, exitCode: e.exitCode, originalRemoved: removed)
            }
        }
        let c = counts(results)
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let doc = BatchJSON(files: files, sealed: c.sealed, duplicates: c.duplicates, skipped: c.skipped, failed: c.failed)
        return String(decoding: (try? enc.encode(doc)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
