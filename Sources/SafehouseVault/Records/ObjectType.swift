/// What a sealed object holds. The type is in clear (it decides who may sign and
/// who may hold slots); everything describing the content is encrypted.
public enum ObjectType: UInt8, Sendable, Codable, CaseIterable {
    /// An original: transcript, recording, photo, statement, legal filing.
    case record = 1
    /// An approved, redacted excerpt for editors.
    case excerpt = 2
    /// A subject identity (name, relatives, places, identifiers), for identity holders only.
    case subject = 3

    var label: String {
        switch self { case .record: return "record"; case .excerpt: return "excerpt"; case .subject: return "subject" }
    }
}
