import Foundation
import GRDB
import SafehouseCrypto

/// A member as the vault knows it.
public struct Member: Sendable, Equatable {
    public let card: MemberCard
    public let endorsedBy: Fingerprint
    let endorsement: [UInt8]
    public let status: String
    public var fingerprint: Fingerprint { card.fingerprint }
    public var isActive: Bool { status == "active" }
}

extension Vault {
    /// What an officer signs to admit a card into this vault's team.
    func endorsementMessage(_ card: MemberCard) -> [UInt8] { Self.endorsementMessage(card, vaultID: teamID) }

    func insertMember(_ db: Database, card: MemberCard, endorsedBy: Fingerprint, endorsement: [UInt8], status: String = "active") throws {
        try db.execute(sql: "INSERT OR REPLACE INTO members(fingerprint, card, endorsed_by, endorsement, status) VALUES (?, ?, ?, ?, ?)",
                       arguments: [card.fingerprint.compact, card.text, endorsedBy.compact, Data(endorsement), status])
        if kind == .hq { try bumpKeyringSerial(db) }
    }

    /// Changes a member's status at HQ (removal, supersession): a new keyring epoch.
    func setMemberStatus(_ db: Database, _ member: Fingerprint, _ status: String) throws {
        try db.execute(sql: "UPDATE members SET status = ? WHERE fingerprint = ?", arguments: [status, member.compact])
        try bumpKeyringSerial(db)
    }

    /// HQ's keyring epoch goes up with every change of the member set or a status.
    func bumpKeyringSerial(_ db: Database) throws {
        let serial = UInt64(try VaultStore.meta(db, "keyring_serial") ?? "0") ?? 0
        try VaultStore.setMeta(db, "keyring_serial", String(serial + 1))
    }

    /// The keyring epoch this vault holds (HQ: its current one; field: the installed keyring's).
    func keyringSerial(_ db: Database) throws -> UInt64 {
        guard let text = try VaultStore.meta(db, "keyring_serial") else { return 0 }
        guard let n = UInt64(text) else { throw VaultError.badData(object: "vault \(directory)", hint: "its keyring serial is damaged") }
        return n
    }

    /// All members, each verified: self-signed card and an endorsement by an
    /// officer who is (transitively) endorsed by the root.
    public func members() throws -> [Member] {
        try store.read { db in try self.members(db) }
    }

    func members(_ db: Database) throws -> [Member] {
        let key = try MemberDirectoryMemo.key(db)
        if let known = memberDirectory.lookup(key, db) { return known }
        let rows = try Row.fetchAll(db, sql: "SELECT fingerprint, card, endorsed_by, endorsement, status FROM members ORDER BY rowid")
        var raw: [Fingerprint: Member] = [:]
        var order: [Fingerprint] = []
        for row in rows {
            let fpText: String = try row.value("fingerprint", of: "members table")
            let object = "member \(fpText) in the vault"
            let card = try MemberCard.parse(try row.value("card", of: object), object: object)
            guard card.fingerprint.compact == fpText, let by = Fingerprint(text: try row.value("endorsed_by", of: object)) else {
                throw VaultError.badData(object: object, hint: "the member table was altered; run `safehouse check`")
            }
            let endorsement: Data = try row.value("endorsement", of: object)
            raw[card.fingerprint] = Member(card: card, endorsedBy: by, endorsement: [UInt8](endorsement), status: try row.value("status", of: object))
            order.append(card.fingerprint)
        }
        let all = order.map { raw[$0]! }
        try Self.verifyTrust(all, root: root, vaultID: teamID)
        try verifyTrustAnchor(db, members: all)
        memberDirectory.store(key, db, all)
        return all
    }

    /// Checks that every member is endorsed by an officer whose own trust leads back to the root.
    static func verifyTrust(_ members: [Member], root: Fingerprint, vaultID: [UInt8]) throws {
        var byFP: [Fingerprint: Member] = [:]
        for m in members { byFP[m.fingerprint] = m }
        var trusted: Set<Fingerprint> = []
        var changed = true
        while changed {
            changed = false
            for m in members where !trusted.contains(m.fingerprint) {
                let isRoot = m.fingerprint == root && m.endorsedBy == root
                guard isRoot || trusted.contains(m.endorsedBy), let endorser = byFP[m.endorsedBy],
                      endorser.card.role == .officer,
                      Signature.verify(m.endorsement, message: endorsementMessage(m.card, vaultID: vaultID), publicKey: endorser.card.signKey)
                else { continue }
                trusted.insert(m.fingerprint); changed = true
            }
        }
        if let bad = members.first(where: { !trusted.contains($0.fingerprint) }) {
            throw VaultError.badData(object: "member \(bad.fingerprint)", hint: "its card is not endorsed by a trusted officer (tampered member list?)")
        }
    }

    static func endorsementMessage(_ card: MemberCard, vaultID: [UInt8]) -> [UInt8] {
        Array("safehouse endorsement v1\nvault: \(Encoding.hex(vaultID))\n".utf8) + Array(card.text.utf8)
    }

