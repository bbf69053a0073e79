import Foundation
import GRDB
import SafehouseCrypto

/// Duplicate detection at seal without an oracle for a seizer.
///
/// The `seal_tags` table holds, per record sealed from a file, a tag
/// `T = BLAKE2b-256_K("safehouse seal-tag v2" ‖ vault id ‖ ContentDigest)` and a
/// binding `B = BLAKE2b-256_K("safehouse seal-bind v1" ‖ T ‖ record id)`, where
/// `K` is the sealer's seal-tag key (a subkey of its secret seed; see
/// `Identity.sealTag`). Without the unlocked key nobody can compute `T` for a
/// known file, so the table confirms nothing; with it (the passphrase forced
/// out of the owner) known files can be tested — Docs/THREAT-MODEL.md.
/// `B` ties a tag to its record, so moving tag rows between records (to make a
/// batch skip a file as "already sealed" under the wrong id) is noticed.
extension Vault {
    /// v2: over the SHA-256 content digest. Tags of v1 (BLAKE2b digest, written
    /// only by the first release with seal tags) never match, so a file sealed
    /// then is sealed again once; the v1 rows stay bound to their records.
    static let sealTagDomain = Array("safehouse seal-tag v2".utf8)
    static let sealBindDomain = Array("safehouse seal-bind v1".utf8)

    /// The sealer's tag of a file whose plaintext has this `ContentDigest`.
    func sealTag(content: [UInt8], by sealer: Identity) throws -> [UInt8] {
        try sealer.sealTag(Self.sealTagDomain + id + content)
    }

    func sealBinding(tag: [UInt8], recordID: [UInt8], by sealer: Identity) throws -> [UInt8] {
        try sealer.sealTag(Self.sealBindDomain + tag + recordID)
    }

    /// The record this sealer already sealed with `tag`, if its row is genuine
    /// (binding verifies, record present). A row that fails is ignored: the file
    /// is sealed again and its row replaced.
    func sealedRecord(_ db: Database, tag: [UInt8], by sealer: Identity) throws -> String? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT t.record_id, t.binding FROM seal_tags t JOIN objects o ON o.id = t.record_id
            WHERE t.tag = ? AND o.type = ?
            """, arguments: [Data(tag), Int(ObjectType.record.rawValue)]) else { return nil }
        let rid: String = try row.value("record_id", of: "seal_tags table")
        let binding: Data = try row.value("binding", of: "seal tag of record \(rid)")
        guard let ridBytes = Encoding.unhex(rid), ridBytes.count == RecordHeader.idBytes else { return nil }
        let expected = try sealBinding(tag: tag, recordID: ridBytes, by: sealer)
        return expected == [UInt8](binding) ? rid : nil
    }

    /// Records `tag` for a new record; replaces a row with the same tag only when
    /// it is not genuine (`replacing`), otherwise keeps the first (`--again`).
    func insertSealTag(_ db: Database, tag: [UInt8], header: RecordHeader, by sealer: Identity, replacing: Bool) throws {
        let binding = try sealBinding(tag: tag, recordID: header.id, by: sealer)
        try db.execute(sql: "INSERT OR \(replacing ? "REPLACE" : "IGNORE") INTO seal_tags(record_id, tag, binding) VALUES (?, ?, ?)",
                       arguments: [header.idText, Data(tag), Data(binding)])
    }

    /// `check`: every tag row refers to a record and holds two 32-byte values
    /// (their keyed contents can be verified only by their sealer).
    func checkSealTags(_ db: Database) throws {
        for row in try Row.fetchAll(db, sql: """
            SELECT t.record_id, t.tag, t.binding, o.type FROM seal_tags t LEFT JOIN objects o ON o.id = t.record_id
            """) {
            let rid: String = try row.value("record_id", of: "seal_tags table")
            let object = "seal tag of record \(rid)"
            let tag: Data = try row.value("tag", of: object), binding: Data = try row.value("binding", of: object)
            let type: Int? = try row.optionalValue("type", of: object)
            guard type == Int(ObjectType.record.rawValue), tag.count == Identity.sealTagBytes, binding.count == Identity.sealTagBytes else {
                throw VaultError.badData(object: "seal_tags table", hint: "the tag of record \(rid) is malformed or names no record (edited)")
            }
        }
    }

}
