import Foundation
import SafehouseCrypto
@testable import SafehouseAudit

/// An Ed25519 member key for tests.
struct TestKey: @unchecked Sendable {
    let actor: String
    let publicKey: [UInt8]
    let secretKey: SecureBytes

    init(actor: String) throws {
        self.actor = actor
        (publicKey, secretKey) = try Signature.keyPair(seed: SecureBytes.random(count: Signature.seedBytes))
    }
}

/// A small signed log and everything needed to check it.
struct TestLog: @unchecked Sendable {
    static let origin = "safehouse.vault/0f3a9c"
    let keys: [TestKey]
    let entries: [SignedAuditEntry]

    var keyring: [String: [UInt8]] { Dictionary(uniqueKeysWithValues: keys.map { ($0.actor, $0.publicKey) }) }

    func trusted(_ actor: String, _ key: [UInt8]) -> Bool { keyring[actor] == key }

    /// `count` entries alternating between two members and the vault key.
    static func make(count: Int, startTime: Int64 = 1_700_000_000) throws -> TestLog {
        let keys = [try TestKey(actor: "vault"), try TestKey(actor: "fp-7Q2F-9XKD"), try TestKey(actor: "fp-AB12-CD34")]
        var chain = AuditChain(origin: origin)
        var entries: [SignedAuditEntry] = []
        let actions = ["seal", "open", "unlock", "grant"]
        for i in 0..<count {
            let key = keys[i % keys.count]
            let refused = i % 5 == 3
            let entry = try chain.nextEntry(time: startTime + Int64(i / 2), actor: key.actor, action: actions[i % actions.count],
                                            objects: ["rec-\(i)", "W-7Q2F"], outcome: refused ? .refused : .ok,
                                            reason: refused ? "not-a-recipient" : nil)
            let signed = try SignedAuditEntry.sign(entry, secretKey: key.secretKey, publicKey: key.publicKey)
            try chain.append(signed) { a, k in keys.contains { $0.actor == a && $0.publicKey == k } }
            entries.append(signed)
        }
        return TestLog(keys: keys, entries: entries)
    }

    /// Re-signs a (changed) entry with its actor's key, as an insider holding that key could.
    func resign(_ entry: AuditEntry) throws -> SignedAuditEntry {
        let key = keys.first { $0.actor == entry.actor }!
        return try SignedAuditEntry.sign(entry, secretKey: key.secretKey, publicKey: key.publicKey)
    }
}

extension AuditEntry {
    /// A copy with some fields replaced (tests only; re-validated by the initializer).
    func with(seq: UInt64? = nil, time: Int64? = nil, actor: String? = nil, action: String? = nil,
              objects: [String]? = nil, outcome: Outcome? = nil, prevHash: [UInt8]? = nil, origin: String? = nil) throws -> AuditEntry {
        try AuditEntry(seq: seq ?? self.seq, time: time ?? self.time, actor: actor ?? self.actor, action: action ?? self.action,
                       objects: objects ?? self.objects, outcome: outcome ?? self.outcome, reason: reason,
                       prevHash: prevHash ?? self.prevHash, origin: origin ?? self.origin)
    }
}

/// Folder of this test target's resources, found from this file's path (no
/// SwiftPM resource bundle needed).
let resourcesURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Resources")

/// Deterministic pseudo-random bytes for property tests that need many values
/// from one generated seed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Leaf hashes of `n` distinct leaves.
func sampleLeafHashes(_ n: Int, salt: UInt64 = 0) -> [[UInt8]] {
    (0..<n).map { i in MerkleTree.leafHash(Array("leaf \(i) \(salt)".utf8)) }
}
