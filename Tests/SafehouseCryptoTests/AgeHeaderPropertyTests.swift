import Foundation
import PropertyBased
@testable import SafehouseCrypto
import Testing

/// Canonical encoding of the age header (as age's FuzzMalleability): whatever
/// parses re-serializes to the same bytes, and no single changed byte of a
/// real header still opens.
@Suite("age: header properties")
struct AgeHeaderPropertyTests {
    /// SplitMix64: a reproducible stream from one generated seed.
    struct Mix {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    static func parse(_ bytes: [UInt8]) throws -> AgeHeader {
        try AgeHeader.read(from: AgeInput(AgeDecryptor.source(bytes)))
    }

    @Test func anyHeaderReEncodesToItsOwnBytes() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...Int.max)) { seed in
            var m = Mix(state: UInt64(seed))
            let stanzas = (0...m.next(4)).map { _ in
                AgeStanza(arguments: (0...m.next(4)).map { _ in String((0...m.next(12)).map { _ in Character(Unicode.Scalar(UInt8(33 + m.next(94)))) }) },
                          body: (0..<[0, 1, 47, 48, 49, 96, m.next(300)][m.next(7)]).map { _ in UInt8(m.next(256)) })
            }
            let header = try AgeHeader(stanzas: stanzas, fileKey: try SecureBytes.random(count: 16))
            let bytes = header.encoded
            let parsed = try Self.parse(bytes + [0xAB])
            #expect(parsed.stanzas == stanzas)
            #expect(parsed.mac == header.mac)
            #expect(parsed.encoded == bytes, "the parsed header re-encodes to other bytes")
            #expect(try parsed.verifyMAC(fileKey: try SecureBytes.random(count: 16)) == false)
        }
    }

    @Test func noSingleByteChangeOfARealHeaderOpens() throws {
        let id = try AgeX25519Identity.generate()
        let file = try AgeEncryptor.encrypt(Array("a short plaintext".utf8), to: [id.recipient, try AgeX25519Identity.generate().recipient])
        let headerLength = try Self.parse(file).encoded.count
        var outcomes: Set<AgeFailure> = []
        for i in 0..<headerLength {
            for delta: UInt8 in [1, 0x20] {
                var bad = file
                bad[i] ^= delta
                let f = ageFailure { _ = try AgeDecryptor.decrypt(bad, identities: [id]) }
                #expect(f != nil, "a change at header byte \(i) still opens")
                if let f { outcomes.insert(f) }
            }
        }
        #expect(outcomes.isSuperset(of: [.header, .noMatch, .hmac]), "\(outcomes)")
    }
}
