import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import PostgresNIO
import SafehouseCrypto
import SafehouseVault

/// The HTTP API (Docs/SERVER.md, "API"). Who may do what:
/// officers publish keyrings and send to any member's mailbox; interviewers (and
/// officers) send to the `hq` mailbox; everyone reads only their own mailbox
/// (officers also `hq`) and the acknowledgements addressed to them.
struct Routes {
    let state: ServerState
    var auth: Authenticator { Authenticator(state: state) }
    static let hqMailbox = "hq"

    func register(on router: Router<BasicRequestContext>) {
        router.add(middleware: LogRequestsMiddleware(.info))
        router.add(middleware: FailureMiddleware(logger: state.logger))
        router.get("/v1/server") { _, _ in
            // The key comes from the database: before a primary was first reached there is none to pin.
            guard !state.serverPublicKey.isEmpty else { throw ServerFailure.unavailable("the server has not reached its database yet; try again later") }
            return try Self.json(["key": state.serverKeyText, "protocol": "safehouse-server v1"])
        }
        router.put("/v1/keyring") { request, _ in try await publishKeyring(request) }
        router.get("/v1/keyring") { request, _ in try await keyring(request) }
        router.post("/v1/uploads") { request, _ in try await startUpload(request) }
        router.put("/v1/uploads/:id") { request, context in try await putChunk(request, id: try context.parameters.require("id")) }
        router.post("/v1/uploads/:id/complete") { request, context in try await complete(request, id: try context.parameters.require("id")) }
        router.get("/v1/mailbox") { request, _ in try await mailbox(request) }
        router.get("/v1/objects/:sha") { request, context in try await object(request, sha: try context.parameters.require("sha")) }
        router.post("/v1/mailbox/:seq/ack") { request, context in try await ack(request, seq: try context.parameters.require("seq", as: Int64.self)) }
        router.get("/v1/acks") { request, _ in try await acks(request) }
        router.post("/v1/witness/add-checkpoint") { request, _ in try await addCheckpoint(request) }
        router.get("/v1/witness/checkpoint") { request, _ in try await witnessedCheckpoint(request) }
    }

    // MARK: - Keyring

    func publishKeyring(_ request: Request) async throws -> Response {
        var request = request
        let pinned = state.teamRoot
        let parse = { (body: ByteBuffer) throws -> TeamKeyring in
            let ring: TeamKeyring
            do { ring = try TeamKeyring.parse(String(buffer: body), object: "published keyring") } catch {
                throw ServerFailure.unprocessable("the keyring does not verify (not signed by an active officer of its root of trust)")
            }
            if let pinned, ring.root != pinned { throw ServerFailure.forbidden("this server serves another team (--team-root)") }
            return ring
        }
        let (caller, body) = try await auth.authenticate(&request, bootstrap: { try parse($0) })
        guard caller.isOfficer else { throw ServerFailure.forbidden("only officers publish keyrings") }
        let ring = try parse(body)
        guard ring.members.contains(where: { $0.card.fingerprint.compact == caller.fingerprint && $0.status == "active" && $0.card.role == .officer }) else {
            throw ServerFailure.forbidden("the publishing officer is not an active officer of the new keyring")
        }
        if let current = try await state.currentKeyring() {
            guard ring.vaultID == current.vaultID, ring.root == current.root else {
                throw ServerFailure.conflict("this keyring belongs to another team or root of trust than the published one")
            }
            if ring.serial == current.serial, ring.text == current.text { return try Self.json(["serial": "\(ring.serial)"]) }
            guard ring.serial > current.serial else {
                throw ServerFailure.conflict("keyring serial \(ring.serial) is not newer than the published \(current.serial): an old keyring cannot replace a newer one")
            }
        }
        let rows = try await state.client.query("""
            INSERT INTO keyrings (serial, vault_id, root, body, published_by, published_at)
            VALUES (\(Int64(ring.serial)), \(Hex.encode(ring.vaultID)), \(ring.root.compact), \(ring.text), \(caller.fingerprint), \(ServerState.now()))
            ON CONFLICT (serial) DO NOTHING RETURNING 1
            """, logger: state.logger)
        var inserted = false
        for try await _ in rows { inserted = true }
        guard inserted else { throw ServerFailure.conflict("another keyring with serial \(ring.serial) was published meanwhile") }
        state.logger.info("keyring published", metadata: ["serial": "\(ring.serial)", "by": "\(caller.fingerprint.prefix(8))"])
        return try Self.json(["serial": "\(ring.serial)"])
    }

