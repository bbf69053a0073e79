import Foundation

/// Escaping and formatting shared by the report renderers.
///
/// Audit fields are tokens (no space, quote or backslash) but may still hold
/// `<`, `&`, `|` or a backtick, and member names are free text: everything
/// that reaches HTML or Markdown goes through `html` or `markdown`.
enum ReportText {
    /// Escapes text for HTML element content and attribute values.
    static func html(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters have no business in a report.
                if ch.value < 0x20 || ch.value == 0x7F { out += " " } else { out.unicodeScalars.append(ch) }
            }
        }
        return out
    }

    /// Escapes text for a Markdown table cell: backslash before every
    /// character that is markup inside a cell (`|`, emphasis, code, links, HTML).
    static func markdown(_ s: String) -> String {
        var out = ""
        for ch in s.unicodeScalars {
            if ch.value < 0x20 || ch.value == 0x7F { out += " "; continue }
            if "\\`*_[]|<>&~".unicodeScalars.contains(ch) { out += "\\" }
            out.unicodeScalars.append(ch)
        }
        return out
    }

    /// "2025-11-25 14:03:07 UTC"-style, from Unix seconds.
    static func time(_ t: Int64, seconds: Bool = true) -> String {
        var tt = time_t(t)
        var tm = tm()
        gmtime_r(&tt, &tm)
        let base = String(format: "%04d-%02d-%02d %02d:%02d", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
                          Int(tm.tm_hour), Int(tm.tm_min))
        return seconds ? base + String(format: ":%02d", Int(tm.tm_sec)) : base
    }

    /// A tick label sized to the span shown: dates for long spans, times for short.
    static func tick(_ t: Int64, span: Int64) -> String {
        let full = time(t)
        if span >= 4 * 86_400 { return String(full.prefix(10)) }
        if span >= 600 { return String(full.dropFirst(5).prefix(11)) }
        return String(full.dropFirst(11))
    }

    /// The first groups of a fingerprint or key, for labels ("k7q2-fm3x…").
    static func shortKey(_ key: String) -> String {
        let c = Array(key)
        guard c.count > 8 else { return key }
        return String(c[0..<4]) + "-" + String(c[4..<8]) + "…"
    }

    /// "open×3, export×1", most frequent first.
    static func actions(_ counts: [String: Int]) -> String {
        counts.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key)×\($0.value)" }.joined(separator: ", ")
    }

    /// Thousands separators for counts.
    static func count(_ n: Int) -> String {
        let s = String(n)
        guard s.count > 3 else { return s }
        var out = ""
        for (i, ch) in s.enumerated() {
            if i > 0, (s.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }
}
