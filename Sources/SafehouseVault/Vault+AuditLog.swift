import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto

extension Vault {
    /// Signed entries of this vault's log, in order (streamed from SQLite).
    func forEachAuditEntry(_ db: Database, _ body: (SignedAuditEntry) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: "SELECT seq, entry, signer_key, signature FROM audit ORDER BY seq")
        while let row = try cursor.next() {
            let seq: Int64 = try row.value("seq", of: "audit log")
            let object = "audit log entry \(seq)"
            let entry: AuditEntry
            do { entry = try AuditEntry.parse(canonical: [UInt8](try row.value("entry", of: object) as Data)) } catch {
                throw VaultError.badData(object: object, hint: "the entry is malformed; the log was edited")
            }
            try body(SignedAuditEntry(entry: entry, signerKey: [UInt8](try row.value("signer_key", of: object) as Data),
                                      signature: [UInt8](try row.value("signature", of: object) as Data)))
        }
    }

    /// Whether `key` may sign entries for `actor` in this vault's own log.
    func auditTrust(members: [Member]) throws -> (String, [UInt8]) -> Bool {
        Self.auditTrust(members: members, deviceKey: try deviceKeyPair().publicKey)
    }

    /// The audit actor rule: an entry whose actor is `vault` verifies only under
    /// the vault's device key, an entry in a member's name only under that
    /// member's own key. The device key can therefore never speak for a member.
    static func auditTrust(members: [Member], deviceKey: [UInt8]) -> (String, [UInt8]) -> Bool {
        var keys: [String: [UInt8]] = [:]
        for m in members { keys[m.fingerprint.compact] = m.card.signKey }
        return { actor, key in actor == "vault" ? key == deviceKey : keys[actor] == key }
    }

    /// Verifies the log streaming from SQLite: memory stays O(log n) however long the log.
    func verifyAudit(_ db: Database, checkpoint: Checkpoint?, members: [Member]) throws -> AuditVerification {
        let trust = try auditTrust(members: members)
        let entries = AuditRowSequence(cursor: try Row.fetchCursor(db, sql: "SELECT seq, entry, signer_key, signature FROM audit ORDER BY seq"))
        let result = AuditChain.verify(entries, origin: origin, checkpoint: checkpoint, trusted: trust)
        if let malformed = entries.box.error, result.isIntact { throw malformed }
        return result
    }

    /// Writes the whole log as a self-verifying JSON-lines file, streaming (one
    /// line in memory at a time); the file appears only complete.
    public func exportAuditLog(to path: String, overwrite: Bool) throws {
        try exportAuditLog(to: .file(path, overwrite: overwrite))
    }

    /// Writes the export to a file (as above) or to standard output: up to 16 MiB
    /// only once complete, a longer log line by line as it is read.
    public func exportAuditLog(to destination: OutputDestination) throws {
        let out = try destination.file(mode: 0o644)
        let sink = StandardOutputSink {}
        let write: ([UInt8]) throws -> Void = { bytes in
            if let out { try out.write(bytes) } else { try bytes.withUnsafeBytes { try sink.take($0) } }
        }
        var writer = try AuditExportFile.Writer(origin: origin, keys: try auditKeys())
        try write([UInt8](writer.header()))
        try forEachAuditEntry { try write([UInt8](writer.line(for: $0))) }
        try write([UInt8](writer.trailer()))
        if let out, case .file(_, let overwrite) = destination { try out.commit(overwrite: overwrite) } else { try sink.finish() }
    }

    /// Streams every signed entry of this vault's log to `body`, in order.
    public func forEachAuditEntry(_ body: (SignedAuditEntry) throws -> Void) throws {
        try store.read { db in try forEachAuditEntry(db, body) }
    }

    /// Verifies this vault's audit log, optionally against a checkpoint kept off the machine.
    public func verifyAuditLog(checkpoint: Checkpoint?) throws -> AuditVerification {
        try store.read { db in try verifyAudit(db, checkpoint: checkpoint, members: try members(db)) }
    }

    /// All entries (for `audit log`).
    public func auditEntries() throws -> [SignedAuditEntry] {
        try store.read { db in
            var out: [SignedAuditEntry] = []
            try forEachAuditEntry(db) { out.append($0) }
            return out
        }
    }

    /// Public keys to ship with an exported log so it verifies on its own.
    public func auditKeys() throws -> [String: [UInt8]] {
        var keys: [String: [UInt8]] = ["vault": try deviceKeyPair().publicKey]
        for m in try members() { keys[m.fingerprint.compact] = m.card.signKey }
        return keys
    }

    /// Verifies the log against a checkpoint kept off the machine (`text`, read
    /// from `object`). It counts only if an active officer of this vault signed
    /// it: checkpoints are an officer's act, and the device key, whose seed is on
    /// this disk, must not vouch for a rolled-back log.
    public func verifyAuditLog(checkpointText text: String, object: String) throws -> AuditVerification {
        let cp = try Self.parseCheckpoint(text, object: object)
        let officers = try members().filter { $0.isActive && $0.card.role == .officer }
        guard cp.signatures.contains(where: { sig in
            officers.contains { $0.fingerprint.compact == sig.keyName && cp.verify(publicKey: $0.card.signKey, keyName: sig.keyName) }
        }) else {
            throw VaultError.badData(object: object, hint: "its signature does not verify against an active officer of this vault")
        }
        return try verifyAuditLog(checkpoint: cp)
    }

    /// Verifies an exported log (`audit export`) on its own, streaming its lines;
    /// a checkpoint must be signed by a member key the export lists (not `vault`).
    public static func verifyExportedLog(path: String, checkpointText: String?, checkpointObject: String) throws -> AuditVerification {
        guard FileManager.default.fileExists(atPath: path) else { throw VaultError.missing(object: path, hint: "check the path") }
        var checked: Checkpoint?
        if let checkpointText {
            let cp = try parseCheckpoint(checkpointText, object: checkpointObject)
            var header = try FileLines(path: path)
            let keys = exportKeys(Data(header.next() ?? []))
            guard cp.signatures.contains(where: { sig in sig.keyName != "vault" && (keys[sig.keyName].map { cp.verify(publicKey: $0, keyName: sig.keyName) } ?? false) }) else {
                throw VaultError.badData(object: checkpointObject, hint: "its signature does not verify against a team member listed in the export")
            }
            checked = cp
        }
        return AuditExportFile.verify(lines: try FileLines(path: path), checkpoint: checked)
    }

    static func parseCheckpoint(_ text: String, object: String) throws -> Checkpoint {
        do { return try Checkpoint.parse(text) } catch { throw VaultError.badData(object: object, hint: "this is not a valid checkpoint") }
    }

    /// The signing keys listed in an export's header line.
    static func exportKeys(_ line: Data) -> [String: [UInt8]] {
        guard let obj = try? JSONSerialization.jsonObject(with: line) as? [String: Any],
              let keys = obj["keys"] as? [String: String] else { return [:] }
        return keys.compactMapValues { Data(base64Encoded: $0).map { [UInt8]($0) } }
    }

    /// A signed checkpoint of the current log (officers only), audited itself first.
    public func checkpoint(by officer: Identity) throws -> Checkpoint {
        try store.write { db in
            try requireOfficer(officer, db, action: "checkpoint", objects: [], object: "audit log", what: "signs checkpoints")
            try appendAudit(db, actor: officer, action: "checkpoint", objects: [], outcome: .ok)
            let result = try verifyAudit(db, checkpoint: nil, members: try members(db))
            guard case .intact(let size, let root) = result else {
                throw VaultError.badData(object: "audit log entry \(result.firstBadSeq ?? 0)", hint: "the log is broken; investigate before signing")
            }
            return try Checkpoint.sign(origin: origin, size: size, root: root, keyName: officer.fingerprint.compact,
                                       publicKey: officer.signPublicKey, using: officer.sign)
        }
    }
}

