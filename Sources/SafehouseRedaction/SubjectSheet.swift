import Foundation

/// A subject sheet: the identities of a vault's subjects (format in the corpus README).
public struct SubjectSheet: Codable, Sendable, Equatable {
    public var subjects: [SubjectEntry]

    /// Most subjects one sheet may hold.
    public static let maxSubjects = 100_000

    public init(subjects: [SubjectEntry]) { self.subjects = subjects }

    private enum CodingKeys: String, CodingKey { case subjects }

    public init(from decoder: any Decoder) throws {
        guard let c = try? decoder.container(keyedBy: CodingKeys.self) else {
            throw RedactionError.malformedSheet(reason: "the top level must be an object with a 'subjects' list")
        }
        if let unknown = try decoder.container(keyedBy: SheetKey.self).allKeys.first(where: { $0.stringValue != "subjects" }) {
            throw RedactionError.malformedSheet(reason: "the top level: " + SheetKey.unknownField(unknown.stringValue, known: ["subjects"]))
        }
        guard c.contains(.subjects), var list = try? c.nestedUnkeyedContainer(forKey: .subjects) else {
            throw RedactionError.malformedSheet(reason: "'subjects' must be a list")
        }
        if let n = list.count, n > SubjectSheet.maxSubjects {
            throw RedactionError.malformedSheet(reason: "more than \(SubjectSheet.maxSubjects) subjects")
        }
        var out: [SubjectEntry] = []
        while !list.isAtEnd {
            out.append(try list.decode(SubjectEntry.self))
        }
        subjects = out
    }

    /// Parses and validates a JSON subject sheet.
    ///
    /// - Throws: ``RedactionError/malformedSheet(reason:)`` naming the subject number and field,
    ///   never a value.
    public static func parse(_ data: Data) throws -> SubjectSheet {
        do {
            return try JSONDecoder().decode(SubjectSheet.self, from: data)
        } catch let e as RedactionError {
            throw e
        } catch {
            if let f = JSONSyntax.firstError(in: [UInt8](data)) {
                throw RedactionError.malformedSheet(reason: "JSON syntax error at line \(f.line), column \(f.column): expected \(f.expected)")
            }
            throw RedactionError.malformedSheet(reason: "not valid JSON, or a value has the wrong type")
        }
    }
}

extension SubjectSheet: CustomStringConvertible {
    /// Counts only, never identities.
    public var description: String { "SubjectSheet(\(subjects.count) subjects)" }
}
