import Foundation
import SafehouseCrypto
@testable import SafehouseVault
import Testing

/// k-of-n recovery: GF(2^8) arithmetic, Shamir split/combine, the printable share
/// format, and rebuilding an identity (Docs/RECOVERY.md).
@Suite struct RecoveryTests {
    // MARK: - Helpers

    /// A fresh member in memory (no key file, no Argon2).
    static func makeIdentity(name: String = "Alice Officer", role: Role = .officer) throws -> (Identity, MemberCard) {
        let seed = try SecureBytes.random(count: Signature.seedBytes)
        let (spk, ssk) = try Signature.keyPair(seed: seed)
        let (bpk, bsk) = try SealedBox.keyPair()
        let card = try MemberCard.make(name: name, role: role, signKey: spk, boxKey: bpk, signSecret: ssk)
        return (Identity(signPublicKey: spk, signSecretKey: ssk, boxPublicKey: bpk, boxSecretKey: bsk, seed: seed, card: card), card)
    }

    static func bytes(_ s: SecureBytes) -> [UInt8] { s.withUnsafeBytes { [UInt8]($0) } }

    static func secret(_ b: [UInt8]) throws -> SecureBytes { try b.withUnsafeBytes { try SecureBytes(copying: $0) } }

    static func text(_ share: RecoveryShare) -> [UInt8] { share.withText { $0 } }

    /// Every k-element subset of 0..<n.
    static func subsets(_ n: Int, _ k: Int) -> [[Int]] {
        if k == 0 { return [[]] }
        if n < k { return [] }
        return subsets(n - 1, k) + subsets(n - 1, k - 1).map { $0 + [n - 1] }
    }

    /// Expects a `VaultError` and returns it.
    static func error(_ body: () throws -> Void) -> VaultError? {
        do { try body(); return nil } catch let e as VaultError { return e } catch { return nil }
    }

    // MARK: - GF(2^8)

    /// Textbook multiplication with branches (reference only).
    static func slowMul(_ a: UInt8, _ b: UInt8) -> UInt8 {
        var a = UInt16(a), b = b, p: UInt16 = 0
        while b != 0 {
            if b & 1 == 1 { p ^= a }
            a <<= 1
            if a & 0x100 != 0 { a ^= 0x11b }
            b >>= 1
        }
        return UInt8(p)
    }

    @Test func multiplicationMatchesReferenceForAllPairs() {
        var mismatches = 0
        for a in 0...255 { for b in 0...255 where GF256.mul(UInt8(a), UInt8(b)) != Self.slowMul(UInt8(a), UInt8(b)) { mismatches += 1 } }
        #expect(mismatches == 0)
        // FIPS-197 §4.2 examples.
        #expect(GF256.mul(0x57, 0x83) == 0xc1)
        #expect(GF256.mul(0x57, 0x13) == 0xfe)
    }

    @Test func inverseIsTheUniqueInverseForEveryNonZeroElement() {
        #expect(GF256.inverse(0) == 0)
        for a in 1...255 {
            let inv = GF256.inverse(UInt8(a))
            #expect(GF256.mul(UInt8(a), inv) == 1, "a·a⁻¹ ≠ 1 for a = \(a)")
            let bruteForce = (1...255).first { Self.slowMul(UInt8(a), UInt8($0)) == 1 }
            #expect(Int(inv) == bruteForce, "inverse of \(a)")
        }
        #expect(GF256.inverse(0x53) == 0xca) // FIPS-197 §4.2.1
    }

    // MARK: - Shamir

    @Test(arguments: [(2, 2), (2, 3), (3, 5), (5, 5), (4, 10), (2, 255), (255, 255)])
    func anyThresholdSharesRestoreTheSecret(threshold: Int, count: Int) throws {
        let original = try SecureBytes.random(count: 64)
        let shares = try Shamir.split(original, threshold: threshold, count: count)
        #expect(shares.map(\.index) == (1...count).map { UInt8($0) })
        // all shares, the first k, the last k, and a random k
        var picks: [[Int]] = [Array(0..<count), Array(0..<threshold), Array((count - threshold)..<count)]
        picks.append(Array(Array(0..<count).shuffled().prefix(threshold)))
        for pick in picks {
            let restored = try Shamir.combine(pick.map { shares[$0] })
            #expect(restored == original, "shares \(pick.map { $0 + 1 }) of \(count) did not restore the secret")
        }
    }

    @Test func everySubsetOfASmallSplitRestoresAndNoSmallerOneDoes() throws {
        let original = try SecureBytes.random(count: 64)
        let shares = try Shamir.split(original, threshold: 3, count: 5)
        for k in 3...5 {
            for pick in Self.subsets(5, k) {
                #expect(try Shamir.combine(pick.map { shares[$0] }) == original, "subset \(pick)")
            }
        }
        for k in 1...2 {
            for pick in Self.subsets(5, k) {
                #expect(try Shamir.combine(pick.map { shares[$0] }) != original, "subset \(pick) of size \(k) reconstructed the secret")
            }
        }
    }

