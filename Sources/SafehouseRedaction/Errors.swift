/// Everything the redaction layer can throw. Messages never contain an identity.
public enum RedactionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The transcript mentions a subject whose consent is `withdrawn`; no export may touch them.
    case consentWithdrawn(pseudonym: String)
    /// The fail-closed scan still found something in the redacted output (cue is 1-based).
    case leakCheckFailed(cue: Int, kind: String)
    /// The transcript could not be parsed (line is 1-based).
    case malformedTranscript(line: Int, reason: String)
    /// The subject sheet is not valid.
    case malformedSheet(reason: String)

    public var description: String {
        switch self {
        case .consentWithdrawn(let p):
            return "subject \(p) has withdrawn consent: no export may mention them; remove the material or drop it from the export"
        case .leakCheckFailed(let cue, let kind):
            return "fail-closed scan found a remaining \(kind) in cue \(cue): export aborted; review that cue and the subject sheet"
        case .malformedTranscript(let line, let reason):
            return "malformed transcript at line \(line): \(reason)"
        case .malformedSheet(let reason):
            return "malformed subject sheet: \(reason)"
        }
    }
}
