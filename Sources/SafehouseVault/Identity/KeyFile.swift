import Foundation
import SafehouseCrypto

/// The passphrase-protected secret key file (Docs/FORMAT.md, "Key file").
///
/// ```
/// "SHKF" version=1 (u8)
/// kdf-alg u8 (2 = Argon2id v1.3)   opslimit u64   memlimit u64   salt[16]
/// nonce[24]   sign-pk[32]   box-pk[32]
/// ciphertext-len u32   ciphertext = XChaCha20-Poly1305(seed[32] ‖ box-sk[32])
/// ```
/// All integers big-endian. The associated data is every byte before the
/// ciphertext, so the cost, salt and public keys cannot be changed unnoticed.
/// The public keys stand in clear so a failed unlock can be attributed in the audit log.
public enum KeyFile {
    static let magic: [UInt8] = Array("SHKF".utf8)
    static let version: UInt8 = 1
    static let algArgon2id: UInt8 = 2
    /// Upper bounds so a hostile file cannot make us allocate without limit.
    static let maxMemLimit: UInt64 = 4 << 30
    static let maxOpsLimit: UInt64 = 64

    /// Creates a new member: writes `path` (secret, 0600) and `path.pub` (card, 0644).
    /// - Returns: the new card.
    @discardableResult
    public static func create(name: String, role: Role, path: String, passphrase: SecureBytes,
                              cost: PasswordHash.Cost, overwrite: Bool = false) throws -> MemberCard {
        try MemberCard.validate(name: name)
        guard passphrase.count >= 1 else { throw VaultError.usage("the passphrase is empty") }
        let seed = try SecureBytes.random(count: Signature.seedBytes)
        let (signPK, signSK) = try Signature.keyPair(seed: seed)
        let (boxPK, boxSK) = try SealedBox.keyPair()
        let card = try MemberCard.make(name: name, role: role, signKey: signPK, boxKey: boxPK, signSecret: signSK)
        let bytes = try seal(seed: seed, boxSecret: boxSK, signPK: signPK, boxPK: boxPK, passphrase: passphrase,
                             opsLimit: cost.opsLimit, memLimit: cost.memLimit)
        try AtomicOutput.writeFile(bytes, to: path, overwrite: overwrite, mode: 0o600)
        do {
            try AtomicOutput.writeFile(Array(card.text.utf8), to: path + ".pub", overwrite: overwrite, mode: 0o644)
        } catch {
            unlink(path)
            throw error
        }
        return card
    }

    static func seal(seed: SecureBytes, boxSecret: SecureBytes, signPK: [UInt8], boxPK: [UInt8],
                     passphrase: SecureBytes, opsLimit: UInt64, memLimit: UInt64) throws -> [UInt8] {
        let salt = Random.bytes(PasswordHash.saltBytes)
        let nonce = Random.bytes(XChaCha20Poly1305.nonceBytes)
        var w = ByteWriter()
        w.raw(magic); w.u8(version); w.u8(algArgon2id); w.u64(opsLimit); w.u64(memLimit)
        w.raw(salt); w.raw(nonce); w.raw(signPK); w.raw(boxPK)
        let ad = w.bytes
        let key = try PasswordHash.deriveKey(length: XChaCha20Poly1305.keyBytes, passphrase: passphrase, salt: salt,
                                             opsLimit: opsLimit, memLimit: memLimit)
        let payload = try SecureBytes.concatenating([seed, boxSecret])
        let ct = try payload.withUnsafeBytes { try XChaCha20Poly1305.seal($0, key: key, nonce: nonce, ad: ad) }
        w.blob(ct)
        return w.bytes
    }

    /// The public part of a key file, readable without the passphrase.
    public struct Header: Sendable {
        public let opsLimit: UInt64
        public let memLimit: UInt64
        let salt: [UInt8]
        let nonce: [UInt8]
        public let signKey: [UInt8]
        public let boxKey: [UInt8]
        let ad: [UInt8]
        let ciphertext: [UInt8]
        /// Fingerprint of the key pair this file claims to hold.
        public var fingerprint: Fingerprint { Fingerprint(signKey: signKey, boxKey: boxKey) }
    }

