import Foundation
import GRDB
import SafehouseAudit
import SafehouseCrypto

/// What a bundle import did.
public struct BundleImportReport: Sendable {
    public let imported: [String]
    public let alreadyPresent: [String]
    public let auditEntries: Int
}

/// Bundles move sealed objects between vaults as one ciphertext-only file
/// (Docs/FORMAT.md, "Bundle"):
/// ```
/// "SHBN" version=1 u8 | origin-vault-id[16] | device-public-key[32]
/// object-count u32 | per object: header-len u32, header, pseudonym-len u8, pseudonym, body-len u64, body
/// audit-count u32 | per entry: entry-len u32, canonical entry, signer-key[32], signature[64]
/// "SHBE"
/// ```
/// Nothing in it is plaintext: headers hold ciphertext and ids; bodies are the
/// encrypted chunks; audit entries hold ids and fingerprints only.
extension Vault {
    static let bundleMagic: [UInt8] = Array("SHBN".utf8)
    static let bundleEnd: [UInt8] = Array("SHBE".utf8)

    /// Writes the given objects, every subject identity (so HQ learns the
    /// pseudonyms registered in the field), and this vault's audit log to a bundle.
    /// - Parameter ids: record ids; empty means every object in the vault.
    public func exportBundle(ids requested: [String], to path: String, by identity: Identity?, overwrite: Bool) throws {
        let out = try AtomicOutput(path: path, overwrite: overwrite, mode: 0o644)
        try store.write { db in
            let all = try String.fetchAll(db, sql: "SELECT id FROM objects ORDER BY rowid")
            let subjects = try String.fetchAll(db, sql: "SELECT object_id FROM subjects ORDER BY rowid")
            var ids = requested.isEmpty ? all : requested
            // Identities registered in the field must reach HQ; HQ never ships them to an editor.
            if kind == .field { ids += subjects.filter { !ids.contains($0) } }
            if let identity { _ = try requireMember(identity, db, action: "bundle-export", objects: ids) }
            let ms = try members(db)
            var w = ByteWriter()
            w.raw(Self.bundleMagic); w.u8(1); w.raw(id); w.raw(try deviceKeyPair().publicKey)
            w.u32(UInt32(ids.count))
            try out.write(w.bytes)
            for rid in ids {
                let header = try loadHeader(db, id: rid)
                try verifyHeaderSigner(header, members: ms)
                let pseudonym = try String.fetchOne(db, sql: "SELECT pseudonym FROM subjects WHERE object_id = ?", arguments: [rid]) ?? ""
                var o = ByteWriter()
                o.blob(header.encoded()); o.u8(UInt8(pseudonym.utf8.count)); o.ascii(pseudonym); o.u64(header.ciphertextLength)
                try out.write(o.bytes)
                try copyBody(header, into: out)
            }
            var entries: [SignedAuditEntry] = []
            try forEachAuditEntry(db) { entries.append($0) }
            var a = ByteWriter()
            a.u32(UInt32(entries.count))
            for e in entries { a.blob(e.canonicalBytes); a.raw(e.signerKey); a.raw(e.signature) }
            // Officer-signed grants of the exported excerpts travel with them (editor hand-off).
            let grants = try Row.fetchAll(db, sql: "SELECT object_id, member, expires, grant_sig FROM grants ORDER BY rowid")
                .filter { ids.contains($0["object_id"] as String) }
            a.u32(UInt32(grants.count))
            for g in grants {
                a.blob(Array((g["object_id"] as String).utf8)); a.blob(Array((g["member"] as String).utf8))
                a.blob(Array(((g["expires"] as String?) ?? "").utf8)); a.blob([UInt8](g["grant_sig"] as Data))
            }
            a.raw(Self.bundleEnd)
            try out.write(a.bytes)
            try out.flush()
            try appendAudit(db, actor: identity, action: "bundle-export", objects: ids, outcome: .ok)
        }
        try out.commit(overwrite: overwrite)
    }

    private func copyBody(_ header: RecordHeader, into out: AtomicOutput) throws {
        let rid = header.idText, length = header.ciphertextLength
        let fd = Foundation.open(bodyPath(header), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VaultError.badData(object: "record \(rid)", hint: "its encrypted body file is missing") }
        defer { close(fd) }
        let buf = UnsafeMutableRawBufferPointer.allocate(byteCount: 4 << 20, alignment: 64)
        defer { buf.deallocate() }
        var left = length
        while left > 0 {
            let want = Int(min(UInt64(buf.count), left))
            guard try BodyCodec.readFully(fd, into: buf, count: want, object: "record \(rid)") == want else {
                throw VaultError.badData(object: "record \(rid)", hint: "its encrypted body is truncated")
            }
            try out.write(UnsafeRawBufferPointer(rebasing: buf[0..<want]))
            left -= UInt64(want)
        }
    }

