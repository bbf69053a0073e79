import Foundation
import Testing
@testable import SafehouseAudit

/// The RFC 6962 vectors of transparency-dev/merkle (testdata/, commit 417fb0c;
/// Apache-2.0, LICENSE beside them), copied into Resources/merkle.
@Suite struct MerkleVectorTests {
    /// One vector file; inclusion files use leafIdx/treeSize/leafHash/root,
    /// consistency files size1/size2/root1/root2.
    struct Vector: Codable, CustomTestStringConvertible, Sendable {
        var path = ""
        let leafIdx: UInt64?, treeSize: UInt64?, leafHash: String?, root: String?
        let size1: UInt64?, size2: UInt64?, root1: String?, root2: String?
        let proof: [String]?
        let desc: String
        let wantErr: Bool

        var testDescription: String { path }
        var proofBytes: [[UInt8]] { (proof ?? []).map(Self.decode) }
        static func decode(_ s: String?) -> [UInt8] { [UInt8](Data(base64Encoded: s ?? "") ?? Data()) }

        enum CodingKeys: String, CodingKey {
            case leafIdx, treeSize, leafHash, root, size1, size2, root1, root2, proof, desc, wantErr
        }
    }

    static func load(_ folder: String) -> [Vector] {
        let root = resourcesURL.appendingPathComponent("merkle").appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var out: [Vector] = []
        for case let url as URL in walker where url.pathExtension == "json" {
            guard let data = try? Data(contentsOf: url), var v = try? JSONDecoder().decode(Vector.self, from: data) else { continue }
            v.path = folder + "/" + url.path.replacingOccurrences(of: root.path + "/", with: "")
            out.append(v)
        }
        return out.sorted { $0.path < $1.path }
    }

    static let inclusion = load("inclusion")
    static let consistency = load("consistency")

    @Test func vectorsArePresent() {
        // 196 files in the two folders; a broken path must not pass as "zero vectors, zero failures".
        #expect(Self.inclusion.count + Self.consistency.count == 196)
        #expect(Self.inclusion.contains { !$0.wantErr })
        #expect(Self.consistency.contains { !$0.wantErr })
    }

    @Test(arguments: inclusion)
    func inclusionVector(_ v: Vector) {
        let ok = MerkleTree.verifyInclusion(index: v.leafIdx ?? 0, size: v.treeSize ?? 0, leafHash: Vector.decode(v.leafHash),
                                            proof: v.proofBytes, root: Vector.decode(v.root))
        #expect(ok == !v.wantErr, "\(v.path): \(v.desc)")
    }

    @Test(arguments: consistency)
    func consistencyVector(_ v: Vector) {
        let ok = MerkleTree.verifyConsistency(size1: v.size1 ?? 0, size2: v.size2 ?? 0, root1: Vector.decode(v.root1),
                                              root2: Vector.decode(v.root2), proof: v.proofBytes)
        #expect(ok == !v.wantErr, "\(v.path): \(v.desc)")
    }

    /// Our own proof generator must reproduce the happy-path proofs exactly,
    /// given the leaves the vectors were built from (transparency-dev's
    /// inclusion/consistency happy paths use the 8 leaves of RFC 6962's test tree).
    @Test func generatedProofsMatchHappyPathVectors() throws {
        let leaves: [[UInt8]] = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
            .map { hex in MerkleTree.leafHash(Hex.decode(Array(hex.utf8))!) }
        var checked = 0
        for v in Self.inclusion where !v.wantErr && v.path.hasSuffix("happy-path.json") {
            let size = v.treeSize ?? 0, index = v.leafIdx ?? 0
            guard size <= 8, index < 8, Vector.decode(v.leafHash) == leaves[Int(index)] else { continue }
            #expect(try MerkleTree.inclusionProof(index: index, size: size, leafHashes: leaves) == v.proofBytes, "\(v.path)")
            #expect(MerkleTree.rootHash(leafHashes: Array(leaves.prefix(Int(size)))) == Vector.decode(v.root))
            checked += 1
        }
        for v in Self.consistency where !v.wantErr && v.path.hasSuffix("happy-path.json") {
            let s1 = v.size1 ?? 0, s2 = v.size2 ?? 0
            guard s1 > 0, s2 <= 8, MerkleTree.rootHash(leafHashes: Array(leaves.prefix(Int(s2)))) == Vector.decode(v.root2) else { continue }
            #expect(try MerkleTree.consistencyProof(from: s1, to: s2, leafHashes: leaves) == v.proofBytes, "\(v.path)")
            checked += 1
        }
        #expect(checked >= 4)
    }

