import Foundation
import GRDB
import SafehouseCrypto

/// One object a team change will touch.
public struct PlannedChange: Sendable {
    public let objectID: String
    public let type: String
    /// "rewrap" (a new slot for the same key) or "rekey" (fresh key and body).
    public let action: String
}

extension Vault {
    /// Re-encrypts an object under a fresh record key for `recipients`, streaming
    /// chunk by chunk (no plaintext file, constant memory), always into body format
    /// v2. Returns the new header and its chunk hashes; the new body file is named
    /// and fsynced, the caller commits the header (and `saveChunkHashes`).
    func rekey(_ opened: OpenedObject, recipients: [MemberCard], signer: Identity) throws -> (header: RecordHeader, leaves: [UInt8]) {
        let old = opened.header
        let object = "record \(old.idText)"
        let newKey = try SecureBytes.random(count: KeyDerivation.keyBytes)
        let newBody = try ChunkCipher(key: try KeyDerivation.derive(from: newKey, id: 1, context: Self.kdfContext), chunkSize: Int(old.chunkSize),
                                      hashing: .sha256(objectID: old.id))
        let oldBody = try old.cipher(key: opened.bodyKey)
        let metaKey = try KeyDerivation.derive(from: newKey, id: 2, context: Self.kdfContext, length: XChaCha20Poly1305.keyBytes)
        let fd = Foundation.open(bodyPath(old), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VaultError.badData(object: object, hint: "its encrypted body file is missing") }
        defer { close(fd) }
        let out = try newBodyOutput(for: object)
        let body = try BodyCodec.reencrypt(from: fd, header: old, oldCipher: oldBody, newCipher: newBody, to: out, object: object)
        let nonce = Random.bytes(XChaCha20Poly1305.nonceBytes)
        let meta = try XChaCha20Poly1305.seal(try opened.metadata.encoded(), key: metaKey, nonce: nonce, ad: RecordHeader.metaAD(type: old.type, id: old.id))
        let unsigned = RecordHeader(type: old.type, id: old.id, chunkSize: old.chunkSize, plaintextLength: old.plaintextLength, label: old.nextLabel,
                                    slots: try Self.makeSlots(id: old.id, recordKey: newKey, recipients: recipients),
                                    metaNonce: nonce, metaCiphertext: meta, bodyHash: body.bodyHash, signer: signer.fingerprint, signature: [])
        let header = unsigned.withSignature(try signer.sign(unsigned.encodedUnsigned()))
        try out.commit(overwrite: false, as: bodyPath(header))
        return (header, body.leaves)
    }

    /// Objects holding a key slot for `member`.
    func objectsWithSlot(for member: Fingerprint, _ db: Database) throws -> [RecordHeader] {
        let ms = try members(db)
        return try String.fetchAll(db, sql: "SELECT id FROM objects ORDER BY rowid").compactMap { id in
            let h = try loadHeader(db, id: id)
            try verifyHeaderSigner(h, members: ms)
            return h.slots.contains { $0.recipient == member } ? h : nil
        }
    }

