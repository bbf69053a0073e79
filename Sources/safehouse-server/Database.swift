import Foundation
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// The server's PostgreSQL: the one writable primary among the `--database` hosts
/// (Docs/SERVER.md, "High availability").
///
/// A `PostgresClient` talks to one host, so this holds the client of the current
/// primary and replaces it when that host stops being the primary: a connection
/// failure, a "read-only transaction" refusal (a demoted primary) or a failed
/// health check (every second) drops it, and the supervisor asks each host in turn
/// (`SELECT pg_is_in_recovery()`) until one is the primary again — e.g. a standby
/// after `pg_ctl promote` or a Patroni failover. Until then every request is
/// answered 503 (the CLI's 75: try again), never with a receipt.
///
/// With `requireSynchronousStandby`, a primary is used only while it has
/// synchronous replication configured (`synchronous_standby_names` set,
/// `synchronous_commit` on or remote_apply), checked on every connect and health
/// check: a COMMIT then returns only once a standby has the transaction, and the
/// server signs a receipt only after its COMMIT returned.
///
/// The method shapes are PostgresClient's (`query(_:logger:)`,
/// `withTransaction(logger:_:)`), so call sites read as before.
final class Database: Sendable {
    let url: DatabaseURL
    let requireSynchronousStandby: Bool
    private let logger: Logger
    /// How often the current primary is asked whether it still is one.
    private let healthInterval: Duration = .seconds(1)
    /// How long a probe or health check may take before the host counts as gone.
    private let probeTimeout: Duration

    private struct Active: Sendable {
        let client: PostgresClient
        let runner: Task<Void, Never>
        let endpoint: DatabaseURL.Endpoint
        let generation: Int
    }

    private struct State {
        var active: Active?
        var generation = 0
        /// Why there is no primary now (logged once per change, not per attempt).
        var problem: String?
        /// A primary was reached but refused for want of synchronous replication.
        var refused = false
        var started = false
    }

    private let state = NIOLockedValueBox(State())
    /// Runs on each new primary before it serves: migrations, the server key.
    private let prepare = NIOLockedValueBox<(@Sendable (PostgresClient) async throws -> Void)?>(nil)

    init(url: DatabaseURL, requireSynchronousStandby: Bool, probeTimeout: Duration, logger: Logger) {
        self.url = url
        self.requireSynchronousStandby = requireSynchronousStandby
        self.probeTimeout = probeTimeout
        self.logger = logger
    }

    /// Sets what runs on each primary before it serves (idempotent work: it runs again after every failover).
    func onEachPrimary(_ work: @escaping @Sendable (PostgresClient) async throws -> Void) {
        prepare.withLockedValue { $0 = work }
    }

    // MARK: - PostgresClient's shapes

    /// Runs a query on the current primary.
    /// - Throws: a 503 `HTTPError` when no primary is reachable or the primary was lost
    ///   during the query; the query's own error otherwise.
    @discardableResult
    func query(_ query: PostgresQuery, logger: Logger? = nil, file: String = #fileID, line: Int = #line) async throws -> PostgresRowSequence {
        let active = try current()
        do {
            return try await active.client.query(query, logger: logger, file: file, line: line)
        } catch {
            throw failed(error, on: active)
        }
    }

    /// Runs `closure` in a transaction on the current primary; it returns after COMMIT returned.
    /// - Throws: as `query`; an error the closure throws (a refusal) passes unchanged.
    func withTransaction<Result>(logger: Logger, file: String = #file, line: Int = #line,
                                 isolation: isolated (any Actor)? = #isolation,
                                 _ closure: (PostgresConnection) async throws -> sending Result) async throws -> sending Result {
        let active = try current()
        do {
            return try await active.client.withTransaction(logger: logger, file: file, line: line, isolation: isolation, closure)
        } catch {
            throw failed(error, on: active)
        }
    }

    private func current() throws -> Active {
        guard let active = state.withLockedValue({ $0.active }) else {
            throw ServerFailure.unavailable("no writable database primary is reachable now (a failover?); try again later")
        }
        return active
    }

