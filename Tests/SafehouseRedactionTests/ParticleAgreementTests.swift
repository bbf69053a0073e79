import Foundation
import Testing
@testable import SafehouseRedaction

@Suite("Particle agreement")
struct ParticleAgreementTests {
    @Test("how a replacement's last character is read", arguments: [
        ("W-7Q2F", ParticleAgreement.Final.vowel), ("W-7Q2L", .rieul), ("W-7Q2M", .consonant), ("W-7Q2N", .consonant),
        ("W-7Q2R", .rieul), ("W-AAA1", .rieul), ("W-AAA3", .consonant), ("W-AAA6", .consonant), ("W-AAA2", .vowel),
        ("W-AAA9", .vowel), ("[PLACE 1]", .rieul), ("[PLACE 2]", .vowel), ("[RELATIVE 3]", .consonant), ("가명", .consonant), ("나리", .vowel),
    ])
    func finals(_ replacement: String, _ expected: ParticleAgreement.Final) {
        #expect(ParticleAgreement.final(of: replacement) == expected)
    }

    static func redact(_ text: String, pseudonym: String) throws -> String {
        let r = try Redactor(subjects: [RedactionSubject(entry: SubjectEntry(name: "김영호", relatives: ["류광석"]), pseudonym: pseudonym)])
        return try TestSupport.redact(text, with: r)
    }

    @Test("은/는, 이/가, 을/를, 과/와, 아/야 follow the pseudonym", arguments: [
        ("영호는 왔다", "W-7Q2F는 왔다", "W-7Q2M은 왔다"),
        ("영호가 왔다", "W-7Q2F가 왔다", "W-7Q2M이 왔다"),
        ("영호를 봤다", "W-7Q2F를 봤다", "W-7Q2M을 봤다"),
        ("영호와 함께", "W-7Q2F와 함께", "W-7Q2M과 함께"),
        ("영호야!", "W-7Q2F야!", "W-7Q2M아!"),
        ("영호로 불렀다", "W-7Q2F로 불렀다", "W-7Q2M으로 불렀다"),
        ("김영호였다", "W-7Q2F였다", "W-7Q2M이었다"),
        ("김영호씨는", "W-7Q2F씨는", "W-7Q2M씨는"),
        ("김영호입니다", "W-7Q2F입니다", "W-7Q2M입니다"),
    ])
    func agreement(_ text: String, _ vowel: String, _ consonant: String) throws {
        #expect(try Self.redact(text, pseudonym: "W-7Q2F") == vowel)
        #expect(try Self.redact(text, pseudonym: "W-7Q2M") == consonant)
    }

    @Test("ㄹ-final pseudonyms take 로, consonant names drop the affectionate 이")
    func rieulAndAffix() throws {
        #expect(try Self.redact("영호로", pseudonym: "W-7Q2L") == "W-7Q2L로")
        #expect(try Self.redact("영호는", pseudonym: "W-7Q2L") == "W-7Q2L은")
        #expect(try Self.redact("광석이는 겁이 없었다", pseudonym: "W-7Q2F") == "[RELATIVE 1]은 겁이 없었다")
        #expect(try Self.redact("광석이가 왔다", pseudonym: "W-7Q2F") == "[RELATIVE 1]이 왔다")
    }
}
