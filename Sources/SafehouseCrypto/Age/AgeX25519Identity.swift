/// An age X25519 identity: the secret scalar of an `AgeRecipient`, written
/// an `AGE-SECRET-KEY-…` line (Bech32, upper case). The scalar stays in secure
/// memory; there is no printable form.
public final class AgeX25519Identity: @unchecked Sendable, CustomStringConvertible {
    let secretKey: SecureBytes
    /// The recipient this identity opens.
    public let recipient: AgeRecipient

    static let hrp = "age-secret-key-"
    static let fileKeyBytes = 16

    /// An identity from a 32-byte X25519 secret (for instance a member's box key).
    public init(secretKey: SecureBytes) throws {
        guard secretKey.count == X25519.secretKeyBytes else { throw AgeError.malformedIdentity }
        self.secretKey = secretKey
        self.recipient = try AgeRecipient(publicKey: try X25519.publicKey(for: secretKey))
    }

    /// A fresh random identity.
    public static func generate() throws -> AgeX25519Identity {
        try AgeX25519Identity(secretKey: try SecureBytes.random(count: X25519.secretKeyBytes))
    }

    /// Parses an `AGE-SECRET-KEY-…` line; the key is decoded straight into secure memory.
    /// - Throws: `AgeError.malformedIdentity`.
    public convenience init(parsing text: String) throws {
        guard let (hrp, data) = try Bech32.decodeSecret(text), hrp == Self.hrp else { throw AgeError.malformedIdentity }
        try self.init(secretKey: data)
    }

    /// Every identity of an identity file as `age-keygen` writes it: one per
    /// line, `#` comments and blank lines ignored.
    /// - Throws: `AgeError.malformedIdentity` for any other line.
    public static func parseFile(_ text: String) throws -> [AgeX25519Identity] {
        try text.split(whereSeparator: \.isNewline).compactMap { raw in
            let line = String(raw.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
            return line.isEmpty || line.hasPrefix("#") ? nil : try AgeX25519Identity(parsing: line)
        }
    }

    public var description: String { "AgeX25519Identity(\(recipient), <secret key redacted>)" }

    /// Unwraps the file key from the first X25519 stanza addressed to this identity.
    /// - Returns: nil when no stanza opens with this key (other types are ignored).
    /// - Throws: `AgeError.unreadable(.header)` for a malformed X25519 stanza or a
    ///   share that gives an all-zero secret.
    func unwrap(_ stanzas: [AgeStanza]) throws -> SecureBytes? {
        for s in stanzas where s.type == AgeRecipient.stanzaType {
            guard s.arguments.count == 2, let share = AgeBase64.decode(s.arguments[1].utf8), share.count == X25519.publicKeyBytes,
                  s.body.count == Self.fileKeyBytes + ChaCha20Poly1305.tagBytes else {
                // The body length is checked before any decryption (no partitioning oracle).
                throw AgeError.unreadable(.header)
            }
            let shared: SecureBytes
            do { shared = try X25519.sharedSecret(secretKey, share) } catch { throw AgeError.unreadable(.header) }
            let wrapKey = try HKDF.deriveKey(from: shared, salt: share + recipient.publicKey, info: AgeRecipient.wrapInfo,
                                             length: ChaCha20Poly1305.keyBytes)
            if let fileKey = try? ChaCha20Poly1305.openSecret(s.body, key: wrapKey, nonce: [UInt8](repeating: 0, count: ChaCha20Poly1305.nonceBytes)) {
                return fileKey
            }
        }
        return nil
    }
}
