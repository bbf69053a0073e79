/// The outcome of verifying an audit log or export.
public enum AuditVerification: Sendable, Equatable, CustomStringConvertible {
    /// Every entry checked out: `size` entries whose Merkle root is `root`.
    case intact(size: UInt64, root: [UInt8])
    /// The first entry that failed, and why (a `Reason` code, then detail).
    ///
    /// `firstBadSeq` is the position in the log (0-based) of the first entry
    /// that fails a check. For a deletion or truncation it is the first missing
    /// position. When an entry is altered *and re-signed* with its actor's key,
    /// the altered entry is self-consistent and the break shows one later, at
    /// the entry whose `prevHash` no longer links (or at the checkpoint).
    case broken(firstBadSeq: UInt64, reason: String)

    /// True for `.intact`.
    public var isIntact: Bool {
        if case .intact = self { return true }
        return false
    }

    /// The first bad position, if broken.
    public var firstBadSeq: UInt64? {
        if case .broken(let seq, _) = self { return seq }
        return nil
    }

    /// Stable codes that start every `broken` reason (tests and tools may match on them).
    public enum Reason: String, Sendable, CaseIterable {
        /// seq is not the expected position (deletion, insertion, reordering).
        case seqGap = "seq-gap"
        /// The entry's origin differs from the log's.
        case originMismatch = "origin-mismatch"
        /// prevHash is not the previous entry's leaf hash.
        case prevHashMismatch = "prev-hash-mismatch"
        /// The signature does not verify under the recorded key.
        case badSignature = "bad-signature"
        /// The key is not trusted for the actor.
        case untrustedKey = "untrusted-key"
        /// Time went backwards.
        case timeReversed = "time-reversed"
        /// The log is shorter than a checkpoint (truncation or rollback).
        case truncated = "truncated"
        /// The root at the checkpoint's size differs from the checkpoint's root.
        case checkpointMismatch = "checkpoint-mismatch"
        /// An export line is not well formed (or the file ends early).
        case malformed = "malformed"
        /// An export's trailer disagrees with its entries.
        case trailerMismatch = "trailer-mismatch"
    }

    static func broken(_ seq: UInt64, _ reason: Reason, _ detail: String? = nil) -> AuditVerification {
        .broken(firstBadSeq: seq, reason: detail.map { "\(reason.rawValue): \($0)" } ?? reason.rawValue)
    }

    public var description: String {
        switch self {
        case .intact(let size, let root): return "intact: \(size) entries, root \(Base64.encode(root))"
        case .broken(let seq, let reason): return "broken at entry \(seq): \(reason)"
        }
    }
}
