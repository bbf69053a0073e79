import Foundation
import Testing

/// `list` shows file names and works without a key; country codes in either
/// case (issue 16, small frictions).
@Suite("CLI: list and country codes", .serialized)
struct ListingCLITests {
    @Test func listShowsTheFileNameAndWorksWithoutAKey() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let content = Array("Field notes: crossing at night.\n".utf8)
        let id = try sb.seal(content, name: "notes 1.txt")
        let json = try sb.run(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        let sealedAt = try #require((rows.first?["metadata"] as? [String: Any])?["sealedAt"] as? String)
        let plain = try sb.run(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga")])
        #expect(plain.status == 0 && plain.stderr.isEmpty, "\(plain)")
        #expect(plain.stdoutLines == ["\(id)\trecord\tinterview\tKR\t-\t\(content.count)\t\(sealedAt)\t-\tnotes 1.txt"])
        // No key: ids, types and plaintext sizes, nothing unlocked, nothing asked.
        for vault in ["hq", "field"] {
            let bare = try sb.run(["list", "--vault", sb.file(vault)], passphrase: .none)
            #expect(bare.status == 0 && bare.stderr.isEmpty, "\(bare)")
            #expect(bare.stdout == (vault == "hq" ? "\(id)\trecord\t(sealed: no key given)\t\(content.count)\n" : ""), "\(bare)")
        }
        let fieldID = try sb.seal(content, name: "f.txt", vault: "field", as: "ivan")
        let field = try sb.run(["list", "--vault", sb.file("field"), "--json"], passphrase: .none)
        let fieldRows = try #require(try JSONSerialization.jsonObject(with: Data(field.stdout.utf8)) as? [[String: Any]])
        #expect(fieldRows.count == 1 && fieldRows[0]["id"] as? String == fieldID && fieldRows[0]["size"] as? Int == content.count, "\(field)")
        // Filters need the sealed details.
        let filtered = try sb.run(["list", "--vault", sb.file("hq"), "--kind", "interview"], passphrase: .none)
        #expect(filtered.status == 64 && filtered.stdout.isEmpty, "\(filtered)")
        #expect(filtered.stderr == "safehouse: error: --kind, --country and --subject filter on sealed details: pass --identity KEY\n")
    }

    @Test func lowerCaseCountryCodesAreAcceptedAndBadOnesGetAHint() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        try Data("words\n".utf8).write(to: URL(fileURLWithPath: sb.file("a.txt")))
        let seal = ["seal", sb.file("a.txt"), "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--kind", "interview"]
        let ok = try sb.run(seal + ["--country", "cn"])
        try #require(ok.status == 0, "\(ok)")
        let id = ok.stdout.trimmingCharacters(in: .newlines)
        for filter in ["cn", "CN"] {
            let r = try sb.run(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--country", filter])
            #expect(r.stdoutLines.count == 1 && r.stdout.hasPrefix("\(id)\trecord\tinterview\tCN\t"), "\(r)")
        }
        let expected = "safehouse: error: --country takes an ISO 3166 alpha-2 code: two letters\n"
            + "safehouse: hint: for example --country KR (or kr), US, CN, JP, GB\n"
        for bad in ["c1", "KOR", "ｋｒ"] {
            let r = try sb.run(seal + ["--country", bad])
            #expect(r.status == 64 && r.stdout.isEmpty && r.stderr == expected, "\(r)")
            let l = try sb.run(["list", "--vault", sb.file("hq"), "--identity", sb.file("olga"), "--country", bad])
            #expect(l.status == 64 && l.stdout.isEmpty && l.stderr == expected, "\(l)")
        }
    }
}
