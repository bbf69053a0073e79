/// An age X25519 recipient: a 32-byte X25519 public key, written
/// `age1…` (Bech32, human-readable part `age`, lower case).
public struct AgeRecipient: Sendable, Hashable, CustomStringConvertible {
    /// The X25519 public key.
    public let publicKey: [UInt8]

    static let hrp = "age"
    static let stanzaType = "X25519"
    static let wrapInfo = Array("age-encryption.org/v1/X25519".utf8)

    /// A recipient for a public key.
    /// - Throws: `AgeError.malformedRecipient` unless it is 32 bytes and not a
    ///   low-order point (which would give every sender the same all-zero secret).
    public init(publicKey: [UInt8]) throws {
        guard publicKey.count == X25519.publicKeyBytes else { throw AgeError.malformedRecipient }
        // A trial exchange rejects the low-order points up front, not at encryption time.
        guard (try? X25519.sharedSecret(try SecureBytes.random(count: X25519.secretKeyBytes), publicKey)) != nil else {
            throw AgeError.malformedRecipient
        }
        self.publicKey = publicKey
    }

    /// Parses `age1…` (either case, as age accepts).
    /// - Throws: `AgeError.unsupportedRecipient` for an SSH key or a plugin or
    ///   post-quantum recipient (`age1yubikey1…`, `age1pq1…`), else
    ///   `AgeError.malformedRecipient` for anything that is not a valid X25519 recipient.
    public init(_ text: String) throws {
        if text.hasPrefix("ssh-") || text.hasPrefix("ecdsa-sha2-") || text.hasPrefix("sk-ssh-") {
            throw AgeError.unsupportedRecipient(kind: "an SSH public key")
        }
        guard let (hrp, data) = Bech32.decode(text) else { throw AgeError.malformedRecipient }
        if hrp != Self.hrp, hrp.hasPrefix(Self.hrp + "1"), hrp.count > 4 {
            // Tagged and plugin recipients: age1<name>1…
            throw AgeError.unsupportedRecipient(kind: "an age plugin or post-quantum recipient (\(hrp.prefix(16))1…)")
        }
        guard hrp == Self.hrp else { throw AgeError.malformedRecipient }
        try self.init(publicKey: data)
    }

    /// The `age1…` form.
    public var text: String { Bech32.encode(hrp: Self.hrp, data: publicKey) }

    public var description: String { text }

    /// A short public name of this recipient for audit entries: the lower-case
    /// hex of the first 16 bytes of SHA-256 of the 32-byte public key.
    public var fingerprint: String {
        let digits = Array("0123456789abcdef")
        return String(SHA256.hash(publicKey).prefix(16).flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    /// Wraps a file key for this recipient (c2sp.org/age, "X25519 recipient stanza"):
    /// a fresh ephemeral share, HKDF of the shared secret with salt share ‖ recipient,
    /// ChaCha20-Poly1305 with an all-zero nonce.
    func wrap(_ fileKey: SecureBytes) throws -> AgeStanza {
        let ephemeral = try SecureBytes.random(count: X25519.secretKeyBytes)
        let share = try X25519.publicKey(for: ephemeral)
        let shared = try X25519.sharedSecret(ephemeral, publicKey)
        let wrapKey = try HKDF.deriveKey(from: shared, salt: share + publicKey, info: Self.wrapInfo, length: ChaCha20Poly1305.keyBytes)
        let body = try ChaCha20Poly1305.seal(fileKey, key: wrapKey, nonce: [UInt8](repeating: 0, count: ChaCha20Poly1305.nonceBytes))
        return AgeStanza(arguments: [Self.stanzaType, String(decoding: AgeBase64.encode(share), as: UTF8.self)], body: body)
    }
}
