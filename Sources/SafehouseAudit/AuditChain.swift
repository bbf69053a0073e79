import SafehouseCrypto

/// The running state of one audit log — next seq, last leaf hash, last time
/// and the Merkle accumulator — and the rules an entry must meet to extend it.
///
/// The same rules serve the writer (`nextEntry` + `append` before an entry is
/// stored) and the verifier (`verify`, which streams a whole log through
/// `append`), so what is written is exactly what verifies. Memory is O(log n)
/// whatever the log's length.
///
/// Rules, checked in this order for the entry at position n:
/// 1. `seq == n` (no gap, no duplicate, no reordering);
/// 2. `origin` is the log's origin;
/// 3. `prevHash` is the leaf hash of entry n-1 (32 zero bytes for n = 0);
/// 4. the signature verifies under `signerKey`;
/// 5. `trusted(actor, signerKey)` holds;
/// 6. `time` is not earlier than entry n-1's (equal is fine).
public struct AuditChain: Sendable {
    /// The log's origin line.
    public let origin: String
    /// The leaf hash of the last entry (the next entry's `prevHash`).
    public private(set) var lastLeafHash: [UInt8]
    /// The time of the last entry (0 for an empty log).
    public private(set) var lastTime: Int64
    /// The Merkle tree over the entries so far.
    public private(set) var accumulator: MerkleAccumulator

    /// Number of entries; also the next entry's seq.
    public var size: UInt64 { accumulator.size }
    /// The Merkle root over the entries so far.
    public var root: [UInt8] { accumulator.root }

    /// An empty log.
    public init(origin: String) {
        self.origin = origin
        self.lastLeafHash = AuditEntry.zeroHash
        self.lastTime = 0
        self.accumulator = MerkleAccumulator()
    }

    /// Resumes a log from saved state (e.g. the vault's database).
    /// - Throws: `AuditError.invalidProofRequest` for an inconsistent state.
    public init(origin: String, accumulator: MerkleAccumulator, lastLeafHash: [UInt8], lastTime: Int64) throws {
        guard lastLeafHash.count == 32, (accumulator.size == 0) == (lastLeafHash == AuditEntry.zeroHash) else {
            throw AuditError.invalidProofRequest(rule: "last leaf hash does not fit the accumulator")
        }
        self.origin = origin
        self.lastLeafHash = lastLeafHash
        self.lastTime = lastTime
        self.accumulator = accumulator
    }

    /// The next entry of this log: seq, prevHash and origin filled in.
    ///
    /// `time` is raised to the last entry's time if the clock went backwards
    /// (NTP step, manual change): refusing would make the vault unusable,
    /// and a fail-closed vault that cannot log cannot act.
    /// - Throws: `AuditError.invalidField` when a field breaks the entry rules.
    public func nextEntry(time: Int64, actor: String, action: String, objects: [String] = [],
                          outcome: AuditEntry.Outcome, reason: String? = nil) throws -> AuditEntry {
        try AuditEntry(seq: size, time: Swift.max(time, lastTime), actor: actor, action: action, objects: objects,
                       outcome: outcome, reason: reason, prevHash: lastLeafHash, origin: origin)
    }

    /// Checks `signed` against the rules and, if it passes, appends it.
    /// - Throws: `AuditError.chainBroken` with the seq and a `Reason` code; the chain is unchanged then.
    public mutating func append(_ signed: SignedAuditEntry, trusted: (String, [UInt8]) -> Bool) throws {
        if case .broken(let seq, let reason) = check(signed, trusted: trusted) {
            throw AuditError.chainBroken(seq: seq, reason: reason)
        }
        commit(signed)
    }

    /// The writer's path: signs `entry` (normally from `nextEntry`) and appends it.
    ///
    /// Checks the chain rules except the signature (just made) and trust
    /// (the writer chose the key): re-verifying our own signature would
    /// triple the cost of every append. Store the returned entry durably
    /// *before* acting, and keep this chain only if the store succeeded.
    /// - Throws: `AuditError.chainBroken` when the entry does not extend the
    ///   chain, `AuditError.invalidKey` for a bad key pair.
    public mutating func appendSigning(_ entry: AuditEntry, secretKey: SecureBytes, publicKey: [UInt8]) throws -> SignedAuditEntry {
        let signed = try SignedAuditEntry.sign(entry, secretKey: secretKey, publicKey: publicKey)
        let n = size
        let failure: AuditVerification? =
            entry.seq != n ? .broken(n, .seqGap, "expected \(n), found \(entry.seq)")
            : entry.origin != origin ? .broken(n, .originMismatch)
            : entry.prevHash != lastLeafHash ? .broken(n, .prevHashMismatch)
            : entry.time < lastTime ? .broken(n, .timeReversed)
            : nil
        if case .broken(let seq, let reason) = failure { throw AuditError.chainBroken(seq: seq, reason: reason) }
        commit(signed)
        return signed
    }

    /// The first rule `signed` breaks as the next entry, or nil.
    func check(_ signed: SignedAuditEntry, trusted: (String, [UInt8]) -> Bool) -> AuditVerification? {
        let entry = signed.entry, n = size
        guard entry.seq == n else { return .broken(n, .seqGap, "expected \(n), found \(entry.seq)") }
        guard entry.origin == origin else { return .broken(n, .originMismatch) }
        guard entry.prevHash == lastLeafHash else { return .broken(n, .prevHashMismatch) }
        guard signed.verifySignature() else { return .broken(n, .badSignature) }
        guard trusted(entry.actor, signed.signerKey) else { return .broken(n, .untrustedKey) }
        guard entry.time >= lastTime else { return .broken(n, .timeReversed) }
        return nil
    }

    /// Appends an entry that passed `check`.
    mutating func commit(_ signed: SignedAuditEntry) {
        let leaf = signed.leafHash
        accumulator.appendUnchecked(leaf)
        lastLeafHash = leaf
        lastTime = signed.entry.time
    }

    /// Verifies a whole log, streaming (O(log n) memory for a lazy sequence).
    ///
    /// - Parameters:
    ///   - entries: the log in stored order.
    ///   - origin: the expected origin; defaults to the checkpoint's, else the first entry's.
    ///   - checkpoint: an already signature-checked checkpoint (`Checkpoint.verify`)
    ///     kept off the machine. A log shorter than it (truncation, rollback) or
    ///     with another root at its size is broken.
    ///   - trusted: whether `signerKey` may sign for `actor` (the team keyring).
    /// - Returns: `.intact(size:root:)` or `.broken` at the first bad entry.
    public static func verify(_ entries: some Sequence<SignedAuditEntry>, origin: String? = nil, checkpoint: Checkpoint? = nil,
                              trusted: (String, [UInt8]) -> Bool) -> AuditVerification {
        var verifier = StreamingVerifier(origin: origin, checkpoint: checkpoint)
        for signed in entries where !verifier.feed(signed, trusted: trusted) { break }
        return verifier.finish()
    }
}
