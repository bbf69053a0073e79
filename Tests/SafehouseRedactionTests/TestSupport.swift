import Foundation
@testable import SafehouseRedaction

/// Small helpers for building redactors and redacting one line of text.
enum TestSupport {
    static func redactor(_ entries: [SubjectEntry]) throws -> Redactor {
        try Redactor(subjects: entries.enumerated().map { RedactionSubject(entry: $1, pseudonym: CorpusSupport.pseudonym($0)) })
    }

    /// Redacts `text` as the body of one plain-text cue and returns the redacted body.
    static func redact(_ text: String, _ entries: [SubjectEntry]) throws -> String {
        try redactor(entries).redact(Transcript(cues: [Cue(start: 0, text: text)])).transcript.cues[0].text
    }

    /// Redacts `text` with an existing redactor.
    static func redact(_ text: String, with r: Redactor) throws -> String {
        try r.redact(Transcript(cues: [Cue(start: 0, text: text)])).transcript.cues[0].text
    }

    /// The scorer's normalization: NFKC, case fold, letters/marks/digits only.
    static func scorerNorm(_ s: String) -> String {
        String(String.UnicodeScalarView(s.precomposedStringWithCompatibilityMapping.lowercased().unicodeScalars.filter {
            let c = $0.properties.generalCategory
            return $0.properties.isAlphabetic || c == .decimalNumber || c == .nonspacingMark || c == .spacingMark
                || c == .otherLetter || c == .otherNumber || c == .letterNumber
        }))
    }
}
