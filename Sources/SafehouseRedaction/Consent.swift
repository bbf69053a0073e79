/// What a subject agreed to about their name appearing in exports.
public enum Consent: String, Codable, Sendable, CaseIterable, Equatable {
    /// Keep this subject's names (experts who agreed to appear); identifiers are still removed.
    case named
    /// Replace this subject's names with their pseudonym (the default).
    case pseudonym
    /// Refuse every export whose material mentions this subject.
    case withdrawn
}
