import Testing
@testable import SafehouseRedaction

/// A subject who agreed to be named is known to the lexicon: "Dr. Whitfield" is not an
/// unknown name for the officer to review. A word a protected person shares stays a candidate.
@Suite struct NamedSubjectCandidateTests {
    static let expert = SubjectEntry(name: "Robert J. Whitfield", consent: .named, category: .expert)
    static let kimExpert = SubjectEntry(name: "Kim Soo-yeon", consent: .named, category: .expert)
    static let kimDefector = SubjectEntry(name: "Kim Chol-su", consent: .pseudonym, category: .defector)

    static func candidates(_ text: String, _ entries: [SubjectEntry]) throws -> [String] {
        try TestSupport.redactor(entries).redact(Transcript(cues: [Cue(start: 0, text: text)])).report.candidates.map(\.text)
    }

    @Test func aNamedSubjectWithATitleIsNotACandidate() throws {
        #expect(try Self.candidates("Dr. Whitfield has studied these cases.", [Self.expert]).isEmpty)
        #expect(try Self.candidates("Professor Whitfield agreed.", [Self.expert]).isEmpty)
    }

    @Test func anUnknownNameBesideANamedOneIsStillACandidate() throws {
        #expect(try Self.candidates("Dr. Whitfield and Dr. Hartley met.", [Self.expert]) == ["Dr Hartley"])
    }

    @Test func aWordAProtectedPersonSharesStaysACandidate() throws {
        // "Kim" belongs to the named expert and to a protected defector: the lexicon takes
        // "Mr. Kim" for the defector (redacted), and the word never counts as a named one.
        let both = try TestSupport.redactor([Self.kimExpert, Self.kimDefector])
        let r = try both.redact(Transcript(cues: [Cue(start: 0, text: "Mr. Kim came later.")]))
        #expect(!r.transcript.cues[0].text.contains("Kim"), "\(r.transcript.cues[0].text)")
        #expect(!Lexicon.namedWords([Self.kimExpert, Self.kimDefector]).contains("kim"))
        #expect(Lexicon.namedWords([Self.kimExpert, Self.kimDefector]).contains("yeon"))
        // Without the defector, "Mr. Kim" could only be the expert.
        #expect(try Self.candidates("Mr. Kim came later.", [Self.kimExpert]).isEmpty)
    }

    @Test func withoutTheNamedSubjectTheTitleNameIsACandidate() throws {
        #expect(try Self.candidates("Dr. Whitfield has studied these cases.", []) == ["Dr Whitfield"])
    }
}
