import SafehouseCrypto

/// A witness's cosignature of a checkpoint, per C2SP tlog-cosignature
/// (cosignature/v1, Ed25519): a signed-note line
///
///     — <witness name> base64(key ID[4] ‖ timestamp u64 big-endian ‖ Ed25519 signature[64])\n
///
/// with key ID = SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[0..<4] and the signature over
///
///     cosignature/v1\ntime <timestamp, decimal>\n<checkpoint body>
///
/// It says: at that time, this was the largest consistent tree the witness had
/// seen for the checkpoint's origin. The line sits after the log's own signature
/// lines, so a cosigned checkpoint is still one `Checkpoint` note.
public enum Cosignature {
    /// Signature-type byte of cosignature/v1 in the key ID.
    public static let keyIDType: UInt8 = 0x04
    /// Bytes after the key ID: timestamp (8) and Ed25519 signature (64).
    public static let signatureBytes = 8 + 64

    /// The key name a Safehouse team server cosigns under: derived from its key,
    /// so a client that pinned the key knows the name without asking.
    public static func witnessName(publicKey: [UInt8]) -> String {
        var hex = [UInt8]()
        Hex.append(Array(SHA256.hash(publicKey).prefix(8)), to: &hex)
        return "safehouse.witness/" + String(decoding: hex, as: UTF8.self)
    }

    /// SHA-256(name ‖ "\n" ‖ 0x04 ‖ key)[0..<4].
    public static func keyID(name: String, publicKey: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(Array(name.utf8) + [0x0A, keyIDType] + publicKey).prefix(4))
    }

    /// The bytes a cosignature signs.
    public static func message(body: String, time: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(time)\n".utf8) + Array(body.utf8)
    }

    /// Cosigns `checkpoint` at `time` (seconds since the epoch) and returns it with
    /// the cosignature line appended.
    /// - Throws: `AuditError.invalidKey` for keys of the wrong length, `.invalidField`
    ///   for a time above 2^63 - 1, `.signingFailed`.
    public static func cosign(_ checkpoint: Checkpoint, time: UInt64, secretKey: SecureBytes, publicKey: [UInt8]) throws -> Checkpoint {
        guard publicKey.count == Signature.publicKeyBytes, secretKey.count == Signature.secretKeyBytes else {
            throw AuditError.invalidKey(what: "Ed25519 keys must be 32 (public) and 64 (secret) bytes")
        }
        guard time <= UInt64(Int64.max) else { throw AuditError.invalidField(field: "time", rule: "at most 2^63 - 1") }
        guard let sig = try? Signature.sign(message(body: checkpoint.body, time: time), secretKey: secretKey) else {
            throw AuditError.signingFailed
        }
        let name = witnessName(publicKey: publicKey)
        let line = Checkpoint.NoteSignature(keyName: name, keyHash: keyID(name: name, publicKey: publicKey),
                                            signature: bigEndian(time) + sig)
        return Checkpoint(origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root,
                          signatures: checkpoint.signatures + [line])
    }

    /// The time of the first valid cosignature by the witness with `publicKey`, or nil
    /// when the checkpoint carries none (lines of other keys are ignored, as the spec says).
    public static func verifiedTime(_ checkpoint: Checkpoint, publicKey: [UInt8]) -> UInt64? {
        guard publicKey.count == Signature.publicKeyBytes else { return nil }
        let name = witnessName(publicKey: publicKey), id = keyID(name: name, publicKey: publicKey)
        for s in checkpoint.signatures where s.keyName == name && s.keyHash == id && s.signature.count == signatureBytes {
            let time = s.signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard time <= UInt64(Int64.max) else { continue }
            if Signature.verify(Array(s.signature.dropFirst(8)), message: message(body: checkpoint.body, time: time), publicKey: publicKey) {
                return time
            }
        }
        return nil
    }

    /// The signature lines of `checkpoint` that look like cosignatures (72-byte
    /// signatures), verified or not: for reporting which witnesses signed.
    public static func lines(_ checkpoint: Checkpoint) -> [Checkpoint.NoteSignature] {
        checkpoint.signatures.filter { $0.signature.count == signatureBytes }
    }

    /// The note text of the signature lines beyond the first `count` (what a witness
    /// answers to add-checkpoint).
    public static func lineText(_ signatures: ArraySlice<Checkpoint.NoteSignature>) -> String {
        signatures.map { "\u{2014} \($0.keyName) \(Base64.encode($0.keyHash + $0.signature))\n" }.joined()
    }

    static func bigEndian(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * $0)) } }
}
