/// One security-relevant action, as recorded in the audit log.
///
/// An entry holds ids, pseudonyms, fingerprints and short codes only — never a
/// name, file name or content. The initializer enforces this as far as syntax
/// can: every text field is printable ASCII without spaces (see the limits),
/// so an entry cannot carry Hangul or a spaced full name, and cannot break the
/// line-based canonical form.
///
/// Canonical form (`canonicalBytes()`), every line ending in "\n", in this order:
///
///     safehouse-audit v1
///     origin <origin>
///     seq <decimal>
///     time <decimal unix seconds>
///     actor <actor>
///     action <action>
///     object <id>            (zero or more, in the given order)
///     outcome ok|refused|failed
///     reason <code>          (only when there is a reason)
///     prev <64 lower-case hex digits>
///
/// Decimals have no sign and no leading zeros. `parse(canonical:)` accepts
/// exactly these bytes, so `parse(b).canonicalBytes() == b` for every accepted `b`.
public struct AuditEntry: Sendable, Hashable {
    /// Result of the action.
    public enum Outcome: String, Sendable, Hashable, CaseIterable {
        /// The action happened.
        case ok
        /// The action was refused (permissions, policy, wrong passphrase…).
        case refused
        /// The action was attempted and failed for a technical reason.
        case failed
    }

    /// Length limits, in bytes. They bound the canonical form
    /// (at most `maxCanonicalBytes`), so a verifier can cap line lengths.
    public enum Limits {
        public static let origin = 256
        public static let actor = 128
        public static let action = 64
        public static let object = 128
        public static let objectCount = 64
        public static let reason = 64
        /// Upper bound of `canonicalBytes().count` under the limits above.
        public static let maxCanonicalBytes = 16_384
    }

    /// The first line: format name and version (also a signature domain separator).
    public static let magic = "safehouse-audit v1"

    /// Position in the log: 0, 1, 2, … without gaps.
    public let seq: UInt64
    /// Unix time in seconds (never negative).
    public let time: Int64
    /// Member fingerprint text, or "vault" for the vault's own device key.
    public let actor: String
    /// What was done, as a lower-case code: "seal", "open", "unlock", …
    public let action: String
    /// What it was done to: record ids, pseudonyms, member fingerprints. Never names.
    public let objects: [String]
    /// ok, refused or failed.
    public let outcome: Outcome
    /// Why, as a short code ("not-a-recipient", "wrong-passphrase"), if anything.
    public let reason: String?
    /// The leaf hash of the previous entry; 32 zero bytes for seq 0.
    public let prevHash: [UInt8]
    /// The log's origin line, e.g. "safehouse.vault/<vault-id>".
    public let origin: String

    /// The `prevHash` of the first entry of a log.
    public static let zeroHash = [UInt8](repeating: 0, count: 32)

    /// Creates an entry after checking every field.
    /// - Throws: `AuditError.invalidField` naming the field (never its value).
    public init(seq: UInt64, time: Int64, actor: String, action: String, objects: [String] = [],
                outcome: Outcome, reason: String? = nil, prevHash: [UInt8], origin: String) throws {
        guard time >= 0 else { throw AuditError.invalidField(field: "time", rule: "must not be negative") }
        guard FieldRules.isToken(origin.utf8, max: Limits.origin) else {
            throw AuditError.invalidField(field: "origin", rule: "1-\(Limits.origin) printable ASCII bytes, no space, quote or backslash")
        }
        guard FieldRules.isToken(actor.utf8, max: Limits.actor) else {
            throw AuditError.invalidField(field: "actor", rule: "1-\(Limits.actor) printable ASCII bytes, no space, quote or backslash")
        }
        guard FieldRules.isCode(action.utf8, max: Limits.action) else {
            throw AuditError.invalidField(field: "action", rule: "1-\(Limits.action) bytes of a-z 0-9 - . _, starting with a letter")
        }
        guard objects.count <= Limits.objectCount else {
            throw AuditError.invalidField(field: "objects", rule: "at most \(Limits.objectCount) objects")
        }
        for object in objects where !FieldRules.isToken(object.utf8, max: Limits.object) {
            throw AuditError.invalidField(field: "objects", rule: "each 1-\(Limits.object) printable ASCII bytes, no space, quote or backslash")
        }
        if let reason, !FieldRules.isCode(reason.utf8, max: Limits.reason) {
            throw AuditError.invalidField(field: "reason", rule: "1-\(Limits.reason) bytes of a-z 0-9 - . _, starting with a letter")
        }
        guard prevHash.count == 32 else { throw AuditError.invalidField(field: "prevHash", rule: "must be 32 bytes") }
        self.seq = seq
        self.time = time
        self.actor = actor
        self.action = action
        self.objects = objects
        self.outcome = outcome
        self.reason = reason
        self.prevHash = prevHash
        self.origin = origin
    }

