import SafehouseCrypto

extension MemberCard {
    /// The member's age recipient (`age1…`): a card's box key is an X25519
    /// public key, so `age -r` can encrypt to a member directly.
    /// - Throws: `VaultError.badData` for a box key that is a low-order point
    ///   (no genuine card has one).
    public var ageRecipient: AgeRecipient {
        get throws {
            do { return try AgeRecipient(publicKey: boxKey) } catch {
                throw VaultError.badData(object: "member card of \(name)", hint: "its box key is not a usable X25519 public key")
            }
        }
    }
}

extension Identity {
    /// This member as an age identity, for files sent to `MemberCard.ageRecipient`.
    /// The box secret key stays in secure memory; a key agent never hands it out.
    /// - Throws: `VaultError.refused` when the keys are held by the key agent.
    public func ageIdentity() throws -> AgeX25519Identity {
        try AgeX25519Identity(secretKey: try localSecrets().boxSecretKey)
    }
}