    /// K−1 shares leave every secret possible: fixing them, each of the 256 values
    /// of a K-th share's byte leads to a different secret byte — all 256 occur.
    @Test(arguments: [(2, 3), (3, 5), (5, 5)])
    func thresholdMinusOneSharesLeaveEverySecretPossible(threshold: Int, count: Int) throws {
        let shares = try Shamir.split(try SecureBytes.random(count: 1), threshold: threshold, count: count)
        let known = Array(shares.prefix(threshold - 1))
        var reachable = Set<UInt8>()
        for guess in 0...255 {
            let forged = Shamir.Share(index: shares[threshold - 1].index, value: try Self.secret([UInt8(guess)]))
            reachable.insert(Self.bytes(try Shamir.combine(known + [forged]))[0])
        }
        #expect(reachable.count == 256)
    }

    @Test func sharesOfTheSameSecretDifferBetweenSplits() throws {
        let original = try SecureBytes(count: 64) // all zero: shares must still look random
        let a = try Shamir.split(original, threshold: 2, count: 3)
        let b = try Shamir.split(original, threshold: 2, count: 3)
        #expect(a[0].value != b[0].value)
        #expect(a[0].value != original)
    }

    // MARK: - Identity split and combine

    @Test(arguments: [(2, 2), (2, 3), (3, 5), (5, 5)])
    func combineRebuildsTheIdentityAndItsCard(threshold: Int, count: Int) throws {
        let (me, card) = try Self.makeIdentity()
        let shares = try KeyRecovery.split(me, card: card, threshold: threshold, count: count)
        #expect(shares.count == count)
        #expect(Set(shares.map { $0.setID }).count == 1)
        for pick in Self.subsets(count, threshold) {
            let back = try KeyRecovery.combine(pick.map { shares[$0] })
            #expect(back.fingerprint == me.fingerprint)
            #expect(back.card == card, "the rebuilt card must equal the original (deterministic self-signature)")
            #expect(try back.exportSecretForRecovery() == (try me.exportSecretForRecovery()))
        }
    }

    @Test func fewerThanThresholdSharesAreRefused() throws {
        let (me, card) = try Self.makeIdentity()
        let shares = try KeyRecovery.split(me, card: card, threshold: 3, count: 5)
        let e = Self.error { _ = try KeyRecovery.combine([shares[0], shares[4]]) }
        #expect(e?.exitCode == 64)
        #expect(e?.message.contains("needs 3 of its 5 shares") == true)
        #expect(Self.error { _ = try KeyRecovery.combine([]) }?.exitCode == 64)
    }

    /// Shares whose threshold was lowered (a forgery the checksum cannot stop) do not
    /// rebuild the key, and the fingerprint check says so instead of writing a wrong key.
    @Test func aWrongReconstructionIsCaughtByTheFingerprint() throws {
        let (me, card) = try Self.makeIdentity()
        let shares = try KeyRecovery.split(me, card: card, threshold: 3, count: 5)
        let lowered = shares.prefix(2).map {
            RecoveryShare(memberName: $0.memberName, role: $0.role, fingerprint: $0.fingerprint, setID: $0.setID,
                          threshold: 2, index: $0.index, total: $0.total, value: $0.value)
        }
        let e = Self.error { _ = try KeyRecovery.combine(lowered) }
        #expect(e?.exitCode == 65)
        #expect(e?.message.contains("rebuild a different key") == true)
    }

    @Test func sharesOfDifferentSplitsAreRefused() throws {
        let (me, card) = try Self.makeIdentity()
        let a = try KeyRecovery.split(me, card: card, threshold: 2, count: 3)
        let b = try KeyRecovery.split(me, card: card, threshold: 2, count: 3)
        let e = Self.error { _ = try KeyRecovery.combine([a[0], b[1]]) }
        #expect(e?.exitCode == 65)
        #expect(e?.message.contains("different split") == true)
        let (other, otherCard) = try Self.makeIdentity(name: "Bob")
        let c = try KeyRecovery.split(other, card: otherCard, threshold: 2, count: 3)
        #expect(Self.error { _ = try KeyRecovery.combine([a[0], c[1]]) }?.exitCode == 65)
    }

