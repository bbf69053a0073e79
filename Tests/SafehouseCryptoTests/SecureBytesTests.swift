import Foundation
import SafehouseCrypto
import Testing

@Suite("SecureBytes")
struct SecureBytesTests {
    /// A secret whose bytes spell a marker, so any printed form that leaks them is caught.
    static let marker = Array("SECRET-MARKER-7f3a9c".utf8)

    func markerSecret() throws -> SecureBytes { try Self.marker.withUnsafeBytes { try SecureBytes(copying: $0) } }

    @Test func printedFormsNeverContainTheBytes() throws {
        let s = try markerSecret()
        let forms = [s.description, s.debugDescription, "\(s)", String(describing: s), String(reflecting: s),
                     "\([s])", "\(Optional(s) as Any)"]
        var dumped = ""
        dump(s, to: &dumped)
        for form in forms + [dumped] {
            #expect(!form.contains("SECRET-MARKER"), "printed form leaks the secret: \(form)")
            #expect(!form.lowercased().contains(hex(Self.marker)), "printed form leaks the secret as hex: \(form)")
            #expect(!form.contains(Data(Self.marker).base64EncodedString()))
        }
        #expect(s.description.contains("redacted"))
        #expect(s.count == Self.marker.count)
    }

    @Test func equalityComparesContent() throws {
        let a = try markerSecret(), b = try markerSecret()
        #expect(a == b)
        #expect(a == a)
        var changed = Self.marker
        changed[changed.count - 1] ^= 1
        let c = try changed.withUnsafeBytes { try SecureBytes(copying: $0) }
        #expect(a != c)
        changed = Self.marker
        changed[0] ^= 0x80
        #expect(a != (try changed.withUnsafeBytes { try SecureBytes(copying: $0) }))
    }

    @Test func differentLengthsAreNeverEqual() throws {
        let a = try markerSecret()
        let prefix = try Array(Self.marker.dropLast()).withUnsafeBytes { try SecureBytes(copying: $0) }
        let longer = try (Self.marker + [0]).withUnsafeBytes { try SecureBytes(copying: $0) }
        #expect(a != prefix)
        #expect(prefix != a)
        #expect(a != longer)
        #expect(try SecureBytes(count: 0) == SecureBytes(count: 0))
        #expect(try SecureBytes(count: 0) != SecureBytes(count: 1))
        // A zeroed secret differs from a random one of the same length.
        #expect(try SecureBytes(count: 32) != SecureBytes.random(count: 32))
    }

    @Test func newSecretsAreZeroedAndRandomOnesDiffer() throws {
        let z = try SecureBytes(count: 64)
        #expect(rawBytes(z) == [UInt8](repeating: 0, count: 64))
        let r1 = try SecureBytes.random(count: 32), r2 = try SecureBytes.random(count: 32)
        #expect(r1 != r2)
        #expect(rawBytes(r1) != [UInt8](repeating: 0, count: 32))
    }

    @Test func wipeZeroesAnOrdinaryBuffer() {
        var buffer = Self.marker
        SecureBytes.wipe(&buffer)
        #expect(buffer.count == Self.marker.count)
        #expect(buffer.allSatisfy { $0 == 0 })
        var empty: [UInt8] = []
        SecureBytes.wipe(&empty)
        #expect(empty.isEmpty)
    }

    @Test func sliceAndConcatenateKeepBytes() throws {
        let s = try markerSecret()
        #expect(rawBytes(try s.slice(0..<6)) == Array("SECRET".utf8))
        #expect(rawBytes(try s.slice(7..<13)) == Array("MARKER".utf8))
        let joined = try SecureBytes.concatenating([try s.slice(0..<6), try SecureBytes(count: 0), try s.slice(6..<s.count)])
        #expect(joined == s)
    }

    @Test func cryptoErrorsCarryNoSecretMaterial() throws {
        // Opening with a wrong key reports the single, content-free failure.
        let key = try markerSecret().slice(0..<8)
        let padded = try SecureBytes.concatenating([key, key, key, key])
        let ct = try XChaCha20Poly1305.seal(Self.marker, key: padded, nonce: [UInt8](repeating: 1, count: 24), ad: [])
        let wrong = try SecureBytes.random(count: 32)
        #expect(throws: CryptoError.authenticationFailed) {
            _ = try XChaCha20Poly1305.open(ct, key: wrong, nonce: [UInt8](repeating: 1, count: 24), ad: [])
        }
        #expect(!CryptoError.authenticationFailed.description.contains("SECRET"))
        #expect(try XChaCha20Poly1305.open(ct, key: padded, nonce: [UInt8](repeating: 1, count: 24), ad: []) == Self.marker)
    }
}
