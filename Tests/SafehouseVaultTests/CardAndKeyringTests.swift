import Foundation
import SafehouseCrypto
@testable import SafehouseVault
import Testing

@Suite("Member cards and team keyrings")
struct CardAndKeyringTests {
    @Test func cardTextIsCanonical() throws {
        for member in [TestTeam.shared.officer, TestTeam.shared.interviewer, TestTeam.shared.editor] {
            let text = member.card.text
            let parsed = try MemberCard.parse(text, object: "card")
            #expect(parsed.text == text)
            #expect(parsed == member.card)
            #expect(text.hasPrefix("safehouse-card v1\nname: \(member.card.name)\nrole: \(member.card.role.rawValue)\n"))
            #expect(text.split(separator: "\n").count == 6 && text.hasSuffix("\n"))
        }
    }

    @Test func flippingAnyByteOfACardIsBadData() throws {
        let good = Array(TestTeam.shared.interviewer.card.text.utf8)
        var accepted: [String] = []
        for offset in 0..<good.count {
            for mask: UInt8 in [0x01, 0x20, 0x80] {
                var bad = good
                bad[offset] ^= mask
                let code = exitCode { _ = try MemberCard.parse(String(decoding: bad, as: UTF8.self), object: "card") }
                if code != 65 { accepted.append("offset \(offset) mask \(mask): \(String(describing: code))") }
            }
        }
        #expect(accepted.isEmpty, "flipped cards not refused: \(accepted.prefix(10))")
    }

    @Test func cardsWithExtraOrMissingBytesAreBadData() throws {
        let text = TestTeam.shared.officer.card.text
        let variants = [String(text.dropLast()), text + "\n", text + "x", " " + text, text.replacingOccurrences(of: "\n", with: "\r\n"),
                        text.replacingOccurrences(of: "name: ", with: "name:  "), ""]
        for v in variants {
            #expect(exitCode { _ = try MemberCard.parse(v, object: "card") } == 65, "accepted: \(v.debugDescription)")
        }
        // a card whose role was changed (even re-encoded properly) fails its self-signature
        let promoted = text.replacingOccurrences(of: "role: officer", with: "role: editor")
        #expect(exitCode { _ = try MemberCard.parse(promoted, object: "card") } == 65)
    }

    func keyringText() throws -> (text: String, ring: TeamKeyring, cleanup: Scratch) {
        let s = try Scratch()
        let hq = try makeHQ(s)
        let ring = try hq.exportTeam(by: TestTeam.shared.officer.identity)
        return (ring.text, ring, s)
    }

    @Test func keyringRoundTripsCanonicallyAndIgnoresComments() throws {
        let (text, ring, s) = try keyringText()
        defer { s.remove() }
        let parsed = try TeamKeyring.parse(text, object: "team")
        #expect(parsed == ring)
        #expect(parsed.text == text)
        #expect(parsed.members.map(\.card.name) == ["Olga Officer", "Ivan Interviewer", "Edith Editor"])
        #expect(parsed.root == TestTeam.shared.officer.fingerprint)
        let commented = "# exported for the field team\n\n" + text.replacingOccurrences(of: "member\n", with: "# next member\nmember\n")
        #expect(try TeamKeyring.parse(commented, object: "team") == ring)
        // public keys only: no secret key bytes anywhere in it
        for m in [TestTeam.shared.officer, TestTeam.shared.interviewer] {
            let secret = try m.identity.exportSecretForRecovery().withUnsafeBytes { Array($0) }
            #expect(!text.contains(Data(secret[0..<32]).base64EncodedString()))
            #expect(!text.contains(Data(secret[32..<64]).base64EncodedString()))
        }
    }

    @Test func flippingAnyByteOfAKeyringIsBadData() throws {
        let (text, _, s) = try keyringText()
        defer { s.remove() }
        let good = Array(text.utf8)
        var accepted: [String] = []
        for offset in 0..<good.count {
            for mask: UInt8 in [0x01, 0x80] {
                var bad = good
                bad[offset] ^= mask
                let code = exitCode { _ = try TeamKeyring.parse(String(decoding: bad, as: UTF8.self), object: "team") }
                if code != 65 { accepted.append("offset \(offset) mask \(mask): \(String(describing: code))") }
            }
        }
        #expect(accepted.isEmpty, "flipped keyrings not refused: \(accepted.prefix(10))")
    }

    /// Whatever parses must re-serialize to the same text (no second spelling of a keyring).
    @Test func keyringParsingIsCanonicalUnderCaseFlips() throws {
        let (text, _, s) = try keyringText()
        defer { s.remove() }
        let good = Array(text.utf8)
        var variants: [String] = []
        for offset in 0..<good.count where (good[offset] >= 0x61 && good[offset] <= 0x7a) || (good[offset] >= 0x41 && good[offset] <= 0x5a) {
            var bad = good
            bad[offset] ^= 0x20
            let variant = String(decoding: bad, as: UTF8.self)
            if let ring = try? TeamKeyring.parse(variant, object: "team"), ring.text != variant {
                variants.append("offset \(offset) ('\(Character(Unicode.Scalar(good[offset])))') in line: \(lineContaining(offset, good))")
            }
        }
        #expect(variants.isEmpty, "non-canonical keyrings accepted (\(variants.count)): \(variants.prefix(5))")
    }

    func lineContaining(_ offset: Int, _ bytes: [UInt8]) -> String {
        let start = bytes[..<offset].lastIndex(of: 10).map { $0 + 1 } ?? 0
        let end = bytes[offset...].firstIndex(of: 10) ?? bytes.count
        return String(decoding: bytes[start..<min(end, start + 24)], as: UTF8.self)
    }

    @Test func keyringMembersMustLeadBackToTheRoot() throws {
        let (text, _, s) = try keyringText()
        defer { s.remove() }
        // Drop the root officer's entry: the others lose their endorser.
        let blocks = text.components(separatedBy: "member\n")
        let withoutRoot = blocks[0] + blocks.dropFirst(2).map { "member\n" + $0 }.joined()
        #expect(exitCode { _ = try TeamKeyring.parse(withoutRoot, object: "team") } == 65)
        // A keyring claiming another vault id does not verify (endorsements are bound to the vault).
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var swapped = lines
        swapped[1] = "vault: " + String(repeating: "ab", count: 16)
        #expect(exitCode { _ = try TeamKeyring.parse(swapped.joined(separator: "\n"), object: "team") } == 65)
        // Another team's card inserted with a forged endorsement by our root is refused.
        let stranger = TestTeam.shared.stranger.card
        let forged = text + "member\n" + stranger.text + "endorsed-by: \(TestTeam.shared.officer.fingerprint.compact)\nendorsement: \(Data(repeating: 7, count: 64).base64EncodedString())\nstatus: active\nend\n"
        #expect(exitCode { _ = try TeamKeyring.parse(forged, object: "team") } == 65)
        // A field vault cannot be made from a tampered keyring file.
        var bad = Array(text.utf8)
        bad[bad.count / 2] ^= 0x01
        #expect(exitCode { _ = try Vault.createField(at: s.file("f"), keyring: try TeamKeyring.parse(String(decoding: bad, as: UTF8.self), object: "t")) } == 65)
        #expect(!fileExists(s.file("f/vault.sqlite")))
    }
}
