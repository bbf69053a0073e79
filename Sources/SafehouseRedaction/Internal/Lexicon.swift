/// The compiled identity lexicon: every pattern of every subject, in four tries.
///
/// Built once per ``Redactor``; immutable afterwards and shared between threads.
final class Lexicon: Sendable {
    /// Key that stands for "a title" (Mr., Dr., Professor …) in the romanized trie.
    static let titleKey: UInt32 = 1

    struct SubjectInfo: Sendable {
        var consent: Consent
        var pseudonym: String
    }

    struct IdentifierInfo: Sendable {
        var kind: DetectorKind
        var subject: Int
    }

    let hangul: KeyedTrie
    let roman: KeyedTrie
    let tokens: DenseTrie
    let literal: KeyedTrie
    let digits: DenseTrie
    let subjects: [SubjectInfo]
    let identifiers: [IdentifierInfo]
    let relativeCount: Int
    let placeCount: Int

    init(_ input: [RedactionSubject]) {
        var b = LexiconBuilder()
        b.build(input)
        hangul = b.hangul
        roman = b.roman
        tokens = b.tokens
        literal = b.literal
        digits = b.digits
        subjects = input.map { SubjectInfo(consent: $0.entry.consent, pseudonym: $0.pseudonym) }
        identifiers = b.identifiers
        relativeCount = b.relativeKeys.count
        placeCount = b.placeKeys.count
    }

    /// Stable lines describing every pattern, for the lexicon digest.
    func fingerprint() -> [String] {
        var lines = ["hangul"] + hangul.fingerprintLines()
        lines += ["roman"] + roman.fingerprintLines()
        lines += ["literal"] + literal.fingerprintLines()
        lines += ["subjects"] + subjects.map { "\($0.consent.rawValue):\($0.pseudonym)" }
        lines += ["identifiers"] + identifiers.map { "\($0.kind.name):\($0.subject)" }
        return lines
    }
}
