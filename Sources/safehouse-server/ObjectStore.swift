import NIOCore

/// Where object bytes live: content-addressed (SHA-256 of the object), append-only,
/// written through resumable uploads in chunks and read back chunk by chunk, so
/// no object is ever held whole in memory. PostgreSQL today
/// (`PostgresObjectStore`); object storage later, behind this one interface.
protocol ObjectStore: Sendable {
    /// An upload session, if it exists.
    func upload(id: String) async throws -> UploadStatus?
    /// Creates the session (or returns the existing one: retries are idempotent).
    func createUpload(id: String, member: String, mailbox: String, sha256: String, size: Int64, now: Int64) async throws -> UploadStatus
    /// Appends `bytes` at `offset`, which must be the bytes received so far; a retry of
    /// the last chunk with the same bytes is accepted as done.
    func append(uploadID: String, offset: Int64, bytes: ByteBuffer) async throws -> AppendResult
    /// Checks the received bytes against the declared size and SHA-256 and, when
    /// they match, publishes the object under its hash. A mismatch discards the
    /// received chunks (the session restarts from 0).
    func finish(uploadID: String, now: Int64) async throws -> FinishResult
    /// The size of a stored object, or nil.
    func objectSize(sha256: String) async throws -> Int64?
    /// The stored bytes of an object from `offset` to the end of the chunk that holds it.
    func read(sha256: String, offset: Int64) async throws -> ByteBuffer?
}

struct UploadStatus: Sendable {
    let id: String
    let member: String
    let mailbox: String
    let sha256: String
    let size: Int64
    let received: Int64
    let completed: Bool
}

enum AppendResult: Sendable {
    case accepted(received: Int64)
    /// The offset is not where the upload stands; the client resumes from `received`.
    case wrongOffset(received: Int64)
    /// More bytes than the declared size.
    case tooLong
    case alreadyComplete
}

enum FinishResult: Sendable {
    case stored
    case incomplete(received: Int64, size: Int64)
    case hashMismatch
}