    func keyring(_ request: Request) async throws -> Response {
        var request = request
        _ = try await auth.authenticate(&request)
        guard let ring = try await state.currentKeyring() else { throw ServerFailure.notFound("no keyring published") }
        return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: ring.text)))
    }

    // MARK: - Uploads

    struct UploadRequest: Decodable { let to: String; let sha256: String; let size: Int64 }

    func startUpload(_ request: Request) async throws -> Response {
        var request = request
        let (caller, body) = try await auth.authenticate(&request)
        guard let u = try? JSONDecoder().decode(UploadRequest.self, from: Data(buffer: body)) else {
            throw ServerFailure.badRequest("the body must be {\"to\", \"sha256\", \"size\"}")
        }
        guard let hash = Hex.decode(u.sha256), hash.count == 32, u.size > 0, u.size <= 1 << 40 else {
            throw ServerFailure.badRequest("sha256 must be 64 lowercase hex and size between 1 byte and 1 TiB")
        }
        try await checkSendPermission(caller, to: u.to)
        if let receipt = try await existingDelivery(caller, to: u.to, sha: u.sha256, size: u.size) { return receipt }
        let id = Hex.encode(ContentSHA256.hash(Array("safehouse upload v1\n\(caller.fingerprint)\n\(u.to)\n\(u.sha256)\n".utf8)))
        let status = try await state.store.createUpload(id: id, member: caller.fingerprint, mailbox: u.to, sha256: u.sha256, size: u.size,
                                                        now: ServerState.now())
        guard status.size == u.size else { throw ServerFailure.conflict("an upload of this object with another size exists") }
        return try Self.json(["upload": id, "received": "\(status.received)", "size": "\(status.size)"], status: .created)
    }

    private func checkSendPermission(_ caller: Caller, to: String) async throws {
        if to == Self.hqMailbox {
            guard caller.role != .editor else { throw ServerFailure.forbidden("editors only pull their own mailbox") }
            return
        }
        guard caller.isOfficer else { throw ServerFailure.forbidden("only officers send to a member's mailbox; field members send to hq") }
        guard let ring = try await state.currentKeyring(),
              ring.members.contains(where: { $0.card.fingerprint.compact == to && $0.status == "active" }) else {
            throw ServerFailure.notFound("no active member with that fingerprint in the published keyring")
        }
    }

    /// When this sender already delivered this object to this mailbox (a retry), or the
    /// object is stored already (someone sent the same bytes): the receipt, without an upload.
    private func existingDelivery(_ caller: Caller, to: String, sha: String, size: Int64) async throws -> Response? {
        guard let stored = try await state.store.objectSize(sha256: sha) else { return nil }
        guard stored == size else { throw ServerFailure.conflict("an object with this hash and another size exists") }
        return try await deliver(caller, to: to, sha: sha, size: size, upload: nil)
    }

    /// Puts the stored object in the mailbox (once per sender) and signs the receipt.
    /// - Parameter upload: the upload that just carried the bytes (nil: they were stored already).
    private func deliver(_ caller: Caller, to: String, sha: String, size: Int64, upload: String?) async throws -> Response {
        let now = ServerState.now()
        let at: Int64 = try await state.client.withTransaction(logger: state.logger) { conn in
            try await conn.query("LOCK TABLE mailbox IN SHARE ROW EXCLUSIVE MODE", logger: state.logger)
            for try await at in try await conn.query(
                "SELECT at FROM mailbox WHERE mailbox = \(to) AND object = \(sha) AND sender = \(caller.fingerprint) ORDER BY seq LIMIT 1",
                logger: state.logger).decode(Int64.self) { return at }
            // No entry without bytes: deleted after every earlier recipient acknowledged them,
            // they come back with this upload; without one, the sender must upload again.
            guard try await PostgresObjectStore.adoptBytes(conn, sha256: sha, upload: upload, logger: state.logger) else {
                if let upload {
                    try await conn.query("UPDATE uploads SET completed = false, received = 0 WHERE id = \(upload)", logger: state.logger)
                }
                throw ServerFailure.conflict("the stored bytes of this object were removed after delivery; upload it again")
            }
            try await conn.query("INSERT INTO mailbox (mailbox, object, sender, at) VALUES (\(to), \(sha), \(caller.fingerprint), \(now))",
                                 logger: state.logger)
            return now
        }
        let receipt = DeliveryReceipt(object: sha, size: UInt64(size), from: caller.fingerprint, to: to, at: at)
        let sig = try state.signReceipt(receipt)
        state.logger.info("delivered", metadata: ["size": "\(size)", "from": "\(caller.fingerprint.prefix(8))", "to": "\(to.prefix(8))"])
        return try Self.json(["receipt": receipt.text, "signature": Data(sig).base64EncodedString(), "key": state.serverKeyText])
    }

    private func ownUpload(_ caller: Caller, _ id: String) async throws -> UploadStatus {
        guard let u = try await state.store.upload(id: id), u.member == caller.fingerprint else {
            throw ServerFailure.notFound("no such upload of yours")
        }
        return u
    }

    func putChunk(_ request: Request, id: String) async throws -> Response {
        var request = request
        let (caller, body) = try await auth.authenticate(&request)
        _ = try await ownUpload(caller, id)
        guard let offset = request.uri.queryParameters.get("offset", as: Int64.self), offset >= 0 else {
            throw ServerFailure.badRequest("PUT /v1/uploads/ID?offset=N")
        }
        switch try await state.store.append(uploadID: id, offset: offset, bytes: body) {
        case .accepted(let received): return try Self.json(["received": "\(received)"])
        case .wrongOffset(let received): throw ServerFailure.conflict("the upload stands at \(received) bytes; resume from there")
        case .tooLong: throw ServerFailure.badRequest("more bytes than the declared size")
        case .alreadyComplete: throw ServerFailure.conflict("the upload is complete")
        }
    }

    func complete(_ request: Request, id: String) async throws -> Response {
        var request = request
        let (caller, _) = try await auth.authenticate(&request)
        let u = try await ownUpload(caller, id)
        switch try await state.store.finish(uploadID: id, now: ServerState.now()) {
        case .stored: return try await deliver(caller, to: u.mailbox, sha: u.sha256, size: u.size, upload: id)
        case .incomplete(let received, let size):
            throw ServerFailure.badRequest("the upload is incomplete: \(received) of \(size) bytes arrived (truncated?)")
        case .hashMismatch:
            state.logger.warning("upload refused: bytes do not match the declared SHA-256", metadata: ["from": "\(caller.fingerprint.prefix(8))"])
            throw ServerFailure.unprocessable("the uploaded bytes do not match the declared SHA-256 (altered or truncated in transit); it was discarded, send it again")
        }
    }

    // MARK: - Mailboxes

    /// The mailboxes a caller reads: their own, and `hq` for officers.
    private func boxes(_ caller: Caller) -> (String, String) { (caller.fingerprint, caller.isOfficer ? Self.hqMailbox : caller.fingerprint) }

    func mailbox(_ request: Request) async throws -> Response {
        var request = request
        let (caller, _) = try await auth.authenticate(&request)
        let (a, b) = boxes(caller)
        var items: [[String: String]] = []
        let rows = try await state.client.query("""
            SELECT m.seq, m.mailbox, m.object, m.sender, m.at, o.size FROM mailbox m JOIN objects o ON o.sha256 = m.object
            WHERE (m.mailbox = \(a) OR m.mailbox = \(b)) AND NOT m.acked ORDER BY m.seq
            """, logger: state.logger)
        for try await (seq, box, object, sender, at, size) in rows.decode((Int64, String, String, String, Int64, Int64).self) {
            items.append(["seq": "\(seq)", "mailbox": box, "object": object, "from": sender, "at": "\(at)", "size": "\(size)"])
        }
        return try Self.json(["entries": items])
    }

    func object(_ request: Request, sha: String) async throws -> Response {
        var request = request
        let (caller, _) = try await auth.authenticate(&request)
        let (a, b) = boxes(caller)
        var allowed = false
        for try await _ in try await state.client.query(
            "SELECT 1 FROM mailbox WHERE object = \(sha) AND (mailbox = \(a) OR mailbox = \(b)) LIMIT 1", logger: state.logger) { allowed = true }
        guard allowed, let size = try await state.store.objectSize(sha256: sha) else { throw ServerFailure.notFound("no such object in your mailbox") }
        let offset = request.uri.queryParameters.get("offset", as: Int64.self) ?? 0
        guard offset >= 0, offset < size, let bytes = try await state.store.read(sha256: sha, offset: offset) else {
            throw ServerFailure.badRequest("offset out of range")
        }
        return Response(status: .ok, headers: [.contentType: "application/octet-stream", HTTPField.Name("Safehouse-Object-Size")!: "\(size)"],
                        body: .init(byteBuffer: bytes))
    }

    struct AckBody: Decodable { let ack: String; let signature: String }

    func ack(_ request: Request, seq: Int64) async throws -> Response {
        var request = request
        let (caller, body) = try await auth.authenticate(&request)
        let (a, b) = boxes(caller)
        var entry: (String, String)?
        for try await row in try await state.client.query(
            "SELECT object, sender FROM mailbox WHERE seq = \(seq) AND (mailbox = \(a) OR mailbox = \(b))", logger: state.logger)
            .decode((String, String).self) { entry = row }
        guard let (object, sender) = entry else { throw ServerFailure.notFound("no such entry in your mailbox") }
        guard let parsed = try? JSONDecoder().decode(AckBody.self, from: Data(buffer: body)), let ack = DeliveryAck.parse(parsed.ack),
              let sig = Data(base64Encoded: parsed.signature) else { throw ServerFailure.badRequest("the body must be {\"ack\", \"signature\"}") }
        guard ack.object == object, ack.from == sender, ack.by.compact == caller.fingerprint,
              Signature.verify([UInt8](sig), message: ack.signedMessage, publicKey: caller.card.signKey) else {
            throw ServerFailure.unprocessable("the acknowledgement does not match this entry or is not signed by you")
        }
        try await state.client.withTransaction(logger: state.logger) { conn in
            // Locked first (as a delivery does), so a new entry for the same bytes and the
            // deletion of acknowledged bytes cannot interleave.
            try await conn.query("LOCK TABLE mailbox IN SHARE ROW EXCLUSIVE MODE", logger: state.logger)
            try await conn.query("UPDATE mailbox SET acked = true WHERE seq = \(seq)", logger: state.logger)
            try await conn.query("""
                INSERT INTO acks (mailbox_seq, recipient, object, body, signature, at)
                VALUES (\(seq), \(sender), \(object), \(parsed.ack), \(parsed.signature), \(ServerState.now()))
                """, logger: state.logger)
            try await PostgresObjectStore.dropAcknowledgedBytes(conn, sha256: object, logger: state.logger)
        }
        return try Self.json(["acked": "\(seq)"])
    }

    func acks(_ request: Request) async throws -> Response {
        var request = request
        let (caller, _) = try await auth.authenticate(&request)
        var items: [[String: String]] = []
        for try await (id, body, sig) in try await state.client.query(
            "SELECT id, body, signature FROM acks WHERE recipient = \(caller.fingerprint) ORDER BY id", logger: state.logger)
            .decode((Int64, String, String).self) {
            items.append(["id": "\(id)", "ack": body, "signature": sig])
        }
        return try Self.json(["acks": items])
    }

    // MARK: -

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONEncoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
