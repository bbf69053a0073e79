import Foundation

/// What ffprobe says about a source (read through the loopback endpoint).
struct MediaProbe: Sendable {
    var hasVideo = false
    var hasAudio = false
    /// The picture as stored (coded), before any rotation.
    var codedWidth = 0
    var codedHeight = 0
    /// Degrees the player (and ffmpeg, which autorotates) turns the picture: a video's
    /// display matrix or a photo's EXIF orientation (first frame's). 0 when none.
    var rotation = 0.0
    /// The pixels' aspect ratio ("8:9" for anamorphic DV; "1:1", "0:1" or absent when square or unknown).
    var sampleAspectRatio = ""
    var sampleRate = 0
    var sampleFormat = ""
    var durationMs: Int?

    /// The rotation is a quarter turn (or none, or a half turn) — all that ffmpeg's
    /// autorotation applies. Anything else is refused: the boxes would land elsewhere.
    var rotationIsRightAngle: Bool {
        let r = rotation.truncatingRemainder(dividingBy: 90)
        return abs(r) < 0.5 || abs(abs(r) - 90) < 0.5
    }

    /// Pixels that a player stretches (anamorphic video): the picture it shows is not the
    /// one ffmpeg's filters see pixel for pixel, so boxes measured on it would land elsewhere.
    var hasNonSquarePixels: Bool {
        let parts = sampleAspectRatio.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, parts[0] > 0, parts[1] > 0 else { return false }
        return parts[0] != parts[1]
    }

    /// Whether the picture is turned on its side (a quarter turn either way).
    private var isSideways: Bool {
        let quarter = Int((rotation / 90).rounded())
        return quarter % 2 != 0
    }

    /// The picture as shown — the frame ffmpeg's filters see, and blur boxes' coordinates.
    var width: Int { isSideways ? codedHeight : codedWidth }
    var height: Int { isSideways ? codedWidth : codedHeight }

    /// One packet per stream is read (`-read_intervals`), enough for the first frame's
    /// side data (a JPEG's EXIF orientation); the duration comes from the container.
    static let arguments = ["-v", "error", "-read_intervals", "%+#1", "-show_entries",
                            "stream=codec_type,width,height,sample_aspect_ratio,sample_rate,sample_fmt:stream_side_data=rotation:frame=media_type:frame_side_data=rotation:format=duration",
                            "-of", "json"]

    static func parse(_ bytes: [UInt8]) -> MediaProbe {
        var p = MediaProbe()
        guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return p }
        for s in (root["streams"] as? [[String: Any]]) ?? [] {
            switch s["codec_type"] as? String {
            case "video" where !p.hasVideo:
                p.hasVideo = true
                p.codedWidth = (s["width"] as? Int) ?? 0; p.codedHeight = (s["height"] as? Int) ?? 0
                if let r = rotation(in: s) { p.rotation = r }
                p.sampleAspectRatio = (s["sample_aspect_ratio"] as? String) ?? ""
            case "audio" where !p.hasAudio:
                p.hasAudio = true
                p.sampleRate = Int((s["sample_rate"] as? String) ?? "") ?? 0
                p.sampleFormat = (s["sample_fmt"] as? String) ?? ""
            default: break
            }
        }
        if p.hasVideo, p.rotation == 0,
           let frame = ((root["frames"] as? [[String: Any]]) ?? []).first(where: { $0["media_type"] as? String == "video" }),
           let r = rotation(in: frame) {
            p.rotation = r
        }
        if let d = (root["format"] as? [String: Any])?["duration"] as? String, let sec = Double(d) { p.durationMs = Int((sec * 1000).rounded()) }
        return p
    }

    /// The first `rotation` in a stream's or frame's side data.
    private static func rotation(in section: [String: Any]) -> Double? {
        for entry in (section["side_data_list"] as? [[String: Any]]) ?? [] {
            if let r = entry["rotation"] as? Double { return r }
            if let r = entry["rotation"] as? Int { return Double(r) }
        }
        return nil
    }
}
