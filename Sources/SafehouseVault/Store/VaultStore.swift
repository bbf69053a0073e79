import Foundation
import GRDB

/// The vault's SQLite database (through GRDB): ids, headers with key slots,
/// members, subjects' pseudonyms and the audit log. Nothing in it is plaintext
/// content or metadata: headers hold only ciphertext, ids, sizes and fingerprints.
///
/// WAL mode, `synchronous = FULL` (every commit is fsynced) and IMMEDIATE write
/// transactions with a busy timeout, so several processes can share a vault.
final class VaultStore: @unchecked Sendable {
    let pool: DatabasePool
    let path: String

    static let schemaVersion = 1

    init(path: String, create: Bool) throws {
        self.path = path
        if !create, !FileManager.default.fileExists(atPath: path) {
            throw VaultError.missing(object: "vault database \(path)", hint: "create a vault with `safehouse init`, or pass --vault")
        }
        var config = Configuration()
        config.busyMode = .timeout(30)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw VaultError.badData(object: "vault database \(path)", hint: "it is not a safehouse vault database or it is damaged; run `safehouse check`")
        }
        if create { chmod(path, 0o600) }
        // GRDB's DatabasePool sets `synchronous = NORMAL` when it turns WAL on, after
        // `prepareDatabase` ran: without this, a commit is not fsynced until the next
        // checkpoint, and a power cut after "sealed" or "opened" could lose the row or
        // the audit entry. Only the writer connection commits, so it is set there.
        do {
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        } catch {
            throw VaultError.badData(object: "vault database \(path)", hint: "it is not a safehouse vault database or it is damaged; run `safehouse check`")
        }
        try migrate()
    }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL), for tests.
    func synchronousLevel() throws -> Int {
        try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    private func migrate() throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL);
                CREATE TABLE members (
                    fingerprint TEXT PRIMARY KEY NOT NULL,
                    card TEXT NOT NULL,
                    endorsed_by TEXT NOT NULL,
                    endorsement BLOB NOT NULL,
                    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed', 'superseded'))
                );
                CREATE TABLE objects (
                    id TEXT PRIMARY KEY NOT NULL,
                    type INTEGER NOT NULL,
                    header BLOB NOT NULL,
                    body_length INTEGER NOT NULL
                );
                CREATE TABLE subjects (
                    pseudonym TEXT PRIMARY KEY NOT NULL,
                    object_id TEXT NOT NULL REFERENCES objects(id)
                );
                CREATE TABLE grants (
                    object_id TEXT NOT NULL REFERENCES objects(id),
                    member TEXT NOT NULL,
                    expires TEXT,
                    grant_sig BLOB NOT NULL,
                    PRIMARY KEY (object_id, member)
                );
                CREATE TABLE audit (
                    seq INTEGER PRIMARY KEY NOT NULL,
                    entry BLOB NOT NULL,
                    signer_key BLOB NOT NULL,
                    signature BLOB NOT NULL,
                    leaf_hash BLOB NOT NULL
                );
                CREATE TABLE foreign_audit (
                    origin TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    entry BLOB NOT NULL,
                    signer_key BLOB NOT NULL,
                    signature BLOB NOT NULL,
                    PRIMARY KEY (origin, seq)
                );
                """)
        }
        migrator.registerMigration("v2-trust") { db in
            // Device keys of the vaults whose logs were merged here, pinned at their first bundle.
            try db.execute(sql: "CREATE TABLE foreign_devices (origin TEXT PRIMARY KEY NOT NULL, device_key BLOB NOT NULL)")
            // Imported objects signed by a key no longer active, or sealed to one: not openable until an officer releases them.
            try db.execute(sql: "CREATE TABLE quarantine (object_id TEXT PRIMARY KEY NOT NULL, reason TEXT NOT NULL)")
        }
        migrator.registerMigration("v3-statements") { db in
            // Officer-signed withdrawals and revocations; they travel in every bundle.
            try db.execute(sql: """
                CREATE TABLE statements (kind INTEGER NOT NULL, key TEXT NOT NULL, text TEXT NOT NULL,
                                         officer TEXT NOT NULL, signature BLOB NOT NULL, PRIMARY KEY (kind, key))
                """)
        }
        migrator.registerMigration("v4-copies") { db in
            // HQ: each grantee's own marked copy of an excerpt, and the real pseudonyms it hides.
            try db.execute(sql: """
                CREATE TABLE copies (copy_id TEXT PRIMARY KEY NOT NULL, parent TEXT NOT NULL, member TEXT NOT NULL, pseudonyms TEXT NOT NULL)
                """)
        }
        migrator.registerMigration("v5-not-names") { db in
            // Officer-signed decisions that a candidate name `approve` flagged is not a
            // name; kept as digests (the words are not stored).
            try db.execute(sql: "CREATE TABLE not_names (digest BLOB PRIMARY KEY NOT NULL, officer TEXT NOT NULL, signature BLOB NOT NULL)")
        }
        migrator.registerMigration("v6-seal-tags") { db in
            // A sealer's keyed tags of the files it sealed here, so a batch can skip
            // what is already sealed; no plaintext hash, name or size (Docs/FORMAT.md).
            try db.execute(sql: """
                CREATE TABLE seal_tags (record_id TEXT PRIMARY KEY NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
                                        tag BLOB NOT NULL UNIQUE, binding BLOB NOT NULL)
                """)
        }
        migrator.registerMigration("v7-chunk-hashes") { db in
            // A record's body chunk hashes (body format v2), 32 bytes each: what
            // `open --bytes` checks a range against; recomputable from the body.
            try db.execute(sql: """
                CREATE TABLE chunk_hashes (object_id TEXT PRIMARY KEY NOT NULL REFERENCES objects(id) ON DELETE CASCADE,
                                           hashes BLOB NOT NULL)
                """)
        }
        do {
            // A vault already at the newest schema (every command but the first after an
            // upgrade) is checked with a read: no write transaction, no fsync.
            if try pool.read({ try migrator.hasCompletedMigrations($0) }) { return }
            try migrator.migrate(pool)
        } catch {
            throw VaultError.badData(object: "vault database \(path)", hint: "its schema could not be read or upgraded")
        }
    }

    /// Runs `body` in an IMMEDIATE transaction (takes the write lock up front, so
    /// two processes never deadlock upgrading a read lock).
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.writeWithoutTransaction { db in
                var result: T?
                var refusal: Error?
                try db.inTransaction(.immediate) {
                    do { result = try body(db) } catch let r as RefusalCommitted {
                        // A refusal's audit entry must persist although the action failed.
                        refusal = r.error
                    }
                    return .commit
                }
                if let refusal { throw refusal }
                return result!
            }
        } catch let e as VaultError {
            throw e
        } catch let e as DatabaseError {
            throw VaultError.io(object: "vault database", detail: e.message ?? "SQLite error \(e.resultCode)")
        }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch let e as VaultError { throw e } catch let e as DatabaseError {
            throw VaultError.io(object: "vault database", detail: e.message ?? "SQLite error \(e.resultCode)")
        }
    }

    static func meta(_ db: Database, _ key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT CAST(value AS TEXT) FROM meta WHERE key = ?", arguments: [key])
    }

    static func metaBlob(_ db: Database, _ key: String) throws -> [UInt8]? {
        (try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key])).map { [UInt8]($0) }
    }

    static func setMeta(_ db: Database, _ key: String, _ value: String) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, CAST(? AS BLOB))", arguments: [key, value])
    }

    static func setMeta(_ db: Database, _ key: String, blob: [UInt8]) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, Data(blob)])
    }
}

/// Thrown inside a write transaction when the refusal's audit entry was written
/// and must be committed before the wrapped error reaches the caller.
struct RefusalCommitted: Error {
    let error: VaultError
}
