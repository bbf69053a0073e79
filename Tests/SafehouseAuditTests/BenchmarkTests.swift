import Foundation
import SafehouseCrypto
import Testing
@testable import SafehouseAudit

/// The numbers for Docs/PERFORMANCE.md. Skipped unless SAFEHOUSE_BENCH=1; run in release:
///
///     SAFEHOUSE_BENCH=1 swift test -c release --filter AuditBenchmark
///
/// SAFEHOUSE_BENCH_N overrides the entry count (default 1,000,000).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SAFEHOUSE_BENCH"] == "1"), .serialized)
struct AuditBenchmark {
    static var count: Int { Int(ProcessInfo.processInfo.environment["SAFEHOUSE_BENCH_N"] ?? "") ?? 1_000_000 }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    @Test func appendAndVerifyOneMillionEntries() throws {
        let n = Self.count
        let member = try TestKey(actor: "fp-7Q2F-9XKD-33MA")
        let trusted: (String, [UInt8]) -> Bool = { $0 == member.actor && $1 == member.publicKey }

        // Append: build the entry, sign it, hash it into the chain. What is kept
        // is what a store would keep: canonical bytes and signature.
        var canonical = [UInt8](), offsets = [Int](), signatures = [UInt8]()
        canonical.reserveCapacity(n * 260)
        offsets.reserveCapacity(n + 1)
        signatures.reserveCapacity(n * 64)
        offsets.append(0)
        var chain = AuditChain(origin: "safehouse.vault/bench")
        let appendTime = try Self.seconds {
            for i in 0..<n {
                let entry = try chain.nextEntry(time: 1_700_000_000 + Int64(i / 10), actor: member.actor, action: i % 3 == 0 ? "open" : "seal",
                                                objects: ["r-\(i)", "W-7Q2F"], outcome: i % 50 == 0 ? .refused : .ok,
                                                reason: i % 50 == 0 ? "not-a-recipient" : nil)
                let signed = try chain.appendSigning(entry, secretKey: member.secretKey, publicKey: member.publicKey)
                canonical += signed.canonicalBytes
                offsets.append(canonical.count)
                signatures += signed.signature
            }
        }
        let root = chain.root

        // Verify: parse each stored entry and run the full chain check (as `audit verify`).
        let stored = (0..<n).lazy.map { i -> SignedAuditEntry in
            let bytes = Array(canonical[offsets[i]..<offsets[i + 1]])
            let entry = try! AuditEntry.parse(canonical: bytes)
            return SignedAuditEntry(entry: entry, signerKey: member.publicKey, signature: Array(signatures[i * 64..<(i + 1) * 64]))
        }
        var verdict = AuditVerification.broken(firstBadSeq: 0, reason: "not run")
        let verifyTime = Self.seconds { verdict = AuditChain.verify(stored, trusted: trusted) }
        #expect(verdict == .intact(size: UInt64(n), root: root))

        // Parse + leaf hash only: the non-signature part of verification.
        var acc = MerkleAccumulator()
        let hashTime = try Self.seconds {
            for i in 0..<n {
                let bytes = Array(canonical[offsets[i]..<offsets[i + 1]])
                _ = try AuditEntry.parse(canonical: bytes)
                try acc.append(leafHash: MerkleTree.leafHash(bytes + signatures[i * 64..<(i + 1) * 64]))
            }
        }
        #expect(acc.root == root)

        // libsodium's raw Ed25519 verify on a message of the same size: the physical limit.
        let message = Array(canonical[offsets[n / 2]..<offsets[n / 2 + 1]])
        let sig = try Signature.sign(message, secretKey: member.secretKey)
        let rawN = min(n, 200_000)
        var ok = 0
        let rawTime = Self.seconds {
            for _ in 0..<rawN where Signature.verify(sig, message: message, publicKey: member.publicKey) { ok += 1 }
        }
        #expect(ok == rawN)
        let rawSignTime = try Self.seconds {
            for _ in 0..<rawN { _ = try Signature.sign(message, secretKey: member.secretKey) }
        }

        let report = """
        SafehouseAudit benchmark (\(n) entries, avg canonical \(canonical.count / n) B, one core)
          append (entry + sign + leaf hash + accumulator): \(String(format: "%.2f", appendTime)) s, \(Int(Double(n) / appendTime)) entries/s
          AuditChain.verify (parse + Ed25519 verify + chain + Merkle root): \(String(format: "%.2f", verifyTime)) s, \(Int(Double(n) / verifyTime)) entries/s
          parse + leaf hash + accumulator only: \(String(format: "%.2f", hashTime)) s, \(Int(Double(n) / hashTime)) entries/s
          raw libsodium Ed25519 verify (\(message.count) B message): \(Int(Double(rawN) / rawTime)) /s
          raw libsodium Ed25519 sign (\(message.count) B message): \(Int(Double(rawN) / rawSignTime)) /s
        """
        print(report)
    }
}
