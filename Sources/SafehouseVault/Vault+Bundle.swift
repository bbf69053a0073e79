import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto

/// What a bundle import did.
public struct BundleImportReport: Sendable {
    public let imported: [String]
    public let alreadyPresent: [String]
    public let auditEntries: Int
    /// Imported objects held back for an officer's review (see `Vault+Quarantine`).
    public let quarantined: [String]
}

/// Bundles move sealed objects between vaults as one ciphertext-only file
/// (Docs/FORMAT.md, "Bundle"):
/// ```
/// "SHBN" version=2 u8 | manifest-len u32 | manifest (signed table of contents)
/// signer: 1 ‖ fingerprint[20]  or  2 ‖ device-key[32] ‖ endorser[20] ‖ endorsement[64]
/// signature[64] over "safehouse bundle manifest v1\n" ‖ manifest
/// per object (in manifest order): header-len u32, header, body-len u64, body
/// audit-count u32 | per entry: entry-len u32, canonical entry, signer-key[32], signature[64]
/// grant-count u32 | per grant: excerpt, member, expiry, officer signature
/// "SHBE"
/// ```
/// Nothing in it is plaintext: headers hold ciphertext and ids; bodies are the
/// encrypted chunks; audit entries hold ids and fingerprints only.
extension Vault {
    static let bundleMagic: [UInt8] = Array("SHBN".utf8)
    static let bundleEnd: [UInt8] = Array("SHBE".utf8)
    static let bundleVersion: UInt8 = 2

    /// Writes the given objects, every subject identity (so HQ learns the
    /// pseudonyms registered in the field), and this vault's audit log to a bundle
    /// that opens with a manifest signed by `identity` (or, without one, by this
    /// vault's device key, which its owner or root officer endorsed).
    /// - Parameter ids: record ids; empty means every object in the vault.
    /// - Parameter progress: bodies copied so far and in all, in bytes.
    /// - Returns: the audit log state the manifest carries (`log: size root`).
    @discardableResult
    public func exportBundle(ids requested: [String], to path: String, by identity: Identity?, overwrite: Bool,
                             progress: ((UInt64, UInt64) -> Void)? = nil) throws -> BundleLogState {
        try exportBundle(ids: requested, to: .file(path, overwrite: overwrite), by: identity, progress: progress)
    }

