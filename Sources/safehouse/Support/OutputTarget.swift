import Foundation
import SafehouseVault

/// `--out FILE`, or `--out -` for standard output: one rule for every command
/// that writes a data file.
enum OutputTarget {
    /// The `--out` value that means standard output.
    static let standardOutputName = "-"

    /// Whether `out` asks for standard output.
    static func isStandardOutput(_ out: String) -> Bool { out == standardOutputName }

    /// The destination `--out` names. `-` is standard output, refused (64) when it
    /// is a terminal: `what` (plaintext, a keyring …) would land on the screen.
    static func destination(_ out: String, overwrite: Bool, what: String = "plaintext") throws -> OutputDestination {
        guard isStandardOutput(out) else { return .file(out, overwrite: overwrite) }
        try requireRedirectedStandardOutput(what: what)
        return .standardOutput
    }

    /// Refuses (64) when standard output is a terminal.
    static func requireRedirectedStandardOutput(what: String) throws {
        guard isatty(STDOUT_FILENO) != 1 else {
            throw VaultError.usage("--out - writes \(what) to standard output, which is a terminal: redirect it (> FILE or | COMMAND) or give --out FILE")
        }
    }

    /// Writes public text (figures, a checkpoint): a file that appears complete (0644), or standard output.
    static func write(_ text: String, to destination: OutputDestination) throws {
        if case .file(let path, let overwrite) = destination { try PublicFile.write(Array(text.utf8), to: path, overwrite: overwrite) }
        else { FileHandle.standardOutput.write(Data(text.utf8)) }
    }

    /// Help text for an `--out` option.
    static func help(_ what: String) -> String { "\(what) (`-`: standard output, which must not be a terminal)." }
}
