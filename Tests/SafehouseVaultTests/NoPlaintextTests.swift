import Foundation
import SafehouseCrypto
@testable import SafehouseVault
import Testing

/// Nothing describing content is stored in clear: the vault directory and the
/// bundle hold ids, sizes, fingerprints and ciphertext only.
@Suite("No plaintext at rest")
struct NoPlaintextTests {
    let team = TestTeam.shared
    static let contentMarker = "CONTENT-MARKER-q8Zr2"
    static let fileNameMarker = "FILENAME-MARKER-v3Kp"
    static let noteMarker = "NOTE-MARKER-7yTw"

    func markers() -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        for m in [Self.contentMarker, Self.fileNameMarker, Self.noteMarker, testPassphraseText] {
            out.append((m, Array(m.utf8)))
            var utf16: [UInt8] = []
            for unit in m.utf16 { utf16.append(UInt8(truncatingIfNeeded: unit)); utf16.append(UInt8(truncatingIfNeeded: unit >> 8)) }
            out.append((m + " (UTF-16)", utf16))
        }
        return out
    }

    func expectNoMarkers(in path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bytes = try readFile(path)
        for (name, needle) in markers() {
            #expect(!bytesContain(bytes, needle), "\(name) found in \(path)", sourceLocation: sourceLocation)
        }
    }

    @Test func vaultDirectoriesAndBundlesHoldNoMarkers() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let field = try makeField(s, from: hq)
        let text = (0..<3000).map { "line \($0): \(Self.contentMarker) met the source at the river\n" }.joined()
        let name = "\(Self.fileNameMarker)-interview.txt"
        try FileManager.default.createDirectory(atPath: s.file("plain"), withIntermediateDirectories: true)
        let plainPath = s.file("plain/" + name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: plainPath))
        let request = SealRequest(kind: .legal, country: "KP", status: "pending", rating: 4, note: Self.noteMarker)
        let id = try field.seal(file: plainPath, request: request, by: team.interviewer.identity)
        let small = try field.seal(file: try writeFile(s, "\(Self.fileNameMarker).2", Array(Self.contentMarker.utf8)),
                                   request: SealRequest(kind: .interview, country: "CN"), by: team.interviewer.identity)
        try field.exportBundle(ids: [id, small], to: s.file("bundle.shb"), by: nil, overwrite: false)
        _ = try hq.importBundle(path: s.file("bundle.shb"), by: nil)
        let meta = try hq.open(id: id, to: s.file("plain/opened.txt"), by: team.officer.identity)
        #expect(meta.fileName == name && meta.note == Self.noteMarker && meta.status == "pending")
        #expect(try readFile(s.file("plain/opened.txt")) == Array(text.utf8), "control: the marker is really there")
        _ = try hq.list(by: team.officer.identity)

        var checked = 0
        for vault in [field, hq] {
            let files = vault.allFiles
            #expect(files.contains("vault.sqlite"))
            #expect(files.contains { $0.hasPrefix("objects/\(id)") })
            for f in files {
                try expectNoMarkers(in: vault.directory + "/" + f)
                #expect(!f.contains("MARKER"), "a file name in the vault reveals content: \(f)")
                checked += 1
            }
        }
        try expectNoMarkers(in: s.file("bundle.shb"))
        #expect(checked >= 6)
        // the control: the same scan finds the markers in the plaintext
        #expect(bytesContain(try readFile(plainPath), Array(Self.contentMarker.utf8)))
    }

    @Test func auditEntriesNameNoFileOrContent() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let id = try sealBytes(hq, s, Array(Self.contentMarker.utf8), name: "\(Self.fileNameMarker).txt", by: team.officer,
                               note: Self.noteMarker)
        _ = try hq.open(id: id, to: s.file("o"), by: team.officer.identity)
        _ = try? hq.open(id: id, to: s.file("o2"), by: team.editor.identity)
        _ = try? sealBytes(hq, s, Array(Self.contentMarker.utf8), name: "\(Self.fileNameMarker).2", by: team.editor)
        let entries = try hq.auditEntries()
        #expect(entries.count >= 5)
        for e in entries {
            let canonical = e.entry.canonicalBytes()
            for (name, needle) in markers() {
                #expect(!bytesContain(canonical, needle), "\(name) in audit entry \(e.entry.seq)")
            }
        }
    }
}
