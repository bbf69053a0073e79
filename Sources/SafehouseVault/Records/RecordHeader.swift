import SafehouseCrypto

/// One key slot: the record id and key sealed (`crypto_box_seal`) to one member.
public struct KeySlot: Sendable, Equatable {
    public let recipient: Fingerprint
    let box: [UInt8]
    /// Bytes of a sealed (id ‖ key) box.
    static var boxBytes: Int { RecordHeader.idBytes + 32 + SealedBox.overheadBytes }
}

/// The signed header of a sealed object (Docs/FORMAT.md, "Record envelope").
///
/// ```
/// "SHRC" version=2 u8 | type u8 | id[16] | chunk-size u32 | plaintext-length u64
/// label-len u8 | label (subject identities: the pseudonym; else empty)
/// slot-count u16 | slot × n: recipient-fingerprint[20] sealed-box[96]
/// meta-nonce[24] | meta-len u32 | meta-ciphertext (XChaCha20-Poly1305)
/// body-hash[32] | signer-fingerprint[20] | signature[64]
/// ```
/// The Ed25519 signature covers every byte before it. The body hash folds a
/// hash of each ciphertext chunk, so anyone can check a body against its signed
/// header without a key (bundle import, `check`): in body format v1 (header
/// version 2, read forever, no longer written) BLAKE2b-256("safehouse body v1" ‖
/// h0 ‖ h1 ‖ …) over BLAKE2b-256 chunk hashes; in body format v2 (version 3)
/// SHA-256("safehouse body v2" ‖ h0 ‖ h1 ‖ …) over chunk hashes bound to the
/// record id, index and last flag (`ChunkHashing.sha256`), so random access can
/// check exactly the chunks it reads against the signature.
public struct RecordHeader: Sendable, Equatable {
    static let magic: [UInt8] = Array("SHRC".utf8)
    /// The version new objects are sealed with (body format v2).
    static let currentVersion: UInt8 = 3
    /// Body format v1: still read, never written.
    static let legacyVersion: UInt8 = 2
    static let maxLabelBytes = 32
    static let idBytes = 16
    static let maxSlots = 1024
    /// The largest padded metadata (1 MiB class) with its tag.
    static let maxMetaBytes = (1 << 20) + 16
    static let maxPlaintextLength: UInt64 = 1 << 50

    /// 3 (body format v2, SHA-256 chunk hashes) or 2 (body format v1, BLAKE2b).
    public internal(set) var version: UInt8 = RecordHeader.currentVersion
    public let type: ObjectType
    public let id: [UInt8]
    public let chunkSize: UInt32
    public let plaintextLength: UInt64
    /// Signed in clear: a subject identity's pseudonym (so a bundle cannot
    /// rename it); an excerpt's version `v<N>`, raised by every re-signing
    /// (grant, revoke, re-key), so an older copy can never replace a newer one;
    /// empty for records.
    public var label: String = ""

    /// An excerpt's signed version (nil for other types).
    public var excerptVersion: UInt64? {
        guard type == .excerpt, label.hasPrefix("v"), let n = UInt64(label.dropFirst()), "v\(n)" == label, n >= 1 else { return nil }
        return n
    }

    /// The label a re-signed copy carries: the next version for an excerpt.
    var nextLabel: String { excerptVersion.map { "v\($0 + 1)" } ?? label }
    public let slots: [KeySlot]
    let metaNonce: [UInt8]
    let metaCiphertext: [UInt8]
    let bodyHash: [UInt8]
    public let signer: Fingerprint
    let signature: [UInt8]

    /// The record id as text (32 hex characters).
    public var idText: String { Encoding.hex(id) }

    /// Associated data of the metadata blob: binds it to this object's type and id.
    static func metaAD(version: UInt8 = currentVersion, type: ObjectType, id: [UInt8]) -> [UInt8] {
        magic + [version, type.rawValue] + id + Array("meta".utf8)
    }

    /// How this header's body hashes its chunks.
    var chunkHashing: ChunkHashing { version == Self.legacyVersion ? .blake2b : .sha256(objectID: id) }

    /// The body's chunk cipher under `bodyKey`, with this header's chunk size and hashing.
    func cipher(key bodyKey: SecureBytes) throws -> ChunkCipher {
        try ChunkCipher(key: bodyKey, chunkSize: Int(chunkSize), hashing: chunkHashing)
    }

    /// Number of body chunks (at least one).
    var chunkCount: UInt64 {
        let cs = UInt64(chunkSize)
        return plaintextLength == 0 ? 1 : (plaintextLength + cs - 1) / cs
    }

