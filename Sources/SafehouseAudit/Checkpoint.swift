import SafehouseCrypto

/// A signed statement "log <origin> had <size> entries with root <root>",
/// in the C2SP tlog-checkpoint format wrapped in a C2SP signed note.
///
/// Body (the note text):
///
///     <origin>\n<size, decimal>\n<base64 root>\n
///
/// Signed note: body, a blank line, then one line per signature:
///
///     — <key name> <base64(key hash[4] ‖ Ed25519 signature[64])>\n
///
/// with key hash = first 4 bytes of SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key)
/// and the signature over the body bytes. The officer keeps checkpoints off
/// the machine; verifying the log against one catches truncation and rollback.
///
/// Parsing is strict: no extension lines, canonical decimals and base64,
/// so a parsed checkpoint re-serializes to the very same text.
public struct Checkpoint: Sendable, Equatable {
    /// One signature line of the note.
    public struct NoteSignature: Sendable, Equatable {
        /// The signer's key name.
        public let keyName: String
        /// The 4-byte key hash identifying the key.
        public let keyHash: [UInt8]
        /// The signature bytes (64 for Ed25519; other lengths are kept, never verified).
        public let signature: [UInt8]
    }

    /// The log's origin line.
    public let origin: String
    /// Number of entries covered.
    public let size: UInt64
    /// Merkle root at `size` (32 bytes).
    public let root: [UInt8]
    /// Signatures, in note order.
    public let signatures: [NoteSignature]

    /// Longest note `parse` accepts, and most signatures (as Go's note package).
    public static let maxNoteBytes = 65_536
    public static let maxSignatures = 100

    /// The note text that is signed.
    public var body: String {
        "\(origin)\n\(size)\n\(Base64.encode(root))\n"
    }

    /// The whole signed note, ready to write to a file.
    public var text: String {
        var out = body + "\n"
        for s in signatures {
            out += "\u{2014} \(s.keyName) \(Base64.encode(s.keyHash + s.signature))\n"
        }
        return out
    }

