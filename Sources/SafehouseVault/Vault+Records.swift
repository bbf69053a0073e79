import Foundation
import GRDB
import SafehouseCrypto

/// What the caller says about a file being sealed.
public struct SealRequest: Sendable {
    public var kind: RecordKind
    public var country: String
    public var subject: String?
    public var status: String?
    public var rating: Int?
    public var note: String?
    /// Extra recipients (member names or fingerprint prefixes) beyond the officers.
    public var to: [String] = []
    /// Remove the plaintext original after a verified seal.
    public var removeOriginal = false
    /// `seal T --of MEDIA_RECORD`: the recording this transcript transcribes.
    public var transcriptOf: String?

    public init(kind: RecordKind, country: String, subject: String? = nil, status: String? = nil,
                rating: Int? = nil, note: String? = nil, to: [String] = [], removeOriginal: Bool = false) {
        self.kind = kind; self.country = country; self.subject = subject; self.status = status
        self.rating = rating; self.note = note; self.to = to; self.removeOriginal = removeOriginal
    }
}

/// A row of `safehouse list`.
public struct RecordListing: Sendable, Codable {
    public let id: String
    public let type: String
    public let size: UInt64
    /// nil when the caller holds no slot for the object.
    public let metadata: RecordMetadata?
}

/// A sealed object with its decrypted key, ready to read.
struct OpenedObject {
    let header: RecordHeader
    let metadata: RecordMetadata
    let recordKey: SecureBytes
    let bodyKey: SecureBytes
}

extension Vault {
    static let kdfContext = "SHrecord"

    /// A body's file: named by record id and body hash, so a re-keyed excerpt's new
    /// body never overwrites the old one before the new header is committed.
    func bodyPath(_ header: RecordHeader) -> String {
        objectsDirectory + "/" + header.idText + "-" + Encoding.hex(Array(header.bodyHash.prefix(6))) + ".body"
    }

    /// A temporary (unnamed until commit) body file in the objects folder.
    /// - Parameter object: what is being written, to name it in errors (a full disk
    ///   while sealing `in.bin` names the vault and `in.bin`, not an internal file).
    func newBodyOutput(for object: String) throws -> AtomicOutput {
        let out = try AtomicOutput(path: objectsDirectory + "/new.body", overwrite: true)
        out.label = "vault \(directory) (writing \(object))"
        return out
    }

    /// A sealed body in an unnamed file with its signed header, not yet in the vault.
    struct StagedObject {
        let header: RecordHeader
        let output: AtomicOutput
        /// The plaintext's `ContentDigest`, when asked for.
        let content: [UInt8]?
        let recordKey: SecureBytes
        /// The body's chunk hashes (for `chunk_hashes`).
        let leaves: [UInt8]
    }

    /// Encrypts a body and builds the signed header. The body file is named
    /// (linked) only after it is complete and fsynced; the caller inserts the
    /// header into the database (with its audit entry) and unlinks the body if that fails.
    func sealObject(type: ObjectType, source: BodySource, length: UInt64, metadata: RecordMetadata,
                    recipients: [MemberCard], signer: Identity, object: String,
                    progress: BodyCodec.Progress?, id fixedID: [UInt8]? = nil,
                    hashPlaintext: Bool = false, label: String = "") throws -> (header: RecordHeader, plainHash: [UInt8]?, recordKey: SecureBytes) {
        let s = try stageObject(type: type, source: source, length: length, metadata: metadata, recipients: recipients, signer: signer,
                                object: object, progress: progress, id: fixedID, digest: hashPlaintext, label: label)
        try s.output.commit(overwrite: false, as: bodyPath(s.header))
        return (s.header, s.content, s.recordKey)
    }

