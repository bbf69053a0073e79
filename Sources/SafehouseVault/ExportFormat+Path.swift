extension ExportFormat {
    /// The text format a file name implies by its extension (`cut.srt` → srt),
    /// looking through a trailing `.age` (`cut.srt.age` → srt); nil when none does.
    public static func inferred(fromPath path: String) -> ExportFormat? {
        OutputDestination.formatExtension(of: path).flatMap(ExportFormat.init(rawValue:))
    }
}

extension OutputDestination {
    /// The lower-cased extension that names a file's format (`cut.SRT` → `srt`),
    /// looking through a trailing `.age` (`cut.srt.age` → `srt`); nil when there is none.
    public static func formatExtension(of path: String) -> String? {
        var name = Substring(path.split(separator: "/").last ?? "")
        if name.lowercased().hasSuffix(".age") { name = name.dropLast(4) }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return name[name.index(after: dot)...].lowercased()
    }
}