    /// Parses a key file without unlocking it.
    public static func readHeader(path: String) throws -> Header {
        try parseHeader(try readSmallFile(path, maxBytes: 4096), object: path)
    }

    /// Parses the bytes of a key file without unlocking it (strict).
    static func parseHeader(_ bytes: [UInt8], object path: String) throws -> Header {
        let bad = VaultError.badData(object: path, hint: "this is not a safehouse secret key file, or it is damaged; restore it from your backup or recovery shares")
        var r = ByteReader(bytes, object: path)
        do {
            try r.expect(magic)
            guard try r.u8() == version, try r.u8() == algArgon2id else { throw bad }
            let ops = try r.u64(), mem = try r.u64()
            guard ops >= PasswordHash.opsLimitMin, ops <= maxOpsLimit, mem >= PasswordHash.memLimitMin, mem <= maxMemLimit else { throw bad }
            let salt = try r.take(PasswordHash.saltBytes)
            let nonce = try r.take(XChaCha20Poly1305.nonceBytes)
            let spk = try r.take(Signature.publicKeyBytes)
            let bpk = try r.take(SealedBox.publicKeyBytes)
            let ad = Array(bytes[0..<r.offset])
            let ct = try r.blob(max: 4096)
            guard ct.count == Signature.seedBytes + SealedBox.secretKeyBytes + XChaCha20Poly1305.tagBytes else { throw bad }
            try r.expectEnd()
            return Header(opsLimit: ops, memLimit: mem, salt: salt, nonce: nonce, signKey: spk, boxKey: bpk, ad: ad, ciphertext: ct)
        } catch is VaultError { throw bad }
    }

    /// Unlocks a key file.
    /// - Throws: `VaultError.refused` (exit 77) for a wrong passphrase — or a file whose
    ///   bytes were changed, which cannot be told apart; `badData` for a malformed file.
    public static func unlock(path: String, passphrase: SecureBytes, card: MemberCard? = nil) throws -> Identity {
        let h = try readHeader(path: path)
        let key = try PasswordHash.deriveKey(length: XChaCha20Poly1305.keyBytes, passphrase: passphrase, salt: h.salt,
                                             opsLimit: h.opsLimit, memLimit: h.memLimit)
        let payload: SecureBytes
        do {
            payload = try XChaCha20Poly1305.openSecret(h.ciphertext, key: key, nonce: h.nonce, ad: h.ad)
        } catch {
            throw VaultError.refused(object: path, reason: "wrong passphrase, or the key file was altered",
                                     hint: "check the passphrase (SAFEHOUSE_PASSPHRASE, --passphrase-file, or the prompt)")
        }
        let seed = try payload.slice(0..<Signature.seedBytes)
        let boxSK = try payload.slice(Signature.seedBytes..<payload.count)
        let (spk, ssk) = try Signature.keyPair(seed: seed)
        let bpk = try SealedBox.publicKey(for: boxSK)
        guard spk == h.signKey, bpk == h.boxKey else {
            throw VaultError.badData(object: path, hint: "the key file's public keys do not match its secret keys")
        }
        return Identity(signPublicKey: spk, signSecretKey: ssk, boxPublicKey: bpk, boxSecretKey: boxSK, seed: seed, card: card)
    }

    /// Re-encrypts an unlocked identity under a new passphrase (for `key passwd` / recovery).
    public static func write(_ identity: Identity, to path: String, passphrase: SecureBytes, cost: PasswordHash.Cost, overwrite: Bool) throws {
        let secrets = try identity.localSecrets()
        let bytes = try seal(seed: secrets.seed, boxSecret: secrets.boxSecretKey, signPK: identity.signPublicKey,
                             boxPK: identity.boxPublicKey, passphrase: passphrase, opsLimit: cost.opsLimit, memLimit: cost.memLimit)
        try AtomicOutput.writeFile(bytes, to: path, overwrite: overwrite, mode: 0o600)
    }
}
