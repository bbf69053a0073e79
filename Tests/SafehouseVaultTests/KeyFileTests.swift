import Foundation
import SafehouseCrypto
@testable import SafehouseVault
import Testing

@Suite("Key files")
struct KeyFileTests {
    @Test func createAndUnlockRoundTrip() throws {
        let s = try Scratch()
        defer { s.remove() }
        let path = s.file("alice")
        let card = try KeyFile.create(name: "Alice", role: .interviewer, path: path, passphrase: try testPassphrase(), cost: .interactive)
        #expect(card.name == "Alice" && card.role == .interviewer)
        let attrs = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        #expect((try FileManager.default.attributesOfItem(atPath: path + ".pub")[.posixPermissions] as? Int) == 0o644)
        #expect(try MemberCard.parse(String(decoding: try readFile(path + ".pub"), as: UTF8.self), object: "card") == card)
        let header = try KeyFile.readHeader(path: path)
        #expect(header.opsLimit == PasswordHash.Cost.interactive.opsLimit)
        #expect(header.memLimit == PasswordHash.Cost.interactive.memLimit)
        #expect(header.fingerprint == card.fingerprint)
        let me = try KeyFile.unlock(path: path, passphrase: try testPassphrase(), card: card)
        #expect(me.fingerprint == card.fingerprint)
        #expect(me.signPublicKey == card.signKey && me.boxPublicKey == card.boxKey)
        // the passphrase is not in the file, and neither are the secret keys
        let bytes = try readFile(path)
        #expect(!bytesContain(bytes, Array(testPassphraseText.utf8)))
        let secret = rawSecret(me)
        #expect(!bytesContain(bytes, Array(secret[0..<32])) && !bytesContain(bytes, Array(secret[32..<64])))
        // no overwrite without asking
        #expect(exitCode { try KeyFile.create(name: "Alice", role: .officer, path: path, passphrase: try testPassphrase(), cost: .interactive) } == 73)
        #expect(try KeyFile.readHeader(path: path).fingerprint == card.fingerprint)
    }

    @Test func wrongPassphraseIsRefusedWithoutLeaking() throws {
        let s = try Scratch()
        defer { s.remove() }
        let path = s.file("k")
        try KeyFile.create(name: "K", role: .officer, path: path, passphrase: try testPassphrase(), cost: .interactive)
        let secret = rawSecret(try KeyFile.unlock(path: path, passphrase: try testPassphrase()))
        let wrong = "wrong-PASS-MARKER-0e2a"
        let error = try #require(vaultError { _ = try KeyFile.unlock(path: path, passphrase: try testPassphrase(wrong)) })
        guard case .refused = error else { Issue.record("expected refused, got \(error)"); return }
        #expect(error.exitCode == 77)
        let texts = [error.message, error.description, error.hint ?? "", "\(error)", String(reflecting: error)]
        for t in texts {
            for needle in [wrong, testPassphraseText, "PASS-MARKER", "PHRASE-MARKER", hexString(Array(secret[0..<32])),
                           hexString(Array(secret[32..<64])), Data(secret[0..<32]).base64EncodedString()] {
                #expect(!t.contains(needle), "error text leaks a secret: \(t)")
            }
        }
        #expect(!error.message.contains("\n"), "one line")
        // also for a passphrase that is a prefix / extension of the right one
        #expect(exitCode { _ = try KeyFile.unlock(path: path, passphrase: try testPassphrase(String(testPassphraseText.dropLast()))) } == 77)
        #expect(exitCode { _ = try KeyFile.unlock(path: path, passphrase: try testPassphrase(testPassphraseText + "x")) } == 77)
    }

