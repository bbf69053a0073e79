import SafehouseCrypto

/// An audit entry with its actor's Ed25519 signature over the canonical bytes.
///
/// The Merkle leaf is `canonicalBytes ‖ signature`, not the canonical bytes
/// alone: swapping in another valid signature (Ed25519 signatures from the same
/// key are deterministic, but a second key could sign too) changes the root.
public struct SignedAuditEntry: Sendable, Hashable {
    /// The entry that was signed.
    public let entry: AuditEntry
    /// The signer's Ed25519 public key (32 bytes).
    public let signerKey: [UInt8]
    /// Ed25519 signature (64 bytes) over `entry.canonicalBytes()`.
    public let signature: [UInt8]
    /// Cached canonical bytes: they are needed for the signature check and for
    /// the leaf hash, and re-encoding per use would double the cost of a
    /// million-entry verification.
    public let canonicalBytes: [UInt8]

    /// Wraps an entry with a signature as stored; nothing is checked here
    /// (see `verifySignature()` and `AuditChain`).
    public init(entry: AuditEntry, signerKey: [UInt8], signature: [UInt8]) {
        self.entry = entry
        self.signerKey = signerKey
        self.signature = signature
        self.canonicalBytes = entry.canonicalBytes()
    }

    /// Same, reusing canonical bytes the caller already has.
    init(entry: AuditEntry, signerKey: [UInt8], signature: [UInt8], canonicalBytes: [UInt8]) {
        self.entry = entry
        self.signerKey = signerKey
        self.signature = signature
        self.canonicalBytes = canonicalBytes
    }

    /// Signs `entry` with the actor's Ed25519 secret key.
    /// - Parameters:
    ///   - secretKey: the 64-byte libsodium secret key (seed ‖ public key).
    ///   - publicKey: the matching 32-byte public key, recorded as `signerKey`.
    /// - Throws: `AuditError.invalidKey` when the keys have the wrong length or
    ///   do not belong together, so a wrong pairing cannot produce entries that
    ///   later fail verification.
    public static func sign(_ entry: AuditEntry, secretKey: SecureBytes, publicKey: [UInt8]) throws -> SignedAuditEntry {
        guard publicKey.count == Signature.publicKeyBytes else { throw AuditError.invalidKey(what: "public key must be 32 bytes") }
        guard secretKey.count == Signature.secretKeyBytes else { throw AuditError.invalidKey(what: "secret key must be 64 bytes") }
        // libsodium's Ed25519 secret key ends with the public key
        // (crypto_sign_ed25519_sk_to_pk copies it from there): comparing that
        // half costs nothing, where a trial verification would triple the
        // cost of an append.
        let embedded = secretKey.withUnsafeBytes { Array($0[32..<64]) }
        guard embedded == publicKey else { throw AuditError.invalidKey(what: "public key does not match the secret key") }
        let bytes = entry.canonicalBytes()
        guard let signature = try? Signature.sign(bytes, secretKey: secretKey) else { throw AuditError.signingFailed }
        return SignedAuditEntry(entry: entry, signerKey: publicKey, signature: signature, canonicalBytes: bytes)
    }

    /// Signs through `signer` (e.g. a key agent holding the secret key); the
    /// signature is checked against `publicKey` before it is accepted.
    public static func sign(_ entry: AuditEntry, publicKey: [UInt8], using signer: ([UInt8]) throws -> [UInt8]) throws -> SignedAuditEntry {
        guard publicKey.count == Signature.publicKeyBytes else { throw AuditError.invalidKey(what: "public key must be 32 bytes") }
        let bytes = entry.canonicalBytes()
        guard let signature = try? signer(bytes), Signature.verify(signature, message: bytes, publicKey: publicKey) else {
            throw AuditError.signingFailed
        }
        return SignedAuditEntry(entry: entry, signerKey: publicKey, signature: signature, canonicalBytes: bytes)
    }

    /// True when `signature` is a valid Ed25519 signature of the canonical
    /// bytes by `signerKey`. Whether that key may speak for `entry.actor` is a
    /// separate question (`AuditChain.verify`'s `trusted`).
    public func verifySignature() -> Bool {
        Signature.verify(signature, message: canonicalBytes, publicKey: signerKey)
    }

    /// The Merkle leaf data: canonical bytes ‖ signature.
    public var leafData: [UInt8] { canonicalBytes + signature }

    /// The Merkle leaf hash, SHA-256(0x00 ‖ canonical ‖ signature); the next
    /// entry's `prevHash`.
    public var leafHash: [UInt8] { MerkleTree.leafHash(leafData) }

    public static func == (lhs: SignedAuditEntry, rhs: SignedAuditEntry) -> Bool {
        lhs.entry == rhs.entry && lhs.signerKey == rhs.signerKey && lhs.signature == rhs.signature
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(entry)
        hasher.combine(signerKey)
        hasher.combine(signature)
    }
}