    @Test func duplicateIndicesAreRefused() throws {
        let (me, card) = try Self.makeIdentity()
        let s = try KeyRecovery.split(me, card: card, threshold: 2, count: 3)
        let same = Self.error { _ = try KeyRecovery.combine([s[0], s[0]]) }
        #expect(same?.exitCode == 64)
        let conflicting = RecoveryShare(memberName: s[1].memberName, role: s[1].role, fingerprint: s[1].fingerprint, setID: s[1].setID,
                                        threshold: 2, index: 1, total: 3, value: s[1].value)
        #expect(Self.error { _ = try KeyRecovery.combine([s[0], conflicting, s[2]]) }?.exitCode == 65)
    }

    @Test(arguments: [(1, 3), (0, 0), (4, 3), (2, 256)])
    func invalidParametersAreUsageErrors(threshold: Int, count: Int) throws {
        let (me, card) = try Self.makeIdentity()
        #expect(Self.error { _ = try KeyRecovery.split(me, card: card, threshold: threshold, count: count) }?.exitCode == 64)
    }

    @Test func splitRefusesAnotherMembersCard() throws {
        let (me, _) = try Self.makeIdentity()
        let (_, otherCard) = try Self.makeIdentity(name: "Bob")
        #expect(Self.error { _ = try KeyRecovery.split(me, card: otherCard, threshold: 2, count: 2) }?.exitCode == 64)
    }

    // MARK: - Share text

    /// Pinned against Python's hashlib.blake2b and base64.b32encode (an independent
    /// implementation): see Docs/RECOVERY.md, "Share format".
    @Test func shareTextMatchesTheIndependentVector() throws {
        let share = RecoveryShare(memberName: "Alice Officer", role: .officer, fingerprint: Fingerprint(raw: Array(0..<20))!,
                                  setID: [UInt8](repeating: 0xaa, count: 16), threshold: 3, index: 2, total: 5,
                                  value: try Self.secret((0..<64).map { UInt8(($0 * 3) % 256) }))
        let expected = """
            safehouse-recovery-share v1
            member: Alice Officer
            role: officer
            fingerprint: aaaq-eaye-auda-ocaj-bifq-ydio-b4ib-ceqt
            set: vkvk-vkvk-vkvk-vkvk-vkvk-vkvk-vi
            threshold: 3
            share: 2 of 5
            data: aabq mcim b4jb kga3 dyqs ijzk fuyd gnrz
            data: hq7u erki jnhf cvcx ljow ay3g nfwg 64tv
            data: pb5x 5ame q6fi 3eet s2mz zh5c uwuk xlvr
            data: ws33 vpi
            checksum: w6du-q4xn-sq7z-q

            """
        let text = String(decoding: Self.text(share), as: UTF8.self)
        #expect(text.hasPrefix(expected))
        // Comment lines follow; they are ignored on reading.
        #expect(text.dropFirst(expected.count).split(separator: "\n").allSatisfy { $0.hasPrefix("# ") })
        let parsed = try RecoveryShare.parse(Array(expected.utf8), object: "vector")
        #expect(parsed.value == share.value)
    }

    @Test func shareTextRoundTripsCanonically() throws {
        let (me, card) = try Self.makeIdentity(name: "Ji-woo 박")
        for share in try KeyRecovery.split(me, card: card, threshold: 3, count: 5) {
            let text = Self.text(share)
            let back = try RecoveryShare.parse(text, object: "s")
            #expect(back.memberName == share.memberName && back.role == share.role && back.fingerprint == share.fingerprint)
            #expect(back.setID == share.setID && back.threshold == 3 && back.index == share.index && back.total == 5)
            #expect(back.value == share.value)
            #expect(Self.text(back) == text)
        }
    }

    /// What typing a share back adds — upper case, extra spaces, CRLF, blank lines — still reads.
    @Test func typedBackSharesAreRead() throws {
        let (me, card) = try Self.makeIdentity()
        let share = try KeyRecovery.split(me, card: card, threshold: 2, count: 2)[0]
        let text = String(decoding: Self.text(share), as: UTF8.self)
        let typed = text.split(separator: "\n").map { line -> String in
            if line.hasPrefix("data:") || line.hasPrefix("set:") || line.hasPrefix("checksum:") || line.hasPrefix("fingerprint:") {
                return "  " + line.uppercased().replacingOccurrences(of: " ", with: "  ") + " "
            }
            return String(line)
        }.joined(separator: "\r\n\r\n")
        let back = try RecoveryShare.parse(Array(typed.utf8), object: "typed")
        #expect(back.value == share.value)
    }

