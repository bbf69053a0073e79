import Foundation
import SafehouseCrypto
#if canImport(Glibc)
import Glibc
#endif

/// k-of-n recovery of a member's secret key (Docs/RECOVERY.md).
///
/// What is split is the whole secret of one member — the Ed25519 seed and the
/// X25519 secret key, 64 bytes — so that a lost passphrase or a lost officer
/// does not lose what was sealed to that member. Any `threshold` trustees
/// together can rebuild that member's key; fewer learn nothing about it.
///
/// Rules: share bytes live in `SecureBytes` and leave this module only as the
/// text handed to `withText`; no error or description contains them.
public enum KeyRecovery {
    /// Bytes that are split: the sign seed followed by the box secret key.
    static var secretBytes: Int { Signature.seedBytes + SealedBox.secretKeyBytes }

    /// Splits an unlocked identity into `count` shares, any `threshold` of which restore it.
    /// - Parameters:
    ///   - identity: the unlocked member.
    ///   - card: that member's card (name and role are written on every share, so the
    ///     card can be rebuilt on recovery); it must belong to `identity`.
    /// - Throws: `VaultError.usage` unless 2 ≤ threshold ≤ count ≤ 255, or when the card is another member's.
    public static func split(_ identity: Identity, card: MemberCard, threshold: Int, count: Int) throws -> [RecoveryShare] {
        guard threshold >= 2, threshold <= count, count <= 255 else {
            throw VaultError.usage("recovery needs 2 ≤ threshold ≤ shares ≤ 255 (got threshold \(threshold), shares \(count))")
        }
        guard card.fingerprint == identity.fingerprint else {
            throw VaultError.usage("the member card is not the card of this key (card \(card.fingerprint), key \(identity.fingerprint))")
        }
        let secret = try identity.exportSecretForRecovery()
        let setID = Random.bytes(RecoveryShare.setIDBytes)
        return try Shamir.split(secret, threshold: threshold, count: count).map { s in
            RecoveryShare(memberName: card.name, role: card.role, fingerprint: card.fingerprint, setID: setID,
                          threshold: threshold, index: Int(s.index), total: count, value: s.value)
        }
    }