    /// A key file with the cheapest Argon2id cost libsodium allows, so every
    /// offset can be flipped quickly. The format is the same as any key file.
    func cheapKeyFile(_ s: Scratch) throws -> (path: String, bytes: [UInt8]) {
        let seed = try SecureBytes.random(count: Signature.seedBytes)
        let (spk, _) = try Signature.keyPair(seed: seed)
        let (bpk, bsk) = try SealedBox.keyPair()
        let bytes = try KeyFile.seal(seed: seed, boxSecret: bsk, signPK: spk, boxPK: bpk, passphrase: try testPassphrase(),
                                     opsLimit: PasswordHash.opsLimitMin, memLimit: PasswordHash.memLimitMin)
        let path = try writeFile(s, "cheap", bytes)
        #expect(try KeyFile.unlock(path: path, passphrase: try testPassphrase()).signPublicKey == spk)
        return (path, bytes)
    }

    @Test func flippingAnyByteOfAKeyFileNeverUnlocks() throws {
        let s = try Scratch()
        defer { s.remove() }
        let (_, good) = try cheapKeyFile(s)
        #expect(good.count > 150 && good.count < 300)
        // opslimit and memlimit (bytes 6..<22) only get low-bit flips: a high flip could ask for gigabytes.
        let costField = 6..<22
        let target = s.file("flipped")
        for offset in 0..<good.count {
            for mask: UInt8 in costField.contains(offset) ? [0x01] : [0x01, 0x80, 0xff] {
                var bad = good
                bad[offset] ^= mask
                try Data(bad).write(to: URL(fileURLWithPath: target))
                let code = exitCode { _ = try KeyFile.unlock(path: target, passphrase: try testPassphrase()) }
                #expect(code == 65 || code == 77, "flip at \(offset) mask \(mask) gave \(String(describing: code))")
            }
        }
    }

    @Test func truncatedOrExtendedKeyFilesAreBadData() throws {
        let s = try Scratch()
        defer { s.remove() }
        let (_, good) = try cheapKeyFile(s)
        let target = s.file("cut")
        for length in 0..<good.count {
            try Data(good[0..<length]).write(to: URL(fileURLWithPath: target))
            #expect(exitCode { _ = try KeyFile.unlock(path: target, passphrase: try testPassphrase()) } == 65, "cut at \(length)")
        }
        try Data(good + [0]).write(to: URL(fileURLWithPath: target))
        #expect(exitCode { _ = try KeyFile.unlock(path: target, passphrase: try testPassphrase()) } == 65)
        #expect(exitCode { _ = try KeyFile.unlock(path: s.file("absent"), passphrase: try testPassphrase()) } == 66)
    }

    @Test func flipsInEveryRegionOfAnInteractiveKeyFileNeverUnlock() throws {
        let s = try Scratch()
        defer { s.remove() }
        let path = s.file("real")
        try KeyFile.create(name: "Real", role: .interviewer, path: path, passphrase: try testPassphrase(), cost: .interactive)
        let good = try readFile(path)
        // magic, version, kdf alg, opslimit (low byte), memlimit (bits 24–31: 64 → 80 MiB), salt, nonce,
        // sign-pk, box-pk, ciphertext length, ciphertext, tag
        let offsets = [0, 3, 4, 5, 13, 18, 22, 37, 38, 61, 62, 93, 94, 125, 129, 130, 170, good.count - 1]
        let target = s.file("flipped")
        for offset in offsets {
            var bad = good
            bad[offset] ^= 0x01
            try Data(bad).write(to: URL(fileURLWithPath: target))
            let code = exitCode { _ = try KeyFile.unlock(path: target, passphrase: try testPassphrase()) }
            #expect(code == 65 || code == 77, "flip at \(offset) gave \(String(describing: code))")
        }
    }

    func rawSecret(_ identity: Identity) -> [UInt8] {
        (try? identity.exportSecretForRecovery().withUnsafeBytes { Array($0) }) ?? []
    }

    @Test func identityDescriptionIsRedacted() throws {
        let me = TestTeam.shared.officer.identity
        let secret = rawSecret(me)
        #expect(secret.count == 64)
        for text in [me.description, "\(me)", String(reflecting: me)] {
            #expect(!text.contains(hexString(Array(secret[0..<32]))))
            #expect(!text.contains(Data(secret[0..<32]).base64EncodedString()))
            #expect(!text.contains(hexString(Array(secret[32..<64]))))
        }
        #expect(me.description.contains(me.fingerprint.description))
    }
}