    /// Encrypts a body into an unnamed file in the objects folder and signs its
    /// header; `output.commit(as: bodyPath(header))` names it.
    /// - Parameter digest: also compute the plaintext's `ContentDigest` (same read pass).
    func stageObject(type: ObjectType, source: BodySource, length: UInt64, metadata: RecordMetadata,
                     recipients: [MemberCard], signer: Identity, object: String,
                     progress: BodyCodec.Progress?, id fixedID: [UInt8]? = nil,
                     digest: Bool = false, label: String = "") throws -> StagedObject {
        let id = fixedID ?? Random.bytes(RecordHeader.idBytes)
        let recordKey = try SecureBytes.random(count: KeyDerivation.keyBytes)
        let bodyKey = try KeyDerivation.derive(from: recordKey, id: 1, context: Self.kdfContext)
        let cipher = try ChunkCipher(key: bodyKey, hashing: .sha256(objectID: id))
        let out = try newBodyOutput(for: object)
        let sealed = try BodyCodec.encrypt(from: source, length: length, cipher: cipher, to: out, object: object,
                                           digest: digest, progress: progress)
        let header = try signedHeader(type: type, id: id, recordKey: recordKey, chunkSize: cipher.chunkSize, length: length,
                                      bodyHash: sealed.bodyHash, metadata: metadata, recipients: recipients, signer: signer, label: label)
        return StagedObject(header: header, output: out, content: sealed.content, recordKey: recordKey, leaves: sealed.leaves)
    }

    /// The signed header of a sealed body: metadata encrypted under subkey 2, a key slot per recipient.
    func signedHeader(type: ObjectType, id: [UInt8], recordKey: SecureBytes, chunkSize: Int, length: UInt64, bodyHash: [UInt8],
                      metadata: RecordMetadata, recipients: [MemberCard], signer: Identity, label: String) throws -> RecordHeader {
        let metaKey = try KeyDerivation.derive(from: recordKey, id: 2, context: Self.kdfContext, length: XChaCha20Poly1305.keyBytes)
        let metaNonce = Random.bytes(XChaCha20Poly1305.nonceBytes)
        let metaCT = try XChaCha20Poly1305.seal(try metadata.encoded(), key: metaKey, nonce: metaNonce,
                                                ad: RecordHeader.metaAD(type: type, id: id))
        let slots = try Self.makeSlots(id: id, recordKey: recordKey, recipients: recipients)
        let unsigned = RecordHeader(type: type, id: id, chunkSize: UInt32(chunkSize), plaintextLength: length, label: label, slots: slots,
                                    metaNonce: metaNonce, metaCiphertext: metaCT, bodyHash: bodyHash, signer: signer.fingerprint, signature: [])
        return unsigned.withSignature(try signer.sign(unsigned.encodedUnsigned()))
    }

    static func makeSlots(id: [UInt8], recordKey: SecureBytes, recipients: [MemberCard]) throws -> [KeySlot] {
        let payload = try SecureBytes.concatenating([try SecureBytes(copying: id.withUnsafeBytes { UnsafeRawBufferPointer($0) }), recordKey])
        var seen = Set<Fingerprint>()
        return try recipients.filter { seen.insert($0.fingerprint).inserted }.map {
            KeySlot(recipient: $0.fingerprint, box: try SealedBox.seal(payload, to: $0.boxKey))
        }
    }

    /// - Parameter leaves: the body's chunk hashes; kept for records (the objects
    ///   opened by range) in body format v2.
    func insertObject(_ db: Database, _ header: RecordHeader, leaves: [UInt8]? = nil) throws {
        try db.execute(sql: "INSERT INTO objects(id, type, header, body_length) VALUES (?, ?, ?, ?)",
                       arguments: [header.idText, Int(header.type.rawValue), Data(header.encoded()), Int64(header.ciphertextLength)])
        try saveChunkHashes(db, header, leaves: leaves)
    }

    /// Keeps a record's chunk hashes (body format v2) so `open --bytes` checks a range
    /// against the signature without reading the rest; replaces an older list.
    func saveChunkHashes(_ db: Database, _ header: RecordHeader, leaves: [UInt8]?) throws {
        guard header.type == .record else { return }
        guard let leaves, header.version == RecordHeader.currentVersion, BodyHasher.leavesMatch(leaves, header) else {
            try db.execute(sql: "DELETE FROM chunk_hashes WHERE object_id = ?", arguments: [header.idText])
            return
        }
        try db.execute(sql: "INSERT OR REPLACE INTO chunk_hashes(object_id, hashes) VALUES (?, ?)", arguments: [header.idText, Data(leaves)])
    }

