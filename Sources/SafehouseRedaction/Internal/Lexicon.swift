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
    /// Lower-cased words of the names and aliases of subjects who agreed to be named,
    /// minus every word that also belongs to a protected person (a subject, alias or
    /// relative without that consent). A review candidate made only of these words (and
    /// titles) is a named subject, not an unknown name.
    let namedWords: Set<String>

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
        namedWords = Self.namedWords(input.map(\.entry))
    }

    static func words(_ s: String) -> [String] {
        s.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    static func namedWords(_ entries: [SubjectEntry]) -> Set<String> {
        var named = Set<String>(), protected = Set<String>()
        for e in entries {
            let people = [e.name] + e.aliases
            if e.consent == .named { named.formUnion(people.flatMap(words)) } else { protected.formUnion(people.flatMap(words)) }
            protected.formUnion(e.relatives.flatMap(words))
        }
        return named.subtracting(protected)
    }

    /// Whether a review candidate is only a named subject's words, with titles.
    func isNamedSubject(_ candidate: String) -> Bool {
        let w = Self.words(candidate).filter { !CandidateFinder.isTitle($0) }
        return !w.isEmpty && w.allSatisfy(namedWords.contains)
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
