import SafehouseAudit

/// Which audit entries an `--actor MEMBER` names: a member (by name or unique
/// fingerprint prefix), the vault's device key (`vault`), or — for keys that
/// are no member, such as failed unlocks by a stranger — a fingerprint prefix.
public struct AuditActorFilter: Sendable, Equatable {
    /// The entries' `actor` field must equal this…
    let exact: String?
    /// …or start with this (a prefix that names no member).
    let prefix: String?

    /// Whether an entry's actor is the one asked for.
    public func matches(_ actor: String) -> Bool {
        if let exact { return actor == exact }
        if let prefix { return actor.hasPrefix(prefix) }
        return false
    }
}

extension Vault {
    /// The filter for `audit log --actor QUERY`.
    /// - Throws: `missing` (66) when QUERY names no member and no entry's actor
    ///   starts with it; `usage` (64) when it is ambiguous.
    public func auditActorFilter(_ query: String, entries: [SignedAuditEntry]) throws -> AuditActorFilter {
        if query == "vault" { return AuditActorFilter(exact: "vault", prefix: nil) }
        do {
            return AuditActorFilter(exact: try member(matching: query).fingerprint.compact, prefix: nil)
        } catch let e as VaultError {
            guard case .missing = e else { throw e }
            let hex = query.lowercased().replacingOccurrences(of: "-", with: "")
            let filter = AuditActorFilter(exact: nil, prefix: hex)
            guard hex.count >= 4, hex.allSatisfy(\.isHexDigit), entries.contains(where: { filter.matches($0.entry.actor) }) else {
                throw VaultError.missing(object: "actor '\(query)'",
                                         hint: "give a member's name or a fingerprint prefix (`safehouse team list`), or `vault` for the vault's device key")
            }
            return filter
        }
    }
}
