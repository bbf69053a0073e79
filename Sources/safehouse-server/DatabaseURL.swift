import Foundation
import PostgresNIO

/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?host=/socket/dir][&sslmode=disable|require]`.
enum DatabaseURL {
    static func parse(_ text: String) throws -> PostgresClient.Configuration {
        guard let c = URLComponents(string: text), c.scheme == "postgres" || c.scheme == "postgresql" else {
            throw DatabaseURLError(text: "the --database URL must start with postgres://")
        }
        let user = c.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres"
        let password = c.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let db = c.path.hasPrefix("/") && c.path.count > 1 ? String(c.path.dropFirst()) : user
        let items = c.queryItems ?? []
        if let socketDir = items.first(where: { $0.name == "host" })?.value, socketDir.hasPrefix("/") {
            let port = c.port ?? 5432
            return .init(unixSocketPath: "\(socketDir)/.s.PGSQL.\(port)", username: user, password: password, database: db)
        }
        guard let host = c.host, !host.isEmpty else { throw DatabaseURLError(text: "the --database URL names no host") }
        let tls: PostgresClient.Configuration.TLS
        switch items.first(where: { $0.name == "sslmode" })?.value ?? "disable" {
        case "require", "verify-full": tls = .require(.makeClientConfiguration())
        default: tls = .disable
        }
        return .init(host: host, port: c.port ?? 5432, username: user, password: password, database: db, tls: tls)
    }
}

struct DatabaseURLError: Error, CustomStringConvertible {
    let text: String
    var description: String { text }
}