    /// Writes every share to `directory/share-I-of-N.txt` (mode 0600), all or nothing.
    ///
    /// Nothing is written when any target exists and `overwrite` is false (exit 73);
    /// if a later write fails, the shares already written are removed again.
    /// The folder is created (mode 0700) when it does not exist.
    /// - Parameter beforeCommit: runs once every share is written but none has its
    ///   name yet (e.g. the audit entry): if it throws, no share appears.
    /// - Returns: the paths written, in share order.
    @discardableResult
    public static func writeShares(_ shares: [RecoveryShare], to directory: String, overwrite: Bool,
                                   beforeCommit: () throws -> Void = {}) throws -> [String] {
        var isDir: ObjCBool = false
        var createdDirectory = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue else { throw VaultError.cannotCreate(object: directory, hint: "it is a file, not a folder") }
        } else {
            guard mkdir(directory, 0o700) == 0 else {
                throw VaultError.cannotCreate(object: directory, hint: String(cString: strerror(errno)))
            }
            createdDirectory = true
        }
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        var committed: [String] = []
        do {
            // Open every output first: an existing file refuses the whole split before anything is written.
            let outputs = try shares.map { try AtomicOutput(path: base + $0.fileName, overwrite: overwrite, mode: 0o600) }
            for (share, out) in zip(shares, outputs) {
                try share.withText { try out.write($0) }
            }
            try beforeCommit()
            for out in outputs {
                try out.commit(overwrite: overwrite)
                committed.append(out.path)
            }
            return committed
        } catch {
            for path in committed { unlink(path) }
            if createdDirectory { rmdir(directory) }
            throw error
        }
    }

    /// Reads and checks one share file (size-capped; the read buffer is wiped).
    /// - Throws: `missing` (66), `badData` (65) with "checksum mismatch" or "not a valid recovery share".
    public static func readShare(path: String) throws -> RecoveryShare {
        var bytes = try readSmallFile(path, maxBytes: 64 << 10)
        defer { SecureBytes.wipe(&bytes) }
        return try RecoveryShare.parse(bytes, object: path)
    }

    /// Rebuilds the member's identity from shares.
    ///
    /// Checks, in order: the shares come from one split (same set id, member,
    /// threshold, total); their numbers are distinct; there are at least
    /// `threshold`. All given shares are interpolated (extra shares must agree),
    /// then the rebuilt public keys must have the fingerprint written on the shares.
    /// - Returns: the identity, with its member card rebuilt (equal to the original:
    ///   Ed25519 signatures are deterministic).
    /// - Throws: `usage` (64) for too few shares or the same share twice; `badData` (65)
    ///   for mixed splits, conflicting shares, or shares that rebuild another key.
    public static func combine(_ shares: [RecoveryShare]) throws -> Identity {
        guard let first = shares.first else { throw VaultError.usage("no recovery shares given") }
        func name(_ s: RecoveryShare) -> String { s.source.isEmpty ? "share \(s.index)" : s.source }
        for s in shares.dropFirst() {
            guard s.setID == first.setID else {
                throw VaultError.badData(object: "\(name(s)): from a different split than \(name(first))",
                                         hint: "shares of different splits cannot be combined; use shares whose \"set:\" lines are identical")
            }
            guard s.fingerprint == first.fingerprint, s.memberName == first.memberName, s.role == first.role,
                  s.threshold == first.threshold, s.total == first.total, s.value.count == first.value.count else {
                throw VaultError.badData(object: "\(name(s)): disagrees with \(name(first))",
                                         hint: "the shares carry the same set id but different member, threshold or size; one of them was altered")
            }
        }
        var seen: [Int: RecoveryShare] = [:]
        for s in shares {
            if let other = seen[s.index] {
                if other.value == s.value {
                    throw VaultError.usage("\(name(s)) and \(name(other)) are the same share (\(s.index) of \(s.total)); give \(first.threshold) different shares")
                }
                throw VaultError.badData(object: "\(name(s)): conflicts with \(name(other))",
                                         hint: "two different shares both claim to be share \(s.index) of \(s.total); one of them was altered")
            }
            seen[s.index] = s
        }
        guard shares.count >= first.threshold else {
            throw VaultError.usage("recovering \(first.fingerprint) needs \(first.threshold) of its \(first.total) shares; only \(shares.count) given")
        }
        guard first.value.count == secretBytes else {
            throw VaultError.badData(object: "\(name(first)): not a key share",
                                     hint: "the share holds \(first.value.count) bytes, a key share \(secretBytes)")
        }
        let secret = try Shamir.combine(shares.map { Shamir.Share(index: UInt8($0.index), value: $0.value) })
        let seed = try secret.slice(0..<Signature.seedBytes)
        let boxSK = try secret.slice(Signature.seedBytes..<secretBytes)
        let (signPK, signSK) = try Signature.keyPair(seed: seed)
        let boxPK = try SealedBox.publicKey(for: boxSK)
        guard Fingerprint(signKey: signPK, boxKey: boxPK) == first.fingerprint else {
            throw VaultError.badData(object: "recovery shares for \(first.fingerprint): they rebuild a different key",
                                     hint: "at least one share was altered although its checksum reads correctly; try another combination of shares")
        }
        let card = try MemberCard.make(name: first.memberName, role: first.role, signKey: signPK, boxKey: boxPK, signSecret: signSK)
        return Identity(signPublicKey: signPK, signSecretKey: signSK, boxPublicKey: boxPK, boxSecretKey: boxSK, seed: seed, card: card)
    }

    /// Writes a recovered identity as a new key file `path` (0600, under `passphrase`)
    /// and its card `path.pub` (0644): both or neither.
    /// - Throws: `cannotCreate` (73) when either exists and `overwrite` is false.
    public static func writeKey(_ identity: Identity, to path: String, passphrase: SecureBytes, cost: PasswordHash.Cost,
                                overwrite: Bool) throws {
        guard let card = identity.card else { throw VaultError.usage("the recovered key has no member card") }
        guard passphrase.count >= 1 else { throw VaultError.usage("the passphrase is empty") }
        if !overwrite {
            for p in [path, path + ".pub"] where FileManager.default.fileExists(atPath: p) {
                throw VaultError.cannotCreate(object: p, hint: "it exists; pass --force to replace it")
            }
        }
        try KeyFile.write(identity, to: path, passphrase: passphrase, cost: cost, overwrite: overwrite)
        do {
            try AtomicOutput.writeFile(Array(card.text.utf8), to: path + ".pub", overwrite: overwrite, mode: 0o644)
        } catch {
            unlink(path)
            throw error
        }
    }
}
