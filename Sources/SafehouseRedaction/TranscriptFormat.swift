/// The transcript formats the redactor reads and writes.
public enum TranscriptFormat: String, CaseIterable, Sendable {
    /// Plain text: `[hh:mm:ss] SPEAKER: text`; a line without a stamp continues the cue before.
    case txt
    /// SubRip.
    case srt
    /// WebVTT.
    case vtt

    /// The format for a file extension (`txt`, `.text`, `SRT`, …), or nil when unknown.
    public static func fromExtension(_ ext: String) -> TranscriptFormat? {
        var e = ext.lowercased()
        if e.hasPrefix(".") { e.removeFirst() }
        switch e {
        case "txt", "text": return .txt
        case "srt": return .srt
        case "vtt": return .vtt
        default: return nil
        }
    }
}
