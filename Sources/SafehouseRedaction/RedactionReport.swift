/// What a redaction replaced, and which unknown names a person should review.
///
/// - Warning: ``candidates`` quote text from the *redacted* transcript that looks like a name
///   the lexicon does not know; treat the report with the same care as the export.
public struct RedactionReport: Codable, Sendable, Equatable {
    /// A possible name the lexicon does not know, for human review.
    public struct Candidate: Codable, Sendable, Equatable {
        /// The suspicious text as it appears in the redacted output.
        public var text: String
        /// 1-based cue number.
        public var cue: Int
        /// Why it was flagged: `hangul-name-before-particle`, `title-and-name`, `romanized-korean-name`.
        public var reason: String

        public init(text: String, cue: Int, reason: String) {
            self.text = text
            self.cue = cue
            self.reason = reason
        }
    }

    /// Replacements per type: `name`, `person`, `relative`, `place`, `phone`, `email`, `rrn`,
    /// `passport`, `messenger`, `coordinates`, `dob`, `identifier`.
    public var counts: [String: Int]
    /// Unknown-name candidates in the output.
    public var candidates: [Candidate]
    /// How many cues had at least one replacement.
    public var cuesTouched: Int

    public init(counts: [String: Int] = [:], candidates: [Candidate] = [], cuesTouched: Int = 0) {
        self.counts = counts
        self.candidates = candidates
        self.cuesTouched = cuesTouched
    }
}