    /// A lost primary becomes a 503 (and a search for the new one); any other error passes,
    /// a transaction's unwrapped: the closure's own refusal (a 404, a 409) as it was thrown.
    private func failed(_ error: any Error, on active: Active) -> any Error {
        var error = error
        if let t = error as? PostgresTransactionError {
            error = t.beginError ?? t.closureError ?? t.commitError ?? error
        }
        guard let why = Self.lostPrimary(error) else { return error }
        drop(active, why: why)
        return ServerFailure.unavailable("the database primary went away (a failover?); try again later")
    }

    /// Why an error means the host is no longer a usable primary, or nil when it is the
    /// request's own (a refusal, a constraint, a decoding error). Only codes, never queries.
    static func lostPrimary(_ error: any Error) -> String? {
        switch error {
        case is HTTPResponseError, is CancellationError, is PostgresDecodingError: return nil
        case let e as PSQLError:
            if e.code == .server {
                let state = e.serverInfo?[.sqlState] ?? ""
                // 25006: read-only transaction (a standby, or a demoted primary); 08…: connection
                // exceptions; 57P01–57P03: the server shuts down, crashed or cannot take connections yet.
                if state == "25006" || state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) { return "SQLSTATE \(state)" }
                return nil
            }
            if [.queryCancelled, .tooManyParameters, .invalidCommandTag].contains(e.code) { return nil }
            return "\(e.code)"
        default:
            // The pool's own errors (e.g. its connection circuit breaker) and timeouts.
            return "\(type(of: error))"
        }
    }

    private func drop(_ active: Active, why: String) {
        let dropped = state.withLockedValue { s -> Bool in
            guard s.active?.generation == active.generation else { return false }
            s.active = nil
            return true
        }
        guard dropped else { return }
        logger.warning("database primary lost; looking for the primary among the hosts again",
                       metadata: ["host": "\(active.endpoint)", "why": "\(why)"])
        // Ends the pool: requests still waiting on it fail now (503) instead of hanging.
        active.runner.cancel()
    }

    // MARK: - Supervision

    /// Starts looking for the primary and watching it, for the life of the process.
    func start() {
        let first = state.withLockedValue { s -> Bool in defer { s.started = true }; return !s.started }
        guard first else { return }
        // Unstructured on purpose: it lives as long as the process and holds no request.
        Task.detached { [self] in await supervise() }
    }

    /// Waits until a primary serves, a primary was refused (no synchronous standby), or `timeout`.
    func waitUntilServing(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let (serving, refused) = state.withLockedValue { ($0.active != nil, $0.refused) }
            if serving { return true }
            if refused { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    private func supervise() async {
        while !Task.isCancelled {
            if let active = state.withLockedValue({ $0.active }) {
                if let why = await problem(with: active.client) {
                    drop(active, why: why)
                } else {
                    // Sleeps the interval, but wakes early when a request dropped the primary.
                    let until = ContinuousClock.now + healthInterval
                    while ContinuousClock.now < until, state.withLockedValue({ $0.active?.generation == active.generation }) {
                        try? await Task.sleep(for: .milliseconds(100))
                    }
                }
                continue
            }
            if let serving = await findPrimary() {
                noteProblem(nil, refused: false)
                logger.info("database primary", metadata: ["host": "\(serving)", "synchronous_standby_required": "\(requireSynchronousStandby)"])
            }
        }
    }

    /// Asks every host at once (a dead host costs its timeout, not the others' turn) and
    /// makes the first usable primary to answer current, after `prepare` ran on it.
    /// - Returns: its endpoint, or nil (the problems noted, and a pause taken).
    private func findPrimary() async -> DatabaseURL.Endpoint? {
        var problems: [String] = []
        var refused = false
        let winner: (DatabaseURL.Endpoint, PostgresClient, Task<Void, Never>)? = await withTaskGroup(of: Probe.self) { group in
            for endpoint in url.endpoints { group.addTask { await self.probe(endpoint) } }
            var winner: (DatabaseURL.Endpoint, PostgresClient, Task<Void, Never>)?
            for await result in group {
                switch result {
                case .primary(let endpoint, let client, let runner):
                    if winner == nil {
                        winner = (endpoint, client, runner)
                        group.cancelAll()
                    } else {
                        runner.cancel()
                    }
                case .notPrimary(let why): problems.append(why)
                case .refused(let why): problems.append(why); refused = true
                }
            }
            return winner
        }
        if let (endpoint, client, runner) = winner {
            do {
                if let work = prepare.withLockedValue({ $0 }) {
                    try await Self.within(probeTimeout * 5) { try await work(client) }
                }
                state.withLockedValue { s in
                    s.generation += 1
                    s.active = Active(client: client, runner: runner, endpoint: endpoint, generation: s.generation)
                }
                return endpoint
            } catch {
                runner.cancel()
                problems.append("\(endpoint) \(Self.lostPrimary(error) ?? "\(type(of: error))") while preparing it")
            }
        }
        noteProblem(problems.sorted().joined(separator: "; "), refused: refused)
        // A misconfigured primary will not fix itself within a quarter second.
        try? await Task.sleep(for: .milliseconds(refused ? 1000 : 250))
        return nil
    }

    private func noteProblem(_ problem: String?, refused: Bool) {
        let changed = state.withLockedValue { s -> Bool in
            s.refused = refused
            defer { s.problem = problem }
            return s.problem != problem
        }
        guard changed, let problem else { return }
        if refused {
            logger.error("refusing to serve (503): --require-synchronous-standby and \(problem)")
        } else {
            logger.warning("no writable database primary reachable; answering 503 until one is", metadata: ["hosts": "\(problem)"])
        }
    }

    private enum Probe: Sendable {
        case primary(DatabaseURL.Endpoint, PostgresClient, Task<Void, Never>)
        case notPrimary(String)
        case refused(String)
    }

    /// Connects to one host and asks whether it is a usable primary; when it is, its running client.
    private func probe(_ endpoint: DatabaseURL.Endpoint) async -> Probe {
        var quiet = logger
        // The pool logs each failed connection attempt; a dead host is reported once, by us.
        quiet.logLevel = max(logger.logLevel, .warning)
        let client = PostgresClient(configuration: url.configuration(for: endpoint), backgroundLogger: quiet)
        let runner = Task { await client.run() }
        do {
            if let why = try await check(client) {
                runner.cancel()
                return why.refused ? .refused("\(endpoint) \(why.text)") : .notPrimary("\(endpoint) \(why.text)")
            }
            return .primary(endpoint, client, runner)
        } catch {
            runner.cancel()
            return .notPrimary("\(endpoint) \(Self.lostPrimary(error) ?? "\(type(of: error))")")
        }
    }

    /// Why the host behind `client` is no usable primary now, or nil (it is one).
    private func problem(with client: PostgresClient) async -> String? {
        do { return try await check(client)?.text } catch { return Self.lostPrimary(error) ?? "\(type(of: error))" }
    }

    private struct Unusable { let text: String; let refused: Bool }

    private func check(_ client: PostgresClient) async throws -> Unusable? {
        let logger = self.logger, requireSync = requireSynchronousStandby
        return try await Self.within(probeTimeout) {
            let recovering = try await Self.single(client, "SELECT pg_is_in_recovery()", as: Bool.self, logger: logger)
            if recovering { return Unusable(text: "is a standby (in recovery)", refused: false) }
            guard requireSync else { return nil }
            let names = try await Self.single(client, "SHOW synchronous_standby_names", as: String.self, logger: logger)
            let commit = try await Self.single(client, "SHOW synchronous_commit", as: String.self, logger: logger)
            if names.trimmingCharacters(in: .whitespaces).isEmpty {
                return Unusable(text: "has synchronous_standby_names empty: a COMMIT would not wait for any standby", refused: true)
            }
            if !["on", "remote_apply"].contains(commit) {
                return Unusable(text: "has synchronous_commit = \(commit): a COMMIT would not wait for the standby to store it (on or remote_apply)",
                                refused: true)
            }
            return nil
        }
    }

    private static func single<T: PostgresDecodable & Sendable>(_ client: PostgresClient, _ sql: PostgresQuery, as type: T.Type, logger: Logger) async throws -> T {
        for try await value in try await client.query(sql, logger: logger).decode(T.self) { return value }
        throw DatabaseProbeError.noRow
    }

    /// `work`, or a `DatabaseProbeError.timedOut` after `limit`.
    static func within<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw DatabaseProbeError.timedOut
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw DatabaseProbeError.timedOut }
            return first
        }
    }
}

enum DatabaseProbeError: Error { case timedOut, noRow }
