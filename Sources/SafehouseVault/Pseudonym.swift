import SafehouseCrypto

/// Subject pseudonyms: random and readable (`W-7Q2F`), issued once, never derived
/// from a name — a key that derived pseudonyms from names would let whoever holds
/// it (a seized laptop) test guesses.
public enum Pseudonym {
    /// Letters and digits that are hard to confuse aloud (no 0/O, 1/I/L).
    static let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")

    /// A fresh pseudonym: one letter, a dash, four characters (≈ 23 × 31⁴ ≈ 21 million).
    public static func generate() -> String {
        let letters = alphabet.filter(\.isLetter)
        var s = String(letters[Int(Random.uniform(UInt32(letters.count)))]) + "-"
        for _ in 0..<4 { s.append(alphabet[Int(Random.uniform(UInt32(alphabet.count)))]) }
        return s
    }

    /// Whether `s` has the pseudonym form.
    public static func isValid(_ s: String) -> Bool {
        let c = Array(s)
        return c.count == 6 && c[0].isLetter && alphabet.contains(c[0]) && c[1] == "-" && c[2...].allSatisfy { alphabet.contains($0) }
    }
}
