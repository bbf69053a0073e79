import PropertyBased
import SafehouseCrypto
import Testing
@testable import SafehouseAudit

@Suite struct MerkleTreeTests {
    @Test func hashesAreDomainSeparated() {
        // RFC 6962: the empty tree is SHA-256(""), a leaf is SHA-256(0x00 ‖ d).
        #expect(MerkleTree.rootHash(leafHashes: []) == SHA256.hash([]))
        #expect(Base64.encode(MerkleTree.rootHash(leafHashes: [])) == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
        #expect(MerkleTree.leafHash([]) == SHA256.hash([0]))
        let l = MerkleTree.leafHash([1]), r = MerkleTree.leafHash([2])
        #expect(MerkleTree.nodeHash(l, r) == SHA256.hash([1] + l + r))
        #expect(MerkleTree.nodeHash(l, r) != MerkleTree.nodeHash(r, l))
        #expect(MerkleTree.rootHash(leafHashes: [l]) == l)
    }

    @Test func invalidProofRequestsThrow() throws {
        let leaves = sampleLeafHashes(5)
        #expect(throws: AuditError.self) { try MerkleTree.inclusionProof(index: 5, size: 5, leafHashes: leaves) }
        #expect(throws: AuditError.self) { try MerkleTree.inclusionProof(index: 0, size: 6, leafHashes: leaves) }
        #expect(throws: AuditError.self) { try MerkleTree.consistencyProof(from: 0, to: 3, leafHashes: leaves) }
        #expect(throws: AuditError.self) { try MerkleTree.consistencyProof(from: 4, to: 3, leafHashes: leaves) }
        #expect(throws: AuditError.self) { try MerkleTree.consistencyProof(from: 1, to: 6, leafHashes: leaves) }
        #expect(try MerkleTree.consistencyProof(from: 3, to: 3, leafHashes: leaves).isEmpty)
    }

