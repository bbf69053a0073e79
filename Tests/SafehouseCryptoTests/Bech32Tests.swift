import Foundation
import SafehouseCrypto
import Testing

/// Bech32 (BIP 173 test vectors) and the age key encodings built on it.
@Suite("Bech32 and age keys")
struct Bech32Tests {
    @Test(arguments: ["A12UEL5L", "a12uel5l",
                      "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
                      "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
                      "11" + String(repeating: "q", count: 82) + "c8247j",
                      "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w", "?1ezyfcl"])
    func bip173ValidChecksum(_ s: String) throws {
        let (hrp, data) = try #require(Bech32.decode(s), "\(s) must decode")
        // Re-encoding gives the lower-case form back.
        #expect(Bech32.encode(hrp: hrp, data: data) == s.lowercased())
        // Any one changed character breaks the checksum.
        var chars = Array(s)
        let i = chars.count - 2
        chars[i] = chars[i] == "q" || chars[i] == "Q" ? "p" : "q"
        #expect(Bech32.decode(String(chars)) == nil)
    }

    @Test(arguments: [" 1nwldj5", "\u{7f}1axkwrx", "\u{80}1eym55h",
                      "an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
                      "pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "de1lg7wt\u{ff}", "A1G7SGD8", "10a06t8", "1qzzfhee",
                      "a12UEL5L"])
    func bip173Invalid(_ s: String) {
        #expect(Bech32.decode(s) == nil, "\(s.debugDescription) must not decode")
    }

    @Test func noLengthLimitAsInAge() throws {
        let data = (0..<200).map { UInt8($0) }
        let s = Bech32.encode(hrp: "age", data: data)
        #expect(s.count > 90)
        #expect(Bech32.decode(s)?.data == data)
    }

    @Test func recipientsParseAndRefuseWhatIsNotX25519() throws {
        let id = try AgeX25519Identity.generate()
        let text = id.recipient.text
        #expect(text.hasPrefix("age1") && text.count == 62 && text == text.lowercased())
        #expect(try AgeRecipient(text) == id.recipient)
        #expect(try AgeRecipient(text.uppercased()) == id.recipient, "age accepts an all-upper-case recipient")
        #expect(id.recipient.fingerprint == hex(Array(SHA256.hash(id.recipient.publicKey).prefix(16))))
        #expect(throws: AgeError.unsupportedRecipient(kind: "an SSH public key")) {
            try AgeRecipient("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHsKLqeplhpW+uObz5dvMgjz1OxfM/XXUB+VHtZ6isGN")
        }
        let plugin = Bech32.encode(hrp: "age1yubikey", data: [UInt8](repeating: 7, count: 33))
        do {
            _ = try AgeRecipient(plugin)
            Issue.record("a plugin recipient must be refused")
        } catch AgeError.unsupportedRecipient(let kind) {
            #expect(kind.contains("plugin"), "a plugin recipient is unsupported, not malformed")
        }
        var broken = Array(text)
        broken[10] = broken[10] == "q" ? "p" : "q"
        for bad in [String(broken), "age1", "age1qqqq", Bech32.encode(hrp: "age", data: [1, 2, 3]),
                    Bech32.encode(hrp: "age", data: [UInt8](repeating: 0, count: 32)), text.dropLast() + "Q"] {
            #expect(throws: AgeError.malformedRecipient, "\(bad)") { try AgeRecipient(String(bad)) }
        }
    }

    /// Our identity → recipient derivation agrees with `age-keygen -y`.
    @Test func identitiesMatchAgeKeygen() throws {
        let dir = try AgeTools.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        for i in 0..<3 {
            let (path, recipient) = try AgeTools.keygen(in: dir, name: "k\(i).txt")
            let ids = try AgeX25519Identity.parseFile(try String(contentsOfFile: path, encoding: .utf8))
            #expect(ids.count == 1)
            #expect(ids.first?.recipient.text == recipient)
            let y = try AgeTools.run(try AgeTools.tool("age-keygen"), ["-y", path])
            #expect(String(decoding: y.stdout, as: UTF8.self).trimmingCharacters(in: .newlines) == recipient)
            #expect(!"\(ids[0])".contains("AGE-SECRET-KEY"), "an identity has no printable secret")
        }
        #expect(throws: AgeError.malformedIdentity) { try AgeX25519Identity(parsing: "AGE-SECRET-KEY-1QQQQ") }
        #expect(throws: AgeError.malformedIdentity) { try AgeX25519Identity(parsing: try AgeX25519Identity.generate().recipient.text) }
    }
}
