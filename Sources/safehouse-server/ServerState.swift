import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import SafehouseAudit
import SafehouseCrypto
import SafehouseVault

/// What every request shares: the object store, the database, the server's
/// receipt key and the newest published keyring (cached by serial; PostgreSQL
/// stays the truth, so several servers can share one database). Nothing lives only
/// here: the key, keyrings, nonces, uploads and mailboxes are all rows in
/// PostgreSQL, so any server process behind a load balancer answers any request.
final class ServerState: Sendable {
    let store: any ObjectStore
    /// The current primary (`Database`: PostgresClient's `query` and `withTransaction`, with failover).
    let client: Database
    let logger: Logger
    let maxBody: Int
    /// How long a request waits for the database before answering 503.
    let databaseTimeout: Duration
    /// `--team-root`: the only root of trust a published keyring may have.
    let teamRoot: Fingerprint?
    private let key = NIOLockedValueBox<(publicKey: [UInt8], secret: SecureBytes)?>(nil)
    private let ring = NIOLockedValueBox<TeamKeyring?>(nil)

    init(store: any ObjectStore, client: Database, logger: Logger, maxBody: Int, databaseTimeout: Duration, teamRoot: Fingerprint?) {
        self.store = store; self.client = client; self.logger = logger; self.maxBody = maxBody; self.databaseTimeout = databaseTimeout
        self.teamRoot = teamRoot
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    // MARK: - The server's own key (receipts)

    /// Loads the receipt key, making it on first start (stored in the database:
    /// a database backup carries it, see Docs/SERVER.md). Runs on each new primary
    /// (after a failover too), through that primary's own client.
    func loadServerKey(from client: PostgresClient) async throws {
        var seed: [UInt8]?
        for try await s in try await client.query("SELECT seed FROM server_key WHERE id = 1", logger: logger).decode(ByteBuffer.self) {
            seed = Array(buffer: s)
        }
        if seed == nil {
            let fresh = Random.bytes(Signature.seedBytes)
            try await client.query("INSERT INTO server_key (id, seed, created_at) VALUES (1, \(ByteBuffer(bytes: fresh)), \(Self.now())) ON CONFLICT (id) DO NOTHING",
                                   logger: logger)
            for try await s in try await client.query("SELECT seed FROM server_key WHERE id = 1", logger: logger).decode(ByteBuffer.self) {
                seed = Array(buffer: s)
            }
        }
        guard var raw = seed, raw.count == Signature.seedBytes else { throw ServerFailure.internalError("the server key in the database is damaged") }
        let secure = try raw.withUnsafeBytes { try SecureBytes(copying: $0) }
        SecureBytes.wipe(&raw)
        let pair = try Signature.keyPair(seed: secure)
        key.withLockedValue { $0 = (pair.publicKey, pair.secretKey) }
    }

    var serverPublicKey: [UInt8] { key.withLockedValue { $0?.publicKey ?? [] } }
    var serverKeyText: String { Data(serverPublicKey).base64EncodedString() }

    func signReceipt(_ r: DeliveryReceipt) throws -> [UInt8] {
        guard let sk = key.withLockedValue({ $0?.secret }) else { throw ServerFailure.unavailable("the server key is not loaded yet") }
        return try Signature.sign(r.signedMessage, secretKey: sk)
    }

    /// `checkpoint` with this server's cosignature (C2SP cosignature/v1) at `time`.
    func cosign(_ checkpoint: Checkpoint, time: Int64) throws -> Checkpoint {
        guard let (pk, sk) = key.withLockedValue({ $0 }) else { throw ServerFailure.unavailable("the server key is not loaded yet") }
        return try Cosignature.cosign(checkpoint, time: UInt64(max(0, time)), secretKey: sk, publicKey: pk)
    }

    // MARK: - Keyring

    /// The newest published keyring, or nil before the first `team publish`.
    /// Every authenticated request starts here, so this is where a database that
    /// does not answer (down, refusing connections) becomes a prompt 503 instead of
    /// a request hanging until the client gives up.
    func currentKeyring() async throws -> TeamKeyring? {
        let client = self.client, logger = self.logger, timeout = databaseTimeout
        let newest: Int64? = try await withThrowingTaskGroup(of: Int64?.self) { group in
            group.addTask {
                var n: Int64?
                for try await s in try await client.query("SELECT max(serial) FROM keyrings", logger: logger).decode(Int64?.self) { n = s }
                return n
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw ServerFailure.unavailable("the database did not answer in time; try again later")
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let newest else { return nil }
        if let cached = ring.withLockedValue({ $0 }), cached.serial == UInt64(newest) { return cached }
        var body: String?
        for try await b in try await client.query("SELECT body FROM keyrings WHERE serial = \(newest)", logger: logger).decode(String.self) { body = b }
        guard let body else { return nil }
        // Verified again on load: a row edited in the database is refused, not trusted.
        guard let parsed = try? TeamKeyring.parse(body, object: "keyring \(newest)") else {
            throw ServerFailure.internalError("the stored keyring \(newest) does not verify (edited in the database?)")
        }
        ring.withLockedValue { $0 = parsed }
        return parsed
    }
}