    /// Writes a bundle to `destination`. Standard output gets it through an unnamed
    /// spool file, only after it is complete and its export is in the audit log.
    public func exportBundle(ids requested: [String], to destination: OutputDestination, by identity: Identity?,
                             progress: ((UInt64, UInt64) -> Void)? = nil) throws -> BundleLogState {
        let staged = try StagedOutput(destination, mode: 0o644)
        let out = staged.file
        let state: BundleLogState = try store.write { db in
            let all = try String.fetchAll(db, sql: "SELECT id FROM objects ORDER BY rowid")
            let subjects = try String.fetchAll(db, sql: "SELECT object_id FROM subjects ORDER BY rowid")
            var ids = requested.isEmpty ? all : requested
            // Identities registered in the field must reach HQ; HQ never ships them to an editor.
            if kind == .field {
                let chosen = Set(ids)
                ids += subjects.filter { !chosen.contains($0) }
            }
            // Each grantee's own marked copy travels with the excerpt it copies.
            let copies = try recipientCopies(db, of: ids)
            let listed = Set(ids)
            ids += copies.filter { !listed.contains($0) }
            if let identity { _ = try requireMember(identity, db, action: "bundle-export", objects: []) }
            let ms = try members(db)
            let headers = try ids.map { rid -> RecordHeader in
                let header = try loadHeader(db, id: rid)
                try verifyHeaderSigner(header, members: ms)
                return header
            }
            var entries: [SignedAuditEntry] = []
            try forEachAuditEntry(db) { entries.append($0) }
            let log = AuditChain.verify(entries, origin: origin, trusted: try auditTrust(members: ms))
            guard case .intact(let logSize, let logRoot) = log else {
                throw VaultError.badData(object: "audit log entry \(log.firstBadSeq ?? 0)", hint: "the log is broken; run `safehouse check`")
            }
            // Officer-signed grants of the exported excerpts travel with them (editor hand-off).
            let chosen = Set(ids)
            let grants = try Row.fetchAll(db, sql: "SELECT object_id, member, expires, grant_sig FROM grants ORDER BY rowid")
                .filter { chosen.contains($0["object_id"] as String) }
            let devicePK = try deviceKeyPair().publicKey
            let statements = try statements(db)
            let manifest = BundleManifest(
                origin: id, deviceKey: devicePK, exporter: identity?.fingerprint, logSize: logSize, logRoot: logRoot,
                objects: headers.map { .init(id: $0.idText, type: $0.type, headerHash: BundleManifest.headerHash($0.encoded()), label: $0.label) },
                grants: grants.count, statements: statements.count)
            var w = ByteWriter()
            w.raw(Self.bundleMagic); w.u8(Self.bundleVersion)
            w.blob(Array(manifest.text.utf8))
            if let identity {
                w.u8(1); w.raw(identity.fingerprint.bytes)
                w.raw(try identity.sign(manifest.signedMessage))
            } else {
                guard let (endorser, endorsement) = try deviceEndorsement(db) else {
                    throw VaultError.refused(object: "vault \(directory)", reason: "this vault has no owner yet to vouch for its bundles",
                                             hint: "pass --identity KEY: the bundle's manifest is signed by a member")
                }
                let (_, sk) = try deviceKeyPair()
                w.u8(2); w.raw(devicePK); w.raw(endorser.bytes); w.raw(endorsement)
                w.raw(try Signature.sign(manifest.signedMessage, secretKey: sk))
            }
            try out.write(w.bytes)
            let total = headers.reduce(UInt64(0)) { $0 + $1.ciphertextLength }
            var done: UInt64 = 0
            for header in headers {
                var o = ByteWriter()
                o.blob(header.encoded()); o.u64(header.ciphertextLength)
                try out.write(o.bytes)
                try copyBody(header, into: out) { done += $0; progress?(done, total) }
            }
            var a = ByteWriter()
            a.u32(UInt32(entries.count))
            for e in entries { a.blob(e.canonicalBytes); a.raw(e.signerKey); a.raw(e.signature) }
            a.u32(UInt32(grants.count))
            for g in grants {
                a.blob(Array((g["object_id"] as String).utf8)); a.blob(Array((g["member"] as String).utf8))
                a.blob(Array(((g["expires"] as String?) ?? "").utf8)); a.blob([UInt8](g["grant_sig"] as Data))
            }
            a.u32(UInt32(statements.count))
            for st in statements { a.u8(st.kind.rawValue); a.blob(Array(st.text.utf8)); a.raw(st.officer.bytes); a.raw(st.signature) }
            a.raw(Self.bundleEnd)
            try out.write(a.bytes)
            try staged.flush()
            // One entry for a bundle of any size: the manifest's hash names exactly what left.
            try appendAudit(db, actor: identity, action: "bundle-export",
                            objects: ["manifest:" + Encoding.hex(GenericHash.hash(Array(manifest.text.utf8), length: 16)), "objects:\(ids.count)"],
                            outcome: .ok)
            return BundleLogState(origin: id, size: logSize, root: logRoot)
        }
        try staged.commit()
        return state
    }