    /// A record's body chunk hashes, checked against its signed header (stored, or
    /// recomputed from the ciphertext when not stored or not matching).
    func verifiedLeaves(_ header: RecordHeader, fd: Int32) throws -> [UInt8] {
        let stored = try store.read { db in
            try Data.fetchOne(db, sql: "SELECT hashes FROM chunk_hashes WHERE object_id = ?", arguments: [header.idText]).map { [UInt8]($0) }
        }
        return try BodyCodec.verifiedLeaves(from: fd, header: header, stored: stored, object: "record \(header.idText)")
    }

    /// Seals a file as a record. Returns the record id. Always a new record (a
    /// file sealed before is sealed again; `seal(_:request:skipSealed:…)` skips it).
    public func seal(file path: String, request: SealRequest, by sealer: Identity,
                     progress: ((UInt64, UInt64) -> Void)? = nil) throws -> String {
        let r = try seal([.named(path)], request: request, skipSealed: false, by: sealer, progress: progress)[0]
        if let e = r.removalError { throw e }
        switch r.outcome {
        case .sealed(let id), .duplicate(let id): return id
        case .failed(let e): throw e
        case .skipped(let reason): throw VaultError.usage("\(path): \(reason)")
        }
    }

    /// Checks a seal request's values before anything is read; the country code in
    /// either case comes back in capitals.
    static func validate(_ request: inout SealRequest) throws {
        request.country = try CountryCode.normalized(request.country)
        if request.status != nil, request.kind != .legal { throw VaultError.usage("--status applies to --kind legal only") }
        if let r = request.rating, !(1...5).contains(r) { throw VaultError.usage("--rating takes 1 to 5") }
    }

    /// Who may seal, and to whom: decided once, before any byte is encrypted.
    func sealRecipients(_ request: SealRequest, by sealer: Identity) throws -> [MemberCard] {
        try store.write { db in
            let me = try requireMember(sealer, db, action: "seal", objects: [])
            guard me.card.role != .editor else {
                try refuse(db, actor: sealer, action: "seal", objects: [], reason: "role-not-allowed",
                           .refused(object: "seal", reason: "editors cannot seal originals", hint: "an interviewer or officer seals material"))
            }
            if let p = request.subject,
               try String.fetchOne(db, sql: "SELECT pseudonym FROM subjects WHERE pseudonym = ?", arguments: [p]) == nil {
                throw VaultError.missing(object: "subject \(p)", hint: "`safehouse subject list` shows the pseudonyms")
            }
            let all = try members(db).filter(\.isActive)
            var cards = all.filter { $0.card.role == .officer }.map(\.card)
            for q in request.to {
                let m = try memberInList(all, matching: q)
                guard m.card.role != .editor else {
                    try refuse(db, actor: sealer, action: "seal", objects: [m.fingerprint.compact], reason: "editor-recipient",
                               .refused(object: "member \(m.fingerprint)", reason: "an editor never receives a key slot for an original",
                                        hint: "approve an excerpt and grant it to the editor instead"))
                }
                cards.append(m.card)
            }
            guard !cards.isEmpty else { throw VaultError.usage("no recipients: the team has no officer and no --to was given") }
            return cards
        }
    }

    func memberInList(_ all: [Member], matching q: String) throws -> Member {
        let named = all.filter { $0.card.name == q }
        if let m = named.first(where: \.isActive) ?? named.first { return m }
        let c = q.lowercased().replacingOccurrences(of: "-", with: "")
        let hits = c.count >= 4 ? all.filter { $0.fingerprint.compact.hasPrefix(c) } : []
        if hits.count == 1 { return hits[0] }
        if hits.count > 1 { throw VaultError.usage("member '\(q)' is ambiguous: give more of the fingerprint") }
        throw VaultError.missing(object: "member '\(q)'", hint: "`safehouse team list` shows the members")
    }

