/// The body of a C2SP tlog-witness `add-checkpoint` request, and the witness's
/// decision on it (pure: the caller holds the stored state and persists the result).
///
///     old <size, decimal>\n
///     <base64 hash>\n         (0 to 63 consistency proof lines)
///     \n
///     <signed checkpoint note>
public struct WitnessRequest: Sendable, Equatable {
    /// Most proof lines the spec allows.
    public static let maxProofLines = 63

    /// The size the submitter believes the witness holds.
    public let oldSize: UInt64
    /// RFC 6962 consistency proof from `oldSize` to the checkpoint's size.
    public let proof: [[UInt8]]
    /// The submitted checkpoint (its signatures not yet verified).
    public let checkpoint: Checkpoint

    public init(oldSize: UInt64, proof: [[UInt8]], checkpoint: Checkpoint) {
        self.oldSize = oldSize; self.proof = proof; self.checkpoint = checkpoint
    }

    /// The request body.
    public var text: String {
        "old \(oldSize)\n" + proof.map { Base64.encode($0) + "\n" }.joined() + "\n" + checkpoint.text
    }

    /// Parses a request body strictly (canonical decimal, 32-byte hashes, at most 63 lines).
    /// - Throws: `AuditError.malformedCheckpoint` naming the rule broken.
    public static func parse(_ bytes: [UInt8]) throws -> WitnessRequest {
        func fail(_ rule: String) -> AuditError { .malformedCheckpoint(rule: "add-checkpoint request: " + rule) }
        guard bytes.count <= Checkpoint.maxNoteBytes + 8 * 1024 else { throw fail("too long") }
        var cursor = LineCursor(bytes)
        guard case .line(let first) = cursor.next(), first.starts(with: Array("old ".utf8)),
              let old = FieldRules.parseDecimal(first.dropFirst(4)) else { throw fail("the first line must be `old <size>`") }
        var proof: [[UInt8]] = []
        while true {
            guard case .line(let line) = cursor.next() else { throw fail("a blank line must follow the proof") }
            if line.isEmpty { break }
            guard proof.count < maxProofLines else { throw fail("more than \(maxProofLines) proof lines") }
            guard let hash = Base64.decode(line), hash.count == MerkleTree.hashSize else { throw fail("a proof line is not 32 bytes of base64") }
            proof.append(hash)
        }
        let rest = String(decoding: bytes[cursor.offset...], as: UTF8.self)
        return WitnessRequest(oldSize: old, proof: proof, checkpoint: try Checkpoint.parse(rest))
    }
}

/// What a witness does with an `add-checkpoint` request, given the latest
/// checkpoint it cosigned for the origin (the spec's rules, in its order).
public enum WitnessDecision: Sendable, Equatable {
    /// Cosign and store: the checkpoint extends (or repeats) the stored one.
    case accept
    /// 409 Conflict: `old` is not the stored size, or the checkpoint is smaller than the
    /// stored one (a rolled-back log); the answer carries the stored size.
    case staleOld(storedSize: UInt64)
    /// 409 Conflict: same size as the stored checkpoint, another root (a fork).
    case fork(storedSize: UInt64)
    /// 400 Bad Request: a checkpoint of size 0, or a proof from size 0.
    case badRequest(String)
    /// 422 Unprocessable: the consistency proof does not verify.
    case badProof

    /// Decides on `request` against the stored `(size, root)` (nil: never cosigned).
    public static func decide(_ request: WitnessRequest, stored: (size: UInt64, root: [UInt8])?) -> WitnessDecision {
        let storedSize = stored?.size ?? 0
        let cp = request.checkpoint
        // An empty log proves nothing (and RFC 9162 has no proof from size 0).
        guard cp.size > 0 else { return .badRequest("a checkpoint of an empty log says nothing") }
        guard request.oldSize == storedSize else { return .staleOld(storedSize: storedSize) }
        guard cp.size >= request.oldSize else { return .staleOld(storedSize: storedSize) }
        guard let stored else {
            return request.proof.isEmpty ? .accept : .badRequest("the proof must be empty when old is 0")
        }
        if cp.size == stored.size {
            guard cp.root == stored.root else { return .fork(storedSize: storedSize) }
            return request.proof.isEmpty ? .accept : .badProof
        }
        return verifyConsistency(request, storedRoot: stored.root) ? .accept : .badProof
    }

    /// The proof check `decide` uses: RFC 9162 §2.1.4.2 from (old, storedRoot) to the checkpoint.
    public static func verifyConsistency(_ request: WitnessRequest, storedRoot: [UInt8]) -> Bool {
        MerkleTree.verifyConsistency(size1: request.oldSize, size2: request.checkpoint.size, root1: storedRoot,
                                     root2: request.checkpoint.root, proof: request.proof)
    }
}
