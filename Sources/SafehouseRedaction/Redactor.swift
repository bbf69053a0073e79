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
    /// Large transcripts are scanned on several threads; the result does not depend on it.
    ///
    /// - Throws: ``RedactionError/consentWithdrawn(pseudonym:)`` when a withdrawn subject is
    ///   mentioned; ``RedactionError/leakCheckFailed(cue:kind:)`` when the output still matches.
    public func redact(_ t: Transcript) throws -> RedactionResult {
        var session = RedactionSession(lexicon)
        let out = try session.redact(t)
        return RedactionResult(transcript: out, report: session.report)
    }

    /// A redaction of one long transcript in blocks of cues (see ``RedactionStream``).
    public func makeSession() -> RedactionStream {
        RedactionStream(RedactionSession(lexicon))
    }

    /// The fail-closed scan alone: throws when any cue matches the lexicon or a detector.
    ///
    /// - Throws: ``RedactionError/leakCheckFailed(cue:kind:)`` naming the 1-based cue and the kind.
    public func leakCheck(_ t: Transcript) throws {
        var session = RedactionSession(lexicon, threads: 1)
        for (k, cue) in t.cues.enumerated() { try session.leakCheck(cue, index: k) }
    }
}

/// Redacts one long transcript block by block, so that memory does not grow with its length.
///
/// Cut the transcript at cue boundaries (``Transcript/cueBoundary(in:before:format:)``), parse
/// each block (``Transcript/parse(_:format:continuing:)``) and pass the blocks in order.
/// Placeholder numbers (`[PLACE 1]`, `[RELATIVE 2]`), pseudonyms, the report and the cue numbers
/// in errors and candidates run on across blocks, as if the transcript were one.
///
/// One difference from ``Redactor/redact(_:)`` on the whole transcript: a name shared by several
/// subjects becomes the pseudonym of the one the transcript names unambiguously *so far* (in
/// this block or an earlier one), else `[PERSON]`; a later mention cannot change an earlier
/// block's output. Each block is fail-closed on its own: after an error, drop everything the
/// stream returned and do not use the stream again.
public struct RedactionStream {
    private var session: RedactionSession

    init(_ session: RedactionSession) { self.session = session }

    /// Redacts the next block and proves it clean.
    ///
    /// - Throws: ``RedactionError/consentWithdrawn(pseudonym:)``;
    ///   ``RedactionError/leakCheckFailed(cue:kind:)`` (the cue counted from the first block).
    /// - Parameter next: the first cue of the block that will follow (none for the last block):
    ///   it is only read, so that a name split over the boundary is removed from this block's
    ///   last cue too; the block after finds its own half through the cue kept from this one.
    public mutating func redact(_ block: Transcript, next: Cue? = nil) throws -> Transcript {
        try session.redact(block, next: next)
    }

    /// Counts and review candidates of every block so far.
    public var report: RedactionReport { session.report }

    /// How many cues the blocks so far held.
    public var cuesSeen: Int { session.cuesBefore }
}

extension Redactor: CustomStringConvertible {
    /// Counts and digest only.
    public var description: String { "Redactor(\(lexicon.subjects.count) subjects, lexicon \(digest))" }
}
