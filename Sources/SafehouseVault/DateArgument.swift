import Foundation

/// Dates and times given on the command line, parsed strictly: `2026/12/01`
/// or `2026-13-01` is an error, never a silently different date.
public enum DateArgument {
    /// `YYYY-MM-DD` (a UTC day) or `YYYY-MM-DDThh:mm:ssZ`.
    /// - Throws: `VaultError.usageWithHint` (64) naming `option` and the expected form.
    public static func parse(_ text: String, option: String) throws -> Date {
        if let d = day(text) { return d }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if text.count == 20, let d = f.date(from: text), f.string(from: d) == text { return d }
        throw VaultError.usageWithHint("\(option) takes a date YYYY-MM-DD or a UTC time YYYY-MM-DDThh:mm:ssZ",
                                       hint: "for example \(option) 2026-12-01 or \(option) 2026-12-01T09:30:00Z")
    }

    /// A strict `YYYY-MM-DD` day at 00:00 UTC, or nil.
    public static func day(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withFullDate]
        guard text.count == 10, let d = f.date(from: text), f.string(from: d) == text else { return nil }
        return d
    }
}
