/// A subject as the redactor sees it: the sheet entry plus the pseudonym the vault assigned.
public struct RedactionSubject: Sendable {
    /// The identity lexicon entry.
    public var entry: SubjectEntry
    /// The readable random pseudonym (e.g. `W-7Q2F`) that replaces this subject's names.
    public var pseudonym: String

    public init(entry: SubjectEntry, pseudonym: String) {
        self.entry = entry
        self.pseudonym = pseudonym
    }
}

extension RedactionSubject: CustomStringConvertible {
    /// Names the pseudonym only, never the identity.
    public var description: String { "RedactionSubject(\(pseudonym))" }
}
