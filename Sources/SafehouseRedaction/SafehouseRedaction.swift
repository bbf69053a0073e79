// SafehouseRedaction — removes identities from interview transcripts.
//
// Rules of this module:
// - Pure Swift + Foundation. No crypto, no file or network I/O: callers pass bytes and strings in
//   and get values back.
// - Never put an identity (a name, alias, relative, place, identifier, or any matched text) into an
//   error, a `description`, or a log line. Errors name a cue, a line, a pseudonym or a kind only.
// - Fail closed: a redaction whose output still matches the lexicon or a detector throws instead of
//   returning text.

/// Versions of the redaction policy, folded into ``Redactor/lexiconDigest``.
public enum RedactionPolicy {
    /// Bumped whenever expansion rules, detectors or operators change what gets redacted.
    public static let version = "safehouse-redaction/1"
}
