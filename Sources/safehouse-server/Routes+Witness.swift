import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PostgresNIO
import SafehouseAudit
import SafehouseCrypto
import SafehouseVault

/// The witness of HQ's audit log (Docs/SERVER.md, "Witness"), after C2SP
/// tlog-witness: officers submit checkpoints of the HQ log with a consistency
/// proof from the last size the server cosigned; the server cosigns only
/// checkpoints that extend what it saw, so a rolled-back or forked HQ vault is
/// caught, and members fetch the cosigned history to check what HQ sends them.
extension Routes {
    /// The origin of the team's HQ log (`safehouse audit checkpoint` names it so).
    static func hqOrigin(_ ring: TeamKeyring) -> String { "safehouse.vault/" + Hex.encode(ring.vaultID) }

    private enum Outcome: Sendable {
        case cosigned(Checkpoint, added: ArraySlice<Checkpoint.NoteSignature>)
        case conflict(UInt64, String)
        case badProof
        case badRequest(String)
    }

    func addCheckpoint(_ request: Request) async throws -> Response {
        var request = request
        let (caller, body) = try await auth.authenticate(&request)
        guard caller.isOfficer else { throw ServerFailure.forbidden("only officers submit checkpoints of HQ's log") }
        let submitted: WitnessRequest
        do { submitted = try WitnessRequest.parse(Array(buffer: body)) } catch {
            throw ServerFailure.badRequest("\(error)")
        }
        guard let ring = try await state.currentKeyring() else { throw ServerFailure.notFound("no keyring published") }
        let cp = submitted.checkpoint, origin = Self.hqOrigin(ring)
        guard cp.origin == origin else { throw ServerFailure.notFound("unknown origin: this server witnesses only the team's HQ log") }
        // Signatures of unknown keys are ignored; one by an active officer must verify.
        let officers = ring.members.filter { $0.status == "active" && $0.card.role == .officer }
        guard officers.contains(where: { cp.verify(publicKey: $0.card.signKey, keyName: $0.card.fingerprint.compact) }) else {
            throw ServerFailure.forbidden("the checkpoint is not signed by an active officer of the published keyring")
        }
        let now = ServerState.now(), logger = state.logger
        let outcome: Outcome = try await state.client.withTransaction(logger: logger) { conn in
            var stored: (size: UInt64, root: [UInt8])?
            for try await (size, root) in try await conn.query(
                "SELECT size, root FROM witness_latest WHERE origin = \(origin) FOR UPDATE", logger: logger).decode((Int64, ByteBuffer).self) {
                stored = (UInt64(size), Array(buffer: root))
            }
            switch WitnessDecision.decide(submitted, stored: stored) {
            case .staleOld(let size):
                return .conflict(size, cp.size < size
                    ? "the checkpoint (size \(cp.size)) is older than the \(size) entries this witness cosigned: a rolled-back log"
                    : "old \(submitted.oldSize) is not the size this witness holds (\(size)); fetch it and prove consistency from there")
            case .fork(let size): return .conflict(size, "the checkpoint has another root than the one this witness cosigned at size \(size): a forked log")
            case .badRequest(let why): return .badRequest(why)
            case .badProof: return .badProof
            case .accept: break
            }
            let cosigned = try state.cosign(cp, time: now)
            let size = Int64(cp.size), root = ByteBuffer(bytes: cp.root), note = cosigned.text
            // Compare-and-swap on the size read above: of two racing submitters one wins.
            var swapped = false
            let swap: PostgresQuery = stored == nil
                ? """
                    INSERT INTO witness_latest (origin, size, root, note) VALUES (\(origin), \(size), \(root), \(note))
                    ON CONFLICT (origin) DO NOTHING RETURNING 1
                    """
                : """
                    UPDATE witness_latest SET size = \(size), root = \(root), note = \(note)
                    WHERE origin = \(origin) AND size = \(Int64(submitted.oldSize)) RETURNING 1
                    """
            for try await _ in try await conn.query(swap, logger: logger) { swapped = true }
            guard swapped else { return .conflict(stored?.size ?? 0, "another checkpoint was cosigned meanwhile; fetch it and submit again") }
            try await conn.query("""
                INSERT INTO witness_checkpoints (origin, size, root, note, cosigned_at, submitted_by)
                VALUES (\(origin), \(size), \(root), \(note), \(now), \(caller.fingerprint)) ON CONFLICT (origin, size) DO NOTHING
                """, logger: logger)
            return .cosigned(cosigned, added: cosigned.signatures[cp.signatures.count...])
        }
        switch outcome {
        case .cosigned(let cosigned, let added):
            state.logger.info("checkpoint cosigned", metadata: ["size": "\(cosigned.size)", "by": "\(caller.fingerprint.prefix(8))"])
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: Cosignature.lineText(added))))
        case .conflict(let size, let why):
            state.logger.warning("checkpoint refused", metadata: ["size": "\(cp.size)", "stored": "\(size)", "by": "\(caller.fingerprint.prefix(8))"])
            var headers = HTTPFields()
            headers[.contentType] = "text/x.tlog.size"
            headers[HTTPField.Name("Safehouse-Witness-Reason")!] = why
            return Response(status: .conflict, headers: headers, body: .init(byteBuffer: ByteBuffer(string: "\(size)\n")))
        case .badProof:
            state.logger.warning("checkpoint refused: bad consistency proof", metadata: ["size": "\(cp.size)", "by": "\(caller.fingerprint.prefix(8))"])
            throw ServerFailure.unprocessable("the consistency proof from size \(submitted.oldSize) to \(cp.size) does not verify")
        case .badRequest(let why): throw ServerFailure.badRequest(why)
        }
    }

    /// The latest cosigned checkpoint of HQ's log, or (`?size=N`) the one cosigned at size N.
    func witnessedCheckpoint(_ request: Request) async throws -> Response {
        var request = request
        _ = try await auth.authenticate(&request)
        guard let ring = try await state.currentKeyring() else { throw ServerFailure.notFound("no keyring published") }
        let origin = Self.hqOrigin(ring)
        let rows: PostgresRowSequence
        if let text = request.uri.queryParameters.get("size") {
            guard let size = Int64(String(text)), size >= 0 else { throw ServerFailure.badRequest("GET /v1/witness/checkpoint?size=N") }
            rows = try await state.client.query("SELECT note FROM witness_checkpoints WHERE origin = \(origin) AND size = \(size)", logger: state.logger)
        } else {
            rows = try await state.client.query("SELECT note FROM witness_latest WHERE origin = \(origin)", logger: state.logger)
        }
        for try await note in rows.decode(String.self) {
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: note)))
        }
        throw ServerFailure.notFound("this witness never cosigned a checkpoint of HQ's log at that size")
    }
}