    @Test func everyProofInSmallTreesVerifies() throws {
        // Exhaustive for sizes 1...33: crosses several powers of two.
        let all = sampleLeafHashes(33)
        for size in 1...all.count {
            let leaves = Array(all.prefix(size))
            let root = MerkleTree.rootHash(leafHashes: leaves)
            for i in 0..<size {
                let proof = try MerkleTree.inclusionProof(index: UInt64(i), size: UInt64(size), leafHashes: leaves)
                #expect(MerkleTree.verifyInclusion(index: UInt64(i), size: UInt64(size), leafHash: leaves[i], proof: proof, root: root))
                #expect(!MerkleTree.verifyInclusion(index: UInt64(i), size: UInt64(size), leafHash: all[(i + 1) % all.count],
                                                    proof: proof, root: root))
            }
            for m in 1...size {
                let proof = try MerkleTree.consistencyProof(from: UInt64(m), to: UInt64(size), leafHashes: leaves)
                let root1 = MerkleTree.rootHash(leafHashes: Array(leaves.prefix(m)))
                #expect(MerkleTree.verifyConsistency(size1: UInt64(m), size2: UInt64(size), root1: root1, root2: root, proof: proof))
            }
        }
    }

    @Test func inclusionProofsVerifyAndFlippedProofsFail() async {
        await propertyCheck(input: Gen.int(in: 1...300), Gen.int(in: 0...299), Gen.int(in: 0...10_000)) { size, rawIndex, flip in
            let leaves = sampleLeafHashes(size, salt: UInt64(flip))
            let index = rawIndex % size
            let root = MerkleTree.rootHash(leafHashes: leaves)
            let proof = try MerkleTree.inclusionProof(index: UInt64(index), size: UInt64(size), leafHashes: leaves)
            #expect(MerkleTree.verifyInclusion(index: UInt64(index), size: UInt64(size), leafHash: leaves[index], proof: proof, root: root))
            // The same proof at the neighbouring index flips the first
            // left/right choice, so it must fail. (A wrong *size* can share the
            // path shape and still give the root: sizes are bound by checkpoints.)
            if index ^ 1 < size {
                #expect(!MerkleTree.verifyInclusion(index: UInt64(index ^ 1), size: UInt64(size), leafHash: leaves[index], proof: proof, root: root))
            }
            guard !proof.isEmpty else { return }
            var bad = proof
            let e = flip % bad.count, bit = (flip / bad.count) % 256
            bad[e][bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(!MerkleTree.verifyInclusion(index: UInt64(index), size: UInt64(size), leafHash: leaves[index], proof: bad, root: root))
            #expect(!MerkleTree.verifyInclusion(index: UInt64(index), size: UInt64(size), leafHash: leaves[index],
                                                proof: Array(proof.dropLast()), root: root))
            #expect(!MerkleTree.verifyInclusion(index: UInt64(index), size: UInt64(size), leafHash: leaves[index],
                                                proof: proof + [root], root: root))
        }
    }

    @Test func consistencyProofsVerifyAndFlippedProofsFail() async {
        await propertyCheck(input: Gen.int(in: 2...300), Gen.int(in: 1...300), Gen.int(in: 0...10_000)) { size2, rawSize1, flip in
            let leaves = sampleLeafHashes(size2, salt: UInt64(flip))
            let size1 = (rawSize1 - 1) % (size2 - 1) + 1 // 1 ..< size2
            let root1 = MerkleTree.rootHash(leafHashes: Array(leaves.prefix(size1)))
            let root2 = MerkleTree.rootHash(leafHashes: leaves)
            let proof = try MerkleTree.consistencyProof(from: UInt64(size1), to: UInt64(size2), leafHashes: leaves)
            #expect(MerkleTree.verifyConsistency(size1: UInt64(size1), size2: UInt64(size2), root1: root1, root2: root2, proof: proof))
            var bad = proof
            let e = flip % bad.count, bit = (flip / bad.count) % 256
            bad[e][bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(!MerkleTree.verifyConsistency(size1: UInt64(size1), size2: UInt64(size2), root1: root1, root2: root2, proof: bad))
            #expect(!MerkleTree.verifyConsistency(size1: UInt64(size1), size2: UInt64(size2), root1: root2, root2: root1, proof: proof))
            // A rewritten history (one old leaf changed) is not consistent.
            var forked = leaves
            forked[flip % size1] = MerkleTree.leafHash([0xFF])
            let forkedRoot = MerkleTree.rootHash(leafHashes: forked)
            #expect(!MerkleTree.verifyConsistency(size1: UInt64(size1), size2: UInt64(size2), root1: root1, root2: forkedRoot, proof: proof))
        }
    }

    @Test func accumulatorRootEqualsRootHashAtEverySize() async {
        await propertyCheck(input: Gen.int(in: 0...600)) { n in
            let leaves = sampleLeafHashes(n, salt: UInt64(n))
            var acc = MerkleAccumulator()
            #expect(acc.root == MerkleTree.emptyRoot)
            for (i, leaf) in leaves.enumerated() {
                try acc.append(leafHash: leaf)
                if i % 37 == 0 || i == n - 1 {
                    #expect(acc.root == MerkleTree.rootHash(leafHashes: Array(leaves.prefix(i + 1))))
                }
            }
            #expect(acc.size == UInt64(n))
            #expect(acc.subtreeRoots.count == n.nonzeroBitCount) // O(log n) memory
            // Resuming from the saved state continues the same tree.
            var resumed = try MerkleAccumulator(size: acc.size, subtreeRoots: acc.subtreeRoots)
            try resumed.append(leafHash: MerkleTree.leafHash([7]))
            try acc.append(leafHash: MerkleTree.leafHash([7]))
            #expect(resumed == acc)
        }
    }

    @Test func accumulatorRejectsBadState() throws {
        var acc = MerkleAccumulator()
        #expect(throws: AuditError.self) { try acc.append(leafHash: [1, 2, 3]) }
        #expect(acc.size == 0)
        #expect(throws: AuditError.self) { try MerkleAccumulator(size: 3, subtreeRoots: [MerkleTree.emptyRoot]) }
        #expect(throws: AuditError.self) { try MerkleAccumulator(size: 1, subtreeRoots: [[0]]) }
    }
}
