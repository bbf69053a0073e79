import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto
import SafehouseRedaction

/// A subject identity to register: the sheet entry as JSON (name, aliases,
/// relatives, places, identifiers …) plus the fields stats need.
public struct SubjectIdentity: Sendable {
    /// The subject's sheet entry, JSON-encoded. Sealed; never logged.
    public let json: [UInt8]
    public let category: String
    public let consent: String
    public let country: String?

    public init(json: [UInt8], category: String, consent: String, country: String?) {
        self.json = json; self.category = category; self.consent = consent; self.country = country
    }

    /// A sheet entry as it is sealed: its JSON with sorted keys (stable bytes
    /// for the same entry), with the facts officers aggregate beside it.
    public init(entry: SubjectEntry) throws {
        let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
        self.init(json: [UInt8](try enc.encode(entry)), category: entry.category.rawValue, consent: entry.consent.rawValue, country: entry.country)
    }
}

/// A registered subject as an identity holder sees it.
public struct SubjectInfo: Sendable {
    public let pseudonym: String
    public let category: String?
    public let consent: String?
    public let country: String?
    /// The identity JSON; present only when asked for (and audited).
    public let identity: [UInt8]?
}

extension Vault {
    /// Registers subjects: each identity is sealed to the identity holders (the
    /// officers, and the registering interviewer unless this is a field vault)
    /// and gets a fresh random pseudonym. Returns the pseudonyms in order.
    public func importSubjects(_ subjects: [SubjectIdentity], by registrar: Identity) throws -> [String] {
        let holders: [MemberCard] = try store.write { db in
            let me = try requireMember(registrar, db, action: "subject-import", objects: [])
            guard me.card.role != .editor else {
                try refuse(db, actor: registrar, action: "subject-import", objects: [], reason: "role-not-allowed",
                           .refused(object: "subjects", reason: "editors cannot register subjects", hint: "an interviewer or officer registers subjects"))
            }
            var cards = try members(db).filter { $0.isActive && $0.card.role == .officer }.map(\.card)
            if kind == .hq, me.card.role == .interviewer { cards.append(me.card) }
            return cards
        }
        var sealed: [(RecordHeader, String)] = []
        var taken = Set(try store.read { db in try String.fetchAll(db, sql: "SELECT pseudonym FROM subjects") })
        do {
            for s in subjects {
                var p = Pseudonym.generate()
                while taken.contains(p) { p = Pseudonym.generate() }
                taken.insert(p)
                let meta = RecordMetadata(kind: nil, country: s.country, subject: p, fileName: nil, sealedAt: isoNow(),
                                          sealer: registrar.fingerprint.compact, category: s.category, consent: s.consent)
                let (h, _, _) = try sealIdentity(s, metadata: meta, pseudonym: p, recipients: holders, signer: registrar)
                sealed.append((h, p))
            }
            try store.write { db in
                for (h, p) in sealed {
                    try insertObject(db, h)
                    try db.execute(sql: "INSERT INTO subjects(pseudonym, object_id) VALUES (?, ?)", arguments: [p, h.idText])
                }
                if kind == .hq {
                    try appendAudit(db, actor: registrar, action: "subject-import", objects: sealed.map(\.1), outcome: .ok)
                } else {
                    // A seized laptop must not show which pseudonyms were registered together.
                    try appendAudit(db, actor: registrar, action: "subject-import", objects: ["count:\(sealed.count)"], outcome: .ok)
                }
            }
        } catch {
            for (h, _) in sealed { unlink(bodyPath(h)) }
            throw error
        }
        return sealed.map(\.1)
    }

    /// Pseudonyms registered in this vault (anyone on the team may list them).
    public func pseudonyms() throws -> [String] {
        try store.read { db in try String.fetchAll(db, sql: "SELECT pseudonym FROM subjects ORDER BY rowid") }
    }

