/// An append-only Merkle tree that keeps only the roots of its perfect
/// subtrees (a "compact range" covering [0, size)), so memory is O(log n):
/// at most 64 hashes, whatever the number of leaves.
///
/// This is how the vault verifies a million audit entries without holding a
/// million hashes: stream the leaves through `append` and read `root`.
public struct MerkleAccumulator: Sendable, Equatable {
    /// Number of leaves appended so far.
    public private(set) var size: UInt64 = 0
    /// Roots of the perfect subtrees, leftmost (largest) first: one per set
    /// bit of `size`, from the highest bit down.
    public private(set) var subtreeRoots: [[UInt8]] = []

    /// An empty accumulator.
    public init() {}

    /// Resumes an accumulator from a saved state (`size` and `subtreeRoots`).
    /// - Throws: `AuditError.invalidProofRequest` when the number of roots does
    ///   not match the set bits of `size` or a root is not 32 bytes.
    public init(size: UInt64, subtreeRoots: [[UInt8]]) throws {
        guard subtreeRoots.count == size.nonzeroBitCount else {
            throw AuditError.invalidProofRequest(rule: "one subtree root per set bit of size")
        }
        guard subtreeRoots.allSatisfy({ $0.count == MerkleTree.hashSize }) else {
            throw AuditError.invalidProofRequest(rule: "subtree roots must be 32 bytes")
        }
        self.size = size
        self.subtreeRoots = subtreeRoots
    }

    /// Appends one leaf hash (32 bytes, e.g. from `MerkleTree.leafHash`).
    /// - Throws: `AuditError.invalidProofRequest` for a hash of another length
    ///   (a corrupt stored hash must not silently change the root's shape).
    public mutating func append(leafHash: [UInt8]) throws {
        guard leafHash.count == MerkleTree.hashSize else {
            throw AuditError.invalidProofRequest(rule: "leaf hash must be 32 bytes")
        }
        appendUnchecked(leafHash)
    }

    /// Append for hashes this module computed itself.
    mutating func appendUnchecked(_ leafHash: [UInt8]) {
        // Each trailing 1 bit of size is a perfect subtree the new leaf
        // completes: merge them, like carrying in binary addition.
        var hash = leafHash
        var s = size
        while s & 1 == 1 {
            hash = MerkleTree.nodeHash(subtreeRoots.removeLast(), hash)
            s >>= 1
        }
        subtreeRoots.append(hash)
        size += 1
    }

    /// The Merkle tree hash of the leaves appended so far (RFC 6962 MTH);
    /// `MerkleTree.emptyRoot` when there are none.
    public var root: [UInt8] {
        guard var hash = subtreeRoots.last else { return MerkleTree.emptyRoot }
        // The right-hand subtrees are folded first: RFC 6962 splits at the
        // largest power of two, so the tree leans left.
        for left in subtreeRoots.dropLast().reversed() {
            hash = MerkleTree.nodeHash(left, hash)
        }
        return hash
    }
}
