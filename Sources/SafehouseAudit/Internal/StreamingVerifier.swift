/// Chain rules plus an optional checkpoint, fed one entry at a time.
/// Shared by `AuditChain.verify` and `AuditExportFile.verify` so a log in the
/// vault and the same log in an export are judged by the very same code.
struct StreamingVerifier {
    private var chain: AuditChain?
    private let checkpoint: Checkpoint?
    private(set) var failure: AuditVerification?

    /// - Parameter origin: the expected origin; nil takes the checkpoint's, else the first entry's.
    init(origin: String?, checkpoint: Checkpoint?) {
        self.checkpoint = checkpoint
        let expected = origin ?? checkpoint?.origin
        chain = expected.map { AuditChain(origin: $0) }
        if let checkpoint, let expected, checkpoint.origin != expected {
            failure = .broken(0, .originMismatch, "checkpoint is for another log")
        } else if let checkpoint, checkpoint.size == 0, checkpoint.root != MerkleTree.emptyRoot {
            failure = .broken(0, .checkpointMismatch)
        }
    }

    /// Entries accepted so far.
    var size: UInt64 { chain?.size ?? 0 }
    /// Root over the entries accepted so far.
    var root: [UInt8] { chain?.root ?? MerkleTree.emptyRoot }

    /// Checks and appends one entry; false once the log is broken (see `failure`).
    mutating func feed(_ signed: SignedAuditEntry, trusted: (String, [UInt8]) -> Bool) -> Bool {
        guard failure == nil else { return false }
        if chain == nil { chain = AuditChain(origin: signed.entry.origin) }
        if let broken = chain!.check(signed, trusted: trusted) {
            failure = broken
            return false
        }
        chain!.commit(signed)
        if let checkpoint, chain!.size == checkpoint.size, chain!.root != checkpoint.root {
            // Only the root is known: some entry below the checkpoint differs,
            // and the last one it covers is the earliest we can name.
            failure = .broken(checkpoint.size - 1, .checkpointMismatch)
            return false
        }
        return true
    }

    /// Records a failure found outside the chain rules (e.g. a malformed export line).
    mutating func fail(_ verification: AuditVerification) {
        if failure == nil { failure = verification }
    }

    /// The verdict once every entry has been fed.
    func finish() -> AuditVerification {
        if let failure { return failure }
        if let checkpoint, size < checkpoint.size {
            return .broken(size, .truncated, "log has \(size) entries, checkpoint \(checkpoint.size)")
        }
        return .intact(size: size, root: root)
    }
}
