import Foundation
import GRDB
import SafehouseCrypto
@testable import SafehouseVault
import Testing

/// The passphrase of every test key (never expected in any output or error).
let testPassphraseText = "pass-PHRASE-MARKER-51c7"

func testPassphrase(_ text: String = testPassphraseText) throws -> SecureBytes {
    try Array(text.utf8).withUnsafeBytes { try SecureBytes(copying: $0) }
}

/// A temporary directory for one test, removed by `remove()` (call it in a `defer`).
struct Scratch {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("safehouse-vt-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// An unlocked member with its card.
struct TestMember: @unchecked Sendable {
    let identity: Identity
    let card: MemberCard
    var fingerprint: Fingerprint { card.fingerprint }
}

/// One officer, interviewer and editor (plus a second team's officer), made once
/// with `KeyFile.create(cost: .interactive)` and unlocked; their key files are
/// deleted straight away.
struct TestTeam: @unchecked Sendable {
    let officer: TestMember
    let interviewer: TestMember
    let editor: TestMember
    /// Officer of an unrelated team: a stranger to every test vault.
    let stranger: TestMember

    static let shared: TestTeam = {
        do { return try TestTeam() } catch { fatalError("cannot create test keys: \(error)") }
    }()

    private init() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        func make(_ name: String, _ role: Role) throws -> TestMember {
            let path = dir.file(name)
            let card = try KeyFile.create(name: name, role: role, path: path, passphrase: try testPassphrase(), cost: .interactive)
            return TestMember(identity: try KeyFile.unlock(path: path, passphrase: try testPassphrase(), card: card), card: card)
        }
        officer = try make("Olga Officer", .officer)
        interviewer = try make("Ivan Interviewer", .interviewer)
        editor = try make("Edith Editor", .editor)
        stranger = try make("Sam Stranger", .officer)
    }
}

/// An HQ vault rooted in the test officer, with the interviewer and editor added.
func makeHQ(_ scratch: Scratch, name: String = "hq") throws -> Vault {
    let team = TestTeam.shared
    let hq = try Vault.createHQ(at: scratch.file(name), officer: team.officer.identity, card: team.officer.card)
    try hq.addMember(card: team.interviewer.card, by: team.officer.identity)
    try hq.addMember(card: team.editor.card, by: team.officer.identity)
    return hq
}

/// A field vault made from the HQ vault's officer-signed team keyring (through its
/// text form), bound to the interviewer.
func makeField(_ scratch: Scratch, from hq: Vault, name: String = "field", owner: TestMember = TestTeam.shared.interviewer) throws -> Vault {
    let ring = try TeamKeyring.parse(try hq.exportTeam(by: TestTeam.shared.officer.identity).text, object: "team keyring")
    return try Vault.createField(at: scratch.file(name), keyring: ring, owner: owner.identity)
}

/// Writes `bytes` to a new file in `scratch` and returns its path.
@discardableResult
func writeFile(_ scratch: Scratch, _ name: String, _ bytes: [UInt8]) throws -> String {
    let path = scratch.file(name)
    guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw CocoaError(.fileWriteUnknown) }
    return path
}

func readFile(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))) }

func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

/// Deterministic, non-repeating-looking content.
func contentBytes(_ count: Int, seed: Int = 1) -> [UInt8] {
    var state = UInt64(truncatingIfNeeded: seed) &* 0x9E37_79B9_7F4A_7C15 | 1
    return (0..<count).map { _ in
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return UInt8(truncatingIfNeeded: state)
    }
}

/// Seals `bytes` (written to `name` in `scratch`) and returns the record id.
func sealBytes(_ vault: Vault, _ scratch: Scratch, _ bytes: [UInt8], name: String = "input.bin", by member: TestMember,
               kind: RecordKind = .interview, country: String = "KR", to: [String] = [], note: String? = nil) throws -> String {
    let path = try writeFile(scratch, name, bytes)
    return try vault.seal(file: path, request: SealRequest(kind: kind, country: country, note: note, to: to), by: member.identity)
}

/// The exit code of the `VaultError` that `body` throws; nil when it succeeds.
/// Any other error is recorded as a test failure.
func exitCode(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> Int32? {
    do {
        try body()
        return nil
    } catch let e as VaultError {
        return e.exitCode
    } catch {
        Issue.record("expected a VaultError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return -1
    }
}

/// The VaultError that `body` throws (nil on success).
func vaultError(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) -> VaultError? {
    do {
        try body()
        return nil
    } catch let e as VaultError {
        return e
    } catch {
        Issue.record("expected a VaultError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

extension Vault {
    /// Every file below the vault directory (relative paths).
    var allFiles: [String] {
        (FileManager.default.enumerator(atPath: directory)?.allObjects as? [String] ?? []).filter {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory + "/" + $0, isDirectory: &isDir) && !isDir.boolValue
        }.sorted()
    }

    /// File names in `objects/`.
    var objectFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/objects")) ?? []).sorted()
    }

    /// The encrypted body file of a record.
    func bodyFile(of id: String) throws -> String {
        let name = try #require(objectFiles.first { $0.hasPrefix(id) && $0.hasSuffix(".body") }, "no body file for \(id)")
        return directory + "/objects/" + name
    }

    /// A separate connection to the vault database, to tamper with it as an attacker would.
    func rawDatabase() throws -> DatabaseQueue { try DatabaseQueue(path: directory + "/vault.sqlite") }

    func headerBlob(of id: String) throws -> [UInt8] {
        try rawDatabase().read { db in
            [UInt8](try #require(try Data.fetchOne(db, sql: "SELECT header FROM objects WHERE id = ?", arguments: [id])))
        }
    }

    func setHeaderBlob(of id: String, _ bytes: [UInt8]) throws {
        try rawDatabase().write { db in
            try db.execute(sql: "UPDATE objects SET header = ? WHERE id = ?", arguments: [Data(bytes), id])
        }
    }

    func objectCount() throws -> Int {
        try rawDatabase().read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM objects") ?? 0 }
    }

    func auditCount() throws -> Int {
        try rawDatabase().read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit") ?? 0 }
    }

    /// Audit entries other than the `failed` entries a refused bundle import leaves
    /// (a refused import changes nothing else, but every refusal leaves a trace).
    func auditCountExceptFailedImports() throws -> Int {
        try auditEntries().filter { !($0.entry.action == "bundle-import" && $0.entry.outcome.rawValue == "failed") }.count
    }
}

/// True when `needle` occurs in `haystack`.
func bytesContain(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty }
    let first = needle[0]
    var i = 0
    let last = haystack.count - needle.count
    return haystack.withUnsafeBufferPointer { h in
        while i <= last {
            if h[i] == first, Array(h[i..<i + needle.count]) == needle { return true }
            i += 1
        }
        return false
    }
}

func hexString(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