    /// Any single character changed in the data, or in any field, is detected before combining.
    @Test func aChangedCharacterAnywhereIsDetected() throws {
        let (me, card) = try Self.makeIdentity()
        let share = try KeyRecovery.split(me, card: card, threshold: 2, count: 3)[1]
        let text = Self.text(share)
        var lineStart = 0
        var checked = 0
        for (i, c) in text.enumerated() {
            if c == 10 { lineStart = i + 1; continue }
            let line = text[lineStart...].prefix { $0 != 10 }
            if line.first == UInt8(ascii: "#") { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), i > colon + 1, c != 32, c != UInt8(ascii: "-") else { continue }
            let label = String(decoding: text[lineStart..<colon], as: UTF8.self)
            // a different character of the same kind: another base32 digit / letter / number
            var changed = text
            changed[i] = c == UInt8(ascii: "a") ? UInt8(ascii: "b") : (c == UInt8(ascii: "2") ? UInt8(ascii: "3") : c &- 1)
            let e = Self.error { _ = try RecoveryShare.parse(changed, object: "share-2-of-3.txt") }
            #expect(e?.exitCode == 65, "a change in the \(label) line at byte \(i) went unnoticed")
            if label == "data" || label == "checksum" {
                #expect(e?.message == "share-2-of-3.txt: checksum mismatch: bad or tampered data")
            }
            checked += 1
        }
        #expect(checked > 130)
    }

    @Test func truncatedOrGarbledSharesAreRefused() throws {
        let (me, card) = try Self.makeIdentity()
        let share = try KeyRecovery.split(me, card: card, threshold: 2, count: 2)[0]
        let lines = String(decoding: Self.text(share), as: UTF8.self).split(separator: "\n").map(String.init)
        for drop in 0..<lines.count where !lines[drop].hasPrefix("#") {
            var l = lines; l.remove(at: drop)
            #expect(Self.error { _ = try RecoveryShare.parse(Array(l.joined(separator: "\n").utf8), object: "s") }?.exitCode == 65,
                    "dropping line \(drop) went unnoticed")
        }
        for garbage in ["", "hello", "safehouse-card v1\n", "safehouse-recovery-share v2\n"] {
            #expect(Self.error { _ = try RecoveryShare.parse(Array(garbage.utf8), object: "s") }?.exitCode == 65)
        }
    }

    // MARK: - Secrets stay out of text

    @Test func descriptionsAndErrorsNeverShowShareBytes() throws {
        let (me, card) = try Self.makeIdentity()
        let shares = try KeyRecovery.split(me, card: card, threshold: 2, count: 3)
        let text = String(decoding: Self.text(shares[0]), as: UTF8.self)
        let dataDigits = text.split(separator: "\n").filter { $0.hasPrefix("data:") }
            .flatMap { $0.dropFirst(5).split(separator: " ") }
        let hex = Self.bytes(shares[0].value).map { String(format: "%02x", $0) }.joined()
        var corrupted = Array(text.utf8)
        corrupted[corrupted.firstIndex(of: UInt8(ascii: "d"))! + 7] ^= 1
        let messages = [shares[0].description, "\(shares[0])", String(reflecting: shares[0]),
                        Shamir.Share(index: 1, value: shares[0].value).description,
                        Self.error { _ = try RecoveryShare.parse(corrupted, object: "s") }.map { "\($0.message) \($0.hint ?? "")" } ?? ""]
        for m in messages {
            #expect(!dataDigits.contains { m.lowercased().contains($0) }, "share digits in: \(m)")
            #expect(!m.contains(hex.prefix(16)))
        }
        #expect(shares[0].description.contains("redacted"))
    }

    // MARK: - Files

    @Test func writeSharesIsAllOrNothingWithPrivateModes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("recovery-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (me, card) = try Self.makeIdentity()
        let shares = try KeyRecovery.split(me, card: card, threshold: 3, count: 5)
        let paths = try KeyRecovery.writeShares(shares, to: dir, overwrite: false)
        #expect(paths == (1...5).map { "\(dir)/share-\($0)-of-5.txt" })
        for p in paths {
            let mode = (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? NSNumber)?.intValue
            #expect(mode == 0o600)
        }
        let read = try paths.map { try KeyRecovery.readShare(path: $0) }
        #expect(try KeyRecovery.combine([read[1], read[3], read[4]]).fingerprint == me.fingerprint)

        // A second split into a folder holding one of its names writes nothing.
        let other = dir + "/again"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: other + "/share-4-of-5.txt", contents: Data("keep".utf8))
        let again = try KeyRecovery.split(me, card: card, threshold: 3, count: 5)
        #expect(Self.error { try KeyRecovery.writeShares(again, to: other, overwrite: false) }?.exitCode == 73)
        #expect(try FileManager.default.contentsOfDirectory(atPath: other) == ["share-4-of-5.txt"])
        #expect(FileManager.default.contents(atPath: other + "/share-4-of-5.txt") == Data("keep".utf8))
        try KeyRecovery.writeShares(again, to: other, overwrite: true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: other).count == 5)
    }
}
