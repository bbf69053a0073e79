import Foundation

/// What ffprobe says about a source (read through the loopback endpoint).
struct MediaProbe: Sendable {
    var hasVideo = false
    var hasAudio = false
    var width = 0
    var height = 0
    var sampleRate = 0
    var sampleFormat = ""
    var durationMs: Int?

    static let arguments = ["-v", "error", "-show_entries", "stream=codec_type,width,height,sample_rate,sample_fmt:format=duration", "-of", "json"]

    static func parse(_ bytes: [UInt8]) -> MediaProbe {
        var p = MediaProbe()
        guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return p }
        for s in (root["streams"] as? [[String: Any]]) ?? [] {
            switch s["codec_type"] as? String {
            case "video" where !p.hasVideo:
                p.hasVideo = true
                p.width = (s["width"] as? Int) ?? 0; p.height = (s["height"] as? Int) ?? 0
            case "audio" where !p.hasAudio:
                p.hasAudio = true
                p.sampleRate = Int((s["sample_rate"] as? String) ?? "") ?? 0
                p.sampleFormat = (s["sample_fmt"] as? String) ?? ""
            default: break
            }
        }
        if let d = (root["format"] as? [String: Any])?["duration"] as? String, let sec = Double(d) { p.durationMs = Int((sec * 1000).rounded()) }
        return p
    }
}
