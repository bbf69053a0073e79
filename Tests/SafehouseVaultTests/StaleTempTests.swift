import Foundation
@testable import SafehouseVault
import Testing

/// A writer killed between naming its output and renaming it into place leaves a
/// hidden temporary name. Those of dead writers are removed; a live writer's stay.
@Suite("AtomicOutput: stale temporary files of killed writers")
struct StaleTempTests {
    /// A process id that existed and is gone (a child that has exited and been reaped).
    private func deadPID() throws -> pid_t {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        let pid = p.processIdentifier
        try #require(kill(pid, 0) != 0 && errno == ESRCH, "the reaped child \(pid) still exists")
        return pid
    }

    private func touch(_ path: String, age: TimeInterval = 0) throws {
        try #require(FileManager.default.createFile(atPath: path, contents: Data("ciphertext".utf8)))
        if age > 0 { try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -age)], ofItemAtPath: path) }
    }

    @Test func deadWritersFilesGoLiveOnesStay() throws {
        let s = try Scratch()
        defer { s.remove() }
        let dead = try deadPID()
        let deadName = s.file(".safehouse-tmp-\(dead)-00112233aabbccdd")
        let liveName = s.file(".safehouse-tmp-\(getpid())-00112233aabbccdd")
        let oldLegacy = s.file(".safehouse-tmp-a1b2c3d4e5f60718")
        let newLegacy = s.file(".safehouse-tmp-0807060504030201")
        let other = s.file("keep.body")
        try touch(deadName); try touch(liveName); try touch(oldLegacy, age: 7200); try touch(newLegacy, age: 60); try touch(other, age: 7200)
        #expect(AtomicOutput.sweepStale(in: s.path) == 2)
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: deadName), "a dead writer's file is removed")
        #expect(!fm.fileExists(atPath: oldLegacy), "a name without a process id, over an hour old, is removed")
        #expect(fm.fileExists(atPath: liveName), "a live writer's file is kept")
        #expect(fm.fileExists(atPath: newLegacy), "a recent name without a process id is kept")
        #expect(fm.fileExists(atPath: other), "only temporary names are touched")
    }

    @Test func temporaryNamesCarryTheWritersProcessID() {
        let name = AtomicOutput.tempName()
        #expect(name.hasPrefix(".safehouse-tmp-\(getpid())-"))
        #expect(name.count == ".safehouse-tmp-\(getpid())-".count + 16)
    }

    @Test func replacingCommitStillReplacesAndLeavesNoStagingName() throws {
        let s = try Scratch()
        defer { s.remove() }
        let path = s.file("body.bin")
        for round in 0..<3 {
            let out = try AtomicOutput(path: path, overwrite: true)
            try out.write(Array("round \(round)".utf8))
            try out.commit(overwrite: true)
            #expect(try readFile(path) == Array("round \(round)".utf8))
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: s.path)
        #expect(names == ["body.bin"], "\(names)")
        // Without overwrite an existing name is refused and left as it was.
        let out = try AtomicOutput(path: s.file("other.bin"), overwrite: false)
        try touch(s.file("other.bin"))
        try out.write([1, 2, 3])
        #expect(throws: VaultError.self) { try out.commit(overwrite: false) }
        #expect(try readFile(s.file("other.bin")) == Array("ciphertext".utf8))
    }

    @Test func openingAVaultSweepsItsObjectsFolder() throws {
        let s = try Scratch()
        defer { s.remove() }
        _ = try makeHQ(s)
        let vaultPath = s.file("hq")
        let dead = try deadPID()
        let leftover = vaultPath + "/objects/.safehouse-tmp-\(dead)-0011223344556677"
        let top = vaultPath + "/.safehouse-tmp-\(dead)-8899aabbccddeeff"
        try touch(leftover); try touch(top)
        let vault = try Vault.open(at: vaultPath)
        #expect(!FileManager.default.fileExists(atPath: leftover))
        #expect(!FileManager.default.fileExists(atPath: top))
        let report = try vault.check()
        #expect(report.orphans.isEmpty, "\(report.orphans)")
        // `check --prune` removes orphans and dead writers' files, never a live writer's.
        let live = vaultPath + "/objects/.safehouse-tmp-\(getpid())-0011223344556677"
        let orphan = vaultPath + "/objects/0123456789abcdef0123456789abcdef-001122334455.body"
        let deadAgain = vaultPath + "/objects/.safehouse-tmp-\(dead)-1111111111111111"
        try touch(live); try touch(orphan); try touch(deadAgain)
        #expect(Set(try vault.check().orphans) == Set([live, orphan, deadAgain].map { String($0.split(separator: "/").last!) }))
        _ = try vault.check(pruneOrphans: true)
        #expect(FileManager.default.fileExists(atPath: live), "a live writer's file is kept")
        #expect(!FileManager.default.fileExists(atPath: orphan) && !FileManager.default.fileExists(atPath: deadAgain))
    }
}
