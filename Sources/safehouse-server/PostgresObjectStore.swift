import Foundation
import Logging
import NIOCore
import PostgresNIO
import SafehouseCrypto
import SafehouseVault

/// `ObjectStore` on PostgreSQL: one `object_chunks` row (BYTEA) per uploaded chunk,
/// keyed by upload and byte offset; `objects` maps a SHA-256 to the upload that
/// carried it. Once every mailbox entry naming an object is acknowledged its bytes
/// are deleted (`dropAcknowledgedBytes`); the `objects` row stays, as the entries
/// refer to it, and a later delivery of the same bytes brings them back (`adoptBytes`).
struct PostgresObjectStore: ObjectStore {
    let client: Database
    let logger: Logger

    func upload(id: String) async throws -> UploadStatus? {
        let rows = try await client.query(
            "SELECT id, member, mailbox, sha256, size, received, completed FROM uploads WHERE id = \(id)", logger: logger)
        for try await (id, member, mailbox, sha, size, received, completed) in rows.decode((String, String, String, String, Int64, Int64, Bool).self) {
            return UploadStatus(id: id, member: member, mailbox: mailbox, sha256: sha, size: size, received: received, completed: completed)
        }
        return nil
    }

    /// Uploads never completed within this many seconds are dropped with their chunks
    /// (a sender that comes back later starts that upload again from the beginning).
    static let abandonedUploadSeconds: Int64 = 14 * 86_400

    func createUpload(id: String, member: String, mailbox: String, sha256: String, size: Int64, now: Int64) async throws -> UploadStatus {
        try await client.withTransaction(logger: logger) { conn in
            let cutoff = now - Self.abandonedUploadSeconds
            try await conn.query("""
                DELETE FROM object_chunks WHERE upload_id IN (SELECT id FROM uploads WHERE NOT completed AND created_at < \(cutoff))
                """, logger: logger)
            try await conn.query("DELETE FROM uploads WHERE NOT completed AND created_at < \(cutoff)", logger: logger)
        }
        try await client.query("""
            INSERT INTO uploads (id, member, mailbox, sha256, size, created_at) VALUES (\(id), \(member), \(mailbox), \(sha256), \(size), \(now))
            ON CONFLICT (id) DO NOTHING
            """, logger: logger)
        guard let u = try await upload(id: id) else { throw ServerFailure.internalError("upload vanished") }
        return u
    }

    func append(uploadID: String, offset: Int64, bytes: ByteBuffer) async throws -> AppendResult {
        try await client.withTransaction(logger: logger) { conn in
            let rows = try await conn.query("SELECT size, received, completed FROM uploads WHERE id = \(uploadID) FOR UPDATE", logger: logger)
            var found: (Int64, Int64, Bool)?
            for try await r in rows.decode((Int64, Int64, Bool).self) { found = r }
            guard let (size, received, completed) = found else { throw ServerFailure.notFound("no such upload") }
            if completed { return .alreadyComplete }
            let n = Int64(bytes.readableBytes)
            if offset != received {
                // A retry of a chunk that already arrived (its answer was lost): same bytes, same place.
                if offset < received {
                    let prev = try await conn.query(
                        "SELECT data FROM object_chunks WHERE upload_id = \(uploadID) AND offset_bytes = \(offset)", logger: logger)
                    for try await data in prev.decode(ByteBuffer.self) where data == bytes { return .accepted(received: received) }
                }
                return .wrongOffset(received: received)
            }
            guard received + n <= size else { return .tooLong }
            guard n > 0 else { return .accepted(received: received) }
            try await conn.query("INSERT INTO object_chunks (upload_id, offset_bytes, data) VALUES (\(uploadID), \(offset), \(bytes))",
                                 logger: logger)
            try await conn.query("UPDATE uploads SET received = \(received + n) WHERE id = \(uploadID)", logger: logger)
            return .accepted(received: received + n)
        }
    }

