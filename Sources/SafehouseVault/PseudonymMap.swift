import Foundation
import SafehouseCrypto
import SafehouseRedaction

/// Pseudonyms kept across standalone `redact` runs, so the same subject is the
/// same pseudonym in every file.
///
/// The file links pseudonyms to subjects: each line of it holds a pseudonym and
/// a BLAKE2b digest of the subject's normalized name (not the name itself, but
/// anyone holding the sheet can recompute it, so the file is as sensitive as the
/// link it records). It is written 0600, atomically, and only after a redaction
/// succeeded. Format (UTF-8 lines): `safehouse pseudonyms v1`, then
/// `<64 hex digest> <pseudonym>` per subject.
public struct PseudonymMap: Sendable, Equatable {
    public private(set) var byDigest: [String: String] = [:]

    public init() {}

    static let header = "safehouse pseudonyms v1"

    /// Reads a map; a missing file is an empty map.
    public static func load(path: String) throws -> PseudonymMap {
        guard FileManager.default.fileExists(atPath: path) else { return PseudonymMap() }
        guard let data = FileManager.default.contents(atPath: path), data.count <= 16 << 20,
              let text = String(data: data, encoding: .utf8) else {
            throw VaultError.badData(object: path, hint: "the pseudonym file cannot be read")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard lines.first == header else { throw VaultError.badData(object: path, hint: "this is not a pseudonym file (\(header))") }
        lines.removeFirst()
        var map = PseudonymMap()
        var used = Set<String>()
        for (n, line) in lines.enumerated() {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0].count == 64, Encoding.unhex(parts[0]) != nil, Pseudonym.isValid(parts[1]),
                  map.byDigest[parts[0]] == nil, used.insert(parts[1]).inserted else {
                throw VaultError.badData(object: path, hint: "line \(n + 2) of the pseudonym file is damaged")
            }
            map.byDigest[parts[0]] = parts[1]
        }
        return map
    }

    /// The digest a subject is filed under: its name, NFKC-normalized, case-folded, spaces collapsed.
    static func digest(_ entry: SubjectEntry) -> String {
        let name = entry.name.precomposedStringWithCompatibilityMapping.lowercased()
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return Encoding.hex(GenericHash.hash(Array("safehouse pseudonym map v1\n".utf8) + Array(name.utf8), length: 32))
    }

    /// Each subject with its pseudonym: the one on file, else a new one (added to the map).
    public mutating func assign(_ entries: [SubjectEntry]) -> [RedactionSubject] {
        var used = Set(byDigest.values)
        return entries.map { e in
            let d = Self.digest(e)
            if let p = byDigest[d] { return RedactionSubject(entry: e, pseudonym: p) }
            var p = Pseudonym.generate()
            while used.contains(p) { p = Pseudonym.generate() }
            used.insert(p)
            byDigest[d] = p
            return RedactionSubject(entry: e, pseudonym: p)
        }
    }

    /// Writes the map (0600, atomically).
    public func save(path: String) throws {
        let body = ([Self.header] + byDigest.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }).joined(separator: "\n") + "\n"
        try PublicFile.write(Array(body.utf8), to: path, overwrite: true, secret: true)
    }
}
