/// The security officer's view of the audit log: who did what to which record
/// or pseudonym, when, and what was refused.
///
/// Built from audit entries and the team list only (`Vault.auditReport(by:)`),
/// so it carries exactly what entries carry — fingerprints, record ids,
/// pseudonyms, action and reason codes, outcomes, times — plus the staff
/// members' names and roles from their public cards. Never a subject's
/// identity, a file name or content: the vault does not read sealed data to
/// make it.
public struct AuditReport: Sendable {
    /// One audit entry, as the report shows it.
    public struct Event: Sendable, Equatable {
        /// Index into `logs`: 0 is this vault's own log, later ones merged field logs.
        public let log: Int
        public let seq: UInt64
        /// Unix seconds.
        public let time: Int64
        /// The signing actor: a member fingerprint or "vault" (a device key).
        public let actor: String
        /// Whom the entry is about: the actor, or the key a device-signed entry
        /// names (`key:<fp>` — a failed unlock, a non-member's refusal). A
        /// field device is `vault@<origin hex prefix>`.
        public let member: String
        public let action: String
        public let objects: [String]
        public let outcome: AuditOutcome
        public let reason: String?
    }

    /// One log that went into the report, and whether its chain verified.
    public struct Log: Sendable, Equatable {
        public let origin: String
        /// This vault's own log (false: a field log merged through a bundle).
        public let isLocal: Bool
        public let entries: Int
        public let intact: Bool
        /// "intact: N entries, root …" or "broken at entry N: reason".
        public let verdict: String
    }

    /// Activity of one member (or device key) across all logs.
    public struct MemberRow: Sendable, Equatable {
        /// Fingerprint (compact), "vault", or `vault@<origin hex prefix>`.
        public let key: String
        /// Staff name and role from the member card, when the key is a member.
        public let name: String?
        public let role: String?
        public let status: String?
        public var entries = 0, refused = 0, failed = 0
        public var actions: [String: Int] = [:]
        public var first: Int64 = .max, last: Int64 = .min
    }

    /// Activity touching one record id or pseudonym.
    public struct ObjectRow: Sendable, Equatable {
        /// A record id (32 hex digits) or a pseudonym.
        public let id: String
        /// "record", "excerpt", "subject", "pseudonym", or "record (not in this vault)".
        public let kind: String
        /// Pseudonyms named together with this record (e.g. by `seal --subject`).
        public var pseudonyms: [String] = []
        /// Member keys that acted on it, in order of first appearance.
        public var members: [String] = []
        public var entries = 0, refused = 0, failed = 0
        public var actions: [String: Int] = [:]
        public var first: Int64 = .max, last: Int64 = .min
    }

    /// The report's own log origin.
    public let origin: String
    /// "hq" or "field".
    public let vaultKind: String
    /// Unix seconds when the report was made.
    public let generatedAt: Int64
    /// The fingerprint of the officer who asked for it.
    public let requestedBy: String
    public let logs: [Log]
    /// Every entry of every log, ordered by time (then log, then seq).
    public let events: [Event]
    /// Sorted by name, then key; device keys last.
    public let members: [MemberRow]
    /// Sorted by number of entries, most touched first.
    public let objects: [ObjectRow]

    /// Entries whose outcome is `refused`.
    public var refusals: [Event] { events.filter { $0.outcome == .refused } }

    /// A member row by key.
    public func member(_ key: String) -> MemberRow? { members.first { $0.key == key } }

    /// What a member key is called in the report: "Name (role)", "vault device", …
    public func label(forMember key: String) -> String {
        if let m = member(key), let name = m.name { return "\(name) (\(m.role ?? "member"))" }
        if key == "vault" { return "this vault's device key" }
        if key.hasPrefix("vault@") { return "field vault device " + key.dropFirst("vault@".count) }
        return "unknown key " + ReportText.shortKey(key)
    }
}
