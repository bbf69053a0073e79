import Foundation
import Logging
import PostgresNIO

/// The server's PostgreSQL schema, applied in order at start (each step once, in a
/// transaction, recorded in `schema_migrations`). Objects are append-only: their
/// bytes live in `object_chunks`, one row per uploaded chunk (≤ 1 MiB), so a large
/// object streams through in constant memory.
enum Schema {
    static let migrations: [(Int, [PostgresQuery])] = [
        (1, [
            """
            CREATE TABLE server_key (id INT PRIMARY KEY CHECK (id = 1), seed BYTEA NOT NULL, created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE keyrings (serial BIGINT PRIMARY KEY, vault_id TEXT NOT NULL, root TEXT NOT NULL, body TEXT NOT NULL,
                                   published_by TEXT NOT NULL, published_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE nonces (member TEXT NOT NULL, nonce TEXT NOT NULL, seen_at BIGINT NOT NULL, PRIMARY KEY (member, nonce))
            """,
            "CREATE INDEX nonces_seen ON nonces (seen_at)",
            """
            CREATE TABLE uploads (id TEXT PRIMARY KEY, member TEXT NOT NULL, mailbox TEXT NOT NULL, sha256 TEXT NOT NULL,
                                  size BIGINT NOT NULL, received BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL,
                                  completed BOOLEAN NOT NULL DEFAULT false)
            """,
            """
            CREATE TABLE object_chunks (upload_id TEXT NOT NULL REFERENCES uploads(id), offset_bytes BIGINT NOT NULL,
                                        data BYTEA NOT NULL, PRIMARY KEY (upload_id, offset_bytes))
            """,
            """
            CREATE TABLE objects (sha256 TEXT PRIMARY KEY, size BIGINT NOT NULL, upload_id TEXT NOT NULL REFERENCES uploads(id),
                                  stored_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE mailbox (seq BIGSERIAL PRIMARY KEY, mailbox TEXT NOT NULL, object TEXT NOT NULL REFERENCES objects(sha256),
                                  sender TEXT NOT NULL, at BIGINT NOT NULL, acked BOOLEAN NOT NULL DEFAULT false)
            """,
            "CREATE INDEX mailbox_box ON mailbox (mailbox, acked)",
            """
            CREATE TABLE acks (id BIGSERIAL PRIMARY KEY, mailbox_seq BIGINT NOT NULL REFERENCES mailbox(seq), recipient TEXT NOT NULL,
                               object TEXT NOT NULL, body TEXT NOT NULL, signature TEXT NOT NULL, at BIGINT NOT NULL)
            """,
            "CREATE INDEX acks_recipient ON acks (recipient)",
        ]),
        // The witness of HQ's audit log (Docs/SERVER.md, "Witness"): every cosigned
        // checkpoint by size, and the latest one, moved only by a compare-and-swap.
        (2, [
            """
            CREATE TABLE witness_checkpoints (origin TEXT NOT NULL, size BIGINT NOT NULL, root BYTEA NOT NULL, note TEXT NOT NULL,
                                              cosigned_at BIGINT NOT NULL, submitted_by TEXT NOT NULL, PRIMARY KEY (origin, size))
            """,
            """
            CREATE TABLE witness_latest (origin TEXT PRIMARY KEY, size BIGINT NOT NULL, root BYTEA NOT NULL, note TEXT NOT NULL)
            """,
        ]),
    ]

    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                               logger: logger)
        for (version, steps) in migrations {
            try await client.withTransaction(logger: logger) { conn in
                // One server migrates at a time; the others wait here and then skip.
                try await conn.query("LOCK TABLE schema_migrations IN EXCLUSIVE MODE", logger: logger)
                let rows = try await conn.query("SELECT version FROM schema_migrations WHERE version = \(version)", logger: logger)
                for try await _ in rows { return }
                for step in steps { try await conn.query(step, logger: logger) }
                let now = Int64(Date().timeIntervalSince1970)
                try await conn.query("INSERT INTO schema_migrations (version, applied_at) VALUES (\(version), \(now))", logger: logger)
                logger.info("schema migrated", metadata: ["version": "\(version)"])
            }
        }
    }
}