    /// Re-reads a stored body and decrypts it with the in-memory record key to prove
    /// the seal is complete before the original is removed.
    func verifyStoredBody(header: RecordHeader, recordKey: SecureBytes, expectedPlainHash: [UInt8]) throws {
        let bodyKey = try KeyDerivation.derive(from: recordKey, id: 1, context: Self.kdfContext)
        let fd = Foundation.open(bodyPath(header), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VaultError.io(object: "record \(header.idText)", detail: "cannot re-read the sealed body") }
        defer { close(fd) }
        let h = ContentDigest()
        try BodyCodec.decrypt(from: fd, header: header, cipher: try header.cipher(key: bodyKey),
                              to: .ordered { h.update($0) }, object: "record \(header.idText)", progress: nil)
        guard h.finalize() == expectedPlainHash else {
            throw VaultError.io(object: "record \(header.idText)", detail: "verification after sealing failed; the original was kept")
        }
    }

    /// Overwrites a file once with zeros, fsyncs and unlinks it.
    /// SSDs, copy-on-write and journaling file systems may keep older copies (Docs/THREAT-MODEL.md).
    static func removeOriginal(path: String, size: UInt64) throws {
        let fd = Foundation.open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VaultError.io(object: path, detail: "cannot open the original to remove it") }
        defer { close(fd) }
        let zeros = [UInt8](repeating: 0, count: 1 << 20)
        var left = size
        while left > 0 {
            // A failed overwrite keeps the file and says so, rather than unlinking it half-overwritten as if done.
            let n = Int(min(UInt64(zeros.count), left))
            try zeros.withUnsafeBytes { try PosixIO.write(fd, UnsafeRawBufferPointer(rebasing: $0[0..<n]), object: path) }
            left -= UInt64(n)
        }
        guard fsync(fd) == 0 else { throw VaultError.io(object: path, detail: String(cString: strerror(errno))) }
        guard unlink(path) == 0 else { throw VaultError.io(object: path, detail: String(cString: strerror(errno))) }
    }

    /// Loads an object's header (strictly parsed, signature verified against a trusted member).
    func loadHeader(_ db: Database, id: String) throws -> RecordHeader {
        guard id.count == 32, Encoding.unhex(id) != nil else {
            throw VaultError.missing(object: "record \(id)", hint: "record ids are 32 hex characters; `safehouse list` shows them")
        }
        guard let row = try Row.fetchOne(db, sql: "SELECT type, header, body_length FROM objects WHERE id = ?", arguments: [id]) else {
            throw VaultError.missing(object: "record \(id)", hint: "`safehouse list` shows the records of this vault")
        }
        let header = try RecordHeader.parse([UInt8](try row.value("header", of: "record \(id)") as Data), object: "record \(id)")
        guard header.idText == id, Int(header.type.rawValue) == (try row.value("type", of: "record \(id)") as Int) else {
            throw VaultError.badData(object: "record \(id)", hint: "its header belongs to another record")
        }
        try verifyHeaderSigner(header, members: try members(db))
        return header
    }

    /// The signer must be a trusted member allowed to sign this type of object.
    func verifyHeaderSigner(_ header: RecordHeader, members: [Member]) throws {
        let object = "record \(header.idText)"
        guard let signer = members.first(where: { $0.fingerprint == header.signer }) else {
            throw VaultError.badData(object: object, hint: "its signer \(header.signer) is not a member this vault knows: if HQ added a member since, apply HQ's newer keyring with `safehouse team update TEAMFILE`")
        }
        guard header.verifySignature(signerCard: signer.card) else {
            throw VaultError.badData(object: object, hint: "its signature does not verify against a team member")
        }
        let allowed: Bool
        switch header.type {
        case .record, .subject: allowed = signer.card.role != .editor
        case .excerpt: allowed = signer.card.role == .officer
        }
        guard allowed else { throw VaultError.badData(object: object, hint: "it was signed by a member whose role may not sign it") }
    }

    /// Opens an object's key slot for `identity` and decrypts its metadata.
    func unlockObject(_ header: RecordHeader, identity: Identity) throws -> OpenedObject? {
        guard let slot = header.slots.first(where: { $0.recipient == identity.fingerprint }) else { return nil }
        let object = "record \(header.idText)"
        let payload: SecureBytes
        do { payload = try identity.openSlot(slot.box) } catch {
            throw VaultError.badData(object: object, hint: "your key slot does not open (tampered or swapped slot)")
        }
        let slotID = try payload.slice(0..<RecordHeader.idBytes)
        let idMatches = slotID.withUnsafeBytes { Array($0) == header.id }
        guard idMatches else { throw VaultError.badData(object: object, hint: "the key slot belongs to another record (swapped slot)") }
        let recordKey = try payload.slice(RecordHeader.idBytes..<payload.count)
        let metaKey = try KeyDerivation.derive(from: recordKey, id: 2, context: Self.kdfContext, length: XChaCha20Poly1305.keyBytes)
        let metaBytes: [UInt8]
        do {
            metaBytes = try XChaCha20Poly1305.open(header.metaCiphertext, key: metaKey, nonce: header.metaNonce,
                                                   ad: RecordHeader.metaAD(version: header.version, type: header.type, id: header.id))
        } catch { throw VaultError.badData(object: object, hint: "its metadata does not authenticate") }
        let meta = try RecordMetadata.decode(metaBytes, object: object)
        return OpenedObject(header: header, metadata: meta, recordKey: recordKey,
                            bodyKey: try KeyDerivation.derive(from: recordKey, id: 1, context: Self.kdfContext))
    }

    /// Decrypts a record to `outPath`. The output appears only after the whole body
    /// and its signature verified and the audit entry is durable.
    public func open(id: String, to outPath: String, by identity: Identity, overwrite: Bool = false,
                     progress: ((UInt64, UInt64) -> Void)? = nil) throws -> RecordMetadata {
        let opened = try access(id: id, identity: identity, action: "open")
        let out = try AtomicOutput(path: outPath, overwrite: overwrite)
        let fd = Foundation.open(bodyPath(opened.header), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VaultError.badData(object: "record \(id)", hint: "its encrypted body file is missing; run `safehouse check`") }
        defer { close(fd) }
        try BodyCodec.decrypt(from: fd, header: opened.header, cipher: try opened.header.cipher(key: opened.bodyKey),
                              to: .file(out), object: "record \(id)", progress: progress)
        try out.flush()  // a failing disk fails the command before the log says "ok"
        try store.write { db in try appendAudit(db, actor: identity, action: "open", objects: [id], outcome: .ok) }
        try out.commit(overwrite: overwrite)
        return opened.metadata
    }

    /// Decrypts plaintext bytes `[start, start+length)` of a record to `outPath`,
    /// reading only the chunks that cover them. Each chunk is authenticated and
    /// checked against its hash under the sealer's signature (body format v2: the
    /// stored chunk hashes; v1: recomputed from the whole ciphertext first).
    public func open(id: String, bytes start: UInt64, length: UInt64, to outPath: String, by identity: Identity,
                     overwrite: Bool = false) throws -> RecordMetadata {
        let opened = try access(id: id, identity: identity, action: "open")
        let out = try AtomicOutput(path: outPath, overwrite: overwrite)
        let fd = Foundation.open(bodyPath(opened.header), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VaultError.badData(object: "record \(id)", hint: "its encrypted body file is missing; run `safehouse check`") }
        defer { close(fd) }
        try BodyCodec.decryptRange(from: fd, header: opened.header, cipher: try opened.header.cipher(key: opened.bodyKey),
                                   leaves: try verifiedLeaves(opened.header, fd: fd),
                                   start: start, length: length, object: "record \(id)") { try out.write($0) }
        try out.flush()
        try store.write { db in try appendAudit(db, actor: identity, action: "open", objects: [id, "bytes:\(start):\(length)"], outcome: .ok) }
        try out.commit(overwrite: overwrite)
        return opened.metadata
    }

    /// Decrypts a record, or plaintext bytes `range` of it, to `destination`.
    /// To a file: as the path-based `open`s. To standard output: the audit entry is
    /// written before the first byte; a record up to 16 MiB is written only once its
    /// whole body and signature verified, a larger one batch by batch as each batch
    /// authenticates, so a failure midway leaves the batches already written.
    public func open(id: String, to destination: OutputDestination, range: (start: UInt64, length: UInt64)? = nil,
                     by identity: Identity, progress: ((UInt64, UInt64) -> Void)? = nil) throws -> RecordMetadata {
        if case .file(let path, let overwrite) = destination {
            if let range { return try open(id: id, bytes: range.start, length: range.length, to: path, by: identity, overwrite: overwrite) }
            return try open(id: id, to: path, by: identity, overwrite: overwrite, progress: progress)
        }
        let opened = try access(id: id, identity: identity, action: "open")
        let objects = [id] + (range.map { ["bytes:\($0.start):\($0.length)"] } ?? [])
        let sink = StandardOutputSink { [store] in
            try store.write { db in try self.appendAudit(db, actor: identity, action: "open", objects: objects, outcome: .ok) }
        }
        if let range {
            let fd = Foundation.open(bodyPath(opened.header), O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw VaultError.badData(object: "record \(id)", hint: "its encrypted body file is missing; run `safehouse check`") }
            defer { close(fd) }
            try BodyCodec.decryptRange(from: fd, header: opened.header, cipher: try opened.header.cipher(key: opened.bodyKey),
                                       leaves: try verifiedLeaves(opened.header, fd: fd), start: range.start, length: range.length, object: "record \(id)", sink: sink.take)
        } else {
            try decryptBody(opened, progress: progress, sink: sink.take)
        }
        try sink.finish()
        return opened.metadata
    }

    /// Resolves and unlocks an object for `identity`, auditing refusals.
    func access(id: String, identity: Identity, action: String, allowedTypes: Set<ObjectType> = [.record]) throws -> OpenedObject {
        try store.write { db in
            _ = try requireMember(identity, db, action: action, objects: [id])
            let header: RecordHeader
            do { header = try loadHeader(db, id: id) } catch let e as VaultError {
                if case .badData = e { try appendAudit(db, actor: identity, action: action, objects: [id], outcome: .failed, reason: "bad-data") }
                throw RefusalCommitted(error: e)
            }
            guard allowedTypes.contains(header.type) else {
                throw VaultError.missing(object: "record \(id)", hint: "that id is not a \(allowedTypes.map(\.label).sorted().joined(separator: "/"))")
            }
            try refuseIfQuarantined(db, id: id, identity: identity, action: action)
            guard let opened = try unlockObject(header, identity: identity) else {
                try refuse(db, actor: identity, action: action, objects: [id], reason: "not-a-recipient",
                           .refused(object: "record \(id)", reason: "you hold no key slot for it",
                                    hint: kind == .field ? "a field vault seals for HQ; sealed material opens only at HQ" : "ask a security officer for access"))
            }
            return opened
        }
    }

    func decryptBody(_ opened: OpenedObject, progress: ((UInt64, UInt64) -> Void)? = nil, sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        let id = opened.header.idText
        let fd = Foundation.open(bodyPath(opened.header), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VaultError.badData(object: "record \(id)", hint: "its encrypted body file is missing; run `safehouse check`") }
        defer { close(fd) }
        try BodyCodec.decrypt(from: fd, header: opened.header, cipher: try opened.header.cipher(key: opened.bodyKey),
                              to: .ordered(sink), object: "record \(id)", progress: progress)
    }

    /// Decrypts a small object (subject sheet entry, excerpt) into memory.
    func decryptSmall(_ opened: OpenedObject) throws -> [UInt8] {
        guard opened.header.plaintextLength <= 64 << 20 else { throw VaultError.badData(object: "record \(opened.header.idText)", hint: "too large") }
        var out: [UInt8] = []
        try decryptBody(opened) { out.append(contentsOf: $0) }
        return out
    }

    /// Lists the vault's records; metadata is decrypted where `identity` holds a slot.
    /// Without an identity every header is still parsed and its signer verified, so
    /// ids, types and plaintext sizes show without a key.
    public func list(by identity: Identity?, types: Set<ObjectType> = [.record, .excerpt]) throws -> [RecordListing] {
        try store.write { db in
            if let identity { _ = try requireMember(identity, db, action: "list", objects: []) }
            let out = try objects(db, types: types, readableBy: identity, verifyHeaders: true).map {
                RecordListing(id: $0.id, type: $0.type.label, size: $0.header?.plaintextLength ?? $0.length, metadata: $0.metadata)
            }
            if let identity { try appendAudit(db, actor: identity, action: "list", objects: [], outcome: .ok) }
            return out
        }
    }

    /// One stored object as a listing reads it.
    struct StoredObject: Sendable {
        let id: String
        let type: ObjectType
        /// Body length in the database (ciphertext).
        let length: UInt64
        let rawHeader: [UInt8]
        var header: RecordHeader?
        var metadata: RecordMetadata?
    }

    /// Every object of `types`, in order; with an identity, each header parsed and
    /// its signer verified, and the metadata of those the identity holds a slot for.
    /// One query for all rows, and the Ed25519 checks and slot openings on all cores
    /// (the slots one by one when a key agent holds the key: one socket).
    /// - Parameter verifyHeaders: parse and verify the headers even without an identity.
    func objects(_ db: Database, types: Set<ObjectType>, readableBy identity: Identity?, verifyHeaders: Bool = false) throws -> [StoredObject] {
        var items: [StoredObject] = []
        for row in try Row.fetchAll(db, sql: "SELECT id, type, body_length, header FROM objects ORDER BY rowid") {
            let id: String = try row.value("id", of: "objects table")
            guard let t = UInt8(exactly: try row.value("type", of: "record \(id)") as Int).flatMap(ObjectType.init(rawValue:)) else {
                throw VaultError.badData(object: "record \(id)", hint: "its type in the database is unknown (damaged or edited)")
            }
            guard types.contains(t) else { continue }
            let length: Int64 = try row.value("body_length", of: "record \(id)")
            guard length >= 0 else { throw VaultError.badData(object: "record \(id)", hint: "its body length in the database is negative (damaged or edited)") }
            items.append(StoredObject(id: id, type: t, length: UInt64(length), rawHeader: [UInt8](try row.value("header", of: "record \(id)") as Data)))
        }
        guard identity != nil || verifyHeaders else { return items }
        let ms = try members(db)
        let open: (StoredObject) throws -> StoredObject = { item in
            var item = item
            let header = try RecordHeader.parse(item.rawHeader, object: "record \(item.id)")
            guard header.idText == item.id, header.type == item.type else {
                throw VaultError.badData(object: "record \(item.id)", hint: "its header belongs to another record")
            }
            try self.verifyHeaderSigner(header, members: ms)
            item.header = header
            if let identity, !identity.usesAgent { item.metadata = try self.unlockObject(header, identity: identity)?.metadata }
            return item
        }
        var out = try Self.concurrentMap(items, open)
        if let identity, identity.usesAgent {
            for i in out.indices { out[i].metadata = try unlockObject(out[i].header!, identity: identity)?.metadata }
        }
        return out
    }

    /// `transform` over `items` on every core, in order; the first error (by index) is thrown.
    static func concurrentMap<T, U>(_ items: [T], _ transform: (T) throws -> U) throws -> [U] {
        var results = [Result<U, Error>?](repeating: nil, count: items.count)
        let chunks = max(1, min(items.count / 64, ProcessInfo.processInfo.activeProcessorCount * 4))
        withoutActuallyEscaping(transform) { transform in
            results.withUnsafeMutableBufferPointer { out in
                // Each worker writes its own disjoint range of `out`.
                let shared = UncheckedShare((out.baseAddress!, items, transform))
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    let (base, items, transform) = shared.value
                    var i = c * items.count / chunks
                    let end = (c + 1) * items.count / chunks
                    while i < end { base[i] = Result { try transform(items[i]) }; i += 1 }
                }
            }
        }
        return try results.map { try $0!.get() }
    }
}

/// Hands values to the threads of `concurrentPerform`, which touch disjoint parts.
private struct UncheckedShare<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
