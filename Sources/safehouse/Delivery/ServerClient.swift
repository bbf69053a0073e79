import CHTTP
import Foundation
import SafehouseCrypto
import SafehouseVault

/// A small synchronous HTTP/1.1 client for the team server (libcurl, loaded on
/// first use by the `CHTTP` shim so that other commands never load it): every request signed by the member's key
/// (`SignedRequest`), every failure mapped to the CLI's exit codes — 69 when the
/// server cannot be reached, 75 when it answers "try later", 77 when it refuses
/// the member, 65 when it refuses the data.
///
/// TLS: an `https://` URL is verified against the system's trust store (a
/// private CA is installed there with `update-ca-certificates`), or against the
/// PEM file `$SAFEHOUSE_SERVER_CA` names (the team's own CA or the server's
/// certificate), host name included. The server must
/// be served at the URL's root (the signed path is the path sent).
final class ServerClient: @unchecked Sendable {
    let base: String
    let identity: Identity?

    struct Reply {
        let status: Int
        let body: Data
        let headers: [String: String]
        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
        func header(_ name: String) -> String? { headers.first { $0.key.lowercased() == name.lowercased() }?.value }
    }

    init(server: String, identity: Identity?) throws {
        var s = server
        while s.hasSuffix("/") { s.removeLast() }
        guard let url = URL(string: s), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil,
              url.path.isEmpty else {
            throw VaultError.usageWithHint("--server \(server) is not a server URL", hint: "give http(s)://HOST:PORT (no path), or set $SAFEHOUSE_SERVER")
        }
        base = s
        self.identity = identity
        if let ca = Self.caFile, !FileManager.default.isReadableFile(atPath: ca) {
            throw VaultError.missing(object: ca, hint: "$SAFEHOUSE_SERVER_CA names the PEM file of certificates to trust for https; it cannot be read")
        }
    }

    var serverName: String { "server \(base)" }

    /// `$SAFEHOUSE_SERVER_CA`: the only certificates trusted for https, instead of the system's.
    static let caFile: String? = ProcessInfo.processInfo.environment["SAFEHOUSE_SERVER_CA"].flatMap { $0.isEmpty ? nil : $0 }

    /// Sends one request (signed unless `signed` is false) and returns the reply when
    /// its status is 2xx; throws the mapped `VaultError` otherwise.
    /// A temporary failure (503 and the like, a dropped connection) is retried with
    /// backoff (0.5 s, 1 s, 2 s, then every 4 s) for up to `retrySeconds` — long enough
    /// to ride out a database failover (Docs/SERVER.md, "High availability"): every
    /// request is idempotent (uploads by offset and content hash, deliveries once per
    /// sender), and each attempt is signed afresh (new time and nonce). A server that
    /// cannot be reached at all (69) is reported at once.
    func send(_ method: String, _ path: String, body: [UInt8] = [], contentType: String? = nil, signed: Bool = true) throws -> Reply {
        let start = Date()
        var delay = 0.5
        while true {
            do {
                let reply = try raw(method, path, body: body, contentType: contentType, signed: signed)
                try check(reply, method: method, path: path)
                return reply
            } catch let e as VaultError where e.exitCode == 75 && Date().timeIntervalSince(start) + delay <= Self.retrySeconds {
                usleep(useconds_t(delay * 1_000_000))
                delay = min(delay * 2, 4)
            }
        }
    }

    /// How long temporary failures are retried: `$SAFEHOUSE_RETRY_SECONDS`, default 20 (0: not at all).
    static let retrySeconds: TimeInterval = {
        guard let text = ProcessInfo.processInfo.environment["SAFEHOUSE_RETRY_SECONDS"], let s = TimeInterval(text), s >= 0 else { return 20 }
        return min(s, 600)
    }()

    func raw(_ method: String, _ path: String, body: [UInt8] = [], contentType: String? = nil, signed: Bool = true) throws -> Reply {
        var lines: [String] = []
        if let contentType { lines.append("Content-Type: \(contentType)") }
        if signed {
            guard let identity else { throw VaultError.usage("this request needs your key: pass --identity FILE") }
            for (name, value) in try SignedRequest.headers(method: method, path: path, body: body, by: identity) {
                lines.append("\(name): \(value)")
            }
        }
        guard lines.allSatisfy({ !$0.contains("\r") && !$0.contains("\n") }) else { throw VaultError.other("a request header holds a line break") }
        var reply = chttp_reply()
        let cLines = lines.map { strdup($0) }
        defer { cLines.forEach { free($0) }; chttp_reply_free(&reply) }
        var pointers: [UnsafePointer<CChar>?] = cLines.map { UnsafePointer($0) }
        pointers.withUnsafeMutableBufferPointer { headers in
            body.withUnsafeBufferPointer { b in
                // 30 s to connect, 30 s without a byte (the server answers 503 within its 10 s database
                // timeout, so a silent connection is a dead one: retried as 75), 600 s in all.
                chttp_request(method, base + path, headers.baseAddress, headers.count, b.baseAddress, b.count, 30, 30, 600,
                              Self.caFile, &reply)
            }
        }
        switch Int(reply.kind) {
        case Int(CHTTP_OK): break
        case Int(CHTTP_TEMPORARY):
            throw VaultError.temporary(object: serverName, hint: "the connection dropped or timed out; run the command again (transfers resume)")
        case Int(CHTTP_NO_LIBRARY):
            throw VaultError.unreachable(object: serverName, hint: "libcurl is not installed (Debian: apt-get install libcurl4); nothing was changed")
        default:
            throw VaultError.unreachable(object: serverName, hint: "check the URL, the network and that safehouse-server runs there; nothing was changed")
        }
        let data = reply.body_len > 0 ? Data(bytes: reply.body, count: reply.body_len) : Data()
        var headers: [String: String] = [:]
        if reply.headers_len > 0 {
            let text = String(decoding: UnsafeRawBufferPointer(start: reply.headers, count: reply.headers_len), as: UTF8.self)
            for line in text.split(separator: "\r\n") {
                guard let colon = line.firstIndex(of: ":"), !line.hasPrefix("HTTP/") else { continue }
                headers[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return Reply(status: reply.status, body: data, headers: headers)
    }

    /// The server's own words (never a secret: the server has none of ours).
    static func message(_ reply: Reply) -> String {
        ((reply.json?["error"] as? [String: Any])?["message"] as? String) ?? "HTTP \(reply.status)"
    }

    func check(_ reply: Reply, method: String, path: String) throws {
        let what = "\(serverName) (\(method) \(path.split(separator: "?").first ?? ""))"
        let said = Self.message(reply)
        switch reply.status {
        case 200..<300: return
        case 401, 403:
            throw VaultError.refused(object: serverName, reason: said,
                                     hint: "your key must be an active member of the keyring an officer published with `safehouse team publish`, and your clock right")
        case 404: throw VaultError.missing(object: what, hint: said)
        case 413: throw VaultError.badData(object: what, hint: "the server refused a body this large (413): \(said)")
        case 400, 409, 422: throw VaultError.badData(object: what, hint: said)
        case 429, 502, 503, 504:
            throw VaultError.temporary(object: what, hint: "the server is busy or restarting (\(reply.status)); try again later")
        default: throw VaultError.other("\(what) answered HTTP \(reply.status): \(said)")
        }
    }
}