    // MARK: - The witness's path (`safehouse-server`'s add-checkpoint decides through it)

    /// Each consistency vector as an add-checkpoint request: the witness holds
    /// (size1, root1), a checkpoint of (size2, root2) arrives with the proof.
    /// It must be cosigned exactly when the vector holds; a failing vector must
    /// never be accepted, whatever the refusal.
    @Test(arguments: consistency)
    func witnessDecidesLikeTheVector(_ v: Vector) throws {
        // Built directly (the vectors' "don't care" roots are not 32 bytes, which `parse` would refuse).
        let cp = Checkpoint(origin: "safehouse.vault/test", size: v.size2 ?? 0, root: Vector.decode(v.root2), signatures: [])
        let request = WitnessRequest(oldSize: v.size1 ?? 0, proof: v.proofBytes, checkpoint: cp)
        let decision = WitnessDecision.decide(request, stored: (v.size1 ?? 0, Vector.decode(v.root1)))
        #expect((decision == .accept) == !v.wantErr, "\(v.path): \(v.desc) -> \(decision)")
        #expect(WitnessDecision.verifyConsistency(request, storedRoot: Vector.decode(v.root1)) == !v.wantErr, "\(v.path)")
    }

    /// The request body round-trips and a proof that was flipped by one bit is a 422, not a cosignature.
    @Test func witnessRequestRoundTripsAndRefusesAFlippedProof() throws {
        let happy = try #require(Self.consistency.first { !$0.wantErr && ($0.size1 ?? 0) > 0 && ($0.size1 ?? 0) < ($0.size2 ?? 0) })
        let cp = Checkpoint(origin: "safehouse.vault/test", size: happy.size2!, root: Vector.decode(happy.root2), signatures: [
            .init(keyName: "k", keyHash: [1, 2, 3, 4], signature: [UInt8](repeating: 9, count: 64))])
        let request = WitnessRequest(oldSize: happy.size1!, proof: happy.proofBytes, checkpoint: cp)
        let parsed = try WitnessRequest.parse(Array(request.text.utf8))
        #expect(parsed == request)
        #expect(WitnessDecision.decide(parsed, stored: (happy.size1!, Vector.decode(happy.root1))) == .accept)
        var flipped = happy.proofBytes
        flipped[0][0] ^= 1
        let bad = WitnessRequest(oldSize: happy.size1!, proof: flipped, checkpoint: cp)
        #expect(WitnessDecision.decide(bad, stored: (happy.size1!, Vector.decode(happy.root1))) == .badProof)
        // Stale old size, rollback and fork are 409s carrying the stored size.
        #expect(WitnessDecision.decide(request, stored: (happy.size1! + 1, Vector.decode(happy.root1))) == .staleOld(storedSize: happy.size1! + 1))
        let same = WitnessRequest(oldSize: happy.size2!, proof: [], checkpoint: cp)
        #expect(WitnessDecision.decide(same, stored: (happy.size2!, [UInt8](repeating: 0, count: 32))) == .fork(storedSize: happy.size2!))
        #expect(WitnessDecision.decide(same, stored: (happy.size2!, Vector.decode(happy.root2))) == .accept)
        let older = WitnessRequest(oldSize: happy.size2! + 3, proof: [], checkpoint: cp)
        #expect(WitnessDecision.decide(older, stored: (happy.size2! + 3, Vector.decode(happy.root2))) == .staleOld(storedSize: happy.size2! + 3))
        // Malformed bodies are refused, not guessed at.
        for text in ["old 01\n\n" + cp.text, "old 1\nnot-base64\n\n" + cp.text, "old 1\n" + cp.text, "olde 1\n\n" + cp.text] {
            #expect(throws: AuditError.self, "\(text.prefix(20))") { try WitnessRequest.parse(Array(text.utf8)) }
        }
    }
}
