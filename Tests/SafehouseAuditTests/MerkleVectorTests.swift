import Foundation
import Testing
@testable import SafehouseAudit

/// The RFC 6962 vectors of transparency-dev/merkle (testdata/, commit 417fb0c;
/// Apache-2.0, LICENSE beside them), copied into Resources/merkle.
@Suite struct MerkleVectorTests {
    struct Vector: CustomTestStringConvertible, Sendable {
        let path: String
        let json: [String: any Sendable]
        var testDescription: String { path }
        var wantErr: Bool { json["wantErr"] as? Bool ?? false }
        var proof: [[UInt8]] { (json["proof"] as? [String] ?? []).map { decode($0) } }
        func bytes(_ key: String) -> [UInt8] { decode(json[key] as? String ?? "") }
        func number(_ key: String) -> UInt64 { (json[key] as? NSNumber)?.uint64Value ?? 0 }
        private func decode(_ s: String) -> [UInt8] { [UInt8](Data(base64Encoded: s) ?? Data()) }
    }

    static func load(_ folder: String) -> [Vector] {
        let root = resourcesURL.appendingPathComponent("merkle").appendingPathComponent(folder)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        var out: [Vector] = []
        for case let url as URL in walker where url.pathExtension == "json" {
            guard let data = try? Data(contentsOf: url),
                  let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { continue }
            let sendable = obj.compactMapValues { v -> (any Sendable)? in
                switch v {
                case let s as String: return s
                case let n as NSNumber where CFGetTypeID(n) == CFBooleanGetTypeID(): return n.boolValue
                case let n as NSNumber: return n.uint64Value
                case let a as [String]: return a
                default: return nil
                }
            }
            out.append(Vector(path: folder + "/" + url.path.replacingOccurrences(of: root.path + "/", with: ""), json: sendable))
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
        let ok = MerkleTree.verifyInclusion(index: v.number("leafIdx"), size: v.number("treeSize"),
                                            leafHash: v.bytes("leafHash"), proof: v.proof, root: v.bytes("root"))
        #expect(ok == !v.wantErr, "\(v.path): \(v.json["desc"] as? String ?? "")")
    }

    @Test(arguments: consistency)
    func consistencyVector(_ v: Vector) {
        let ok = MerkleTree.verifyConsistency(size1: v.number("size1"), size2: v.number("size2"),
                                              root1: v.bytes("root1"), root2: v.bytes("root2"), proof: v.proof)
        #expect(ok == !v.wantErr, "\(v.path): \(v.json["desc"] as? String ?? "")")
    }

    /// Our own proof generator must reproduce the happy-path proofs exactly,
    /// given the leaves the vectors were built from (transparency-dev's
    /// inclusion/consistency happy paths use the 8 leaves of RFC 6962's test tree).
    @Test func generatedProofsMatchHappyPathVectors() throws {
        let leaves: [[UInt8]] = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
            .map { hex in MerkleTree.leafHash(Hex.decode(Array(hex.utf8))!) }
        var checked = 0
        for v in Self.inclusion where !v.wantErr && v.path.hasSuffix("happy-path.json") {
            let size = v.number("treeSize"), index = v.number("leafIdx")
            guard size <= 8, v.bytes("leafHash") == leaves[Int(index)] else { continue }
            #expect(try MerkleTree.inclusionProof(index: index, size: size, leafHashes: leaves) == v.proof, "\(v.path)")
            #expect(MerkleTree.rootHash(leafHashes: Array(leaves.prefix(Int(size)))) == v.bytes("root"))
            checked += 1
        }
        for v in Self.consistency where !v.wantErr && v.path.hasSuffix("happy-path.json") {
            let s1 = v.number("size1"), s2 = v.number("size2")
            guard s1 > 0, s2 <= 8, MerkleTree.rootHash(leafHashes: Array(leaves.prefix(Int(s2)))) == v.bytes("root2") else { continue }
            #expect(try MerkleTree.consistencyProof(from: s1, to: s2, leafHashes: leaves) == v.proof, "\(v.path)")
            checked += 1
        }
        #expect(checked >= 4)
    }
}
