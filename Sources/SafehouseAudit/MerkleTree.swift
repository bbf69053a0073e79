import SafehouseCrypto

/// RFC 6962 / RFC 9162 Merkle hash tree over SHA-256: hashing, proofs, and
/// proof verification.
///
/// Hashes are domain-separated (0x00 for leaves, 0x01 for inner nodes) so a
/// leaf can never be passed off as an inner node. The verifiers follow the
/// RFC 9162 algorithms step by step (§2.1.3.2 inclusion, §2.1.4.2
/// consistency), plus the edge cases the transparency-dev test vectors demand,
/// and return `false` rather than throwing: a caller only needs to know
/// whether a proof holds.
public enum MerkleTree {
    /// Length in bytes of every hash in the tree.
    public static let hashSize = 32

    /// Leaf hash: SHA-256(0x00 ‖ data).
    public static func leafHash(_ data: [UInt8]) -> [UInt8] {
        var input = [UInt8]()
        input.reserveCapacity(data.count + 1)
        input.append(0x00)
        input.append(contentsOf: data)
        return SHA256.hash(input)
    }

    /// Inner node hash: SHA-256(0x01 ‖ left ‖ right).
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var input = [UInt8]()
        input.reserveCapacity(left.count + right.count + 1)
        input.append(0x01)
        input.append(contentsOf: left)
        input.append(contentsOf: right)
        return SHA256.hash(input)
    }

    /// Root of the empty tree: SHA-256 of the empty string.
    public static var emptyRoot: [UInt8] { SHA256.hash([]) }

    /// Merkle tree hash (MTH) of a list of leaf hashes; the empty list gives
    /// `emptyRoot`.
    public static func rootHash(leafHashes: [[UInt8]]) -> [UInt8] {
        rootHash(of: leafHashes[...])
    }

    /// Inclusion proof (RFC 6962 PATH) for leaf `index` in the tree made of the
    /// first `size` entries of `leafHashes`. Lowest level first.
    /// - Throws: `AuditError.invalidProofRequest` unless `index < size <= leafHashes.count`.
    public static func inclusionProof(index: UInt64, size: UInt64, leafHashes: [[UInt8]]) throws -> [[UInt8]] {
        guard index < size else { throw AuditError.invalidProofRequest(rule: "index must be below size") }
        guard size <= UInt64(leafHashes.count) else { throw AuditError.invalidProofRequest(rule: "size exceeds the leaves given") }
        var proof = [[UInt8]]()
        path(Int(index), leafHashes[0..<Int(size)], into: &proof)
        return proof
    }

    /// Consistency proof (RFC 6962 PROOF) that the tree of size `from` is a
    /// prefix of the tree of size `to`, both made of the first entries of
    /// `leafHashes`. Empty when `from == to`.
    /// - Throws: `AuditError.invalidProofRequest` unless `0 < from <= to <= leafHashes.count`
    ///   (a proof from the empty tree is meaningless, as RFC 9162 and the vectors say).
    public static func consistencyProof(from: UInt64, to: UInt64, leafHashes: [[UInt8]]) throws -> [[UInt8]] {
        guard from > 0 else { throw AuditError.invalidProofRequest(rule: "consistency from the empty tree is meaningless") }
        guard from <= to else { throw AuditError.invalidProofRequest(rule: "from must not exceed to") }
        guard to <= UInt64(leafHashes.count) else { throw AuditError.invalidProofRequest(rule: "size exceeds the leaves given") }
        var proof = [[UInt8]]()
        subproof(Int(from), leafHashes[0..<Int(to)], complete: true, into: &proof)
        return proof
    }

    /// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
    public static func verifyInclusion(index: UInt64, size: UInt64, leafHash: [UInt8], proof: [[UInt8]], root: [UInt8]) -> Bool {
        // Step 1, plus length checks: a proof of odd-sized hashes is garbage.
        guard index < size, leafHash.count == hashSize, proof.allSatisfy({ $0.count == hashSize }) else { return false }
        var fn = index, sn = size - 1 // step 2
        var r = leafHash // step 3
        for p in proof { // step 4
            if sn == 0 { return false } // 4a: proof longer than the path
            if fn & 1 == 1 || fn == sn { // 4b
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1; sn >>= 1 // 4c
        }
        return sn == 0 && r == root // step 5
    }

    /// Verifies a consistency proof between a tree of `size1` with `root1` and
    /// a tree of `size2` with `root2` (RFC 9162 §2.1.4.2).
    ///
    /// Edge cases, as in the transparency-dev vectors: `size1 > size2` fails;
    /// `size1 == 0` fails (nothing to prove); equal sizes hold only with an
    /// empty proof and equal roots.
    public static func verifyConsistency(size1: UInt64, size2: UInt64, root1: [UInt8], root2: [UInt8], proof: [[UInt8]]) -> Bool {
        guard size1 <= size2, size1 > 0 else { return false }
        if size1 == size2 { return proof.isEmpty && root1 == root2 }
        guard !proof.isEmpty, proof.allSatisfy({ $0.count == hashSize }) else { return false } // step 1
        var path = proof
        if size1 & (size1 - 1) == 0 { path.insert(root1, at: 0) } // step 2: size1 is a power of two
        var fn = size1 - 1, sn = size2 - 1 // step 3
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 } // step 4
        var fr = path[0], sr = path[0] // step 5
        for c in path.dropFirst() { // step 6
            if sn == 0 { return false } // 6a
            if fn & 1 == 1 || fn == sn { // 6b
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1; sn >>= 1 // 6c
        }
        return sn == 0 && fr == root1 && sr == root2 // step 7
    }

    // MARK: - RFC 6962 §2.1 recursive definitions, over slices

    /// MTH(D[n]) of a slice, built with an accumulator (O(log n) extra memory).
    static func rootHash(of leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        var acc = MerkleAccumulator()
        for leaf in leaves { acc.appendUnchecked(leaf) }
        return acc.root
    }

    /// Largest power of two strictly smaller than `n` (n > 1).
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// PATH(m, D[n]).
    private static func path(_ m: Int, _ leaves: ArraySlice<[UInt8]>, into proof: inout [[UInt8]]) {
        let n = leaves.count
        guard n > 1 else { return }
        let k = split(n), start = leaves.startIndex
        if m < k {
            path(m, leaves[start..<start + k], into: &proof)
            proof.append(rootHash(of: leaves[(start + k)...]))
        } else {
            path(m - k, leaves[(start + k)...], into: &proof)
            proof.append(rootHash(of: leaves[start..<start + k]))
        }
    }

    /// SUBPROOF(m, D[n], b).
    private static func subproof(_ m: Int, _ leaves: ArraySlice<[UInt8]>, complete: Bool, into proof: inout [[UInt8]]) {
        let n = leaves.count
        if m == n {
            if !complete { proof.append(rootHash(of: leaves)) }
            return
        }
        let k = split(n), start = leaves.startIndex
        if m <= k {
            subproof(m, leaves[start..<start + k], complete: complete, into: &proof)
            proof.append(rootHash(of: leaves[(start + k)...]))
        } else {
            subproof(m - k, leaves[(start + k)...], complete: false, into: &proof)
            proof.append(rootHash(of: leaves[start..<start + k]))
        }
    }
}