    /// Finds a member by name or by a unique prefix of its fingerprint.
    public func member(matching query: String) throws -> Member {
        let all = try members()
        if let byName = all.filter({ $0.card.name == query }).first(where: { $0.isActive }) ?? all.first(where: { $0.card.name == query }) {
            return byName
        }
        let q = query.lowercased().replacingOccurrences(of: "-", with: "")
        let hits = q.count >= 4 ? all.filter { $0.fingerprint.compact.hasPrefix(q) } : []
        if hits.count == 1 { return hits[0] }
        if hits.count > 1 { throw VaultError.usage("member '\(query)' is ambiguous: give more of the fingerprint") }
        throw VaultError.missing(object: "member '\(query)'", hint: "`safehouse team list` shows the members")
    }

    /// The member entry for an unlocked identity; a non-member or removed member is
    /// refused, and the refusal is audited (signed by the vault's device key).
    func requireMember(_ identity: Identity, _ db: Database, action: String, objects: [String]) throws -> Member {
        let m = try members(db).first(where: { $0.fingerprint == identity.fingerprint })
        guard let m, m.isActive else {
            try appendAudit(db, actor: nil, claimedActor: identity.fingerprint.compact, action: action, objects: objects,
                            outcome: .refused, reason: m == nil ? "not-a-member" : "member-inactive")
            throw RefusalCommitted(error: VaultError.refused(
                object: "key \(identity.fingerprint)",
                reason: m == nil ? "this key is not a member of the vault" : "this member was removed or its key superseded",
                hint: m == nil ? "an officer adds members with `safehouse team add CARD.pub`" : "use your current key"))
        }
        try requireTrustOwner(db, identity, action: action)
        return m
    }

    /// Requires an active officer; anyone else is refused (77) and the refusal audited.
    /// - Parameters:
    ///   - object: how to name what was refused ("excerpt …", "team").
    ///   - what: the refused action in words ("grants access").
    func requireOfficer(_ officer: Identity, _ db: Database, action: String, objects: [String],
                        object: String = "team", what: String = "can do this") throws {
        let me = try requireMember(officer, db, action: action, objects: objects)
        guard me.card.role == .officer else {
            try refuse(db, actor: officer, action: action, objects: objects, reason: "role-not-allowed",
                       .refused(object: object, reason: "only a security officer \(what)", hint: "ask a security officer"))
        }
    }

    /// Audits a refusal and throws it (committed with its audit entry).
    func refuse(_ db: Database, actor: Identity, action: String, objects: [String], reason code: String, _ error: VaultError) throws -> Never {
        try appendAudit(db, actor: actor, action: action, objects: objects, outcome: .refused, reason: code)
        throw RefusalCommitted(error: error)
    }

    /// Adds a member card, endorsed by an officer of this vault.
    @discardableResult
    public func addMember(card: MemberCard, by officer: Identity) throws -> Member {
        try store.write { db in
            try requireOfficer(officer, db, action: "team-add", objects: [card.fingerprint.compact], object: "team", what: "can add members")
            guard self.kind == .hq else {
                throw VaultError.refused(object: "team", reason: "a field vault's team comes from HQ's keyring", hint: "add members at HQ and re-create the field vault from a new keyring")
            }
            if try members(db).contains(where: { $0.fingerprint == card.fingerprint }) {
                throw VaultError.cannotCreate(object: "member \(card.fingerprint)", hint: "it is already on the team")
            }
            let sig = try officer.sign(endorsementMessage(card))
            try insertMember(db, card: card, endorsedBy: officer.fingerprint, endorsement: sig)
            try appendAudit(db, actor: officer, action: "team-add", objects: [card.fingerprint.compact], outcome: .ok)
            try sealTrustState(db, by: officer)
            return Member(card: card, endorsedBy: officer.fingerprint, endorsement: sig, status: "active")
        }
    }

    /// The team keyring for field and editor vaults, signed by an officer (a
    /// device key on a disk never decides who is trusted).
    public func exportTeam(by officer: Identity) throws -> TeamKeyring {
        try store.write { db in try exportTeam(db, by: officer) }
    }

    /// Writes the signed keyring to `path` (mode 0644); the file is fsynced before its
    /// audit entry commits, and appears only then.
    public func exportTeam(by officer: Identity, to path: String, overwrite: Bool) throws {
        try exportTeam(by: officer, to: .file(path, overwrite: overwrite))
    }

    /// Writes the signed keyring to a file (as above) or to standard output after its audit entry.
    public func exportTeam(by officer: Identity, to destination: OutputDestination) throws {
        var ring: TeamKeyring?
        let out = try destination.file(mode: 0o644)
        try store.write { db in
            let r = try exportTeam(db, by: officer, audit: false)
            try out?.write(Array(r.text.utf8))
            try out?.flush()
            try appendAudit(db, actor: officer, action: "team-export", objects: ["serial:\(r.serial)"], outcome: .ok)
            ring = r
        }
        if let out, case .file(_, let overwrite) = destination { try out.commit(overwrite: overwrite) }
        else if let ring { try StandardOutputSink.writeAll(Array(ring.text.utf8)) }
    }

    private func exportTeam(_ db: Database, by officer: Identity, audit: Bool = true) throws -> TeamKeyring {
        try requireOfficer(officer, db, action: "team-export", objects: [])
        let ms = try members(db)
        let serial = try keyringSerial(db)
        if audit { try appendAudit(db, actor: officer, action: "team-export", objects: ["serial:\(serial)"], outcome: .ok) }
        return try TeamKeyring(vaultID: teamID, root: root, serial: serial, members: ms.map {
            TeamKeyring.Entry(card: $0.card, endorsedBy: $0.endorsedBy, endorsement: $0.endorsement, status: $0.status)
        }).signed(by: officer)
    }
}
