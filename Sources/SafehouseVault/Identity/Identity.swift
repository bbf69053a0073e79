import SafehouseCrypto

/// An unlocked member: secret keys in secure memory, or held by this member's
/// key agent (`safehouse agent`), which signs and opens key slots on request
/// and never hands the secret keys out. Never printable.
public final class Identity: @unchecked Sendable, CustomStringConvertible {
    public let signPublicKey: [UInt8]
    public let boxPublicKey: [UInt8]
    /// The member card, when known (from FILE.pub or the vault).
    public let card: MemberCard?

    enum Backing {
        case local(signSecretKey: SecureBytes, boxSecretKey: SecureBytes, seed: SecureBytes)
        case agent(KeyAgentClient)
    }
    let backing: Backing

    init(signPublicKey: [UInt8], signSecretKey: SecureBytes, boxPublicKey: [UInt8], boxSecretKey: SecureBytes, seed: SecureBytes, card: MemberCard?) {
        self.signPublicKey = signPublicKey
        self.boxPublicKey = boxPublicKey
        self.backing = .local(signSecretKey: signSecretKey, boxSecretKey: boxSecretKey, seed: seed)
        self.card = card
    }

    /// An identity whose secret keys stay in a running key agent. The agent's
    /// public keys were checked against the key file's fingerprint by `client`.
    public init(agent client: KeyAgentClient, card: MemberCard?) {
        self.signPublicKey = client.signPublicKey
        self.boxPublicKey = client.boxPublicKey
        self.backing = .agent(client)
        self.card = card
    }

    public var fingerprint: Fingerprint { Fingerprint(signKey: signPublicKey, boxKey: boxPublicKey) }

    /// True when the secret keys are held by a key agent, not by this process.
    public var usesAgent: Bool { if case .agent = backing { return true } else { return false } }

    /// Signs bytes with this member's Ed25519 key. A signature that comes back
    /// from an agent is verified before it is used.
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        switch backing {
        case .local(let sk, _, _):
            return try Signature.sign(message, secretKey: sk)
        case .agent(let client):
            let sig = try client.sign(message)
            guard Signature.verify(sig, message: message, publicKey: signPublicKey) else {
                throw VaultError.refused(object: "key agent", reason: "it returned a signature that does not verify",
                                         hint: "stop it with `safehouse agent stop` and start it again")
            }
            return sig
        }
    }

    /// Opens a key slot sealed to this member. Every failure is the same
    /// `CryptoError.authenticationFailed`, whichever side held the key.
    func openSlot(_ box: [UInt8]) throws -> SecureBytes {
        switch backing {
        case .local(_, let sk, _):
            return try SealedBox.open(box, publicKey: boxPublicKey, secretKey: sk)
        case .agent(let client):
            return try client.openSlot(box)
        }
    }

    static let sealTagBytes = 32
    static let sealTagMessageLimit = 256

    /// A keyed BLAKE2b-256 of `message` under this member's seal-tag key, a
    /// subkey of the secret seed (`crypto_kdf`, context `SHsealtg`, id 1) that
    /// serves nothing else: duplicate tags at seal (`Vault+SealTags`). Someone
    /// without the unlocked key cannot compute it, so the stored tags confirm
    /// nothing to a seizer. An agent computes it without handing the key out.
    func sealTag(_ message: [UInt8]) throws -> [UInt8] {
        switch backing {
        case .local(_, _, let seed):
            let key = try KeyDerivation.derive(from: seed, id: 1, context: "SHsealtg")
            return GenericHash.hash(message, length: Self.sealTagBytes, key: key)
        case .agent(let client):
            return try client.sealTag(message)
        }
    }

    /// The secret halves for re-encrypting the key file or splitting it for
    /// recovery. An agent never hands these out.
    func localSecrets() throws -> (seed: SecureBytes, boxSecretKey: SecureBytes, signSecretKey: SecureBytes) {
        guard case .local(let ssk, let bsk, let seed) = backing else {
            throw VaultError.refused(object: "key agent", reason: "this needs the key file itself, not the agent",
                                     hint: "run the command with --no-agent (or SAFEHOUSE_NO_AGENT=1) and give the passphrase")
        }
        return (seed, bsk, ssk)
    }

    /// The secret key seed, for recovery splitting only.
    /// - Warning: the returned secret is the whole identity; wipe it as soon as possible.
    public func exportSecretForRecovery() throws -> SecureBytes {
        let s = try localSecrets()
        return try SecureBytes.concatenating([s.seed, s.boxSecretKey])
    }

    public var description: String { "Identity(\(fingerprint), <secret keys \(usesAgent ? "in the key agent" : "redacted")>)" }
}
