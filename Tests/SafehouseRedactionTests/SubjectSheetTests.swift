import Foundation
import PropertyBased
import Testing
@testable import SafehouseRedaction

@Suite("Subject sheet")
struct SubjectSheetTests {
    static let valid = #"{"subjects":[{"name":"김영호","aliases":["Mr. Kim"],"relatives":["김순희"],"places":["회령"],"identifiers":["010-2345-6789"],"consent":"pseudonym","category":"pow-family","country":"CN"},{"name":"黃大成"}]}"#

    @Test("parses and applies defaults")
    func parses() throws {
        let s = try SubjectSheet.parse(Data(Self.valid.utf8))
        #expect(s.subjects.count == 2)
        #expect(s.subjects[0] == SubjectEntry(name: "김영호", aliases: ["Mr. Kim"], relatives: ["김순희"], places: ["회령"],
                                              identifiers: ["010-2345-6789"], consent: .pseudonym, category: .powFamily, country: "CN"))
        #expect(s.subjects[1].consent == .pseudonym && s.subjects[1].category == .other && s.subjects[1].country == nil)
    }

    @Test("rejects invalid sheets without quoting any value", arguments: [
        (#"{"subjects":[{"aliases":["x"]}]}"#, "subject 1: 'name' is required"),
        (#"{"subjects":[{"name":"  "}]}"#, "subject 1: 'name' is empty"),
        (#"{"subjects":[{"name":"김영호"},{"name":"박순희","consent":"maybe"}]}"#, "subject 2: 'consent' must be one of named, pseudonym, withdrawn"),
        (#"{"subjects":[{"name":"김영호","category":"spy"}]}"#,
         "subject 1: 'category' must be one of defector, pow, pow-family, abductee-family, expert, broker, official, other"),
        (#"{"subjects":[{"name":"김영호","country":"KOR"}]}"#, "subject 1: 'country' must be an ISO 3166 alpha-2 code: two letters such as KR or CN"),
        (#"{"subjects":[{"name":"김영호"},{"name":"박순희"},{"name":"Mr. Kim","catgory":"pow"}]}"#, "subject 3: unknown field 'catgory' (did you mean 'category'?)"),
        (#"{"subjects":[{"name":"김영호","박순희":"pow"}]}"#,
         "subject 1: an unknown field (the fields are 'name', 'aliases', 'relatives', 'places', 'identifiers', 'consent', 'category', 'country')"),
        (#"{"subjets":[]}"#, "the top level: unknown field 'subjets' (did you mean 'subjects'?)"),
        ("{\n  \"subjects\": [\n    {\"name\": \"김영호\" \"category\": \"pow\"}\n  ]\n}", "JSON syntax error at line 3, column 20: expected ',' or '}'"),
        (#"{"subjects":[{"name":"김영호"},[}]}"#, "JSON syntax error at line 1, column 30: expected a value (a string in double quotes, a number, a list, an object, true, false or null)"),
        (#"{"subjects":[{"name":"김영호","aliases":"Mr. Kim"}]}"#, "subject 1: 'aliases' must be a list of strings"),
        (#"{"subjects":[{"name":7}]}"#, "subject 1: 'name' must be a string"),
        (#"{"subjects":{}}"#, "'subjects' must be a list"),
        (#"[1,2]"#, "the top level must be an object with a 'subjects' list"),
        (#"{"subjects":[{"name":"김영호""#, "JSON syntax error at line 1, column 27: expected ',' or '}'"),
    ])
    func rejects(_ json: String, _ reason: String) {
        #expect(throws: RedactionError.malformedSheet(reason: reason)) { try SubjectSheet.parse(Data(json.utf8)) }
        do { _ = try SubjectSheet.parse(Data(json.utf8)) } catch {
            for identity in ["김영호", "박순희", "Mr. Kim", "maybe", "spy", "KOR"] { #expect(!"\(error)".contains(identity)) }
        }
    }

    @Test("country codes in either case are stored in capitals")
    func lowerCaseCountry() throws {
        let s = try SubjectSheet.parse(Data(#"{"subjects":[{"name":"김영호","country":"kr"}]}"#.utf8))
        #expect(s.subjects[0].country == "KR")
    }

    @Test("caps: 1000 characters per string")
    func caps() throws {
        let long = String(repeating: "가", count: 1001)
        #expect(throws: RedactionError.malformedSheet(reason: "subject 1: a 'name' value is longer than 1000 characters")) {
            try SubjectSheet.parse(Data(#"{"subjects":[{"name":"\#(long)"}]}"#.utf8))
        }
        _ = try SubjectSheet.parse(Data(#"{"subjects":[{"name":"\#(String(repeating: "가", count: 1000))"}]}"#.utf8))
    }

    @Test("random bytes never crash the parser")
    func randomBytes() async {
        await propertyCheck(count: 500, input: Gen.uint8(in: 0...255).array(of: 0...200)) { bytes in
            do { _ = try SubjectSheet.parse(Data(bytes)) } catch let e as RedactionError {
                if case .malformedSheet = e {} else { Issue.record("unexpected \(e)") }
            }
        }
    }

    @Test("mutations of a valid sheet never crash and never leak a name into the error")
    func mutations() async {
        let base = Array(Self.valid.utf8)
        await propertyCheck(count: 500, input: Gen.int(in: 0...(base.count - 1)).array(of: 1...4), Gen.uint8(in: 0...255)) { positions, byte in
            var b = base
            for p in positions { b[p] = byte }
            do { _ = try SubjectSheet.parse(Data(b)) } catch {
                #expect(!"\(error)".contains("김영호") && !"\(error)".contains("010-2345"))
            }
        }
    }

    @Test("descriptions never print identities")
    func descriptions() throws {
        let s = try SubjectSheet.parse(Data(Self.valid.utf8))
        let r = try Redactor(subjects: [RedactionSubject(entry: s.subjects[0], pseudonym: "W-AAAA")])
        for d in ["\(s)", "\(s.subjects[0])", "\(RedactionSubject(entry: s.subjects[0], pseudonym: "W-AAAA"))", "\(r)",
                  "\(Cue(text: "김영호"))", "\(Transcript(cues: [Cue(text: "김영호")]))"] {
            #expect(!d.contains("김영호") && !d.contains("Kim") && !d.contains("회령"), "\(d)")
        }
    }
}
