extension ExportFormat {
    /// The text format a file name implies by its extension (`cut.srt` → srt),
    /// looking through a trailing `.age` (`cut.srt.age` → srt); nil when none does.
    public static func inferred(fromPath path: String) -> ExportFormat? {
        var name = Substring(path.split(separator: "/").last ?? "")
        if name.lowercased().hasSuffix(".age") { name = name.dropLast(4) }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return ExportFormat(rawValue: name[name.index(after: dot)...].lowercased())
    }
}
