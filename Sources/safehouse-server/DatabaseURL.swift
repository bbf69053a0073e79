import Foundation
import PostgresNIO

/// The `--database` URL, libpq style:
/// `postgres://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]…]/DATABASE[?target_session_attrs=read-write][&sslmode=disable|require][&connect_timeout=S]`,
/// or a Unix socket directory with `?host=/socket/dir` (the URL's port names the socket file).
/// Several hosts are a primary and its standbys: the server uses whichever is the
/// writable primary now (`Database`), so `target_session_attrs` may only be
/// `read-write` or `primary` — the server writes.
struct DatabaseURL: Sendable, CustomStringConvertible {
    enum Endpoint: Sendable, Equatable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        case socket(path: String)

        var description: String {
            switch self {
            case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .socket(let path): return path
            }
        }
    }

    let endpoints: [Endpoint]
    let username: String
    let password: String?
    let database: String
    let requireTLS: Bool
    /// Seconds to wait for one host to accept a connection before trying the next.
    let connectTimeout: Int

    /// Hosts, user and database — never the password.
    var description: String {
        "postgres://\(username)@\(endpoints.map(\.description).joined(separator: ","))/\(database)"
    }

    static func parse(_ text: String) throws -> DatabaseURL {
        guard let schemeEnd = text.range(of: "://"), ["postgres", "postgresql"].contains(text[..<schemeEnd.lowerBound].lowercased()) else {
            throw DatabaseURLError(text: "the --database URL must start with postgres://")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var items: [URLQueryItem] = []
        if let q = rest.firstIndex(of: "?") {
            items = URLComponents(string: "postgres://x/?" + rest[rest.index(after: q)...])?.queryItems ?? []
            rest = rest[..<q]
        }
        func item(_ name: String) -> String? { items.first(where: { $0.name == name })?.value }
        var authority = rest, path = Substring("")
        if let slash = rest.firstIndex(of: "/") { authority = rest[..<slash]; path = rest[rest.index(after: slash)...] }
        var user: String?, password: String?
        if let at = authority.lastIndex(of: "@") {
            let info = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = info.firstIndex(of: ":") {
                user = String(info[..<colon]).removingPercentEncoding
                password = String(info[info.index(after: colon)...]).removingPercentEncoding
            } else {
                user = String(info).removingPercentEncoding
            }
        }
        let username = user.flatMap { $0.isEmpty ? nil : $0 } ?? item("user") ?? "postgres"
        let database = path.isEmpty ? (item("dbname") ?? username) : (String(path).removingPercentEncoding ?? String(path))

        var hosts: [(String, Int?)] = []
        for part in authority.split(separator: ",", omittingEmptySubsequences: false) where !part.isEmpty {
            hosts.append(try Self.hostPort(part))
        }
        var endpoints: [Endpoint] = []
        if let hostItem = item("host"), !hostItem.isEmpty {
            // libpq: `host` (and `port`) in the query override the authority; a value starting
            // with "/" is a socket directory.
            let ports = (item("port") ?? "").split(separator: ",").map { Int($0) }
            let names = hostItem.split(separator: ",").map(String.init)
            for (i, name) in names.enumerated() {
                let port = (i < ports.count ? ports[i] : ports.first ?? nil) ?? hosts.first?.1 ?? 5432
                endpoints.append(name.hasPrefix("/") ? .socket(path: "\(name)/.s.PGSQL.\(port)") : .tcp(host: name, port: port))
            }
        } else {
            endpoints = hosts.map { .tcp(host: $0.0, port: $0.1 ?? 5432) }
        }
        guard !endpoints.isEmpty else { throw DatabaseURLError(text: "the --database URL names no host") }
        if let attrs = item("target_session_attrs"), !["read-write", "primary"].contains(attrs) {
            throw DatabaseURLError(text: "target_session_attrs=\(attrs) in the --database URL: the server writes, so it only ever uses the writable primary (read-write or primary)")
        }
        let timeout = item("connect_timeout").flatMap(Int.init) ?? 3
        return DatabaseURL(endpoints: endpoints, username: username, password: password, database: database,
                           requireTLS: ["require", "verify-ca", "verify-full"].contains(item("sslmode") ?? "disable"),
                           connectTimeout: max(1, timeout))
    }

    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    private static func hostPort(_ s: Substring) throws -> (String, Int?) {
        var host = s, portText: Substring?
        if s.hasPrefix("[") {
            guard let close = s.firstIndex(of: "]") else { throw DatabaseURLError(text: "unclosed [ in the --database URL's host \(s)") }
            host = s[s.index(after: s.startIndex)..<close]
            let after = s[s.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw DatabaseURLError(text: "cannot read the --database URL's host \(s)")
            }
        } else if let colon = s.firstIndex(of: ":") {
            host = s[..<colon]
            portText = s[s.index(after: colon)...]
        }
        guard !host.isEmpty else { throw DatabaseURLError(text: "an empty host in the --database URL") }
        guard let portText else { return (String(host), nil) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw DatabaseURLError(text: "the port \(portText) of \(host) in the --database URL is not a port number")
        }
        return (String(host), port)
    }

    /// The configuration of a PostgreSQL client for one of the hosts.
    func configuration(for endpoint: Endpoint) -> PostgresClient.Configuration {
        var c: PostgresClient.Configuration
        switch endpoint {
        case .tcp(let host, let port):
            c = .init(host: host, port: port, username: username, password: password, database: database,
                      tls: requireTLS ? .require(.makeClientConfiguration()) : .disable)
        case .socket(let path):
            c = .init(unixSocketPath: path, username: username, password: password, database: database)
        }
        c.options.connectTimeout = .seconds(connectTimeout)
        // A statement timeout would cancel COMMIT's wait for the synchronous standby, and
        // PostgreSQL then reports the COMMIT as done (with only a warning) although the
        // standby may not have it: a receipt the standby cannot back. Never on our sessions.
        c.options.additionalStartupParameters = [("statement_timeout", "0")]
        return c
    }
}

struct DatabaseURLError: Error, CustomStringConvertible {
    let text: String
    var description: String { text }
}