/// Signed entries read lazily from a SQLite cursor. A malformed row ends the
/// sequence and is remembered, so the verifier reports the chain break and the
/// caller can surface the parse error.
struct AuditRowSequence: Sequence, IteratorProtocol {
    final class Box { var error: VaultError? }
    let cursor: RowCursor
    let box = Box()

    mutating func next() -> SignedAuditEntry? {
        guard box.error == nil, let row = try? cursor.next() else { return nil }
        let seq: Int64? = try? row.value("seq", of: "audit log")
        guard let seq, let canonical: Data = try? row.value("entry", of: "audit log"), let entry = try? AuditEntry.parse(canonical: [UInt8](canonical)),
              let key: Data = try? row.value("signer_key", of: "audit log"), let sig: Data = try? row.value("signature", of: "audit log") else {
            box.error = .badData(object: "audit log entry \(seq.map(String.init) ?? "?")", hint: "the entry is malformed or damaged; the log was edited")
            return nil
        }
        return SignedAuditEntry(entry: entry, signerKey: [UInt8](key), signature: [UInt8](sig))
    }
}

/// Lines of a file without their "\n", read in 1 MiB blocks (exported logs of
/// any size verify in constant memory). An unterminated last line gets a NUL
/// appended so the strict export parser treats it as malformed.
public struct FileLines: Sequence, IteratorProtocol {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var eof = false
    private let maxLine: Int

    public init(path: String, maxLine: Int = 2 << 20) throws {
        guard let h = FileHandle(forReadingAtPath: path) else { throw VaultError.missing(object: path, hint: "check the path") }
        handle = h
        self.maxLine = maxLine
    }

    public mutating func next() -> ArraySlice<UInt8>? {
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                defer { start = nl + 1 }
                return buffer[start..<nl]
            }
            if eof || buffer.count - start > maxLine {
                guard start < buffer.count else { return nil }
                let tail = buffer[start...] + [0]
                start = buffer.count
                return tail
            }
            buffer.removeFirst(start); start = 0
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { eof = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}