    /// Subjects as an identity holder sees them. With `reveal`, the identities
    /// are decrypted too — audited as `subject-reveal` with the pseudonyms.
    public func subjects(by holder: Identity, reveal: Bool, only: [String]? = nil, action: String = "subject-list") throws -> [SubjectInfo] {
        try store.write { db in
            _ = try requireMember(holder, db, action: action, objects: only ?? [])
            var rows = try Row.fetchAll(db, sql: "SELECT pseudonym, object_id FROM subjects ORDER BY rowid")
            if let only {
                for p in only where !rows.contains(where: { ($0["pseudonym"] as String) == p }) {
                    throw VaultError.missing(object: "subject \(p)", hint: "`safehouse subject list` shows the pseudonyms")
                }
                rows = rows.filter { only.contains($0["pseudonym"]) }
            }
            var out: [SubjectInfo] = []
            let withdrawn = try Self.withdrawn(db)
            for row in rows {
                let p: String = row["pseudonym"]
                let header = try loadHeader(db, id: row["object_id"])
                guard header.type == .subject else { throw VaultError.badData(object: "subject \(p)", hint: "its identity object has the wrong type") }
                if reveal { try refuseIfQuarantined(db, id: header.idText, identity: holder, action: action) }
                guard let opened = try unlockObject(header, identity: holder) else {
                    if reveal {
                        try refuse(db, actor: holder, action: action, objects: [p], reason: "not-an-identity-holder",
                                   .refused(object: "subject \(p)", reason: "you are not an identity holder for it",
                                            hint: "identities are sealed to the security officers"))
                    }
                    out.append(SubjectInfo(pseudonym: p, category: nil, consent: nil, country: nil, identity: nil))
                    continue
                }
                guard opened.metadata.subject == p, header.label == p else {
                    throw VaultError.badData(object: "subject \(p)", hint: "its identity belongs to another pseudonym (swapped)")
                }
                // The sealed JSON carries white-space padding to its size class.
                let identity = reveal ? Array(try decryptSmall(opened).reversed().drop(while: { $0 == 0x20 }).reversed()) : nil
                // A withdrawal recorded after registration is the subject's current consent.
                out.append(SubjectInfo(pseudonym: p, category: opened.metadata.category,
                                       consent: withdrawn.contains(p) ? "withdrawn" : opened.metadata.consent,
                                       country: opened.metadata.country, identity: identity))
            }
            try appendAudit(db, actor: holder, action: reveal ? "subject-reveal" : action, objects: out.map(\.pseudonym), outcome: .ok)
            return out
        }
    }

    /// Replaces a subject's identity (new aliases, relatives, places, identifiers …),
    /// keeping the pseudonym: the identity is sealed afresh to the identity holders
    /// and the old sealed identity is deleted. Officers only; audited.
    public func updateSubject(pseudonym: String, identity s: SubjectIdentity, by officer: Identity) throws {
        let (oldHeader, holders): (RecordHeader, [MemberCard]) = try store.write { db in
            try requireOfficer(officer, db, action: "subject-update", objects: [pseudonym], object: "subject \(pseudonym)", what: "edits identities")
            guard let oid = try String.fetchOne(db, sql: "SELECT object_id FROM subjects WHERE pseudonym = ?", arguments: [pseudonym]) else {
                throw VaultError.missing(object: "subject \(pseudonym)", hint: "`safehouse subject list` shows the pseudonyms")
            }
            let h = try loadHeader(db, id: oid)
            let all = try members(db).filter(\.isActive)
            // Same holders as before (officers, and a registering interviewer at HQ), minus anyone no longer active.
            return (h, h.slots.compactMap { slot in all.first { $0.fingerprint == slot.recipient }?.card })
        }
        let meta = RecordMetadata(kind: nil, country: s.country, subject: pseudonym, fileName: nil, sealedAt: isoNow(),
                                  sealer: officer.fingerprint.compact, category: s.category, consent: s.consent)
        let (h, _, _) = try sealIdentity(s, metadata: meta, pseudonym: pseudonym, recipients: holders, signer: officer)
        do {
            try store.write { db in
                try insertObject(db, h)
                try db.execute(sql: "UPDATE subjects SET object_id = ? WHERE pseudonym = ?", arguments: [h.idText, pseudonym])
                try db.execute(sql: "DELETE FROM objects WHERE id = ?", arguments: [oldHeader.idText])
                try appendAudit(db, actor: officer, action: "subject-update", objects: [pseudonym], outcome: .ok)
            }
        } catch { unlink(bodyPath(h)); throw error }
        unlink(bodyPath(oldHeader))
    }
}

extension Vault {
    /// Seals one identity with its pseudonym signed into the header. The JSON is
    /// padded with spaces (JSON white space) to a size class, so neither the
    /// body's length in the header nor the metadata's says how long the names are.
    func sealIdentity(_ s: SubjectIdentity, metadata: RecordMetadata, pseudonym: String, recipients: [MemberCard],
                      signer: Identity) throws -> (header: RecordHeader, plainHash: [UInt8]?, recordKey: SecureBytes) {
        let target = Padding.paddedLength(s.json.count) ?? s.json.count
        let body = s.json + [UInt8](repeating: 0x20, count: target - s.json.count)
        return try sealObject(type: .subject, source: .bytes(body), length: UInt64(body.count), metadata: metadata,
                              recipients: recipients, signer: signer, object: "subject \(pseudonym)", progress: nil, label: pseudonym)
    }
}