    /// Imports a bundle: every header signature, body hash and the bundled audit
    /// chain are verified before anything is accepted; all or nothing; idempotent.
    public func importBundle(path: String, by identity: Identity?) throws -> BundleImportReport {
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VaultError.missing(object: path, hint: "check the bundle's path") }
        defer { close(fd) }
        let reader = StreamReader(fd: fd, object: path)
        let bad = { (why: String) in VaultError.badData(object: path, hint: why) }
        guard try reader.take(4) == Self.bundleMagic, try reader.u8() == 1 else { throw bad("this is not a safehouse bundle (SHBN v1)") }
        let originID = try reader.take(16)
        let devicePK = try reader.take(Signature.publicKeyBytes)
        let count = Int(try reader.u32())
        guard count <= 1_000_000 else { throw bad("it claims an impossible number of objects") }
        let ms = try members()
        var written: [String] = []
        var fresh: [(RecordHeader, String)] = []
        var present: [String] = []
        var updated: [String] = []
        do {
            for _ in 0..<count {
                let hlen = Int(try reader.u32())
                guard hlen <= 4 << 20 else { throw bad("an object header is impossibly large") }
                let header = try RecordHeader.parse(try reader.take(hlen), object: path)
                try verifyHeaderSigner(header, members: ms)
                let plen = Int(try reader.u8())
                let pseudonym = String(decoding: try reader.take(plen), as: UTF8.self)
                guard pseudonym.isEmpty || Pseudonym.isValid(pseudonym), (header.type == .subject) == !pseudonym.isEmpty else {
                    throw bad("a subject entry is malformed")
                }
                let blen = try reader.u64()
                guard blen == header.ciphertextLength else { throw bad("an object's body length does not match its header") }
                let exists = try store.read { db in try Data.fetchOne(db, sql: "SELECT header FROM objects WHERE id = ?", arguments: [header.idText]) }
                if let exists, [UInt8](exists) != header.encoded(), header.type == .excerpt {
                    // A newer grant or a re-key of an excerpt: take the officer-signed header and body.
                    updated.append(header.idText)
                } else if exists != nil {
                    try reader.skip(blen)
                    present.append(header.idText)
                    continue
                }
                let out = try newBodyOutput(for: "record \(header.idText) from \(path)")
                let hasher = BodyHasher()
                let full = UInt64(header.chunkSize) + UInt64(ChunkCipher.tagBytes)
                var left = blen
                while left > 0 {
                    let n = Int(min(full, left))
                    let chunk = try reader.take(n)
                    hasher.add([GenericHash.hash(chunk, length: 32)])
                    try out.write(chunk)
                    left -= UInt64(n)
                }
                guard hasher.finalize() == header.bodyHash else { throw bad("an object's body does not match its signed header (tampered)") }
                // The object is not in the vault, so a file of this name can only be
                // ciphertext left by an interrupted import: the verified body replaces it.
                try out.commit(overwrite: true, as: bodyPath(header))
                written.append(bodyPath(header))
                fresh.append((header, pseudonym))
            }
            let n = Int(try reader.u32())
            guard n <= 10_000_000 else { throw bad("it claims an impossible number of audit entries") }
            var foreign: [SignedAuditEntry] = []
            for _ in 0..<n {
                let elen = Int(try reader.u32())
                guard elen <= AuditEntry.Limits.maxCanonicalBytes else { throw bad("an audit entry is too large") }
                let canonical = try reader.take(elen)
                guard let entry = try? AuditEntry.parse(canonical: canonical) else { throw bad("an audit entry is malformed") }
                foreign.append(SignedAuditEntry(entry: entry, signerKey: try reader.take(32), signature: try reader.take(64)))
            }
            let gcount = Int(try reader.u32())
            guard gcount <= 1_000_000 else { throw bad("it claims an impossible number of grants") }
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
                grants.append((obj, mem, exp.isEmpty ? nil : exp, sig))
            }
            guard try reader.take(4) == Self.bundleEnd, try reader.atEnd() else { throw bad("the bundle is truncated or has trailing data") }
            var keys: [String: [UInt8]] = [:]
            for m in ms { keys[m.fingerprint.compact] = m.card.signKey }
            let foreignOrigin = "safehouse.vault/" + Encoding.hex(originID)
            let verdict = AuditChain.verify(foreign, origin: foreignOrigin) { actor, key in key == devicePK || keys[actor] == key }
            guard case .intact(let fsize, let froot) = verdict else {
                throw bad("its audit log is broken at entry \(verdict.firstBadSeq ?? 0)")
            }
            try store.write { db in
                if let identity { _ = try requireMember(identity, db, action: "bundle-import", objects: []) }
                for (h, p) in fresh {
                    if updated.contains(h.idText) {
                        try db.execute(sql: "UPDATE objects SET header = ?, body_length = ? WHERE id = ?",
                                       arguments: [Data(h.encoded()), Int64(h.ciphertextLength), h.idText])
                        continue
                    }
                    // Another process may have imported the same object meanwhile: then it is present.
                    if try String.fetchOne(db, sql: "SELECT id FROM objects WHERE id = ?", arguments: [h.idText]) != nil { continue }
                    try insertObject(db, h)
                    if !p.isEmpty {
                        try db.execute(sql: "INSERT OR IGNORE INTO subjects(pseudonym, object_id) VALUES (?, ?)", arguments: [p, h.idText])
                    }
                }
                for (obj, mem, exp, sig) in grants {
                    try db.execute(sql: "INSERT OR REPLACE INTO grants(object_id, member, expires, grant_sig) VALUES (?, ?, ?, ?)",
                                   arguments: [obj, mem.compact, exp, Data(sig)])
                }
                if foreignOrigin != origin {
                    for e in foreign {
                        try db.execute(sql: "INSERT OR IGNORE INTO foreign_audit(origin, seq, entry, signer_key, signature) VALUES (?, ?, ?, ?, ?)",
                                       arguments: [foreignOrigin, Int64(e.entry.seq), Data(e.canonicalBytes), Data(e.signerKey), Data(e.signature)])
                    }
                }
                try appendAudit(db, actor: identity, action: "bundle-import",
                                objects: fresh.map { $0.0.idText } + ["log:\(Encoding.hex(originID)):\(fsize):\(Encoding.hex(Array(froot.prefix(8))))"],
                                outcome: .ok)
            }
            return BundleImportReport(imported: fresh.map { $0.0.idText }, alreadyPresent: present, auditEntries: foreign.count)
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
            let got = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if got < 0 { if errno == EINTR { continue }; throw VaultError.io(object: object, detail: String(cString: strerror(errno))) }
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
        return read(fd, &c, 1) == 0
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