    /// The C2SP key hash for an Ed25519 key: SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[0..<4].
    public static func keyHash(keyName: String, publicKey: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(Array(keyName.utf8) + [0x0A, 0x01] + publicKey).prefix(4))
    }

    /// The verifier key string used by Go's `note` package and C2SP tools:
    /// "<name>+<8 hex digits of key hash>+<base64(0x01 ‖ key)>".
    public static func verifierKey(keyName: String, publicKey: [UInt8]) -> String {
        var hex = [UInt8]()
        Hex.append(keyHash(keyName: keyName, publicKey: publicKey), to: &hex)
        return "\(keyName)+\(String(decoding: hex, as: UTF8.self))+\(Base64.encode([0x01] + publicKey))"
    }

    /// Creates and signs a checkpoint.
    /// - Throws: `AuditError.invalidField` for a bad origin or key name,
    ///   `AuditError.invalidKey` for keys of the wrong length or that do not match.
    public static func sign(origin: String, size: UInt64, root: [UInt8], keyName: String,
                            secretKey: SecureBytes, publicKey: [UInt8]) throws -> Checkpoint {
        guard FieldRules.isToken(origin.utf8, max: AuditEntry.Limits.origin) else {
            throw AuditError.invalidField(field: "origin", rule: "1-\(AuditEntry.Limits.origin) printable ASCII bytes, no space, quote or backslash")
        }
        guard root.count == MerkleTree.hashSize else { throw AuditError.invalidField(field: "root", rule: "must be 32 bytes") }
        let unsigned = Checkpoint(origin: origin, size: size, root: root, signatures: [])
        return try unsigned.cosigned(keyName: keyName, secretKey: secretKey, publicKey: publicKey)
    }

    /// Builds and signs a checkpoint through `signer` (e.g. a key agent).
    public static func sign(origin: String, size: UInt64, root: [UInt8], keyName: String,
                            publicKey: [UInt8], using signer: ([UInt8]) throws -> [UInt8]) throws -> Checkpoint {
        guard FieldRules.isToken(origin.utf8, max: AuditEntry.Limits.origin) else {
            throw AuditError.invalidField(field: "origin", rule: "1-\(AuditEntry.Limits.origin) printable ASCII bytes, no space, quote or backslash")
        }
        guard root.count == MerkleTree.hashSize else { throw AuditError.invalidField(field: "root", rule: "must be 32 bytes") }
        return try Checkpoint(origin: origin, size: size, root: root, signatures: []).cosigned(keyName: keyName, publicKey: publicKey, using: signer)
    }

    /// This checkpoint with one more signature (e.g. a second officer's).
    public func cosigned(keyName: String, secretKey: SecureBytes, publicKey: [UInt8]) throws -> Checkpoint {
        guard Self.isValidKeyName(keyName) else {
            throw AuditError.invalidField(field: "keyName", rule: "1-128 printable ASCII bytes, no space, quote, backslash or '+'")
        }
        guard publicKey.count == Signature.publicKeyBytes, secretKey.count == Signature.secretKeyBytes else {
            throw AuditError.invalidKey(what: "Ed25519 keys must be 32 (public) and 64 (secret) bytes")
        }
        // libsodium's secret key ends with its public key: refuse a mismatched pair.
        guard secretKey.withUnsafeBytes({ Array($0[32..<64]) }) == publicKey else {
            throw AuditError.invalidKey(what: "public key does not match the secret key")
        }
        guard let sig = try? Signature.sign(Array(body.utf8), secretKey: secretKey) else { throw AuditError.signingFailed }
        let line = NoteSignature(keyName: keyName, keyHash: Self.keyHash(keyName: keyName, publicKey: publicKey), signature: sig)
        return Checkpoint(origin: origin, size: size, root: root, signatures: signatures + [line])
    }

    /// This checkpoint with one more signature made through `signer` (e.g. a key
    /// agent); the signature is checked against `publicKey` before it is added.
    public func cosigned(keyName: String, publicKey: [UInt8], using signer: ([UInt8]) throws -> [UInt8]) throws -> Checkpoint {
        guard Self.isValidKeyName(keyName) else {
            throw AuditError.invalidField(field: "keyName", rule: "1-128 printable ASCII bytes, no space, quote, backslash or '+'")
        }
        guard publicKey.count == Signature.publicKeyBytes else { throw AuditError.invalidKey(what: "Ed25519 public keys are 32 bytes") }
        let message = Array(body.utf8)
        guard let sig = try? signer(message), Signature.verify(sig, message: message, publicKey: publicKey) else {
            throw AuditError.signingFailed
        }
        let line = NoteSignature(keyName: keyName, keyHash: Self.keyHash(keyName: keyName, publicKey: publicKey), signature: sig)
        return Checkpoint(origin: origin, size: size, root: root, signatures: signatures + [line])
    }

    /// True when a signature line names `keyName`, carries this key's hash,
    /// and is a valid Ed25519 signature of the body by `publicKey`.
    public func verify(publicKey: [UInt8], keyName: String) -> Bool {
        guard publicKey.count == Signature.publicKeyBytes else { return false }
        let hash = Self.keyHash(keyName: keyName, publicKey: publicKey)
        let message = Array(body.utf8)
        return signatures.contains { s in
            s.keyName == keyName && s.keyHash == hash && Signature.verify(s.signature, message: message, publicKey: publicKey)
        }
    }

    /// Parses a signed checkpoint note. Signatures are not verified here (see `verify`).
    /// - Throws: `AuditError.malformedCheckpoint` naming the rule broken.
    public static func parse(_ text: String) throws -> Checkpoint {
        let bytes = Array(text.utf8)
        func fail(_ rule: String) -> AuditError { .malformedCheckpoint(rule: rule) }
        guard bytes.count <= maxNoteBytes else { throw fail("note too long") }
        var cursor = LineCursor(bytes)
        var lines: [ArraySlice<UInt8>] = []
        while true {
            switch cursor.next() {
            case .line(let l): lines.append(l)
            case .unterminated: throw fail("the note must end with a newline")
            case .end:
                guard lines.count >= 5 else { throw fail("expected origin, size, root, a blank line and a signature") }
                return try build(lines, fail: fail)
            }
        }
    }

    private static func build(_ lines: [ArraySlice<UInt8>], fail: (String) -> AuditError) throws -> Checkpoint {
        guard FieldRules.isToken(lines[0], max: AuditEntry.Limits.origin) else { throw fail("bad origin line") }
        guard let size = FieldRules.parseDecimal(lines[1]) else { throw fail("size is not a canonical decimal") }
        guard let root = Base64.decode(lines[2]), root.count == MerkleTree.hashSize else { throw fail("root is not 32 bytes of base64") }
        guard lines[3].isEmpty else { throw fail("extension lines are not supported; expected a blank line after the root") }
        let sigLines = lines[4...]
        guard sigLines.count <= maxSignatures else { throw fail("too many signatures") }
        let dash: [UInt8] = [0xE2, 0x80, 0x94, 0x20] // "— "
        var signatures: [NoteSignature] = []
        for line in sigLines {
            guard line.starts(with: dash) else { throw fail("signature lines start with an em dash and a space") }
            let rest = line.dropFirst(dash.count)
            guard let space = rest.firstIndex(of: 0x20) else { throw fail("signature line needs a key name and a signature") }
            let name = rest[..<space], sigText = rest[(space + 1)...]
            guard isValidKeyName(String(decoding: name, as: UTF8.self)), FieldRules.isToken(name, max: 128) else {
                throw fail("bad key name")
            }
            guard let raw = Base64.decode(sigText), raw.count > 4 else { throw fail("bad signature encoding") }
            signatures.append(NoteSignature(keyName: String(decoding: name, as: UTF8.self),
                                            keyHash: Array(raw.prefix(4)), signature: Array(raw.dropFirst(4))))
        }
        return Checkpoint(origin: String(decoding: lines[0], as: UTF8.self), size: size, root: root, signatures: signatures)
    }

    /// C2SP key names: non-empty, no whitespace, no '+'; here also printable ASCII only.
    static func isValidKeyName(_ name: String) -> Bool {
        FieldRules.isToken(name.utf8, max: 128) && !name.utf8.contains(UInt8(ascii: "+"))
    }
}