    /// The first sequence number at which `log` and the log of `origin` merged here
    /// by earlier bundles disagree, or nil when one is a prefix of the other.
    func firstForeignDifference(_ db: Database, origin: String, log: [SignedAuditEntry]) throws -> Int? {
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, entry, signer_key, signature FROM foreign_audit WHERE origin = ? AND seq < ? ORDER BY seq",
                                       arguments: [origin, Int64(log.count)])
        while let row = try rows.next() {
            let seq: Int64 = row["seq"]
            guard seq >= 0, seq < Int64(log.count) else { return Int(clamping: seq) }
            let e = log[Int(seq)]
            guard [UInt8](row["entry"] as Data) == e.canonicalBytes, [UInt8](row["signer_key"] as Data) == e.signerKey,
                  [UInt8](row["signature"] as Data) == e.signature else { return Int(seq) }
        }
        return nil
    }

    private func copyBody(_ header: RecordHeader, into out: AtomicOutput, copied: (UInt64) -> Void) throws {
        let rid = header.idText, length = header.ciphertextLength
        let fd = Foundation.open(bodyPath(header), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VaultError.badData(object: "record \(rid)", hint: "its encrypted body file is missing") }
        defer { close(fd) }
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
        defer { buf.deallocate() }
        var left = length
        while left > 0 {
            let want = Int(min(UInt64(buf.count), left))
            try PosixIO.readExactly(fd, into: buf.first(want), object: "record \(rid)",
                                    truncated: .badData(object: "record \(rid)", hint: "its encrypted body is truncated"))
            try out.write(UnsafeRawBufferPointer(rebasing: buf[0..<want]))
            left -= UInt64(want)
            copied(UInt64(want))
        }
    }

    /// Imports a bundle: its signed manifest, every header signature, body hash
    /// and the bundled audit chain are verified before anything is accepted; all
    /// or nothing; idempotent.
    /// - Parameter progress: bundle bytes verified so far (bodies) and the bundle's size.
    /// - Parameter logGate: called with the manifest's audit log state once its signature
    ///   verified and before anything is read further or stored; throwing refuses the bundle
    ///   (`pull` checks HQ's log state against the witness here).
    public func importBundle(path: String, by identity: Identity?, progress: ((UInt64, UInt64) -> Void)? = nil,
                             logGate: ((BundleLogState) throws -> Void)? = nil) throws -> BundleImportReport {
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VaultError.missing(object: path, hint: "check the bundle's path") }
        defer { close(fd) }
        return try importBundle(fileDescriptor: fd, name: path, by: identity, progress: progress, logGate: logGate)
    }

    /// Imports a bundle read in one pass from `fd` (a file or a pipe; not closed here).
    /// - Parameter name: how errors name the bundle ("standard input").
    public func importBundle(fileDescriptor fd: Int32, name path: String, by identity: Identity?,
                             progress: ((UInt64, UInt64) -> Void)? = nil,
                             logGate: ((BundleLogState) throws -> Void)? = nil) throws -> BundleImportReport {
        var st = stat()
        let size = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? UInt64(max(0, st.st_size)) : 0
        var done: UInt64 = 0
        let reader = StreamReader(fd: fd, object: path)
        let bad = { (why: String) in VaultError.badData(object: path, hint: why) }
        guard try reader.take(4) == Self.bundleMagic else { throw bad("this is not a safehouse bundle") }
        guard try reader.u8() == Self.bundleVersion else {
            throw bad("it is an unsigned bundle of an older format; export it again with this version")
        }
        let manifestLength = Int(try reader.u32())
        guard manifestLength <= 128 << 20 else { throw bad("its manifest is impossibly large") }
        let manifestBytes = try reader.take(manifestLength)
        let manifest = try BundleManifest.parse(manifestBytes, object: path)
        let ms = try members()
        // A manifest signed by a key no longer active (a stolen laptop's) still verifies as
        // that member's; everything it brings is then quarantined, never silently accepted.
        let signerActive = try verifyManifestSignature(manifest, reader: reader, members: ms, bad: bad)
        try logGate?(BundleLogState(origin: manifest.origin, size: manifest.logSize, root: manifest.logRoot))
        let originID = manifest.origin
        var written: [String] = []
        var fresh: [(RecordHeader, String)] = []
        var leavesByID: [String: [UInt8]] = [:]
        var present: [String] = []
        var updated: [String] = []
        do {
            for expected in manifest.objects {
                let hlen = Int(try reader.u32())
                guard hlen <= 4 << 20 else { throw bad("an object header is impossibly large") }
                let headerBytes = try reader.take(hlen)
                guard BundleManifest.headerHash(headerBytes) == expected.headerHash else {
                    throw bad("object \(expected.id) does not match the signed manifest (altered, swapped or dropped)")
                }
                let header = try RecordHeader.parse(headerBytes, object: path)
                guard header.idText == expected.id, header.type == expected.type, header.label == expected.label else {
                    throw bad("object \(expected.id) does not match the signed manifest")
                }
                try verifyHeaderSigner(header, members: ms)
                let blen = try reader.u64()
                guard blen == header.ciphertextLength else { throw bad("an object's body length does not match its header") }
                let (exists, taken) = try store.read { db in
                    (try Data.fetchOne(db, sql: "SELECT header FROM objects WHERE id = ?", arguments: [header.idText]),
                     header.type == .subject
                        ? try String.fetchOne(db, sql: "SELECT object_id FROM subjects WHERE pseudonym = ?", arguments: [header.label]) : nil)
                }
                if let taken, taken != header.idText {
                    // Never ignored: a second identity under a pseudonym would drop one subject from every lexicon.
                    throw bad("subject \(header.label) already names another identity in this vault (pseudonym collision)")
                }
                if let exists, [UInt8](exists) != header.encoded(), header.type == .excerpt {
                    // Only a newer signed version of an excerpt replaces ours (a grant, a revocation,
                    // a re-key); an older one is a replay that would undo a revocation.
                    let ours = try RecordHeader.parse([UInt8](exists), object: "excerpt \(header.idText) in the vault")
                    guard let theirs = header.excerptVersion, let mine = ours.excerptVersion, theirs > mine else {
                        throw bad("excerpt \(header.idText) is an older or conflicting version (\(header.label)) than this vault's (\(ours.label)): an old bundle replayed? Nothing was imported")
                    }
                    updated.append(header.idText)
                } else if exists != nil {
                    try reader.skip(blen)
                    done += blen; progress?(min(done, size), size)
                    present.append(header.idText)
                    continue
                }
                let out = try newBodyOutput(for: "record \(header.idText) from \(path)")
                let hasher = BodyHasher(version: header.version)
                let hashing = header.chunkHashing, chunks = header.chunkCount
                let full = UInt64(header.chunkSize) + UInt64(ChunkCipher.tagBytes)
                var left = blen, index: UInt64 = 0
                while left > 0 {
                    let n = Int(min(full, left))
                    let chunk = try reader.take(n)
                    hasher.add([chunk.withUnsafeBytes { hashing.hash($0, index: index, last: index == chunks - 1) }])
                    index += 1
                    try out.write(chunk)
                    left -= UInt64(n)
                    done += UInt64(n); progress?(min(done, size), size)
                }
                guard hasher.finalize() == header.bodyHash else { throw bad("an object's body does not match its signed header (tampered)") }
                leavesByID[header.idText] = hasher.leaves
                // The object is not in the vault, so a file of this name can only be
                // ciphertext left by an interrupted import: the verified body replaces it.
                try out.commit(overwrite: true, as: bodyPath(header))
                written.append(bodyPath(header))
                fresh.append((header, header.type == .subject ? header.label : ""))   // only a subject's label is a pseudonym
            }
            let n = Int(try reader.u32())
            guard UInt64(n) == manifest.logSize else { throw bad("its audit log does not match the signed manifest") }
            var foreign: [SignedAuditEntry] = []
            for _ in 0..<n {
                let elen = Int(try reader.u32())
                guard elen <= AuditEntry.Limits.maxCanonicalBytes else { throw bad("an audit entry is too large") }
                let canonical = try reader.take(elen)
                guard let entry = try? AuditEntry.parse(canonical: canonical) else { throw bad("an audit entry is malformed") }
                foreign.append(SignedAuditEntry(entry: entry, signerKey: try reader.take(32), signature: try reader.take(64)))
            }
            let gcount = Int(try reader.u32())
            guard gcount == manifest.grants else { throw bad("its grants do not match the signed manifest") }
            var grants: [(String, Fingerprint, String?, [UInt8])] = []
            for _ in 0..<gcount {
                let obj = String(decoding: try reader.take(Int(min(try reader.u32(), 64))), as: UTF8.self)
                let memText = String(decoding: try reader.take(Int(min(try reader.u32(), 64))), as: UTF8.self)
                let exp = String(decoding: try reader.take(Int(min(try reader.u32(), 16))), as: UTF8.self)
                let sigLen = Int(try reader.u32())
                guard sigLen == Signature.bytes, let mem = Fingerprint(text: memText) else { throw bad("a grant is malformed") }
                let sig = try reader.take(sigLen)
                let msg = Self.grantMessage(excerpt: obj, member: mem, expires: exp.isEmpty ? nil : exp)
                guard ms.contains(where: { $0.card.role == .officer && Signature.verify(sig, message: msg, publicKey: $0.card.signKey) }) else {
                    throw bad("a grant is not signed by an officer of this team")
                }
                guard manifest.objects.contains(where: { $0.id == obj && $0.type == .excerpt }) else {
                    throw bad("a grant names an excerpt the manifest does not list")
                }

                grants.append((obj, mem, exp.isEmpty ? nil : exp, sig))
            }
            let scount = Int(try reader.u32())
            guard scount == manifest.statements else { throw bad("its withdrawals and revocations do not match the signed manifest") }
            var statements: [SignedStatement] = []
            for _ in 0..<scount {
                guard let kind = SignedStatement.Kind(rawValue: try reader.u8()) else { throw bad("a statement is malformed") }
                let tlen = Int(try reader.u32())
                guard tlen <= SignedStatement.maxText, let text = String(bytes: try reader.take(tlen), encoding: .utf8),
                      let officer = Fingerprint(raw: try reader.take(Fingerprint.byteCount)) else { throw bad("a statement is malformed") }
                let st = SignedStatement(kind: kind, text: text, officer: officer, signature: try reader.take(Signature.bytes))
                guard verifyStatement(st, members: ms) else { throw bad("a withdrawal or revocation is not signed by an officer of this team") }
                statements.append(st)
            }
            guard try reader.take(4) == Self.bundleEnd, try reader.atEnd() else { throw bad("the bundle is truncated or has trailing data") }
            let foreignOrigin = "safehouse.vault/" + Encoding.hex(originID)
            // Entries in a member's name verify only under that member's key; `vault` entries only under the device key.
            let verdict = AuditChain.verify(foreign, origin: foreignOrigin, trusted: Self.auditTrust(members: ms, deviceKey: manifest.deviceKey))
            guard case .intact(let fsize, let froot) = verdict else {
                let seq = Int(verdict.firstBadSeq ?? 0)
                if case .broken(_, let why) = verdict, why.hasPrefix(AuditVerification.Reason.untrustedKey.rawValue), seq < foreign.count,
                   foreign[seq].entry.actor != "vault", !ms.contains(where: { $0.fingerprint.compact == foreign[seq].entry.actor }) {
                    // Not a tamper alarm: a member added at HQ after this vault's keyring.
                    throw bad("its audit log has entries by a member this vault's keyring does not know (added at HQ since); apply HQ's newer keyring with `safehouse team update TEAMFILE`, then import again")
                }
                throw bad("its audit log is broken at entry \(seq)")
            }
            guard fsize == manifest.logSize, froot == manifest.logRoot else { throw bad("its audit log does not match the signed manifest") }
            if foreign.first?.entry.action == "init-field" {
                // A field bundle carries every identity registered there; the member-signed
                // `subject-import` entries say how many, so none can be left out, even by
                // someone who re-signs the manifest with the laptop's device key.
                let registered = foreign.filter { $0.entry.action == "subject-import" && $0.entry.outcome == .ok && $0.entry.actor != "vault" }
                    .compactMap { $0.entry.objects.first { $0.hasPrefix("count:") }.flatMap { Int($0.dropFirst(6)) } }.reduce(0, +)
                guard registered == manifest.objects.filter({ $0.type == .subject }).count else {
                    throw bad("it carries \(manifest.objects.filter { $0.type == .subject }.count) subject identities but its field log registered \(registered): an identity is missing")
                }
            }
            let manifestID = Encoding.hex(GenericHash.hash(manifestBytes, length: 16))
            let held: [String] = try store.write { db in
                if let identity { _ = try requireMember(identity, db, action: "bundle-import", objects: []) }
                if kind != .hq, try trustOwner(db) == nil {
                    throw VaultError.refused(object: "vault \(directory)", reason: "this vault is not bound to its owner yet",
                                             hint: "pass --identity YOUR_KEY once, so the vault's trust is bound to you before material arrives")
                }
                if foreignOrigin != origin {
                    let known = try Data.fetchOne(db, sql: "SELECT device_key FROM foreign_devices WHERE origin = ?", arguments: [foreignOrigin])
                    if let known, [UInt8](known) != manifest.deviceKey {
                        throw bad("its vault's device key differs from the one of earlier bundles from that vault")
                    }
                    try db.execute(sql: "INSERT OR IGNORE INTO foreign_devices(origin, device_key) VALUES (?, ?)",
                                   arguments: [foreignOrigin, Data(manifest.deviceKey)])
                }
                for (h, p) in fresh {
                    if updated.contains(h.idText) {
                        try db.execute(sql: "UPDATE objects SET header = ?, body_length = ? WHERE id = ?",
                                       arguments: [Data(h.encoded()), Int64(h.ciphertextLength), h.idText])
                        continue
                    }
                    // Another process may have imported the same object meanwhile: then it is present.
                    if try String.fetchOne(db, sql: "SELECT id FROM objects WHERE id = ?", arguments: [h.idText]) != nil { continue }
                    try insertObject(db, h, leaves: leavesByID[h.idText])
                    if !p.isEmpty {
                        if try String.fetchOne(db, sql: "SELECT object_id FROM subjects WHERE pseudonym = ?", arguments: [p]) != nil {
                            throw bad("subject \(p) already names another identity in this vault (pseudonym collision)")
                        }
                        try db.execute(sql: "INSERT INTO subjects(pseudonym, object_id) VALUES (?, ?)", arguments: [p, h.idText])
                    }
                }
                for st in statements { try storeStatement(db, st) }
                for (obj, mem, exp, sig) in grants {
                    try db.execute(sql: "INSERT OR REPLACE INTO grants(object_id, member, expires, grant_sig) VALUES (?, ?, ?, ?)",
                                   arguments: [obj, mem.compact, exp, Data(sig)])
                }
                if foreignOrigin != origin {
                    if let seq = try firstForeignDifference(db, origin: foreignOrigin, log: foreign) {
                        // Same vault, same device key, another history: a restored or altered copy of
                        // it wrote this log. Merging it would hide one of the two histories.
                        throw bad("its audit log differs at entry \(seq) from the one an earlier bundle from the same vault brought: that vault's log was forked (a restored or altered copy of it made this bundle); nothing was imported")
                    }
                    // `pull` asks the witness itself (logGate); a bundle carried by hand is checked
                    // against the last state the witness cosigned for this vault.
                    if logGate == nil { try checkAgainstWitnessed(db, log: foreign, origin: foreignOrigin, bundle: path) }
                    for e in foreign {
                        try db.execute(sql: "INSERT OR IGNORE INTO foreign_audit(origin, seq, entry, signer_key, signature) VALUES (?, ?, ?, ?, ?)",
                                       arguments: [foreignOrigin, Int64(e.entry.seq), Data(e.canonicalBytes), Data(e.signerKey), Data(e.signature)])
                    }
                }
                try appendAudit(db, actor: identity, action: "bundle-import",
                                objects: ["manifest:" + manifestID, "objects:\(fresh.count)",
                                          "log:\(Encoding.hex(originID)):\(fsize):\(Encoding.hex(Array(froot.prefix(8))))"],
                                outcome: .ok)
                return try quarantineStale(db, fresh.map(\.0), members: ms, by: identity, all: !signerActive)
            }
            progress?(size, size)
            return BundleImportReport(imported: fresh.map { $0.0.idText }, alreadyPresent: present, auditEntries: foreign.count,
                                      quarantined: held)
        } catch {
            // Remove only bodies no committed object refers to (a concurrent import of the
            // same bundle may have committed one of them).
            for p in written where !(bodyIsReferenced(p)) { unlink(p) }
            if case .badData = error as? VaultError {
                // Every refusal leaves a trace, even of a bundle nobody signed for.
                try? audit(actor: identity, action: "bundle-import", objects: [], outcome: .failed, reason: "bad-data")
            }
            throw error
        }
    }

    /// Checks the manifest's signature: by a member of this team, or by the exporting
    /// vault's device key as endorsed by a member who is not an editor.
    /// - Returns: whether that member is still active.
    private func verifyManifestSignature(_ manifest: BundleManifest, reader: StreamReader, members ms: [Member],
                                         bad: (String) -> VaultError) throws -> Bool {
        let kindByte = try reader.u8()
        let member = { (f: Fingerprint) in ms.first { $0.fingerprint == f } }
        switch kindByte {
        case 1:
            guard let fp = Fingerprint(raw: try reader.take(Fingerprint.byteCount)) else { throw bad("its manifest signer is malformed") }
            let sig = try reader.take(Signature.bytes)
            guard manifest.exporter == fp, let m = member(fp),
                  Signature.verify(sig, message: manifest.signedMessage, publicKey: m.card.signKey) else {
                throw bad("its manifest is not signed by a member of this team (altered in transit?)")
            }
            return m.isActive
        case 2:
            let pk = try reader.take(Signature.publicKeyBytes)
            guard let endorserFP = Fingerprint(raw: try reader.take(Fingerprint.byteCount)) else { throw bad("its manifest signer is malformed") }
            let endorsement = try reader.take(Signature.bytes)
            let sig = try reader.take(Signature.bytes)
            guard manifest.exporter == nil, pk == manifest.deviceKey, let endorser = member(endorserFP), endorser.card.role != .editor,
                  Signature.verify(endorsement, message: Self.deviceEndorsementMessage(vaultID: manifest.origin, publicKey: pk),
                                   publicKey: endorser.card.signKey),
                  Signature.verify(sig, message: manifest.signedMessage, publicKey: pk) else {
                throw bad("its manifest is not signed by a vault a member vouched for (altered in transit?)")
            }
            return endorser.isActive
        default:
            throw bad("its manifest signer is malformed")
        }
    }
}

