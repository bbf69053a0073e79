/// The kinds of identifier the pattern detectors and the sheet's `identifiers` produce.
enum DetectorKind: UInt8, Sendable, CaseIterable {
    case phone, email, rrn, passport, messenger, coordinates, dob, identifier

    /// The report key and the `kind` of a leak-check error.
    var name: String {
        switch self {
        case .phone: return "phone"
        case .email: return "email"
        case .rrn: return "rrn"
        case .passport: return "passport"
        case .messenger: return "messenger"
        case .coordinates: return "coordinates"
        case .dob: return "dob"
        case .identifier: return "identifier"
        }
    }

    /// The typed placeholder that replaces a match.
    var placeholder: String {
        switch self {
        case .phone: return "[PHONE]"
        case .email: return "[EMAIL]"
        case .rrn: return "[ID]"
        case .passport: return "[PASSPORT]"
        case .messenger: return "[MESSENGER]"
        case .coordinates: return "[COORDINATES]"
        case .dob: return "[DOB]"
        case .identifier: return "[ID]"
        }
    }
}
