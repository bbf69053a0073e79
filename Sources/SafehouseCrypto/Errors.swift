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
