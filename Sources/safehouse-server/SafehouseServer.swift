// safehouse-server — the team server (Docs/SERVER.md). It stores ciphertext
// objects (signed bundles) in PostgreSQL, in per-recipient mailboxes, and relays
// HQ's signed acknowledgements. It never holds a key that opens anything: it
// verifies members' request signatures against the newest officer-signed
// keyring, and its own key only signs receipts.
//
// Rules of this module:
// - Ed25519 and hashes only through SafehouseCrypto / SafehouseVault (never CSodium);
// - logs carry methods, routes, sizes, statuses and fingerprint prefixes — never
//   object bytes, member names or pseudonyms (the server never sees the latter);
// - objects are append-only and content-addressed: no route updates or deletes one.
import ArgumentParser
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import PostgresNIO
import SafehouseCrypto
import SafehouseVault

@main
struct SafehouseServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "safehouse-server",
        abstract: "The Safehouse team server: ciphertext mailboxes on PostgreSQL.",
        discussion: "Docs/SERVER.md describes deployment, the request signatures and what the server learns.")

    @Option(help: "PostgreSQL URL: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE (or ?host=/socket/dir); a primary and its standbys as HOST1:PORT1,HOST2:PORT2 (the server uses whichever is the writable primary).")
    var database: String

    @Option(help: "Seconds a request waits for the database before answering 503 (try again later).")
    var databaseTimeout: Int = 10

    @Flag(help: "Serve only while the primary has synchronous replication configured (synchronous_standby_names set, synchronous_commit on or remote_apply), so every receipt is on a standby too; else answer 503.")
    var requireSynchronousStandby = false

    @Option(help: "Address to listen on, HOST:PORT (e.g. 127.0.0.1:8443).")
    var listen: String

    @Option(help: "TLS certificate chain (PEM). With --tls-key, the server speaks HTTPS only.")
    var tlsCert: String?

    @Option(help: "TLS private key (PEM).")
    var tlsKey: String?

    @Option(help: "Largest request body accepted, in bytes (larger: 413).")
    var maxBody: Int = ServerLimits.maxBody

    @Option(help: "The team's root officer fingerprint: only a keyring with this root is ever accepted (else the first published keyring decides).")
    var teamRoot: String?

    func run() async throws {
        Sodium.hardenProcess()
        var log = Logger(label: "safehouse-server")
        log.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let logger = log
        guard let (host, port) = Self.parseListen(listen) else {
            throw ValidationError("--listen takes HOST:PORT, e.g. 127.0.0.1:8443")
        }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        let pinnedRoot = try teamRoot.map { text -> Fingerprint in
            guard let f = Fingerprint(text: text) else { throw ValidationError("--team-root takes a member fingerprint (`safehouse key show OFFICER.pub`)") }
            return f
        }
        let url: DatabaseURL
        do { url = try DatabaseURL.parse(database) } catch let e as DatabaseURLError { throw ValidationError(e.text) }
        let timeout = Duration.seconds(max(1, databaseTimeout))
        // A health check is one trivial query: a primary that takes over 3 s to answer it is
        // treated as gone, whatever --database-timeout allows ordinary requests.
        let client = Database(url: url, requireSynchronousStandby: requireSynchronousStandby, probeTimeout: min(timeout, .seconds(3)), logger: logger)
        let store = PostgresObjectStore(client: client, logger: logger)
        let server: HTTPServerBuilder
        if let tlsCert, let tlsKey {
            let chain = try NIOSSLCertificate.fromPEMFile(tlsCert)
            let key = try NIOSSLPrivateKey(file: tlsKey, format: .pem)
            server = try .tls(.http1(), tlsConfiguration: .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)))
        } else {
            server = .http1()
        }
        let state = ServerState(store: store, client: client, logger: logger, maxBody: maxBody,
                                databaseTimeout: timeout, teamRoot: pinnedRoot)
        // On each primary (the first, and each one after a failover): the schema and the receipt key.
        client.onEachPrimary { pg in
            try await Schema.migrate(pg, logger: logger)
            try await state.loadServerKey(from: pg)
        }
        let router = Router()
        Routes(state: state).register(on: router)
        var app = Application(router: router, server: server,
                              configuration: .init(address: .hostname(host, port: port), serverName: "safehouse-server"),
                              logger: logger)
        app.beforeServerStarts {
            client.start()
            // Listens once a primary serves; without one after a while it listens anyway and
            // answers 503 until one does (a process manager need not restart it).
            let serving = await client.waitUntilServing(timeout: .seconds(30))
            logger.info(serving ? "ready" : "listening without a database primary (503 until one serves)",
                        metadata: ["listen": "\(host):\(port)", "tls": "\(tlsCert != nil)", "database": "\(url)",
                                   "server_key": "\(state.serverKeyText.prefix(12))"])
        }
        try await app.runService()
    }

    static func parseListen(_ s: String) -> (String, Int)? {
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(s[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return host.isEmpty ? nil : (host, port)
    }
}

enum ServerLimits {
    /// One upload chunk (the client sends 1 MiB) plus room; anything larger is refused with 413.
    static let maxBody = 1 << 20
    static let chunk = 1 << 20
}
