import SafehouseCrypto
import SafehouseVault

extension Export {
    /// The age recipients of `--age-recipient` and `--age-recipients-file`, in
    /// order, each once. A recipient that is not X25519 (an SSH key, a plugin)
    /// or not valid Bech32 is a usage error naming the option or the line.
    func ageRecipients() throws -> [AgeRecipient] {
        var out: [AgeRecipient] = []
        for (i, text) in ageRecipient.enumerated() {
            do { out.append(try AgeRecipient(text)) } catch let e as AgeError {
                throw VaultError.usage("--age-recipient #\(i + 1): \(e.description)")
            }
        }
        if let file = ageRecipientsFile {
            out += try AgeRecipientsFile.parse(try readText(file, maxBytes: 1 << 20), name: file)
        }
        var seen = Set<AgeRecipient>()
        return out.filter { seen.insert($0).inserted }
    }
}
