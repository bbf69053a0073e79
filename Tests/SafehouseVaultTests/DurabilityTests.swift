import Foundation
import GRDB
@testable import SafehouseVault
import Testing

/// Every commit is on disk before a command reports it: the writer connection
/// runs with `synchronous = FULL`. GRDB's DatabasePool turns WAL on with
/// `synchronous = NORMAL` after the configuration's `prepareDatabase`, which
/// left commits unsynced until the next checkpoint (found in issue 17's trace:
/// `seal` printed its id before any fdatasync of the WAL).
@Suite("Durability: commits are fsynced")
struct DurabilityTests {
    @Test("the writer runs with synchronous = FULL in a new and in a reopened vault")
    func writerIsFull() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        #expect(try hq.store.synchronousLevel() == 2)
        let again = try Vault.open(at: s.file("hq"))
        #expect(try again.store.synchronousLevel() == 2)
        // The write that follows still runs under FULL (the pragma is per connection, not per transaction).
        _ = try sealBytes(again, s, contentBytes(10_000, seed: 4), by: TestTeam.shared.officer)
        #expect(try again.store.synchronousLevel() == 2)
    }

    @Test("opening a vault at the newest schema writes nothing (no migration transaction)")
    func openWritesNothing() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        _ = try sealBytes(hq, s, contentBytes(10_000, seed: 5), by: TestTeam.shared.officer)
        let wal = s.file("hq") + "/vault.sqlite-wal"
        let db = s.file("hq") + "/vault.sqlite"
        func snapshot() throws -> [Data] { [try Data(contentsOf: URL(fileURLWithPath: wal)), try Data(contentsOf: URL(fileURLWithPath: db))] }
        let before = try snapshot()
        for _ in 0..<3 { _ = try Vault.open(at: s.file("hq")).members() }
        #expect(try snapshot() == before, "an open of an up-to-date vault changed the database or its WAL")
        // A vault whose schema is behind is still upgraded: drop the newest migration's row and table.
        let raw = try DatabaseQueue(path: db)
        try raw.write { db in
            try db.execute(sql: "DROP TABLE chunk_hashes")
            try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v7-chunk-hashes'")
        }
        try raw.close()
        let upgraded = try Vault.open(at: s.file("hq"))
        #expect(try upgraded.store.read { try $0.tableExists("chunk_hashes") })
    }
}
