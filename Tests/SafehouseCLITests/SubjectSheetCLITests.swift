import Foundation
import Testing

/// A subject-sheet typo says what and where, never a name; the help names the
/// values and a document that exists (issue 16).
@Suite("CLI: subject sheet errors and help", .serialized)
struct SubjectSheetCLITests {
    static let categories = "defector, pow, pow-family, abductee-family, expert, broker, official, other"

    @Test func aSheetTypoSaysWhatAndWhereWithoutAName() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        try sb.makeTeam()
        let cases: [(String, String)] = [
            (#"{"subjects":[{"name":"박정민"},{"name":"Kim Ok-sun","category":"defectr"}]}"#,
             "subject 2: 'category' must be one of \(Self.categories)"),
            (#"{"subjects":[{"name":"박정민","consent":"yes"}]}"#, "subject 1: 'consent' must be one of named, pseudonym, withdrawn"),
            (#"{"subjects":[{"name":"박정민","catgory":"pow"}]}"#, "subject 1: unknown field 'catgory' (did you mean 'category'?)"),
            ("{\"subjects\":[\n{\"name\":\"박정민\" \"category\":\"pow\"}]}", "JSON syntax error at line 2, column 15: expected ',' or '}'"),
        ]
        for (sheet, reason) in cases {
            try Data(sheet.utf8).write(to: URL(fileURLWithPath: sb.file("s.json")))
            let r = try sb.run(["subject", "import", sb.file("s.json"), "--vault", sb.file("hq"), "--identity", sb.file("olga")])
            #expect(r.status == 65 && r.stdout.isEmpty, "\(r)")
            #expect(r.stderr == "safehouse: error: \(sb.file("s.json")): malformed subject sheet: \(reason)\n"
                + "safehouse: hint: the sheet format and its consent and category values: Docs/SUBJECT-SHEET.md\n", "\(r)")
            for name in ["박정민", "Kim Ok-sun", "defectr", "yes"] { #expect(!r.stderr.contains(name)) }
        }
    }

    @Test func helpNamesTheValuesAndAnExistingDocument() throws {
        let sb = try Sandbox()
        defer { sb.remove() }
        let help = try sb.run(["subject", "import", "--help"], passphrase: .none)
        #expect(help.status == 0, "\(help)")
        let flat = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(flat.contains("category: defector | pow | pow-family | abductee-family | expert | broker | official | other"), "\(help)")
        #expect(flat.contains("consent: named | pseudonym | withdrawn"), "\(help)")
        #expect(flat.contains("Docs/SUBJECT-SHEET.md") && !flat.contains("corpus README"), "\(help)")
        let doc = try String(contentsOf: CLI.repoRoot.appendingPathComponent("Docs/SUBJECT-SHEET.md"), encoding: .utf8)
        for value in Self.categories.components(separatedBy: ", ") + ["named", "pseudonym", "withdrawn"] {
            #expect(doc.contains("| `\(value)` |"), "Docs/SUBJECT-SHEET.md documents \(value)")
        }
    }
}