    func encodedUnsigned() -> [UInt8] {
        var w = ByteWriter()
        w.raw(Self.magic); w.u8(version); w.u8(type.rawValue); w.raw(id)
        w.u32(chunkSize); w.u64(plaintextLength)
        w.u8(UInt8(label.utf8.count)); w.ascii(label)
        w.u16(UInt16(slots.count))
        for s in slots { w.raw(s.recipient.bytes); w.raw(s.box) }
        w.raw(metaNonce); w.blob(metaCiphertext)
        w.raw(bodyHash); w.raw(signer.bytes)
        return w.bytes
    }

    /// The canonical bytes of the header.
    public func encoded() -> [UInt8] { encodedUnsigned() + signature }

    /// A copy with other slots, signed by `signer` (grants, revocations, rotation).
    func resigned(slots: [KeySlot], by identity: Identity) throws -> RecordHeader {
        let h = RecordHeader(version: version, type: type, id: id, chunkSize: chunkSize, plaintextLength: plaintextLength, label: nextLabel, slots: slots,
                             metaNonce: metaNonce, metaCiphertext: metaCiphertext, bodyHash: bodyHash,
                             signer: identity.fingerprint, signature: [])
        return h.withSignature(try identity.sign(h.encodedUnsigned()))
    }

    func withSignature(_ sig: [UInt8]) -> RecordHeader {
        RecordHeader(version: version, type: type, id: id, chunkSize: chunkSize, plaintextLength: plaintextLength, label: label, slots: slots,
                     metaNonce: metaNonce, metaCiphertext: metaCiphertext, bodyHash: bodyHash, signer: signer, signature: sig)
    }

    /// A subject's label is a pseudonym, an excerpt's `v<N>` (N ≥ 1, no leading zero), a record's empty.
    static func isValidLabel(_ label: String, type: ObjectType) -> Bool {
        switch type {
        case .subject: return Pseudonym.isValid(label)
        case .excerpt: return label.hasPrefix("v") && UInt64(label.dropFirst()).map { $0 >= 1 && "v\($0)" == label } == true
        case .record: return label.isEmpty
        }
    }

    /// Parses a header strictly (canonical form only). Does not verify the signature.
    static func parse(_ bytes: [UInt8], object: String) throws -> RecordHeader {
        var r = ByteReader(bytes, object: object)
        try r.expect(magic)
        let bad = VaultError.badData(object: object, hint: "the record header is malformed or from an unknown format version")
        let version = try r.u8()
        guard version == currentVersion || version == legacyVersion, let type = ObjectType(rawValue: try r.u8()) else { throw bad }
        let id = try r.take(idBytes)
        let chunk = try r.u32()
        let len = try r.u64()
        guard chunk >= 1024, chunk <= 1 << 24, len <= maxPlaintextLength else { throw bad }
        let labelLength = Int(try r.u8())
        guard labelLength <= maxLabelBytes else { throw bad }
        let labelBytes = try r.take(labelLength)
        guard labelBytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw bad }
        let label = String(decoding: labelBytes, as: UTF8.self)
        guard isValidLabel(label, type: type) else { throw bad }
        let n = Int(try r.u16())
        guard n <= maxSlots else { throw bad }
        var slots: [KeySlot] = []
        var seen = Set<Fingerprint>()
        for _ in 0..<n {
            guard let fp = Fingerprint(raw: try r.take(Fingerprint.byteCount)), seen.insert(fp).inserted else { throw bad }
            slots.append(KeySlot(recipient: fp, box: try r.take(KeySlot.boxBytes)))
        }
        let nonce = try r.take(XChaCha20Poly1305.nonceBytes)
        let meta = try r.blob(max: maxMetaBytes)
        guard meta.count >= XChaCha20Poly1305.tagBytes else { throw bad }
        let bodyHash = try r.take(32)
        guard let signer = Fingerprint(raw: try r.take(Fingerprint.byteCount)) else { throw bad }
        let sig = try r.take(Signature.bytes)
        try r.expectEnd()
        return RecordHeader(version: version, type: type, id: id, chunkSize: chunk, plaintextLength: len, label: label, slots: slots, metaNonce: nonce,
                            metaCiphertext: meta, bodyHash: bodyHash, signer: signer, signature: sig)
    }

    /// Verifies the signature against the signer's card.
    func verifySignature(signerCard: MemberCard) -> Bool {
        signerCard.fingerprint == signer && Signature.verify(signature, message: encodedUnsigned(), publicKey: signerCard.signKey)
    }

    /// The body's ciphertext length implied by the header.
    var ciphertextLength: UInt64 { plaintextLength + chunkCount * UInt64(ChunkCipher.tagBytes) }
}

