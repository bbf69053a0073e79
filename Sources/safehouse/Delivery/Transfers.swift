import Foundation
import SafehouseCrypto
import SafehouseVault

/// Uploads and downloads of bundle objects in 1 MiB requests: constant memory,
/// resumable (an upload session remembers how far it got; a retry of a chunk or
/// of a finished upload is idempotent, keyed by the object's SHA-256).
struct Transfers {
    static let chunk = 1 << 20
    let client: ServerClient

    /// Pins the server's receipt key at first use (trust on first use, like SSH);
    /// a later change is refused.
    func pinServerKey(_ state: inout DeliveryState) throws -> [UInt8] {
        let reply = try client.send("GET", "/v1/server", signed: false)
        guard let text = reply.json?["key"] as? String, let key = Data(base64Encoded: text), key.count == Signature.publicKeyBytes else {
            throw VaultError.badData(object: client.serverName, hint: "it did not answer as a safehouse-server")
        }
        if let pinned = state.serverKeys[client.base] {
            guard pinned == text else {
                throw VaultError.badData(object: client.serverName,
                                         hint: "its receipt key changed since this vault first used it (another server, or an attack); ask your officer before removing it from delivery.json")
            }
        } else {
            state.serverKeys[client.base] = text
            Output.note("pinned \(client.serverName)'s receipt key \(text.prefix(16))… (first use)")
        }
        return [UInt8](key)
    }

    /// The SHA-256 and size of a file, streamed.
    static func hashFile(_ path: String) throws -> (String, UInt64) {
        guard let h = FileHandle(forReadingAtPath: path) else { throw VaultError.missing(object: path, hint: "the spooled bundle is gone") }
        defer { try? h.close() }
        let sha = ContentSHA256()
        var size: UInt64 = 0
        while true {
            let d = try h.read(upToCount: 4 << 20) ?? Data()
            if d.isEmpty { break }
            d.withUnsafeBytes { sha.update($0) }
            size += UInt64(d.count)
        }
        return (Hex.encode(sha.finalize()), size)
    }

    /// Uploads a spooled bundle to a mailbox and returns the verified receipt and its signature.
    func upload(_ item: DeliveryState.Outbox, serverKey: [UInt8], me: String, progress: (UInt64, UInt64) -> Void) throws -> (String, String) {
        let start = try JSONSerialization.data(withJSONObject: ["to": item.to, "sha256": item.object, "size": item.size] as [String: Any])
        var reply = try client.send("POST", "/v1/uploads", body: [UInt8](start), contentType: "application/json")
        if reply.json?["receipt"] == nil {
            guard let id = reply.json?["upload"] as? String, var received = (reply.json?["received"] as? String).flatMap(UInt64.init) else {
                throw VaultError.badData(object: client.serverName, hint: "it answered an upload with something unexpected")
            }
            guard let h = FileHandle(forReadingAtPath: item.file) else { throw VaultError.missing(object: item.file, hint: "the spooled bundle is gone") }
            defer { try? h.close() }
            if received > 0 { Output.note("resuming an upload at \(received) of \(item.size) bytes") }
            while received < item.size {
                try h.seek(toOffset: received)
                let piece = [UInt8](try h.read(upToCount: Self.chunk) ?? Data())
                guard !piece.isEmpty else { throw VaultError.badData(object: item.file, hint: "the spooled bundle shrank") }
                let r = try client.send("PUT", "/v1/uploads/\(id)?offset=\(received)", body: piece, contentType: "application/octet-stream")
                guard let now = (r.json?["received"] as? String).flatMap(UInt64.init), now > received else {
                    throw VaultError.badData(object: client.serverName, hint: "it did not advance the upload")
                }
                received = now
                progress(received, item.size)
            }
            reply = try client.send("POST", "/v1/uploads/\(id)/complete")
        } else {
            progress(item.size, item.size)
        }
        guard let text = reply.json?["receipt"] as? String, let sigText = reply.json?["signature"] as? String,
              let sig = Data(base64Encoded: sigText), let receipt = DeliveryReceipt.parse(text) else {
            throw VaultError.badData(object: client.serverName, hint: "it sent no receipt")
        }
        guard Signature.verify([UInt8](sig), message: receipt.signedMessage, publicKey: serverKey),
              receipt.object == item.object, receipt.size == item.size, receipt.to == item.to, receipt.from == me else {
            throw VaultError.badData(object: client.serverName, hint: "its receipt does not verify with its pinned key or names another object")
        }
        return (text, sigText)
    }

    /// Downloads an object into `path` (replacing it) and checks its SHA-256 against its address.
    func download(object: String, size: UInt64, to path: String, progress: (UInt64, UInt64) -> Void) throws {
        FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        guard let h = FileHandle(forWritingAtPath: path) else { throw VaultError.cannotCreate(object: path, hint: "check the vault's permissions") }
        defer { try? h.close() }
        let sha = ContentSHA256()
        var got: UInt64 = 0
        while got < size {
            let r = try client.send("GET", "/v1/objects/\(object)?offset=\(got)")
            guard !r.body.isEmpty, got + UInt64(r.body.count) <= size else {
                throw VaultError.badData(object: "object \(object.prefix(16)) from \(client.serverName)", hint: "the server sent more or fewer bytes than it listed")
            }
            r.body.withUnsafeBytes { sha.update($0) }
            try h.write(contentsOf: r.body)
            got += UInt64(r.body.count)
            progress(got, size)
        }
        try h.synchronize()
        guard Hex.encode(sha.finalize()) == object else {
            throw VaultError.badData(object: "object \(object.prefix(16)) from \(client.serverName)",
                                     hint: "its bytes do not match its content address (altered on the server or in transit); nothing was imported")
        }
    }
}
