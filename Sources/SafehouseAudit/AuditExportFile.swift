import Foundation

/// The audit export: self-verifying JSON lines a security officer can carry away.
///
///     {"format":"safehouse-audit-export","version":1,"origin":"<origin>","keys":{"<actor>":"<base64 key>",…}}
///     {"entry":"<base64 canonical entry>","sig":"<base64 signature>","key":"<base64 public key>"}   (one per entry, seq 0, 1, …)
///     {"size":<N>,"root":"<base64 Merkle root>"}
///
/// Every line ends in "\n"; there is no whitespace; header keys are sorted by
/// actor. `verify` accepts only these exact bytes and re-checks the whole
/// chain, the signatures, the keys and the trailer, so any edit, insertion,
/// deletion, reordering or truncation is reported with the first bad seq.
///
/// What an export cannot prove on its own: the trailer is not signed, so
/// someone who drops the last entries *and* rewrites the trailer, or replaces
/// the header's keys and re-signs everything, makes a consistent file. Verify
/// against a checkpoint kept off the machine and against the team keyring
/// (`trusted`) to close both gaps.
public enum AuditExportFile {
    /// Writes an export line by line, so a million entries never need to be
    /// in memory at once: `header()`, then `line(for:)` per entry, then `trailer()`.
    public struct Writer: Sendable {
        /// The log's origin.
        public let origin: String
        private let keys: [(actor: String, key: [UInt8])]
        private var accumulator = MerkleAccumulator()

        /// - Parameter keys: the public key of every actor in the log.
        /// - Throws: `AuditError.invalidField` for an origin or actor that breaks
        ///   the entry rules, `AuditError.invalidKey` for a key that is not 32 bytes.
        public init(origin: String, keys: [String: [UInt8]]) throws {
            guard FieldRules.isToken(origin.utf8, max: AuditEntry.Limits.origin) else {
                throw AuditError.invalidField(field: "origin", rule: "1-\(AuditEntry.Limits.origin) printable ASCII bytes, no space, quote or backslash")
            }
            guard keys.count <= ExportLines.maxKeys else { throw AuditError.invalidField(field: "keys", rule: "at most \(ExportLines.maxKeys) keys") }
            for (actor, key) in keys {
                guard FieldRules.isToken(actor.utf8, max: AuditEntry.Limits.actor) else {
                    throw AuditError.invalidField(field: "actor", rule: "1-\(AuditEntry.Limits.actor) printable ASCII bytes, no space, quote or backslash")
                }
                guard key.count == 32 else { throw AuditError.invalidKey(what: "public keys must be 32 bytes") }
            }
            self.origin = origin
            // Sort by bytes, not by String order (which is Unicode-aware).
            self.keys = keys.map { ($0.key, $0.value) }.sorted { Array($0.actor.utf8).lexicographicallyPrecedes(Array($1.actor.utf8)) }
        }

        /// The header line.
        public func header() -> Data { Data(ExportLines.header(origin: origin, keys: keys)) }

        /// The line for the next entry (entries must come in seq order).
        public mutating func line(for signed: SignedAuditEntry) -> Data {
            accumulator.appendUnchecked(signed.leafHash)
            return Data(ExportLines.entry(signed))
        }

        /// The trailer line, with the size and root of the entries written.
        public func trailer() -> Data { Data(ExportLines.trailer(size: accumulator.size, root: accumulator.root)) }
    }

    /// Encodes a whole export in memory (for small logs and tests; use `Writer` to stream).
    public static func encode(entries: some Sequence<SignedAuditEntry>, origin: String, keys: [String: [UInt8]]) throws -> Data {
        var writer = try Writer(origin: origin, keys: keys)
        var data = writer.header()
        for signed in entries { data.append(writer.line(for: signed)) }
        data.append(writer.trailer())
        return data
    }

    /// Verifies an export held in memory. See `verify(lines:checkpoint:trusted:)`.
    public static func verify(data: Data, checkpoint: Checkpoint? = nil,
                              trusted: ((String, [UInt8]) -> Bool)? = nil) -> AuditVerification {
        let bytes = [UInt8](data)
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for (i, b) in bytes.enumerated() where b == 0x0A {
            lines.append(bytes[start..<i])
            start = i + 1
        }
        if start < bytes.count { lines.append(bytes[start...] + [0]) } // an unterminated tail: a NUL makes it malformed
        return verify(lines: lines, checkpoint: checkpoint, trusted: trusted)
    }

    /// Verifies an export given as lines without their "\n" (stream them from
    /// a file for large exports; memory stays O(log n) plus one line).
    ///
    /// - Parameters:
    ///   - checkpoint: an already signature-checked checkpoint; catches truncation
    ///     (with a rewritten trailer) and rollback.
    ///   - trusted: the team keyring; nil trusts the keys in the header.
    ///     Either way an entry's key must be the header's key for its actor.
    /// - Returns: `.intact(size:root:)` or `.broken` with the first bad seq
    ///   (0 for a bad header; the entry count for a missing or wrong trailer).
    public static func verify<L: Collection<UInt8>>(lines: some Sequence<L>, checkpoint: Checkpoint? = nil,
                                                    trusted: ((String, [UInt8]) -> Bool)? = nil) -> AuditVerification {
        var iterator = lines.makeIterator()
        guard let first = iterator.next(), first.count <= ExportLines.maxHeaderLine,
              let header = ExportLines.parseHeader(ArraySlice(first)) else {
            return .broken(0, .malformed, "bad or missing header")
        }
        let trust: (String, [UInt8]) -> Bool = { actor, key in
            guard header.keys[actor] == key else { return false }
            return trusted?(actor, key) ?? true
        }
        var verifier = StreamingVerifier(origin: header.origin, checkpoint: checkpoint)
        while let raw = iterator.next() {
            let n = verifier.size
            guard raw.count <= ExportLines.maxEntryLine else { return .broken(n, .malformed, "line too long") }
            let line = ArraySlice(raw)
            if ExportLines.isTrailer(line) {
                guard let trailer = ExportLines.parseTrailer(line) else { return .broken(n, .malformed, "bad trailer") }
                guard iterator.next() == nil else { return .broken(n, .malformed, "data after the trailer") }
                // Chain failures inside the file come first: they name an earlier seq.
                let verdict = verifier.finish()
                guard case .intact(let size, let root) = verdict else { return verdict }
                guard trailer.size == size, trailer.root == root else {
                    return .broken(Swift.min(size, trailer.size), .trailerMismatch,
                                   "trailer says \(trailer.size) entries, file has \(size)")
                }
                return verdict
            }
            guard let signed = ExportLines.parseEntry(line) else { return .broken(n, .malformed, "bad entry line") }
            guard verifier.feed(signed, trusted: trust) else { return verifier.finish() }
        }
        return .broken(verifier.size, .truncated, "no trailer: the file ends early")
    }
}
