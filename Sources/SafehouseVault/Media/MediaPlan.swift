import Foundation
import SafehouseRedaction

/// Builds the ffmpeg command lines of media excerpts. Pure: no process is run here.
enum MediaPlan {
    static let toneHz = 1000
    /// −12 dBFS.
    static let toneAmplitude = "0.25"
    static let pitchFactor = "1.25"
    /// Every output: no metadata of any kind carried over, no version strings written.
    static let strip = ["-map_metadata", "-1", "-map_chapters", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]
    /// H.264 for the picture, with the SEI NAL units (where x264 writes its version and
    /// settings) removed.
    static let videoCodec = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p", "-bsf:v", "filter_units=remove_types=6"]

    /// The filter that replaces the spans (seconds relative to the clip) in every channel.
    static func bleepFilter(_ spans: [BleepSpan], mode: BleepMode) -> String? {
        guard !spans.isEmpty else { return nil }
        let cond = spans.map { "between(t\\,\(MediaClock.seconds($0.startMs))\\,\(MediaClock.seconds($0.endMs)))" }.joined(separator: "+")
        let replacement = mode == .tone ? "\(toneAmplitude)*sin(2*PI*\(toneHz)*t)" : "0"
        return "aeval=exprs='if(gt(\(cond)\\,0)\\,\(replacement)\\,val(ch))':c=same"
    }

    /// The whole filter graph: `[a]` and `[v]` out, as the source has them.
    static func graph(probe: MediaProbe, spans: [BleepSpan], approval: MediaApproval, boxes: [BlurBox]) -> String {
        var parts: [String] = []
        if probe.hasAudio {
            var chain: [String] = []
            if let b = bleepFilter(spans, mode: approval.bleep) { chain.append(b) }
            if ["s16", "s16p"].contains(probe.sampleFormat) { chain.append("aformat=sample_fmts=s16") }
            if approval.voice == .shift, probe.sampleRate > 0 {
                chain += ["asetrate=\(probe.sampleRate)*\(pitchFactor)", "aresample=\(probe.sampleRate)", "atempo=1/\(pitchFactor)"]
            }
            parts.append("[0:a:0]" + (chain.isEmpty ? "anull" : chain.joined(separator: ",")) + "[a]")
        }
        if probe.hasVideo {
            var label = "[0:v:0]"
            var n = 0
            func next() -> String { n += 1; return "[v\(n)]" }
            switch approval.video {
            case .keep: break
            case .blur:
                let out = next()
                parts.append(label + "boxblur=luma_radius=min(w\\,h)/10:luma_power=3:chroma_radius=min(cw\\,ch)/10:chroma_power=3" + out)
                label = out
            case .black:
                let out = next()
                parts.append(label + "drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill" + out)
                label = out
            }
            for b in boxes {
                let base = next(), crop = next(), blurred = next(), out = next()
                let enable = b.fromMs.map { a in ":enable='between(t\\,\(MediaClock.seconds(a))\\,\(MediaClock.seconds(b.toMs ?? a)))'" } ?? ""
                parts.append("\(label)split\(base)\(crop)")
                parts.append("\(crop)crop=\(b.width):\(b.height):\(b.x):\(b.y),boxblur=luma_radius=min(w\\,h)/4:luma_power=3:chroma_radius=min(cw\\,ch)/4:chroma_power=3\(blurred)")
                parts.append("\(base)\(blurred)overlay=\(b.x):\(b.y)\(enable)\(out)")
                label = out
            }
            parts.append(label + "null[v]")
        }
        return parts.joined(separator: ";")
    }

    /// ffmpeg arguments that cut `[fromMs, fromMs+durationMs)` of `url`, apply the graph and
    /// write Matroska (FLAC audio, H.264 picture) to standard output.
    static func clipArguments(url: String, fromMs: Int, durationMs: Int, graph: String, probe: MediaProbe) -> [String] {
        var a = ["-nostdin", "-hide_banner", "-loglevel", "error"] + FFmpeg.inputOptions + [
                 "-ss", MediaClock.seconds(fromMs), "-i", url, "-t", MediaClock.seconds(durationMs), "-filter_complex", graph]
        if probe.hasVideo { a += ["-map", "[v]"] + videoCodec }
        if probe.hasAudio { a += ["-map", "[a]", "-c:a", "flac"] }
        return a + strip + ["-f", "matroska", "pipe:1"]
    }

    /// ffmpeg arguments for a photo: the first picture, boxes blurred, written as PNG.
    static func photoArguments(url: String, graph: String) -> [String] {
        ["-nostdin", "-hide_banner", "-loglevel", "error"] + FFmpeg.inputOptions + ["-i", url,
         "-filter_complex", graph, "-map", "[v]", "-frames:v", "1", "-c:v", "png"] + strip + ["-f", "image2pipe", "pipe:1"]
    }

    /// The container an export's file extension names.
    enum Output: String, CaseIterable {
        case mkv, mp4, wav, flac, png, jpg

        static func of(path: String) -> Output? {
            guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return nil }
            let e = path[path.index(after: dot)...].lowercased()
            return e == "jpeg" ? .jpg : Output(rawValue: e)
        }
    }

    /// ffmpeg arguments that read the stored clip on standard input and write `output` to
    /// standard output, which is the (unnamed) output file itself, so ffmpeg can seek back
    /// and finish its headers (WAV sizes, the MP4 index, Matroska cues): streams copied where the container takes them (no re-encoding of
    /// the picture), audio decoded to PCM for WAV; metadata stripped again.
    static func exportArguments(_ output: Output, hasVideo: Bool, hasAudio: Bool) -> [String] {
        var a = ["-nostdin", "-y", "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "pipe", "-i", "pipe:0"]
        switch output {
        case .mkv: a += ["-map", "0", "-c", "copy"] + strip + ["-f", "matroska"]
        case .mp4:
            a += ["-map", "0"] + (hasVideo ? ["-c:v", "copy"] : []) + (hasAudio ? ["-c:a", "aac", "-b:a", "192k"] : [])
            a += strip + ["-f", "mp4"]
        case .wav: a += ["-map", "0:a:0", "-c:a", "pcm_s16le"] + strip + ["-f", "wav"]
        case .flac: a += ["-map", "0:a:0", "-c:a", "flac"] + strip + ["-f", "flac"]
        case .jpg: a += ["-map", "0:v:0", "-frames:v", "1", "-c:v", "mjpeg", "-q:v", "2"] + strip + ["-f", "image2pipe"]
        case .png: a += ["-map", "0:v:0", "-frames:v", "1", "-c:v", "png"] + strip + ["-f", "image2pipe"]
        }
        return a + ["file:/dev/stdout"]
    }
}
