/// Errors of the vault. Each carries a stable exit code (CLI contract) and a
/// message that names the object and suggests a fix — never a secret, a
/// passphrase, a plaintext, or a subject's identity.
public enum VaultError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Usage problem detected by the library (exit 64).
    case usage(String)
    /// A usage problem with a hint showing the expected form (exit 64).
    case usageWithHint(String, hint: String)
    /// Malformed, tampered or unauthenticated data (exit 65).
    case badData(object: String, hint: String)
    /// A file the user wrote (a subject sheet) that does not parse: what and where (exit 65).
    case malformed(object: String, reason: String, hint: String)
    /// An input file or record does not exist (exit 66).
    case missing(object: String, hint: String)
    /// An output cannot be created (exit 73).
    case cannotCreate(object: String, hint: String)
    /// An I/O error (exit 74).
    case io(object: String, detail: String)
    /// Refused: not a recipient, wrong passphrase, role not allowed, … (exit 77).
    case refused(object: String, reason: String, hint: String)
    /// The team server cannot be reached (exit 69).
    case unreachable(object: String, hint: String)
    /// A temporary failure: the server is busy or down for a moment; try again later (exit 75).
    case temporary(object: String, hint: String)
    /// Anything else (exit 1).
    case other(String)

    /// The CLI exit code for this error.
    public var exitCode: Int32 {
        switch self {
        case .usage, .usageWithHint: return 64
        case .badData, .malformed: return 65
        case .missing: return 66
        case .cannotCreate: return 73
        case .io: return 74
        case .refused: return 77
        case .unreachable: return 69
        case .temporary: return 75
        case .other: return 1
        }
    }

    /// A one-line message without secrets.
    public var message: String {
        switch self {
        case .usage(let m), .usageWithHint(let m, _): return m
        case .badData(let o, _): return "\(o): bad or tampered data"
        case .malformed(let o, let r, _): return "\(o): \(r)"
        case .missing(let o, _): return "\(o) does not exist"
        case .cannotCreate(let o, let h): return "cannot create \(o): \(h)"
        case .io(let o, let d): return "I/O error on \(o): \(d)"
        case .refused(let o, let r, _): return "\(o): refused: \(r)"
        case .unreachable(let o, _): return "cannot reach \(o)"
        case .temporary(let o, _): return "\(o) failed for now (temporary)"
        case .other(let m): return m
        }
    }

    /// A suggestion for the user, if any.
    public var hint: String? {
        switch self {
        case .badData(_, let h), .missing(_, let h), .refused(_, _, let h), .usageWithHint(_, let h), .malformed(_, _, let h),
             .unreachable(_, let h), .temporary(_, let h): return h.isEmpty ? nil : h
        case .io: return "check free disk space, permissions and the device; nothing was left behind"
        default: return nil
        }
    }

    public var description: String { message }
}
