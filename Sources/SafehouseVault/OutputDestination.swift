import Foundation
import SafehouseCrypto
#if canImport(Glibc)
import Glibc
#endif

/// Where a command's output goes: a file that appears only complete, or
/// standard output (the user's explicit choice, `--out -`).
///
/// Whether standard output may be used (not a terminal, for plaintext) is the
/// caller's decision; the library only writes.
public enum OutputDestination: Sendable, Equatable {
    /// A file, named only once the output is complete and recorded.
    case file(String, overwrite: Bool)
    /// Standard output: written only after the output is recorded.
    case standardOutput

    /// How errors name this destination.
    var label: String {
        switch self {
        case .file(let p, _): return p
        case .standardOutput: return "standard output"
        }
    }

    /// The unnamed output file for a `.file` destination (an existing file without
    /// overwrite is refused now, before any work); nil for standard output.
    func file(mode: mode_t) throws -> AtomicOutput? {
        guard case .file(let path, let overwrite) = self else { return nil }
        return try AtomicOutput(path: path, overwrite: overwrite, mode: mode)
    }

    /// Writes a whole, already authenticated output. A file is made durable before
    /// `record` runs (the audit entry) and named after it; standard output gets the
    /// bytes only after `record` succeeded. Either way a failing `record` leaves nothing.
    func write(_ bytes: [UInt8], mode: mode_t, after record: () throws -> Void) throws {
        guard let out = try file(mode: mode), case .file(_, let overwrite) = self else {
            try record()
            return try StandardOutputSink.writeAll(bytes)
        }
        try out.write(bytes)
        try out.flush()
        try record()
        try out.commit(overwrite: overwrite)
    }
}

/// Plaintext streamed to standard output. Up to `holdLimit` bytes are held in
/// memory first, so an output that fits is written only once it has been
/// completely authenticated; a larger one is written batch by batch, each batch
/// authenticated before it is written (a failure midway leaves what was written).
/// `beforeFirstWrite` (the audit entry) runs before any byte leaves.
final class StandardOutputSink {
    static let defaultHoldLimit = 16 << 20

    private let holdLimit: Int
    private let beforeFirstWrite: () throws -> Void
    private var held: [UInt8] = []
    private var streaming = false

    init(holdLimit: Int = StandardOutputSink.defaultHoldLimit, beforeFirstWrite: @escaping () throws -> Void) {
        self.holdLimit = holdLimit
        self.beforeFirstWrite = beforeFirstWrite
    }

    deinit { SecureBytes.wipe(&held) }

    /// Takes one authenticated batch.
    func take(_ batch: UnsafeRawBufferPointer) throws {
        if streaming { return try Self.writeAll(batch) }
        if held.count + batch.count <= holdLimit {
            held.append(contentsOf: batch)
            return
        }
        try startStreaming()
        try Self.writeAll(batch)
    }

    /// Writes what is still held, once the whole output authenticated.
    func finish() throws {
        if !streaming { try startStreaming() }
    }

    private func startStreaming() throws {
        try beforeFirstWrite()
        streaming = true
        try Self.writeAll(held)
        SecureBytes.wipe(&held)
        held = []
    }

    static func writeAll(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try writeAll($0) } }

    static func writeAll(_ buffer: UnsafeRawBufferPointer) throws {
        try PosixIO.write(STDOUT_FILENO, buffer, object: "standard output")
    }
}