    /// Removes a member: marks them removed, deletes their grants, and re-keys
    /// every object they could open so their old slots open nothing new.
    /// - Parameter dryRun: only list what would change.
    @discardableResult
    public func removeMember(_ query: String, by officer: Identity, dryRun: Bool) throws -> [PlannedChange] {
        let (member, headers) = try store.write { db -> (Member, [RecordHeader]) in
            let m = try memberInList(try members(db), matching: query)
            try requireOfficer(officer, db, action: "team-remove", objects: [m.fingerprint.compact])
            guard m.fingerprint != officer.fingerprint else { throw VaultError.usage("you cannot remove yourself; ask another officer") }
            guard m.fingerprint != root else { throw VaultError.refused(object: "member \(m.fingerprint)", reason: "the root officer cannot be removed", hint: "rotate the root officer's key instead") }
            return (m, try objectsWithSlot(for: m.fingerprint, db))
        }
        let plan = headers.map { PlannedChange(objectID: $0.idText, type: $0.type.label, action: "rekey") }
        if dryRun { return plan }
        let active = try members().filter { $0.isActive && $0.fingerprint != member.fingerprint }
        var replaced: [(old: RecordHeader, new: RecordHeader, leaves: [UInt8])] = []
        do {
            for h in headers {
                guard let opened = try unlockObject(h, identity: officer) else {
                    throw VaultError.refused(object: "record \(h.idText)", reason: "you hold no key slot for it, so it cannot be re-keyed",
                                             hint: "run the removal as an officer who holds every slot")
                }
                let keep = h.slots.map(\.recipient).filter { $0 != member.fingerprint }.compactMap { fp in active.first { $0.fingerprint == fp }?.card }
                let fresh = try rekey(opened, recipients: keep, signer: officer)
                replaced.append((h, fresh.header, fresh.leaves))
            }
            try store.write { db in
                for (_, n, leaves) in replaced {
                    try db.execute(sql: "UPDATE objects SET header = ?, body_length = ? WHERE id = ?", arguments: [Data(n.encoded()), Int64(n.ciphertextLength), n.idText])
                    try saveChunkHashes(db, n, leaves: leaves)
                }
                try setMemberStatus(db, member.fingerprint, "removed")
                try db.execute(sql: "DELETE FROM grants WHERE member = ?", arguments: [member.fingerprint.compact])
                try appendAudit(db, actor: officer, action: "team-remove", objects: [member.fingerprint.compact] + replaced.map { $0.new.idText }, outcome: .ok)
                try sealTrustState(db, by: officer)
            }
        } catch {
            for (_, n, _) in replaced { unlink(bodyPath(n)) }
            throw error
        }
        for (o, n, _) in replaced where bodyPath(o) != bodyPath(n) { unlink(bodyPath(o)) }
        return plan
    }

    /// Rotates a member's key: the officer endorses the new card (same name and
    /// role), marks the old one superseded, and re-wraps every slot the old key
    /// held for the new key (same record keys: the old key is assumed lost, not hostile;
    /// remove the member instead when it may be in hostile hands).
    @discardableResult
    public func rotateMember(_ query: String, newCard: MemberCard, by officer: Identity, dryRun: Bool) throws -> [PlannedChange] {
        try store.write { db in
            let old = try memberInList(try members(db).filter(\.isActive), matching: query)
            try requireOfficer(officer, db, action: "key-rotate", objects: [old.fingerprint.compact, newCard.fingerprint.compact])
            guard newCard.name == old.card.name, newCard.role == old.card.role else {
                throw VaultError.usage("the new card must keep the member's name and role (\(old.card.name), \(old.card.role.rawValue))")
            }
            guard try !members(db).contains(where: { $0.fingerprint == newCard.fingerprint }) else {
                throw VaultError.cannotCreate(object: "member \(newCard.fingerprint)", hint: "that key is already on the team")
            }
            let headers = try objectsWithSlot(for: old.fingerprint, db)
            let plan = headers.map { PlannedChange(objectID: $0.idText, type: $0.type.label, action: "rewrap") }
            if dryRun { return plan }
            for h in headers {
                guard let opened = try unlockObject(h, identity: officer) else {
                    throw VaultError.refused(object: "record \(h.idText)", reason: "you hold no key slot for it, so its slot cannot be re-wrapped",
                                             hint: "run the rotation as an officer who holds every slot")
                }
                var slots = h.slots.filter { $0.recipient != old.fingerprint }
                slots += try Self.makeSlots(id: h.id, recordKey: opened.recordKey, recipients: [newCard])
                let updated = try h.resigned(slots: slots, by: officer)
                try db.execute(sql: "UPDATE objects SET header = ? WHERE id = ?", arguments: [Data(updated.encoded()), h.idText])
            }
            try insertMember(db, card: newCard, endorsedBy: officer.fingerprint, endorsement: try officer.sign(endorsementMessage(newCard)))
            try setMemberStatus(db, old.fingerprint, "superseded")
            try sealTrustState(db, by: officer)
            for row in try Row.fetchAll(db, sql: "SELECT object_id, expires FROM grants WHERE member = ?", arguments: [old.fingerprint.compact]) {
                let excerpt: String = row["object_id"]
                let expires: String? = row["expires"]
                let sig = try officer.sign(Self.grantMessage(excerpt: excerpt, member: newCard.fingerprint, expires: expires))
                try db.execute(sql: "UPDATE grants SET member = ?, grant_sig = ? WHERE object_id = ? AND member = ?",
                               arguments: [newCard.fingerprint.compact, Data(sig), excerpt, old.fingerprint.compact])
            }
            try appendAudit(db, actor: officer, action: "key-rotate", objects: [old.fingerprint.compact, newCard.fingerprint.compact], outcome: .ok)
            return plan
        }
    }
}
