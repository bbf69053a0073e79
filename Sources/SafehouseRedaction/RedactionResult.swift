/// The outcome of a successful redaction: the redacted transcript and what was done to it.
public struct RedactionResult: Sendable {
    /// The transcript with identities replaced, in the same cue structure as the input.
    public var transcript: Transcript
    /// Counts and review candidates.
    public var report: RedactionReport

    public init(transcript: Transcript, report: RedactionReport) {
        self.transcript = transcript
        self.report = report
    }
}