    func finish(uploadID: String, now: Int64) async throws -> FinishResult {
        try await client.withTransaction(logger: logger) { conn in
            let rows = try await conn.query("SELECT sha256, size, received, completed FROM uploads WHERE id = \(uploadID) FOR UPDATE", logger: logger)
            var found: (String, Int64, Int64, Bool)?
            for try await r in rows.decode((String, Int64, Int64, Bool).self) { found = r }
            guard let (sha, size, received, completed) = found else { throw ServerFailure.notFound("no such upload") }
            if completed { return .stored }
            guard received == size else { return .incomplete(received: received, size: size) }
            // Streamed row by row: the whole object is never in memory.
            let hasher = ContentSHA256()
            var total: Int64 = 0
            let chunks = try await conn.query(
                "SELECT data FROM object_chunks WHERE upload_id = \(uploadID) ORDER BY offset_bytes", logger: logger)
            for try await data in chunks.decode(ByteBuffer.self) {
                data.withUnsafeReadableBytes { hasher.update($0) }
                total += Int64(data.readableBytes)
            }
            guard total == size, Hex.encode(hasher.finalize()) == sha else {
                try await conn.query("DELETE FROM object_chunks WHERE upload_id = \(uploadID)", logger: logger)
                try await conn.query("UPDATE uploads SET received = 0 WHERE id = \(uploadID)", logger: logger)
                return .hashMismatch
            }
            try await conn.query("UPDATE uploads SET completed = true WHERE id = \(uploadID)", logger: logger)
            try await conn.query("""
                INSERT INTO objects (sha256, size, upload_id, stored_at) VALUES (\(sha), \(size), \(uploadID), \(now))
                ON CONFLICT (sha256) DO NOTHING
                """, logger: logger)
            return .stored
        }
    }

    func objectSize(sha256: String) async throws -> Int64? {
        let rows = try await client.query("""
            SELECT o.size FROM objects o WHERE o.sha256 = \(sha256)
            AND EXISTS (SELECT 1 FROM object_chunks c WHERE c.upload_id = o.upload_id)
            """, logger: logger)
        for try await size in rows.decode(Int64.self) { return size }
        return nil
    }

    func read(sha256: String, offset: Int64) async throws -> ByteBuffer? {
        let rows = try await client.query("""
            SELECT c.offset_bytes, c.data FROM objects o JOIN object_chunks c ON c.upload_id = o.upload_id
            WHERE o.sha256 = \(sha256) AND c.offset_bytes <= \(offset) ORDER BY c.offset_bytes DESC LIMIT 1
            """, logger: logger)
        for try await (start, data) in rows.decode((Int64, ByteBuffer).self) {
            let skip = Int(offset - start)
            guard skip < data.readableBytes else { return nil }
            return data.getSlice(at: data.readerIndex + skip, length: data.readableBytes - skip)
        }
        return nil
    }

    /// In a delivery's transaction (the mailbox locked): makes the object's bytes those of
    /// `upload` when the stored copy was deleted, and deletes `upload`'s chunks when they
    /// only duplicate a stored copy (the same SHA-256). Returns whether the object has bytes.
    static func adoptBytes(_ conn: PostgresConnection, sha256: String, upload: String?, logger: Logger) async throws -> Bool {
        if let upload {
            try await conn.query("""
                UPDATE objects SET upload_id = \(upload) WHERE sha256 = \(sha256) AND upload_id <> \(upload)
                AND NOT EXISTS (SELECT 1 FROM object_chunks c WHERE c.upload_id = objects.upload_id)
                AND EXISTS (SELECT 1 FROM object_chunks c WHERE c.upload_id = \(upload))
                """, logger: logger)
            try await conn.query("""
                DELETE FROM object_chunks WHERE upload_id = \(upload)
                AND EXISTS (SELECT 1 FROM objects o WHERE o.sha256 = \(sha256) AND o.upload_id <> \(upload))
                """, logger: logger)
        }
        let rows = try await conn.query("""
            SELECT 1 FROM objects o WHERE o.sha256 = \(sha256) AND (o.size = 0 OR EXISTS (SELECT 1 FROM object_chunks c WHERE c.upload_id = o.upload_id))
            """, logger: logger)
        for try await _ in rows { return true }
        return false
    }

    /// In an acknowledgement's transaction (the mailbox locked): deletes the object's bytes
    /// once no unacknowledged mailbox entry names it, so the server keeps no ciphertext
    /// that every recipient already holds.
    static func dropAcknowledgedBytes(_ conn: PostgresConnection, sha256: String, logger: Logger) async throws {
        try await conn.query("""
            DELETE FROM object_chunks WHERE upload_id = (SELECT upload_id FROM objects WHERE sha256 = \(sha256))
            AND NOT EXISTS (SELECT 1 FROM mailbox WHERE object = \(sha256) AND NOT acked)
            """, logger: logger)
    }
}
