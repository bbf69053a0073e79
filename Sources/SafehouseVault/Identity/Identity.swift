import SafehouseCrypto

/// An unlocked member: secret keys in secure memory. Never printable.
public final class Identity: @unchecked Sendable, CustomStringConvertible {
    public let signPublicKey: [UInt8]
    let signSecretKey: SecureBytes
    public let boxPublicKey: [UInt8]
    let boxSecretKey: SecureBytes
    let seed: SecureBytes
    /// The member card, when known (from FILE.pub or the vault).
    public let card: MemberCard?

    init(signPublicKey: [UInt8], signSecretKey: SecureBytes, boxPublicKey: [UInt8], boxSecretKey: SecureBytes, seed: SecureBytes, card: MemberCard?) {
        self.signPublicKey = signPublicKey
        self.signSecretKey = signSecretKey
        self.boxPublicKey = boxPublicKey
        self.boxSecretKey = boxSecretKey
        self.seed = seed
        self.card = card
    }

    public var fingerprint: Fingerprint { Fingerprint(signKey: signPublicKey, boxKey: boxPublicKey) }

    /// Signs bytes with this member's Ed25519 key.
    public func sign(_ message: [UInt8]) throws -> [UInt8] { try Signature.sign(message, secretKey: signSecretKey) }

    /// Opens a key slot sealed to this member.
    func openSlot(_ box: [UInt8]) throws -> SecureBytes {
        try SealedBox.open(box, publicKey: boxPublicKey, secretKey: boxSecretKey)
    }

    /// The secret key seed, for recovery splitting only.
    /// - Warning: the returned secret is the whole identity; wipe it as soon as possible.
    public func exportSecretForRecovery() throws -> SecureBytes { try SecureBytes.concatenating([seed, boxSecretKey]) }

    public var description: String { "Identity(\(fingerprint), <secret keys redacted>)" }
}
