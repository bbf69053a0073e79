import SafehouseCrypto
import Testing

/// HMAC-SHA-256 (RFC 4231) and HKDF-SHA-256 (RFC 5869 Appendix A, the SHA-256 cases).
@Suite("HMAC-SHA-256 and HKDF-SHA-256")
struct HKDFTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String, ikm: [UInt8], salt: [UInt8], info: [UInt8], length: Int, prk: String, okm: String
        var testDescription: String { name }
    }

    static let rfc5869: [Case] = [
        Case(name: "A.1 basic", ikm: [UInt8](repeating: 0x0b, count: 22), salt: Array(0x00...0x0c), info: Array(0xf0...0xf9), length: 42,
             prk: "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
             okm: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"),
        Case(name: "A.2 longer inputs", ikm: Array(0x00...0x4f), salt: Array(0x60...0xaf), info: Array(0xb0...0xff), length: 82,
             prk: "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
             okm: "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"),
        Case(name: "A.3 empty salt and info", ikm: [UInt8](repeating: 0x0b, count: 22), salt: [], info: [], length: 42,
             prk: "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
             okm: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"),
    ]

    @Test(arguments: rfc5869)
    func rfc5869Vector(_ c: Case) throws {
        let ikm = try c.ikm.withUnsafeBytes { try SecureBytes(copying: $0) }
        #expect(hex(rawBytes(try HKDF.extract(ikm, salt: c.salt))) == c.prk)
        #expect(hex(rawBytes(try HKDF.deriveKey(from: ikm, salt: c.salt, info: c.info, length: c.length))) == c.okm)
    }

    @Test func hkdfRefusesMoreThan255Blocks() throws {
        #expect(throws: CryptoError.self) { try HKDF.expand(try knownKey(), info: [], length: 255 * 32 + 1) }
        #expect(try HKDF.expand(try knownKey(), info: [], length: 255 * 32).count == 255 * 32)
    }

    @Test func hmacRFC4231() throws {
        // Case 1 (short key), case 2 (key shorter than the hash), case 6 (131-byte key, hashed first).
        let cases: [([UInt8], [UInt8], String)] = [
            ([UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ([UInt8](repeating: 0xaa, count: 131), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        ]
        for (key, message, mac) in cases {
            let h = try HMACSHA256(key: key)
            // In two parts: update is incremental.
            h.update(Array(message.prefix(3)))
            h.update(Array(message.dropFirst(3)))
            #expect(hex(h.finalize()) == mac)
            let v = try HMACSHA256(key: key)
            v.update(message)
            var wrong = unhex(mac)
            wrong[31] ^= 1
            #expect(!v.verify(wrong))
        }
    }

    @Test func x25519RFC7748AndAllZeroRejection() throws {
        let alice = try unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a").withUnsafeBytes { try SecureBytes(copying: $0) }
        let bobPublic = unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        #expect(hex(try X25519.publicKey(for: alice)) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        #expect(hex(rawBytes(try X25519.sharedSecret(alice, bobPublic))) == "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742")
        // The identity point and a low-order point give an all-zero secret: refused.
        for point in [[UInt8](repeating: 0, count: 32), [1] + [UInt8](repeating: 0, count: 31)] {
            #expect(throws: CryptoError.weakPublicKey) { try X25519.sharedSecret(alice, point) }
        }
        #expect(!"\(alice)".contains("77076d"), "a secret has no printable form")
    }
}
