import Foundation
import GRDB
import SafehouseCrypto

/// Officer-signed statements that travel in every bundle, so a decision made at
/// HQ reaches the vaults that hold copies: a subject's consent withdrawal, and a
/// member's revocation from an excerpt at a given signed version. An editor's
/// vault that received them refuses (77) to export what they forbid.
///
/// Text forms (signed as they stand, Ed25519 by an officer of the team):
/// ```
/// safehouse withdrawal v1\nteam: <team id hex>\npseudonym: <P>\n
/// safehouse revocation v1\nteam: <team id hex>\nexcerpt: <id>\nmember: <fp>\nversion: <N>\n
/// ```
struct SignedStatement: Equatable {
    enum Kind: UInt8 { case withdrawal = 1, revocation = 2 }
    let kind: Kind
    let text: String
    let officer: Fingerprint
    let signature: [UInt8]

    static let maxText = 512

    /// The statement's fields, if `text` is a well-formed statement of `kind` for team `team`.
    static func fields(_ text: String, kind: Kind, team: [UInt8]) -> [String: String]? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let head = kind == .withdrawal ? "safehouse withdrawal v1" : "safehouse revocation v1"
        let keys = kind == .withdrawal ? ["team", "pseudonym"] : ["team", "excerpt", "member", "version"]
        guard lines.count == keys.count + 2, lines[0] == head, lines.last == "" else { return nil }
        var out: [String: String] = [:]
        for (k, line) in zip(keys, lines[1...]) {
            guard line.hasPrefix(k + ": ") else { return nil }
            out[k] = String(line.dropFirst(k.count + 2))
        }
        guard out["team"] == Encoding.hex(team) else { return nil }
        switch kind {
        case .withdrawal: guard Pseudonym.isValid(out["pseudonym"] ?? "") else { return nil }
        case .revocation:
            guard let e = out["excerpt"], e.count == 32, Encoding.unhex(e) != nil, let m = out["member"], Fingerprint(text: m)?.compact == m,
                  let v = out["version"], let n = UInt64(v), n >= 1, String(n) == v else { return nil }
        }
        return out
    }

    /// The table key: a withdrawal per pseudonym, a revocation per excerpt, member and version.
    func key(team: [UInt8]) -> String? {
        guard let f = Self.fields(text, kind: kind, team: team) else { return nil }
        return kind == .withdrawal ? f["pseudonym"] : "\(f["excerpt"]!):\(f["member"]!):\(f["version"]!)"
    }
}

extension Vault {
    func withdrawalText(_ pseudonym: String) -> String {
        "safehouse withdrawal v1\nteam: \(Encoding.hex(teamID))\npseudonym: \(pseudonym)\n"
    }

    func revocationText(excerpt: String, member: Fingerprint, version: UInt64) -> String {
        "safehouse revocation v1\nteam: \(Encoding.hex(teamID))\nexcerpt: \(excerpt)\nmember: \(member.compact)\nversion: \(version)\n"
    }

    /// Signs and stores a statement made here (in the caller's transaction).
    func makeStatement(_ db: Database, kind: SignedStatement.Kind, text: String, by officer: Identity) throws {
        let s = SignedStatement(kind: kind, text: text, officer: officer.fingerprint, signature: try officer.sign(Array(text.utf8)))
        try storeStatement(db, s)
    }

    /// Checks a statement: well formed for this team, signed by an officer of it.
    func verifyStatement(_ s: SignedStatement, members ms: [Member]) -> Bool {
        s.key(team: teamID) != nil && ms.contains {
            $0.fingerprint == s.officer && $0.card.role == .officer && Signature.verify(s.signature, message: Array(s.text.utf8), publicKey: $0.card.signKey)
        }
    }

    func storeStatement(_ db: Database, _ s: SignedStatement) throws {
        guard let key = s.key(team: teamID) else { throw VaultError.badData(object: "statement", hint: "it is malformed") }
        try db.execute(sql: "INSERT OR IGNORE INTO statements(kind, key, text, officer, signature) VALUES (?, ?, ?, ?, ?)",
                       arguments: [Int(s.kind.rawValue), key, s.text, s.officer.compact, Data(s.signature)])
    }

    /// Every statement this vault holds, in a stable order (they travel in every bundle).
    func statements(_ db: Database) throws -> [SignedStatement] {
        try Row.fetchAll(db, sql: "SELECT kind, key, text, officer, signature FROM statements ORDER BY kind, key").map { row in
            let object = "statements table"
            let kind: Int = try row.value("kind", of: object), key: String = try row.value("key", of: object)
            let text: String = try row.value("text", of: object), officer: String = try row.value("officer", of: object)
            let sig: Data = try row.value("signature", of: object)
            guard let k = UInt8(exactly: kind).flatMap(SignedStatement.Kind.init(rawValue:)), let fp = Fingerprint(text: officer) else {
                throw VaultError.badData(object: object, hint: "a row is damaged; run `safehouse check`")
            }
            let s = SignedStatement(kind: k, text: text, officer: fp, signature: [UInt8](sig))
            // The key is what lookups use: it must be the one the signed text gives.
            guard s.key(team: teamID) == key else { throw VaultError.badData(object: object, hint: "a row's key does not match its signed text (edited)") }
            return s
        }
    }

    /// The newest signed version at which `member` was revoked from `excerpt`, if any.
    func revokedVersion(_ db: Database, excerpt: String, member: Fingerprint) throws -> UInt64? {
        let keys = try String.fetchAll(db, sql: "SELECT key FROM statements WHERE kind = 2 AND key LIKE ?",
                                       arguments: ["\(excerpt):\(member.compact):%"])
        return keys.compactMap { $0.split(separator: ":").last.flatMap { UInt64($0) } }.max()
    }
}
