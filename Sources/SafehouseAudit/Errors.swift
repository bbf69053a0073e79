/// Errors of the audit layer.
///
/// Cases are stable (callers may switch on them) and messages never carry a
/// field's value, a key or a signature: an audit field is only supposed to hold
/// ids and pseudonyms, but a caller bug could put a name there, and an error
/// message must not be the place where it leaks.
public enum AuditError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A field of an audit entry breaks the charset or length rules.
    /// `field` is the field's name (e.g. "actor"), never its value.
    case invalidField(field: String, rule: String)
    /// Canonical entry bytes could not be parsed; `line` is the 1-based line.
    case malformedEntry(line: Int, rule: String)
    /// A checkpoint or signed note could not be parsed.
    case malformedCheckpoint(rule: String)
    /// A Merkle proof was requested for sizes or an index the tree does not have.
    case invalidProofRequest(rule: String)
    /// A key has the wrong length or form (the key itself is never shown).
    case invalidKey(what: String)
    /// Signing failed in the crypto layer.
    case signingFailed
    /// An entry does not extend the chain (see `AuditVerification.Reason`).
    case chainBroken(seq: UInt64, reason: String)

    public var description: String {
        switch self {
        case .invalidField(let field, let rule): return "audit entry field '\(field)' is invalid: \(rule)"
        case .malformedEntry(let line, let rule): return "audit entry is malformed at line \(line): \(rule)"
        case .malformedCheckpoint(let rule): return "checkpoint is malformed: \(rule)"
        case .invalidProofRequest(let rule): return "invalid Merkle proof request: \(rule)"
        case .invalidKey(let what): return "invalid key: \(what)"
        case .signingFailed: return "signing the audit data failed"
        case .chainBroken(let seq, let reason): return "audit entry \(seq) does not extend the chain: \(reason)"
        }
    }
}
