/// Replaces every known identity in a transcript, then proves the output clean or throws.
///
/// Build one per subject set (the lexicon is compiled once, in `init`) and reuse it; it is
/// immutable and safe to share between tasks.
///
/// Operators: a subject's own names and aliases become their pseudonym; a name shared by several
/// subjects becomes the pseudonym of the one the transcript otherwise names unambiguously, or
/// `[PERSON]`; relatives become `[RELATIVE n]` and places `[PLACE n]` (numbered by first
/// appearance within one redaction); detector hits become typed placeholders (`[PHONE]`,
/// `[EMAIL]`, `[ID]`, `[PASSPORT]`, `[MESSENGER]`, `[COORDINATES]`); a date of birth is
/// generalized to its year. A Korean particle right after a replaced name is made to agree with
/// the replacement (see ``ParticleAgreement``).
public struct Redactor: Sendable {
    let lexicon: Lexicon
    private let digest: String

    /// Compiles the lexicon of `subjects`.
    ///
    /// - Throws: ``RedactionError/malformedSheet(reason:)`` when a pseudonym is empty, too long
    ///   or used twice.
    public init(subjects: [RedactionSubject]) throws {
        var seen = Set<String>()
        for (k, s) in subjects.enumerated() {
            let p = s.pseudonym
            guard !p.isEmpty, p.unicodeScalars.count <= 64, !p.contains(where: \.isNewline) else {
                throw RedactionError.malformedSheet(reason: "subject \(k + 1): pseudonym must be 1–64 characters on one line")
            }
            guard seen.insert(p).inserted else {
                throw RedactionError.malformedSheet(reason: "pseudonym \(p) is used by more than one subject")
            }
        }
        lexicon = Lexicon(subjects)
        var h = FNV1a64()
        h.add(RedactionPolicy.version)
        for line in lexicon.fingerprint() { h.add(line) }
        digest = h.hex
    }

    /// A stable fingerprint (FNV-1a 64, hex) of the compiled lexicon and the policy version.
    ///
    /// - Warning: not a secret-keyed hash: with a small guessable lexicon it can confirm a guess.
    public var lexiconDigest: String { digest }

    /// Redacts `t` and runs the fail-closed scan on the result.
    ///
    /// - Throws: ``RedactionError/consentWithdrawn(pseudonym:)`` when a withdrawn subject is
    ///   mentioned; ``RedactionError/leakCheckFailed(cue:kind:)`` when the output still matches.
    public func redact(_ t: Transcript) throws -> RedactionResult {
        var session = RedactionSession(lexicon)
        return try session.redact(t)
    }

    /// The fail-closed scan alone: throws when any cue matches the lexicon or a detector.
    ///
    /// - Throws: ``RedactionError/leakCheckFailed(cue:kind:)`` naming the 1-based cue and the kind.
    public func leakCheck(_ t: Transcript) throws {
        var session = RedactionSession(lexicon)
        for (k, cue) in t.cues.enumerated() { try session.leakCheck(cue, index: k) }
    }
}

extension Redactor: CustomStringConvertible {
    /// Counts and digest only.
    public var description: String { "Redactor(\(lexicon.subjects.count) subjects, lexicon \(digest))" }
}
