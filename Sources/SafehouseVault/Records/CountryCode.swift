/// ISO 3166 alpha-2 country codes as the vault stores them: two capitals.
public enum CountryCode {
    /// The stored form of a code given in either case (`cn` → `CN`).
    /// - Throws: `VaultError.usageWithHint` (64) for anything but two ASCII letters.
    public static func normalized(_ code: String) throws -> String {
        let upper = String(String.UnicodeScalarView(code.unicodeScalars.map { (97...122).contains($0.value) ? Unicode.Scalar($0.value - 32)! : $0 }))
        guard RecordMetadata.validCountry(upper) else {
            throw VaultError.usageWithHint("--country takes an ISO 3166 alpha-2 code: two letters",
                                           hint: "for example --country KR (or kr), US, CN, JP, GB")
        }
        return upper
    }
}
