/// One subject of the sheet: the identities that must not leave the vault.
///
/// Decoding is strict (see ``SubjectSheet/parse(_:)``); errors never quote a value.
public struct SubjectEntry: Codable, Sendable, Equatable {
    /// The legal name, in any script. Required and non-empty.
    public var name: String
    /// Other names, nicknames, Hanja, spellings, `Mr. Kim`-style forms.
    public var aliases: [String]
    /// Family members named in the material.
    public var relatives: [String]
    /// Home town, village, crossing points …
    public var places: [String]
    /// Phones, e-mails, ID and passport numbers, messenger ids.
    public var identifiers: [String]
    public var consent: Consent
    public var category: SubjectCategory
    /// ISO 3166 alpha-2 (uppercase) of where the material was gathered.
    public var country: String?

    /// Longest accepted string, in Unicode scalars.
    public static let maxStringLength = 1000

    public init(name: String, aliases: [String] = [], relatives: [String] = [], places: [String] = [],
                identifiers: [String] = [], consent: Consent = .pseudonym, category: SubjectCategory = .other,
                country: String? = nil) {
        self.name = name
        self.aliases = aliases
        self.relatives = relatives
        self.places = places
        self.identifiers = identifiers
        self.consent = consent
        self.category = category
        self.country = country
    }

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, aliases, relatives, places, identifiers, consent, category, country
    }

    /// The fields a subject may have, in sheet order.
    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)

    public init(from decoder: any Decoder) throws {
        let at = SubjectEntry.position(decoder.codingPath)
        let c: KeyedDecodingContainer<CodingKeys>
        do { c = try decoder.container(keyedBy: CodingKeys.self) }
        catch { throw RedactionError.malformedSheet(reason: "\(at) is not an object") }
        if let unknown = try decoder.container(keyedBy: SheetKey.self).allKeys.first(where: { CodingKeys(rawValue: $0.stringValue) == nil }) {
            throw RedactionError.malformedSheet(reason: "\(at): " + SheetKey.unknownField(unknown.stringValue, known: SubjectEntry.fieldNames))
        }
        func string(_ key: CodingKeys) throws -> String? {
            guard c.contains(key) else { return nil }
            if try c.decodeNil(forKey: key) { return nil }
            guard let s = try? c.decode(String.self, forKey: key) else {
                throw RedactionError.malformedSheet(reason: "\(at): '\(key.rawValue)' must be a string")
            }
            try SubjectEntry.checkLength(s, at, key.rawValue)
            return s
        }
        func list(_ key: CodingKeys) throws -> [String] {
            guard c.contains(key), try !c.decodeNil(forKey: key) else { return [] }
            guard let l = try? c.decode([String].self, forKey: key) else {
                throw RedactionError.malformedSheet(reason: "\(at): '\(key.rawValue)' must be a list of strings")
            }
            for s in l { try SubjectEntry.checkLength(s, at, key.rawValue) }
            return l.filter { !$0.allSatisfy(\.isWhitespace) }
        }
        guard let name = try string(.name) else {
            throw RedactionError.malformedSheet(reason: "\(at): 'name' is required")
        }
        guard !name.allSatisfy(\.isWhitespace) else {
            throw RedactionError.malformedSheet(reason: "\(at): 'name' is empty")
        }
        self.name = name
        aliases = try list(.aliases)
        relatives = try list(.relatives)
        places = try list(.places)
        identifiers = try list(.identifiers)
        if let raw = try string(.consent) {
            guard let v = Consent(rawValue: raw) else {
                throw RedactionError.malformedSheet(reason: "\(at): 'consent' must be one of \(Consent.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            consent = v
        } else { consent = .pseudonym }
        if let raw = try string(.category) {
            guard let v = SubjectCategory(rawValue: raw) else {
                throw RedactionError.malformedSheet(reason: "\(at): 'category' must be one of \(SubjectCategory.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            category = v
        } else { category = .other }
        if let raw = try string(.country) {
            // Either case is accepted and stored in capitals (`cn` → `CN`).
            let upper = raw.unicodeScalars.map { (0x61...0x7A).contains($0.value) ? $0.value - 0x20 : $0.value }
            guard upper.count == 2, upper.allSatisfy({ $0 >= 0x41 && $0 <= 0x5A }) else {
                throw RedactionError.malformedSheet(reason: "\(at): 'country' must be an ISO 3166 alpha-2 code: two letters such as KR or CN")
            }
            country = String(decoding: upper.map { UInt8($0) }, as: UTF8.self)
        } else { country = nil }
    }

    private static func checkLength(_ s: String, _ at: String, _ key: String) throws {
        if s.unicodeScalars.count > maxStringLength {
            throw RedactionError.malformedSheet(reason: "\(at): a '\(key)' value is longer than \(maxStringLength) characters")
        }
    }

    private static func position(_ path: [any CodingKey]) -> String {
        if let i = path.last?.intValue { return "subject \(i + 1)" }
        return "subject"
    }
}

extension SubjectEntry: CustomStringConvertible {
    /// Never prints an identity.
    public var description: String { "SubjectEntry(consent: \(consent.rawValue), category: \(category.rawValue))" }
}
