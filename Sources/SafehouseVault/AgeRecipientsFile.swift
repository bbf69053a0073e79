import SafehouseCrypto

/// A recipients file as age reads one (`age -R`): one recipient per line,
/// `#` comments and blank lines ignored. Only X25519 recipients (`age1…`) are
/// accepted here.
public enum AgeRecipientsFile {
    /// At most this many recipients per export (each is named in the audit entry).
    public static let maxRecipients = 32

    /// Parses the text of a recipients file.
    /// - Parameter name: how to name the file in errors (its path).
    /// - Throws: `VaultError.usage` naming the line of the first recipient that is
    ///   not a valid X25519 recipient, without repeating the line.
    public static func parse(_ text: String, name: String) throws -> [AgeRecipient] {
        var out: [AgeRecipient] = []
        // CRLF is one Character, so it ends a line like LF does.
        for (i, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            var line = raw.drop(while: { $0 == " " || $0 == "\t" })
            while line.last == " " || line.last == "\t" { line = line.dropLast() }
            if line.isEmpty || line.hasPrefix("#") { continue }
            do { out.append(try AgeRecipient(String(line))) } catch let e as AgeError {
                throw VaultError.usage("\(name) line \(i + 1): \(e.description)")
            }
        }
        guard !out.isEmpty else { throw VaultError.usage("\(name) holds no recipient") }
        return out
    }
}
