import Foundation
import GRDB
import SafehouseCrypto

/// Per-recipient copies, made at HQ. An editor (any grantee who is not an
/// officer) never receives the shared excerpt: `grant` seals them a copy of
/// their own whose pseudonyms are replaced by ones derived for them alone, with
/// a *marking key* only officers hold — subkey 4 of the source record's key
/// (the source record is sealed to officers only). So a recipient can neither
/// strip the marks (they never see the unmarked text) nor produce another
/// recipient's copy (they lack the key), and `trace` tells whose copy leaked.
///
/// HQ keeps `copies(copy_id, parent, member, pseudonyms)`: what to ship with an
/// excerpt, and the real pseudonyms a copy hides (for consent withdrawals). An
/// editor's vault finds its copy by the signed provenance inside it (`copyOf`).
extension Vault {
    /// The marking key of the excerpts of a source record (officers only).
    func markingKey(sourceRecord: String, officer: Identity, _ db: Database) throws -> SecureBytes {
        let source = try loadHeader(db, id: sourceRecord)
        guard let opened = try unlockObject(source, identity: officer) else {
            throw VaultError.refused(object: "record \(sourceRecord)", reason: "you hold no key slot for the excerpt's source record",
                                     hint: "a per-recipient copy is made by an officer who holds the source record")
        }
        return try KeyDerivation.derive(from: opened.recordKey, id: 4, context: Self.kdfContext)
    }

    /// Seals `member`'s own marked copy of an excerpt (in the grant's transaction)
    /// and drops any earlier copy of theirs. Returns the body files to remove after commit.
    func makeRecipientCopy(_ db: Database, parent: OpenedObject, member: Member, officer: Identity) throws -> [String] {
        let parentID = parent.header.idText
        // A media excerpt's clip is the same for every recipient; only the payload is marked.
        let (payloadBytes, isMedia) = try excerptPayloadPrefix(parent)
        guard var payload = try? JSONDecoder().decode(ExcerptPayload.self, from: Data(payloadBytes)) else {
            throw VaultError.badData(object: "excerpt \(parentID)", hint: "its content does not parse")
        }
        let real = payload.pseudonyms
        let map = try Self.recipientPseudonyms(real, member: member.fingerprint,
                                               key: try markingKey(sourceRecord: payload.provenance.sourceRecord, officer: officer, db))
        payload.cues = payload.cues.map { c in
            var c = c
            for (p, q) in map { c.text = c.text.replacingOccurrences(of: p, with: q); c.speaker = c.speaker?.replacingOccurrences(of: p, with: q) }
            return c
        }
        payload.pseudonyms = real.map { map[$0] ?? $0 }.sorted()
        payload.provenance.copyOf = parentID
        payload.provenance.recipient = member.fingerprint.compact
        let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
        let encoded = [UInt8](try enc.encode(payload))
        var meta = parent.metadata
        meta.subject = meta.subject.map { map[$0] ?? $0 }
        meta.provenance = payload.provenance
        let officers = try members(db).filter { $0.isActive && $0.card.role == .officer }.map(\.card)
        let copy: RecordHeader
        if isMedia {
            let staged = try stageMediaCopy(of: parent, replacing: payloadBytes, with: encoded, metadata: meta, recipients: [member.card] + officers,
                                            signer: officer, object: "excerpt \(parentID)", label: "v1")
            try staged.output.commit(overwrite: false, as: bodyPath(staged.header))
            copy = staged.header
        } else {
            (copy, _, _) = try sealObject(type: .excerpt, source: .bytes(encoded), length: UInt64(encoded.count), metadata: meta,
                                          recipients: [member.card] + officers, signer: officer, object: "excerpt \(parentID)",
                                          progress: nil, label: "v1")
        }
        let stale = try dropRecipientCopies(db, parent: parentID, member: member.fingerprint)
        do {
            try insertObject(db, copy)
            try db.execute(sql: "INSERT INTO copies(copy_id, parent, member, pseudonyms) VALUES (?, ?, ?, ?)",
                           arguments: [copy.idText, parentID, member.fingerprint.compact, real.joined(separator: ",")])
        } catch { unlink(bodyPath(copy)); throw error }
        return stale
    }

    /// Deletes a member's copies of an excerpt; returns their body files (to remove after commit).
    func dropRecipientCopies(_ db: Database, parent: String, member: Fingerprint) throws -> [String] {
        var bodies: [String] = []
        for id in try String.fetchAll(db, sql: "SELECT copy_id FROM copies WHERE parent = ? AND member = ?", arguments: [parent, member.compact]) {
            if let h = try? loadHeader(db, id: id) { bodies.append(bodyPath(h)) }
            try db.execute(sql: "DELETE FROM objects WHERE id = ?", arguments: [id])
        }
        try db.execute(sql: "DELETE FROM copies WHERE parent = ? AND member = ?", arguments: [parent, member.compact])
        return bodies
    }

    /// `member`'s own copy of an excerpt: from HQ's table, else (an editor's vault)
    /// the newest excerpt they can open whose signed provenance says it is a copy of `parent`.
    func recipientCopy(_ db: Database, parent: String, member: Identity) throws -> (id: String, realPseudonyms: [String]?)? {
        if let row = try Row.fetchOne(db, sql: "SELECT copy_id, pseudonyms FROM copies WHERE parent = ? AND member = ? ORDER BY rowid DESC LIMIT 1",
                                      arguments: [parent, member.fingerprint.compact]),
           let id = row["copy_id"] as String?, let ps = row["pseudonyms"] as String? {
            return (id, ps.split(separator: ",").map(String.init))
        }
        for id in try String.fetchAll(db, sql: "SELECT id FROM objects WHERE type = ? ORDER BY rowid DESC", arguments: [Int(ObjectType.excerpt.rawValue)]) {
            let h = try loadHeader(db, id: id)
            guard h.slots.contains(where: { $0.recipient == member.fingerprint }), let opened = try unlockObject(h, identity: member),
                  opened.metadata.provenance?.copyOf == parent, opened.metadata.provenance?.recipient == member.fingerprint.compact else { continue }
            return (id, nil)
        }
        return nil
    }

    /// Excerpt copies to ship with the given excerpts (HQ).
    func recipientCopies(_ db: Database, of parents: [String]) throws -> [String] {
        let wanted = Set(parents)
        return try Row.fetchAll(db, sql: "SELECT copy_id, parent FROM copies ORDER BY rowid").compactMap { row in
            guard let parent = row["parent"] as String?, wanted.contains(parent) else { return nil }
            return row["copy_id"] as String?
        }
    }
}
