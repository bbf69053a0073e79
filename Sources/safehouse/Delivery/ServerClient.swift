import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SafehouseCrypto
import SafehouseVault

/// A small synchronous HTTP/1.1 client for the team server (Foundation's
/// URLSession, libcurl on Linux): every request signed by the member's key
/// (`SignedRequest`), every failure mapped to the CLI's exit codes — 69 when the
/// server cannot be reached, 75 when it answers "try later", 77 when it refuses
/// the member, 65 when it refuses the data.
///
/// TLS: an `https://` URL is verified against the system's trust store (a
/// private CA is installed there with `update-ca-certificates`). The server must
/// be served at the URL's root (the signed path is the path sent).
final class ServerClient: @unchecked Sendable {
    let base: String
    let identity: Identity?
    private let session: URLSession

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
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = 60
        config.timeoutIntervalForResource = 600
        config.httpCookieStorage = nil
        config.urlCache = nil
        session = URLSession(configuration: config)
    }

    var serverName: String { "server \(base)" }

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
        guard let url = URL(string: base + path) else { throw VaultError.other("cannot form a URL for \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if !body.isEmpty { request.httpBody = Data(body) }
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        if signed {
            guard let identity else { throw VaultError.usage("this request needs your key: pass --identity FILE") }
            for (name, value) in try SignedRequest.headers(method: method, path: path, body: body, by: identity) {
                request.setValue(value, forHTTPHeaderField: name)
            }
        }
        let box = ReplyBox()
        let done = DispatchSemaphore(value: 0)
        session.dataTask(with: request) { data, response, error in
            box.data = data; box.response = response as? HTTPURLResponse; box.error = error
            done.signal()
        }.resume()
        done.wait()
        if let error = box.error {
            let code = (error as? URLError)?.code
            if code == .networkConnectionLost || code == .timedOut {
                throw VaultError.temporary(object: serverName, hint: "the connection dropped or timed out; run the command again (transfers resume)")
            }
            throw VaultError.unreachable(object: serverName, hint: "check the URL, the network and that safehouse-server runs there; nothing was changed")
        }
        guard let http = box.response else { throw VaultError.unreachable(object: serverName, hint: "no HTTP answer") }
        var headers: [String: String] = [:]
        for (k, v) in http.allHeaderFields { if let k = k as? String, let v = v as? String { headers[k] = v } }
        return Reply(status: http.statusCode, body: box.data ?? Data(), headers: headers)
    }

    /// The server's own words (never a secret: the server has none of ours).
    static func message(_ reply: Reply) -> String {
        ((reply.json?["error"] as? [String: Any])?["message"] as? String) ?? "HTTP \(reply.status)"
    }

    private func check(_ reply: Reply, method: String, path: String) throws {
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

private final class ReplyBox: @unchecked Sendable {
    var data: Data?
    var response: HTTPURLResponse?
    var error: Error?
}
