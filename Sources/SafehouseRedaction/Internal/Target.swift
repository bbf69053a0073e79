/// What a lexicon pattern points at when it matches.
struct Target: Hashable, Sendable {
    enum Kind: UInt8, Sendable { case subject, relative, place, identifier, exclusion, keyword }
    var kind: Kind
    /// Subject index, relative key, place key, identifier index or keyword raw value.
    var index: Int32
    /// Only matches at the start of a word (Hangul: no Hangul before it).
    var wordStartOnly: Bool = false
    /// Reached through a title (Mr./Dr. + surname): never enough to prove a mention.
    var viaTitle: Bool = false
    /// A place spelling that may be followed by a joined administrative suffix (Hoeryongsi).
    var allowsPlaceSuffix: Bool = false
    /// A given name on its own (영호, Young-ho): skipped right after another surname (Kim Jong Un).
    var givenOnly: Bool = false
    /// Hangul: what may follow the match (word end, particle, honorific …).
    var rule: KoreanBoundary.Rule = .none
    /// Latin: the original text must be capitalised here, and the name must not run on into
    /// another capitalised name (a given name alone: Bill, not "a bill", not "Bill Clinton").
    var capitalized: Bool = false
}
