/// Errors of the crypto layer. They never carry key bytes or plaintext.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Any authentication failure: wrong key, flipped byte, truncated or reordered data.
    /// Deliberately one case, so that errors are no oracle.
    case authenticationFailed
    /// An input has the wrong length or form for the primitive.
    case invalidLength(what: String)
    /// libsodium could not be initialised, or memory could not be allocated.
    case unavailable
    /// Key derivation from a passphrase failed (out of memory for the chosen cost).
    case kdfFailed
    /// A Diffie-Hellman public key gave an all-zero shared secret (a low-order point).
    case weakPublicKey

    public var description: String {
        switch self {
        case .authenticationFailed: return "authentication failed"
        case .invalidLength(let what): return "invalid length for \(what)"
        case .unavailable: return "libsodium is unavailable or out of secure memory"
        case .kdfFailed: return "passphrase key derivation failed (not enough memory for the chosen cost)"
        case .weakPublicKey: return "the public key is a low-order point (no shared secret)"
        }
    }
}

/// Which check of an age file failed: the outcomes of the age testkit
/// (`expect:` in c2sp.org/CCTV/age). Tests and logs tell them apart; users see
/// one message for every authentication failure (`AgeError.description`).
public enum AgeFailure: String, Sendable, Equatable, CaseIterable {
    /// No identity opened any recipient stanza (wrong key, or a stanza's tag altered).
    case noMatch = "no match"
    /// The header MAC does not verify under the unwrapped file key.
    case hmac = "HMAC failure"
    /// The header is malformed (or a recognised stanza is), or the payload nonce is missing.
    case header = "header failure"
    /// A payload chunk failed authentication, or the stream is truncated or has trailing data.
    case payload = "payload failure"
    /// The ASCII armor is malformed.
    case armor = "armor failure"

    /// Whether this outcome is an authentication failure (one message for the user).
    public var isAuthentication: Bool { self == .noMatch || self == .hmac || self == .payload }
}

/// Errors of the age format (age-encryption.org/v1). They never carry a key,
/// a file key or plaintext; a recipient is named only by its position.
public enum AgeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An age file could not be opened; see `AgeFailure` for which check.
    case unreadable(AgeFailure)
    /// A recipient string is a valid encoding of something age can encrypt to,
    /// but not an X25519 recipient (an SSH key, a plugin or post-quantum recipient).
    case unsupportedRecipient(kind: String)
    /// A recipient string is not a valid `age1…` Bech32 encoding of a 32-byte key.
    case malformedRecipient
    /// An identity string is not a valid `AGE-SECRET-KEY-…` encoding of a 32-byte key.
    case malformedIdentity

    public var description: String {
        switch self {
        case .unreadable(let f) where f.isAuthentication:
            // Wrong key, flipped byte, truncation: one message, so errors are no oracle.
            return CryptoError.authenticationFailed.description
        case .unreadable(.armor): return "not an age file: malformed ASCII armor"
        case .unreadable: return "not an age file: malformed header"
        case .unsupportedRecipient(let kind): return "\(kind) is not supported: only X25519 age recipients (age1…) are"
        case .malformedRecipient: return "not an age recipient: expected age1 followed by 58 Bech32 characters"
        case .malformedIdentity: return "not an age identity: expected the upper-case Bech32 line age-keygen writes (AGE-SECRET-KEY-, then 59 characters)"
        }
    }
}