    /// The canonical bytes: what is signed and (with the signature) hashed
    /// into the Merkle tree. Deterministic; see the type's documentation.
    public func canonicalBytes() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(160 + origin.utf8.count + actor.utf8.count + objects.count * 40)
        func line(_ key: StaticString, _ value: some Sequence<UInt8>) {
            out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: value)
            out.append(0x0A)
        }
        out.append(contentsOf: Self.magic.utf8)
        out.append(0x0A)
        line("origin", origin.utf8)
        line("seq", String(seq).utf8)
        line("time", String(time).utf8)
        line("actor", actor.utf8)
        line("action", action.utf8)
        for object in objects { line("object", object.utf8) }
        line("outcome", outcome.rawValue.utf8)
        if let reason { line("reason", reason.utf8) }
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        Hex.append(prevHash, to: &hex)
        line("prev", hex)
        return out
    }

    /// Parses canonical bytes, accepting nothing but the exact canonical form.
    /// - Throws: `AuditError.malformedEntry` with the line and the rule broken,
    ///   or `AuditError.invalidField` when a value breaks a field rule.
    public static func parse(canonical bytes: [UInt8]) throws -> AuditEntry {
        guard bytes.count <= Limits.maxCanonicalBytes else { throw AuditError.malformedEntry(line: 0, rule: "too long") }
        var cursor = LineCursor(bytes)
        func nextLine() throws -> ArraySlice<UInt8> {
            switch cursor.next() {
            case .line(let l): return l
            case .unterminated: throw AuditError.malformedEntry(line: cursor.lineNumber, rule: "line does not end in a newline")
            case .end: throw AuditError.malformedEntry(line: cursor.lineNumber + 1, rule: "entry ends early")
            }
        }
        func field(_ key: StaticString) throws -> ArraySlice<UInt8> {
            let l = try nextLine()
            guard let v = l.value(after: key) else {
                throw AuditError.malformedEntry(line: cursor.lineNumber, rule: "expected '\(key)'")
            }
            return v
        }
        func text(_ v: ArraySlice<UInt8>) -> String { String(decoding: v, as: UTF8.self) }

        guard try nextLine().elementsEqual(magic.utf8) else {
            throw AuditError.malformedEntry(line: 1, rule: "not a '\(magic)' entry")
        }
        let origin = text(try field("origin"))
        guard let seq = FieldRules.parseDecimal(try field("seq")) else {
            throw AuditError.malformedEntry(line: cursor.lineNumber, rule: "seq is not a canonical decimal")
        }
        guard let time = FieldRules.parseDecimal(try field("time")), time <= UInt64(Int64.max) else {
            throw AuditError.malformedEntry(line: cursor.lineNumber, rule: "time is not a canonical decimal")
        }
        let actor = text(try field("actor"))
        let action = text(try field("action"))
        var objects = [String]()
        var l = try nextLine()
        while let v = l.value(after: "object") {
            guard objects.count < Limits.objectCount else {
                throw AuditError.malformedEntry(line: cursor.lineNumber, rule: "too many objects")
            }
            objects.append(text(v))
            l = try nextLine()
        }
        guard let o = l.value(after: "outcome"), let outcome = Outcome(rawValue: text(o)) else {
            throw AuditError.malformedEntry(line: cursor.lineNumber, rule: "expected 'outcome ok|refused|failed'")
        }
        var reason: String? = nil
        l = try nextLine()
        if let r = l.value(after: "reason") {
            reason = text(r)
            l = try nextLine()
        }
        guard let p = l.value(after: "prev"), p.count == 64, let prevHash = Hex.decode(p) else {
            throw AuditError.malformedEntry(line: cursor.lineNumber, rule: "expected 'prev' and 64 lower-case hex digits")
        }
        guard cursor.atEnd else { throw AuditError.malformedEntry(line: cursor.lineNumber + 1, rule: "data after the last line") }
        // The initializer re-checks every charset and length: bytes that are
        // not valid UTF-8 were decoded with replacement characters above and
        // fail here, as do empty fields.
        return try AuditEntry(seq: seq, time: Int64(time), actor: actor, action: action, objects: objects,
                              outcome: outcome, reason: reason, prevHash: prevHash, origin: origin)
    }
}
