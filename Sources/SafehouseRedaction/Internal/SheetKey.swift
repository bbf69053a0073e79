/// Any field name of a subject sheet, to find the ones the format does not have.
struct SheetKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }

    /// "unknown field 'catgory' (did you mean 'category'?)" when the name is a near
    /// miss of a known field; otherwise the name is not quoted (a misplaced value
    /// could be a real name) and the known fields are listed.
    static func unknownField(_ name: String, known: [String]) -> String {
        let looksLikeAField = !name.isEmpty && name.count <= 20 && name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || $0 == "_" || $0 == "-" }
        if looksLikeAField, let near = known.first(where: { editDistance(name, $0) <= 2 }) {
            return "unknown field '\(name)' (did you mean '\(near)'?)"
        }
        return "an unknown field (the fields are \(known.map { "'\($0)'" }.joined(separator: ", ")))"
    }

    /// Levenshtein distance (short ASCII names only).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