/// Buffered, bounds-checked reads from a file descriptor (bundle import).
final class StreamReader {
    private let fd: Int32
    private let object: String
    private var buffer: [UInt8] = []
    private var pos = 0

    init(fd: Int32, object: String) { self.fd = fd; self.object = object }

    private func fill(_ n: Int) throws {
        if buffer.count - pos >= n { return }
        buffer.removeFirst(pos); pos = 0
        var chunk = [UInt8](repeating: 0, count: max(n - buffer.count, 1 << 20))
        while buffer.count < n {
            let got = try chunk.withUnsafeMutableBytes { try PosixIO.read(fd, into: $0, object: object) }
            if got == 0 { throw VaultError.badData(object: object, hint: "the bundle is truncated") }
            buffer.append(contentsOf: chunk[0..<got])
        }
    }

    func take(_ n: Int) throws -> [UInt8] {
        try fill(n)
        defer { pos += n }
        return Array(buffer[pos..<pos + n])
    }

    func skip(_ n: UInt64) throws {
        var left = n
        while left > 0 { let k = Int(min(left, 1 << 20)); _ = try take(k); left -= UInt64(k) }
    }

    func u8() throws -> UInt8 { try take(1)[0] }
    func u32() throws -> UInt32 { try take(4).reduce(0) { $0 << 8 | UInt32($1) } }
    func u64() throws -> UInt64 { try take(8).reduce(0) { $0 << 8 | UInt64($1) } }
    func atEnd() throws -> Bool {
        if pos < buffer.count { return false }
        var c: UInt8 = 0
        return try withUnsafeMutableBytes(of: &c) { try PosixIO.read(fd, into: $0, object: object) } == 0
    }
}

extension Vault {
    /// Whether a body file belongs to an object committed in the vault.
    func bodyIsReferenced(_ path: String) -> Bool {
        let name = String(path.split(separator: "/").last ?? "")
        guard name.count > 32 else { return false }
        let id = String(name.prefix(32))
        guard let header = try? store.read({ db in try loadHeader(db, id: id) }) else { return false }
        return bodyPath(header) == path
    }
}
