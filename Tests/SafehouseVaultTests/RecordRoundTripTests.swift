import Foundation
import SafehouseCrypto
@testable import SafehouseVault
import Testing

@Suite("Sealed records: round trips")
struct RecordRoundTripTests {
    static let chunk = 65_536

    @Test(arguments: [0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk + 7, 3 << 20])
    func sealAndOpenAreByteExact(size: Int) throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let team = TestTeam.shared
        let content = contentBytes(size, seed: size)
        let id = try sealBytes(hq, s, content, name: "tape-\(size).wav", by: team.officer, kind: .coverage, country: "JP")
        #expect(id.count == 32 && id.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        // the body on disk is the ciphertext length for this size
        let chunks = size == 0 ? 1 : (size + Self.chunk - 1) / Self.chunk
        let body = try hq.bodyFile(of: id)
        #expect((try FileManager.default.attributesOfItem(atPath: body)[.size] as? Int) == size + 16 * chunks)
        let out = s.file("opened-\(size)")
        let meta = try hq.open(id: id, to: out, by: team.officer.identity)
        #expect(try readFile(out) == content)
        #expect(meta.kind == .coverage && meta.country == "JP" && meta.fileName == "tape-\(size).wav")
        #expect(meta.sealer == team.officer.fingerprint.compact)
        let listed = try #require(try hq.list(by: team.officer.identity).first { $0.id == id })
        #expect(listed.size == UInt64(size) && listed.metadata?.fileName == "tape-\(size).wav")
        let report = try hq.check()
        #expect(report.objects == 1)
    }

    @Test func recordsAreIndependent() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let officer = TestTeam.shared.officer
        let a = try sealBytes(hq, s, Array("first".utf8), name: "a.txt", by: officer)
        let b = try sealBytes(hq, s, Array("second".utf8), name: "b.txt", by: officer)
        #expect(a != b)
        // the same content sealed twice gives different ciphertext (fresh record keys)
        let c = try sealBytes(hq, s, Array("first".utf8), name: "a.txt", by: officer)
        #expect(try readFile(try hq.bodyFile(of: a)) != readFile(try hq.bodyFile(of: c)))
        _ = try hq.open(id: b, to: s.file("b.out"), by: officer.identity)
        #expect(try readFile(s.file("b.out")) == Array("second".utf8))
        #expect(try hq.check().objects == 3)
    }

    @Test func openRefusesToReplaceAnExistingFileUnlessAsked() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let officer = TestTeam.shared.officer
        let id = try sealBytes(hq, s, Array("new content".utf8), by: officer)
        let out = try writeFile(s, "existing.txt", Array("keep me".utf8))
        #expect(exitCode { _ = try hq.open(id: id, to: out, by: officer.identity) } == 73)
        #expect(try readFile(out) == Array("keep me".utf8))
        _ = try hq.open(id: id, to: out, by: officer.identity, overwrite: true)
        #expect(try readFile(out) == Array("new content".utf8))
    }

    @Test func unknownAndMalformedRecordIdsAreMissing() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let officer = TestTeam.shared.officer.identity
        for id in [String(repeating: "0", count: 32), "nope", "", String(repeating: "g", count: 32)] {
            #expect(exitCode { _ = try hq.open(id: id, to: s.file("out"), by: officer) } == 66, "id \(id)")
            #expect(!fileExists(s.file("out")))
        }
        #expect(exitCode { _ = try hq.seal(file: s.file("absent.txt"), request: SealRequest(kind: .interview, country: "KR"), by: officer) } == 66)
        #expect(exitCode { _ = try Vault.open(at: s.file("no-vault")) } == 66)
    }

    @Test func invalidRequestsAreUsageErrors() throws {
        let s = try Scratch()
        defer { s.remove() }
        let hq = try makeHQ(s)
        let officer = TestTeam.shared.officer.identity
        let path = try writeFile(s, "f", [1, 2, 3])
        for request in [SealRequest(kind: .interview, country: "k1"), SealRequest(kind: .interview, country: "KOR"),
                        SealRequest(kind: .interview, country: "KR", status: "filed"), SealRequest(kind: .legal, country: "KR", rating: 9)] {
            #expect(exitCode { _ = try hq.seal(file: path, request: request, by: officer) } == 64)
        }
        #expect(try hq.objectCount() == 0)
        #expect(hq.objectFiles.filter { $0.hasSuffix(".body") && $0 != "new.body" }.isEmpty)
        // A country code in lower case is the same code, stored in capitals.
        let id = try hq.seal(file: path, request: SealRequest(kind: .interview, country: "kr"), by: officer)
        #expect(try hq.list(by: officer).first { $0.id == id }?.metadata?.country == "KR")
    }
}
